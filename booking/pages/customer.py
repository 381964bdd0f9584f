"""The customer's booking pages: getting in from the order email's link (or a signed sign-in link), and the
customer's home: what they hold, what they can book, what is coming up.

The booking flow itself is in booking/pages/book.py and managing bookings in booking/pages/manage.py; all
register on this blueprint. Pages call use cases only (booking/self_service.py, booking/bookings.py).
"""
from __future__ import annotations

import hmac
import re
from decimal import Decimal
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from flask import Blueprint, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

import db
from booking import self_service, setup
from booking.accounts import booking_settings, packages_for, plain
from booking.customers import customer_for
from booking.pages import proxy, sessions
from booking.pages.limits import PER_CLIENT, PER_SHOP, limiter, per_shop_key
from booking.prepaid import prepaid_balances
from booking.records import Booking, Customer, Entitlement, Order
from booking.rules.plans import PlanTerms
from booking.rules.links import InvalidLink, read_customer_link
from db import utcnow
from shopify_app.client import ShopifyClient
from shopify_app.errors import ShopifyError
from shopify_app.models import Shop
from shopify_app.queries import ORDER_FOR_LINK
from shopify_app.shop_domain import is_canonical_shop

bp = Blueprint("booking", __name__)

_ORDER_ID = re.compile(r"[0-9]{1,19}")
EXPIRING_SOON_DAYS = 14


# --- getting in ---

@bp.get("/book")
@limiter.limit(PER_CLIENT)
@limiter.limit(PER_SHOP, key_func=per_shop_key)
def from_order_email():
    """The link in Shopify's order email: ?shop={{ shop.permanent_domain }}&order={{ id }}&c={{ confirmation_number }}.

    The order must belong to the shop and the confirmation number must match (compared in constant time). Then
    a customer session starts and the customer is sent on, so the link's values leave the address bar. The email
    can arrive before Packbook has heard of the order: that is a friendly page that refreshes itself."""
    if proxy.proxied() is not None and "order" not in request.args:
        return redirect(url_for("booking.home"), 303)  # the shop's /apps/book: straight to their page
    shop_domain, order_id, confirmation = (request.args.get(k, "") for k in ("shop", "order", "c"))
    if not (is_canonical_shop(shop_domain) and _ORDER_ID.fullmatch(order_id) and 0 < len(confirmation) <= 50):
        return invalid_link()
    session = db.session()
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
    if shop is None or not shop.is_installed:
        return invalid_link()
    order = session.scalar(select(Order).where(Order.shop_id == shop.id, Order.shopify_order_id == int(order_id)))
    if order is None:
        return _ask_shopify_for_the_order(shop, int(order_id), confirmation)
    if not hmac.compare_digest((order.confirmation_number or "").encode(), confirmation.encode()):
        return invalid_link()
    _note_link_opened(shop)
    if order.customer_id is None:
        return render_template("booking/preparing.html", shop=shop), 200
    return sessions.start(make_response(redirect(url_for("booking.home"), 303)), shop.id, order.customer_id)


def _ask_shopify_for_the_order(shop: Shop, order_id: int, confirmation: str):
    """The email beat the webhook: ask the Admin API whether the shop has this order with this confirmation
    number. If so the customer is let in now (their sessions appear when the order is processed); if Shopify
    says no such order, the link is not valid; if Shopify cannot be asked, the preparing page waits."""
    found = shopify_order(shop, order_id)
    if found is None:
        return render_template("booking/preparing.html", shop=shop), 200
    if not found or not hmac.compare_digest((found.get("confirmation") or "").encode(), confirmation.encode()):
        return invalid_link()
    _note_link_opened(shop)
    if not (found.get("customer_id") or found.get("email")):
        return render_template("booking/preparing.html", shop=shop), 200
    session = db.session()
    customer = customer_for(session, shop.id, found.get("customer_id"), found.get("email"))
    session.commit()
    return sessions.start(make_response(redirect(url_for("booking.home", waiting=1), 303)), shop.id, customer.id)


def _note_link_opened(shop: Shop) -> None:
    """A valid order link was opened: the snippet is in the shop's order confirmation (the setup checklist)."""
    session = db.session()
    setup.note_order_link_opened(session, shop.id, utcnow())
    session.commit()


def shopify_order(shop: Shop, order_id: int) -> dict | None:
    """{} when the shop has no such order, its facts when it has, None when Shopify could not be asked."""
    now = utcnow()
    if not shop.has_usable_token(now):
        return None
    try:
        with ShopifyClient(shop.domain, shop.access_token, admin_origin=current_app.config["PACKBOOK"]
                           .shopify_admin_origin, max_attempts=1, timeout=5) as shopify:
            node = shopify.query(ORDER_FOR_LINK, {"id": f"gid://shopify/Order/{order_id}"})["order"]
    except ShopifyError:
        return None
    if not node:
        return {}
    customer = node.get("customer") or {}
    customer_id = (customer.get("id") or "").rpartition("/")[2]
    return {"confirmation": node.get("confirmationNumber"),
            "customer_id": int(customer_id) if customer_id.isdigit() else None,
            "email": node.get("email") or (customer.get("defaultEmailAddress") or {}).get("emailAddress")}


