"""/api/customers: the front desk finds a customer and reads what they own; which packages could pay a session."""
from __future__ import annotations

from flask import g, jsonify
from pydantic import Field

import db
from booking import accounts, bookings, directory
from booking.api import bp, utc_now
from booking.customers import search
from booking.records import Entitlement
from endpoints import declare
from endpoints.fields import Instant, SmallId, text, whole
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required

from booking.api.accounts import EntitlementOut

PAGE = 25


class CustomerQuery(Body):
    q: text(200, min_length=0) | None = Field(None, description="Words of a name or email, or a Shopify customer id")
    offset: whole(0, 10_000, digits=True) = Field(0, description="Skip this many (pages of 25)")


class CustomerRow(Answer):
    id: int = Field(description="Packbook's own id")
    shopify_customer_id: int | None
    name: str = Field(description="First and last name, else the email")
    first_name: str | None
    last_name: str | None
    email: str | None


class CustomerPage(Answer):
    customers: list[CustomerRow]
    has_more: bool


class Amount(Answer):
    amount: str
    currency: str | None


class CustomerSummary(Answer):
    sessions_left: str
    minutes_left: str
    credit: list[Amount] = Field(description="Money left in packages, per currency")
    gift_card_balance: list[Amount] = Field(description="Prepaid gift cards' last known balances")
    unlimited_passes: int
    no_shows: int
    late_cancellations: int = Field(description="Cancelled after the cutoff, the session kept by the package")
    upcoming: int


class CustomerProfile(Answer):
    customer: CustomerRow
    summary: CustomerSummary
    packages: list[EntitlementOut] = Field(description="Active first, then by expiry")
    shopify_admin_url: str | None = Field(description="The customer in Shopify admin")


class OptionsQuery(Body):
    service_id: SmallId
    resource_id: SmallId
    starts_at: Instant


class PackageOption(Answer):
    package: EntitlementOut
    usable: bool
    cost: str | None = Field(description="What the session would take from it")
    code: str | None = Field(description="Why it can't pay, as the booking would refuse it")
    reason: str | None


class PackageOptions(Answer):
    options: list[PackageOption]


@bp.get("/customers")
@shop_required
@declare("customers", query=CustomerQuery, answer=CustomerPage, says="A page of customers")
def list_customers(query: CustomerQuery):
    """Search by any words of a name or email, or by Shopify customer id; empty lists the newest."""
    rows = search(db.session(), g.shop.id, query.q or "", limit=PAGE + 1, offset=query.offset)
    return jsonify(customers=[directory.customer_row(c) for c in rows[:PAGE]], has_more=len(rows) > PAGE)


@bp.get("/customers/<id:customer_id>")
@shop_required
@declare("customers", answer=CustomerProfile, errors=("NotFound",), says="The customer at a glance")
def customer_profile(customer_id: int):
    """A customer Packbook knows, by Shopify id: who, what they own, and the numbers the front desk reads."""
    session, now = db.session(), utc_now()
    customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id)
    handle = g.shop.domain.removesuffix(".myshopify.com")
    return jsonify(customer=directory.customer_row(customer),
                   summary=directory.summary(session, g.shop.id, customer, now),
                   packages=directory.packages(session, g.shop.id, customer, now),
                   shopify_admin_url=f"https://admin.shopify.com/store/{handle}/customers/{customer_id}")


@bp.get("/customers/<id:customer_id>/package-options")
@shop_required
@declare("customers", query=OptionsQuery, answer=PackageOptions, errors=("NotFound",),
         says="Each active package, usable or not and why",
         description="404 for a customer Packbook has not seen (who owns nothing yet) and for another shop's "
                     "service or resource.")
def package_options(customer_id: int, query: OptionsQuery):
    """Which of the customer's packages could pay for this session, checked as booking checks it."""
    session, now = db.session(), utc_now()
    customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id)
    zone = accounts.shop_zone(session, g.shop.id)
    found = bookings.package_options(session, g.shop.id, customer, query.service_id, query.resource_id,
                                     query.starts_at, now)
    described = {o.entitlement_id: accounts.describe_package(session, session.get(
        Entitlement, o.entitlement_id), zone, now) for o in found}
    return jsonify(options=[{
        "package": described[o.entitlement_id], "usable": o.refusal is None,
        "cost": accounts.plain(o.cost) if o.cost is not None else None,
        "code": o.refusal.code if o.refusal else None, "reason": o.refusal.message if o.refusal else None,
    } for o in found])
