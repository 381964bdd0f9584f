"""The embedded app home, the session-token bounce page, and the legacy OAuth install flow."""
from __future__ import annotations

import hmac
import logging
import secrets
import time
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for

from shopify_app.auth import install_or_refresh, oauth_client, settings, verify_session_token
from shopify_app.errors import ShopifyError
from shopify_app.oauth import InvalidSubjectToken
from shopify_app.session_tokens import InvalidSessionToken
from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop
from shopify_app.signatures import InvalidSignature, verify_query_hmac
from shopify_app.tokens import get_or_create_shop, store_grant
from db import utcnow
import db

log = logging.getLogger(__name__)
bp = Blueprint("shopify_app", __name__)

BOUNCE_PATH = "/auth/session-token"


def embedded_document():
    """Check an embedded document request (the app home): a shop, a verified id_token and an offline token.

    Returns None when the page may render, else the response to send instead: the landing page without a
    shop, the admin when opened outside it, the bounce page for a missing or stale token, an error page when
    Shopify cannot be reached. The page itself then carries no shop data: its scripts ask /api with the token.
    """
    if not request.args.get("shop"):
        return render_template("shopify_app/landing.html"), 200
    shop = _shop_or_400(request.args.get("shop"))
    g.csp_shop = shop
    id_token = request.args.get("id_token")
    if not id_token and request.args.get("embedded") != "1":
        return redirect(_admin_app_url(shop))  # opened outside the admin: go into it
    try:
        token = verify_session_token(id_token)
        if token.shop != shop:
            abort(401, "the session token belongs to another shop")
        install_or_refresh(token, id_token)
    except (InvalidSessionToken, InvalidSubjectToken):
        return redirect(_bounce_url(shop))  # missing or stale: App Bridge fetches a fresh one
    except ShopifyError as exc:
        log.warning("could not authorize %s: %s", shop, exc)
        return render_template("shopify_app/error.html", message="Shopify could not be reached. "
                               "Please reload the page in a moment."), 502
    return None


@bp.get(BOUNCE_PATH)
def session_token_bounce():
    """App Bridge reads `shopify-reload`, gets a fresh id_token and reloads that URL with it."""
    shop = _shop_or_400(request.args.get("shop"))
    g.csp_shop = shop
    target = request.args.get("shopify-reload", "")
    if not _is_own_url(target):
        abort(400, "shopify-reload must point at this app")
    return render_template("shopify_app/bounce.html", api_key=settings().shopify_api_key)


def _bounce_url(shop: str) -> str:
    kept = {k: v for k, v in request.args.items() if k not in ("id_token", "hmac")}
    reload_target = f"{request.path}?{urlencode(kept)}"
    return f"{BOUNCE_PATH}?{urlencode({'shop': shop, 'host': request.args.get('host', ''), 'shopify-reload': reload_target})}"


def _is_own_url(target: str) -> bool:
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc:
        return target.startswith("/") and not target.startswith("//")
    app = urlsplit(settings().shopify_app_url)
    return (parts.scheme, parts.netloc) == (app.scheme, app.netloc)


def _admin_app_url(shop: str) -> str:
    handle = shop.removesuffix(".myshopify.com")
    return f"https://admin.shopify.com/store/{handle}/apps/{settings().shopify_api_key}"


def _shop_or_400(value: str | None) -> str:
    try:
        return sanitize_shop(value)
    except InvalidShopDomain as exc:
        abort(400, f"{exc}. The shop must be a *.myshopify.com domain.")


@bp.get("/auth/install")
def install():
    """Legacy install: send the merchant to Shopify to approve the app's scopes."""
    shop = _shop_or_400(request.args.get("shop"))
    state = secrets.token_urlsafe(24)
    session["oauth_state"], session["oauth_shop"] = state, shop
    redirect_uri = settings().shopify_app_url + url_for("shopify_app.oauth_callback")
    return redirect(oauth_client().authorize_url(shop, settings().shopify_scopes, redirect_uri, state))


@bp.get("/auth/callback")
def oauth_callback():
    """Legacy install callback: check shop, HMAC and state, then trade the code for a token."""
    shop = _shop_or_400(request.args.get("shop"))
    try:
        params = request.args.to_dict(flat=False)
        verify_query_hmac({k: v[0] if len(v) == 1 else v for k, v in params.items()},
                          settings().webhook_secrets, now=time.time())
    except InvalidSignature as exc:
        abort(401, f"the request's hmac is not valid ({exc.reason})")
    expected = session.pop("oauth_state", "")
    if not expected or not hmac.compare_digest(expected, request.args.get("state", "")) \
            or session.pop("oauth_shop", None) != shop:
        abort(403, "the OAuth state does not match; start the install again")
    _finish_install(shop, request.args.get("code", ""))
    return redirect(f"https://{shop}/admin/apps/{settings().shopify_api_key}")


def _finish_install(shop_domain: str, code: str) -> None:
    if not code:
        abort(400, "the callback has no code")
    now = utcnow()
    try:
        grant = oauth_client().exchange_code(shop_domain, code, now)
    except ShopifyError as exc:
        log.warning("code exchange failed for %s: %s", shop_domain, exc)
        abort(502, "Shopify did not issue an access token; please try installing again")
    session_db = db.session()
    store_grant(get_or_create_shop(session_db, shop_domain), grant, now)
    session_db.commit()
