"""/book/login: a customer asks for a fresh sign-in link by email. The page answers the same way whether or
not the address is known, so it tells nobody who is a customer; attempts are rate-limited like the links.

There is no session yet, so the form is protected by a double-submit token: a random value in a short-lived
HttpOnly cookie, and its HMAC in the form; a forged cross-site post has the cookie but cannot know the HMAC.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import abort, current_app, make_response, render_template, request
from flask_babel import get_locale
from sqlalchemy import select

import db
from booking import notifications
from booking.customers import normalize_email
from booking.pages import proxy
from booking.pages.customer import bp, owe_email
from booking.pages.limits import PER_CLIENT, PER_SHOP, limiter, per_shop_key
from booking.records import Customer
from db import utcnow
from shopify_app.models import Shop
from shopify_app.shop_domain import is_canonical_shop

FORM_COOKIE = "packbook_login"
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}")


def _form_token(nonce: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


@bp.route("/book/login", methods=["GET", "POST"])
@limiter.limit(PER_CLIENT, methods=["POST"])
@limiter.limit(PER_SHOP, key_func=per_shop_key, methods=["POST"])
def login():
    shop_domain = request.args.get("shop", "")
    session = db.session()
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain)) if is_canonical_shop(shop_domain) else None
    if shop is None or not shop.is_installed:
        return make_response(render_template("booking/link_error.html"), 404)
    if request.method == "GET" and proxy.proxied() is not None:
        return render_template("booking/login.html", shop=shop, form_token=_form_token(f"proxy:{shop.domain}"))
    if request.method == "GET":
        nonce = secrets.token_urlsafe(16)
        response = make_response(render_template("booking/login.html", shop=shop, form_token=_form_token(nonce)))
        response.set_cookie(FORM_COOKIE, nonce, max_age=3600, httponly=True, samesite="Lax", path="/book/login",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
        return response
    # Through the app proxy cookies are stripped: the token is bound to the shop instead. A forged post could
    # only send a sign-in link to the owner of the address it names, which signs nobody else in.
    nonce = request.cookies.get(FORM_COOKIE, "") if proxy.proxied() is None else f"proxy:{shop.domain}"
    if not nonce or not hmac.compare_digest(request.form.get("form_token", ""), _form_token(nonce)):
        abort(400, description="This form has expired. Go back, reload the page and try again.")
    email = normalize_email(request.form.get("email", ""))
    if email and _EMAIL.fullmatch(email):
        customer = session.scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.email == email)
                                  .order_by(Customer.shopify_customer_id.is_(None), Customer.id))
        if customer is not None:
            owe_email(notifications.sign_in_link(session, shop.id, customer, str(get_locale()), utcnow()))
        session.commit()
    # The same answer either way: whether the address belongs to a customer stays private.
    return render_template("booking/login.html", shop=shop, sent=True)
