"""A customer's session on the booking pages: a signed, expiring, HttpOnly, SameSite=Lax cookie naming the shop
and the customer, started from a verified link (the order email's, or a signed sign-in link). Customers have no
password; the cookie is their key until it expires. Every form carries the session's CSRF token.
"""
from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from flask import abort, current_app, g, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

import db
from booking.customers import customer_for
from booking.pages import proxy
from booking.records import Customer
from shopify_app.models import Shop

COOKIE = "packbook_customer"
SALT = "packbook.customer-session.v1"
MAX_AGE = 14 * 24 * 3600  # two weeks, then the customer opens a link again


@dataclass(frozen=True)
class CustomerSession:
    shop_id: int
    customer_id: int  # Packbook's own customer row, scoped to the shop
    csrf: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def start(response, shop_id: int, customer_id: int):
    """Set the session cookie on `response` (a fresh CSRF token each time a session starts)."""
    value = _serializer().dumps({"s": shop_id, "c": customer_id, "x": secrets.token_urlsafe(24)})
    response.set_cookie(COOKIE, value, max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False), path="/")
    return response


def end(response):
    response.delete_cookie(COOKIE, path="/")
    return response


def current() -> CustomerSession | None:
    """The verified session of this request, or None (no cookie, tampered, or expired)."""
    if "customer_session" not in g:
        g.customer_session = _read(request.cookies.get(COOKIE))
    return g.customer_session


def _read(value: str | None) -> CustomerSession | None:
    if not value or len(value) > 1000:
        return None
    try:
        data = _serializer().loads(value, max_age=MAX_AGE)
    except BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), t) for k, t in (("s", int), ("c", int),
                                                                                      ("x", str))):
        return None
    return CustomerSession(data["s"], data["c"], data["x"])


def signed_in() -> tuple[Shop, Customer] | None:
    """The shop and customer of this request's session, both still existing (and the shop installed). Through
    the app proxy the signed request is the session: the customer Shopify says is logged in, or nobody."""
    via = proxy.proxied()
    if via is not None:
        return _proxied_customer(via)
    found = current()
    if found is None:
        return None
    session = db.session()
    shop = session.get(Shop, found.shop_id)
    customer = session.scalar(select(Customer).where(Customer.id == found.customer_id,
                                                     Customer.shop_id == found.shop_id))
    if shop is None or customer is None or not shop.is_installed or customer.redacted_at is not None:
        return None
    return shop, customer


def _proxied_customer(via) -> tuple[Shop, Customer] | None:
    session = db.session()
    shop = session.scalar(select(Shop).where(Shop.domain == via.shop))
    customer_id = via.logged_in_customer_id
    if shop is None or not shop.is_installed or not (customer_id or "").isdigit() or len(customer_id) > 19:
        return None
    customer = customer_for(session, shop.id, int(customer_id), None)  # Shopify vouches for this customer
    if customer.redacted_at is not None:
        return None
    g.proxy_customer = (shop.id, customer.id)
    return shop, customer


def csrf_token() -> str:
    if proxy.proxied() is not None:
        known = g.get("proxy_customer")
        return proxy.csrf_token(*known) if known else ""
    found = current()
    return found.csrf if found else ""


def check_csrf() -> None:
    """Refuse a state-changing form whose token is not this session's (400, nothing changed)."""
    sent = request.form.get("csrf_token", "")
    expected = csrf_token()
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, description="This form has expired. Go back, reload the page and try again.")