@bp.get("/c/<token>")
@limiter.limit(PER_CLIENT)
def from_signed_link(token: str):
    """A signed sign-in link (sent by email): start a session and move on, or a plain 404."""
    try:
        link = read_customer_link(current_app.config["SECRET_KEY"], token)
    except InvalidLink:
        return invalid_link()
    session = db.session()
    shop = session.scalar(select(Shop).where(Shop.domain == link.shop))
    if shop is None or not shop.is_installed:
        return invalid_link()
    shopify_id = int(link.customer_id) if (link.customer_id or "").isdigit() else None
    if shopify_id is None and not link.email:
        return invalid_link()
    customer = customer_for(session, shop.id, shopify_id, link.email)
    session.commit()
    return sessions.start(make_response(redirect(_next_page(), 303)), shop.id, customer.id)


_NEXT = re.compile(r"/book/bookings/[0-9]{1,19}(/cancel)?|/book/bookings|/book/home")


def _next_page() -> str:
    """Where a sign-in link goes on to: one of the customer's own pages, never anywhere else."""
    asked = request.args.get("next", "")
    return asked if _NEXT.fullmatch(asked) else url_for("booking.home")


def invalid_link():
    """The same plain answer for every bad link: no detail, no session."""
    return sessions.end(make_response(render_template("booking/link_error.html"), 404))


def signed_in_or_404():
    """(shop, customer) of this request's session, or the page to return instead: the invalid-link page, or,
    for a guest who came through the shop's app proxy, the sign-in form."""
    found = sessions.signed_in()
    via = proxy.proxied()
    if found is None and via is not None:
        return None, None, redirect(proxy.page_url("booking.login", shop=via.shop), 303)
    if found is None:
        return None, None, invalid_link()
    g.shop_zone = ZoneInfo(booking_settings(db.session(), found[0].id).timezone)
    return found[0], found[1], None


# --- home ---

@bp.get("/book/home")
def home():
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session, now = db.session(), utcnow()
    packages = packages_for(session, shop.id, customer, now)
    upcoming = [b for b in self_service.customer_bookings(session, shop.id, customer)
                if b.ends_at > now and b.status in ("held", "confirmed")]
    return render_template(
        "booking/customer_home.html", shop=shop, customer=customer, packages=packages,
        terms_of=_terms_lines(session, shop.id, packages),
        memberships=self_service.memberships_of(session, shop.id, customer, now),
        names=self_service.names(session, shop.id),
        balances=_balances(session, shop, customer), upcoming=upcoming[:10],
        bookable=self_service.bookable_services(session, shop.id, customer, now),
        preparing=_orders_being_prepared(session, shop, customer), expiring_soon_days=EXPIRING_SOON_DAYS,
        waiting=request.args.get("waiting") == "1")


