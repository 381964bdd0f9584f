"""The owner's home page: what is owed, what expires this month, and how far setup has come.

Sums come from the packages' running sums (`entitlements.balance`, `granted`, kept by accounts.write_entry), so
the page answers in a few grouped queries however many packages and ledger entries the shop has.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from booking.accounts import booking_settings, plain, shop_zone
from booking.customers import display_name
from booking.models import Plan, PlanVariant, Resource, Service
from booking.records import Customer, Entitlement
from booking.reports import live, liability
from booking.rules.availability import local_midnight
from shopify_app.models import Shop

EXPIRING_LISTED = 20


def owed(session: Session, shop_id: int, now: datetime) -> dict:
    """Sessions, minutes and money still owed by live packages, and their worth at the price paid: the liability
    report's lines added up, so the home page and the report can never disagree."""
    shop_currency = session.get(Shop, shop_id).currency_code
    totals = {"sessions": Decimal(0), "minutes": Decimal(0)}
    money: dict[str | None, Decimal] = defaultdict(Decimal)
    worth: dict[str | None, Decimal] = defaultdict(Decimal)
    for line in liability(session, shop_id, shop_zone(session, shop_id), now):
        currency = line["currency"] or shop_currency
        if line["unit"] == "money":
            money[currency] += Decimal(line["owed"])
        else:
            totals[line["unit"]] += Decimal(line["owed"])
        if Decimal(line["value"]):
            worth[currency] += Decimal(line["value"])
    return {"sessions": plain(totals["sessions"]), "minutes": plain(totals["minutes"]),
            "money": [{"amount": f"{v:.2f}", "currency": c} for c, v in sorted(money.items(), key=_by_currency)],
            "value": [{"amount": f"{v:.2f}", "currency": c} for c, v in sorted(worth.items(), key=_by_currency)]}


def _by_currency(item) -> str:
    return item[0] or ""


def month_end(now: datetime, zone) -> datetime:
    """The first instant of next month in the shop's zone."""
    today = now.astimezone(zone).date()
    first_next = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return local_midnight(first_next, zone)


def expiring_this_month(session: Session, shop_id: int, now: datetime) -> dict:
    """Live packages with something left (or unlimited) whose last day falls in this calendar month."""
    zone = shop_zone(session, shop_id)
    soon = (Entitlement.shop_id == shop_id) & live(now) & (Entitlement.expires_at <= month_end(now, zone)) \
        & or_(Entitlement.balance > 0, Entitlement.unit == "unlimited")
    count = session.scalar(select(func.count()).select_from(Entitlement).where(soon)) or 0
    rows = session.execute(select(Entitlement, Customer).join(Customer, Customer.id == Entitlement.customer_id)
                           .where(soon).order_by(Entitlement.expires_at, Entitlement.id).limit(EXPIRING_LISTED)).all()
    return {"count": count, "packages": [{
        "id": package.id, "title": (package.terms or {}).get("title"), "unit": package.unit,
        "left": None if package.unit == "unlimited" else plain(package.balance),
        "currency": (package.terms or {}).get("currency"),
        "last_day": (package.expires_at - timedelta(microseconds=1)).astimezone(zone).date().isoformat(),
        "customer": {"shopify_customer_id": customer.shopify_customer_id, "name": display_name(customer)},
    } for package, customer in rows]}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    page: str  # where the owner does it


def setup_checklist(session: Session, shop_id: int) -> list[Step]:
    """The steps a new shop takes before customers can book, each ticked by what the shop has done."""
    def exists(query) -> bool:
        return session.scalar(query.limit(1)) is not None

    settings = booking_settings(session, shop_id)
    resources = session.scalars(select(Resource.weekly_hours).where(Resource.shop_id == shop_id,
                                                                     Resource.archived_at.is_(None))).all()
    return [
        Step("service", "Add a service", exists(select(Service.id).where(Service.shop_id == shop_id,
                                                                        Service.archived_at.is_(None))), "/services"),
        Step("hours", "Give a member of staff or a room weekly hours",
             any(any(hours.values()) for hours in resources if hours), "/services"),
        Step("plan", "Create a package", exists(select(Plan.id).where(Plan.shop_id == shop_id,
                                                                     Plan.archived_at.is_(None))), "/packages"),
        Step("product", "Link a package or a service to a Shopify product",
             exists(select(PlanVariant.id).where(PlanVariant.shop_id == shop_id))
             or exists(select(Service.id).where(Service.shop_id == shop_id, Service.shopify_variant_id.is_not(None))),
             "/packages"),
        Step("snippet", "Paste the booking link into Shopify's order confirmation email",
             settings.order_link_opened_at is not None, "/settings"),
        Step("test_email", "Send yourself a test email", settings.test_email_sent_at is not None, "/settings"),
    ]