def _terms_lines(session, shop_id: int, packages: list[dict]) -> dict[int, list[str]]:
    """What each package covers and when it may be used, one short line each, in the reader's language."""
    names = self_service.names(session, shop_id)
    services, staff = names["services"], names["resources"]
    lines = {}
    for package in packages:
        terms = PlanTerms.from_json(session.get(Entitlement, package["id"]).terms)
        found = [_("For %(services)s", services=", ".join(services.get(i, "?") for i in sorted(terms.service_ids)))
                 if terms.service_ids else _("For any service")]
        if terms.resource_id is not None:
            found.append(_("with %(name)s", name=staff.get(terms.resource_id, "?")))
        windows = terms.windows
        if windows.weekdays is not None:
            names = Locale.parse(str(get_locale())).days["format"]["abbreviated"]
            found.append(_("on %(days)s", days=", ".join(names[d] for d in sorted(windows.weekdays))))
        if windows.times:
            found.append(_("between %(ranges)s", ranges=", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in windows.times)))
        if windows.date_from or windows.date_to:
            found.append(_("from %(first)s to %(last)s", first=windows.date_from or "…", last=windows.date_to or "…"))
        lines[package["id"]] = found
    return lines


def _balances(session, shop: Shop, customer: Customer) -> list[dict]:
    return [{"amount": row.amount, "currency": row.currency or "", "left": card.balance if card else None,
             "seen_at": card.balance_seen_at if card else None,
             "last_characters": card.last_characters if card else None}
            for row, card in prepaid_balances(session, shop.id, customer)]


def _orders_being_prepared(session, shop: Shop, customer: Customer) -> list[Order]:
    """Paid orders with mapped lines whose packages are not granted yet (the webhook is on its way)."""
    orders = session.scalars(select(Order).where(Order.shop_id == shop.id, Order.customer_id == customer.id,
                                                 Order.granted_at.is_(None))).all()
    return [o for o in orders if any(line.get("plan_id") for line in o.lines)]


# --- formatting, in the shop's zone and the reader's language ---

@bp.app_template_filter("local_day")
def local_day(moment: datetime, form: str = "full") -> str:
    return format_date(moment.astimezone(_zone()).date(), form, locale=str(get_locale()))


@bp.app_template_filter("local_time")
def local_time(moment: datetime) -> str:
    return format_time(moment.astimezone(_zone()), "short", locale=str(get_locale()))


@bp.app_template_filter("local_when")
def local_when(moment: datetime) -> str:
    return format_datetime(moment.astimezone(_zone()), "medium", locale=str(get_locale()))


def _zone() -> ZoneInfo:
    return g.get("shop_zone") or ZoneInfo("UTC")


@bp.app_context_processor
def _customer_page_helpers():
    return {"csrf_token": sessions.csrf_token, "get_locale": get_locale, "status_label": status_label,
            "package_validity": package_validity, "period_label": period_label, "credit_left": credit_left,
            "url_for": _page_url}


def _page_url(endpoint: str, **values) -> str:
    """Links on the customer pages: back through the shop's domain when reached through the app proxy, and
    the stylesheet and scripts from the app itself (the shop's domain does not serve them)."""
    if endpoint == "static" and proxy.proxied() is not None:
        return current_app.config["PACKBOOK"].shopify_app_url + url_for(endpoint, **values)
    return proxy.page_url(endpoint, **values)


@bp.after_request
def _redirect_through_proxy(response):
    if response.location and proxy.proxied() is not None:
        response.location = proxy.through_proxy(response.location)
    return response


def status_label(status: str) -> str:
    """A package's or booking's status in the reader's language (each word listed, so it is extracted)."""
    return {"active": _("active"), "expired": _("expired"), "revoked": _("revoked"), "held": _("held"),
            "confirmed": _("confirmed"), "completed": _("completed"), "no_show": _("missed"),
            "cancelled": _("cancelled")}.get(status, status)


def refusal_reason(error) -> str:
    """A booking refusal in the customer's language, by its code; the domain's own sentence otherwise."""
    reasons = {
        "slot_unavailable": _("that time is no longer free"),
        "in_the_past": _("that time has passed"),
        "short_notice": _("that time is too soon to book"),
        "beyond_horizon": _("that time is too far ahead to book yet"),
        "closed": _("the shop is closed then"),
        "outside_hours": _("the session would not fit in the opening hours"),
        "off_grid": _("sessions start on the times shown only"),
        "not_performed": _("that person does not offer this service"),
        "insufficient_credit": _("your package has nothing left for this"),
        "outside_package_window": _("your package cannot be used at that time"),
        "not_eligible": _("your package does not cover this"),
        "entitlement_expired": _("your package is no longer valid then"),
        "cutoff_passed": _("it is too late to change this session"),
        "invalid_transition": _("this session cannot be changed that way any more"),
    }
    return reasons.get(getattr(error, "code", ""), getattr(error, "message", ""))


def package_validity(package: dict) -> str:
    """When a package stops being valid, in the reader's language (the API's `validity` wording is English)."""
    if package.get("expires_at") is None:
        return ""
    ends = datetime.fromisoformat(package["expires_at"])
    if package["validity"].startswith("through"):
        return _("valid through %(day)s", day=format_date(date.fromisoformat(package["valid_through"]), "medium",
                                                          locale=str(get_locale())))
    return _("valid until %(when)s", when=local_when(ends))


def period_label(count: int, unit: str) -> str:
    """ "1 month", "2 weeks" in the reader's language."""
    forms = {"day": ngettext("%(num)d day", "%(num)d days", count), "week": ngettext("%(num)d week", "%(num)d weeks", count),
             "month": ngettext("%(num)d month", "%(num)d months", count),
             "year": ngettext("%(num)d year", "%(num)d years", count)}
    return forms.get(unit, f"{count} {unit}")


def credit_left(left, total=None, unit: str = "sessions", currency: str | None = None) -> str:
    """What a package still holds, in its own unit: "3 of 5 left", "540 of 600 minutes left", "80 of 300 USD left"."""
    left, total = plain(Decimal(str(left))), (None if total is None else plain(Decimal(str(total))))
    if unit == "minutes":
        return (_("%(left)s of %(total)s minutes left", left=left, total=total) if total is not None
                else _("%(left)s minutes left", left=left))
    if unit == "money":
        return (_("%(left)s of %(total)s %(currency)s left", left=left, total=total, currency=currency or "")
                if total is not None else _("%(left)s %(currency)s left", left=left, currency=currency or ""))
    return _("%(left)s of %(total)s left", left=left, total=total) if total is not None else \
        _("%(left)s left", left=left)


def owe_email(email_id: int | None) -> None:
    """Note that this request asked for an email, so the app sends it once the response is out (no Redis)."""
    if email_id:
        g.emails_owed = True


def is_upcoming(booking: Booking, now: datetime) -> bool:
    return booking.ends_at > now and booking.status in ("held", "confirmed")


# The booking flow and the management pages register on this blueprint.
from booking.pages import book, login, manage  # noqa: E402,F401
