"""Session tokens on requests: the @shop_required guard for /api and the helpers views share."""
from __future__ import annotations

import functools
import ipaddress
import logging

from flask import current_app, g, jsonify, request

import db
from db import utcnow
from shopify_app.errors import ShopifyError
from shopify_app.models import Shop
from shopify_app.oauth import InvalidSubjectToken, OAuthClient
from shopify_app.shop_details import refresh_shop_details
from shopify_app.session_tokens import InvalidSessionToken, SessionToken, decode_session_token
from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop
from shopify_app.tokens import ReauthorizationRequired, ensure_offline_token, get_or_create_shop

log = logging.getLogger(__name__)

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"


def settings():
    return current_app.config["PACKBOOK"]


def oauth_client() -> OAuthClient:
    s = settings()
    return OAuthClient(s.shopify_api_key, s.shopify_api_secret, admin_origin=s.shopify_admin_origin)


def verify_session_token(token: str | None) -> SessionToken:
    """Decode an App Bridge session token with the current (then previous) client secret."""
    s = settings()
    return decode_session_token(token, api_key=s.shopify_api_key, secrets=s.webhook_secrets)


def install_or_refresh(token: SessionToken, raw_token: str) -> Shop:
    """Make sure the token's shop has a usable offline token, exchanging the session token if not."""
    session = db.session()
    shop = get_or_create_shop(session, token.shop)
    was_installed = shop.is_installed
    ensure_offline_token(session, shop, oauth_client(), utcnow(), session_token=raw_token)
    if not was_installed:  # a first install or a reinstall: learn the shop's time zone and currency
        refresh_shop_details(shop, admin_origin=settings().shopify_admin_origin)
    session.commit()
    return shop


def shop_required(view):
    """Guard a JSON API view: a valid session token, and g.shop set to that token's shop only."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header[:7].lower() == "bearer " else None
        try:
            token = verify_session_token(raw)
            g.shop = install_or_refresh(token, raw)
        except (InvalidSessionToken, InvalidSubjectToken) as exc:
            return _unauthorized(str(exc) or "invalid session token")
        except ReauthorizationRequired:
            return _unauthorized("the shop must open the app again to authorize it")
        except ShopifyError as exc:
            log.warning("token exchange failed: %s", exc)
            return jsonify(error="Shopify could not be reached to authorize this shop",
                           code="shopify_unavailable"), 502
        return view(*args, **kwargs)

    return wrapper


def _unauthorized(message: str):
    # App Bridge retries once with a fresh session token when it sees this header.
    response = jsonify(error=message, code="invalid_session")
    response.status_code = 401
    response.headers[RETRY_HEADER] = "1"
    return response


def shop_from_args() -> str | None:
    """The sanitized ?shop= of this request, or None; never an attacker-controlled string."""
    try:
        return sanitize_shop(request.args.get("shop"))
    except InvalidShopDomain:
        return None


def frame_ancestors(shop: str | None) -> str:
    """CSP for HTML: only the shop's admin may frame an embedded page; nobody frames the rest."""
    if shop:
        return f"frame-ancestors https://{shop} https://admin.shopify.com;"
    return "frame-ancestors 'none';"


def add_security_headers(response):
    if response.mimetype == "text/html":
        shop = g.get("csp_shop") or shop_from_args()
        response.headers["Content-Security-Policy"] = frame_ancestors(shop)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def is_loopback_request() -> bool:
    """True only for a request from this machine to a loopback host name (demo mode's guard)."""
    try:
        remote = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    host = (request.host or "").rsplit(":", 1)[0].strip("[]")
    return remote.is_loopback and host in ("localhost", "127.0.0.1", "::1") \
        and "X-Forwarded-For" not in request.headers


def staff_actor() -> str:
    """Who is acting, as the ledger and activity log name staff: "staff:<user id>" from the request's verified
    session token (its `sub`), or "staff" when the token names no user."""
    header = request.headers.get("Authorization", "")
    try:
        user_id = verify_session_token(header[7:].strip()).user_id
    except InvalidSessionToken:
        user_id = None
    return f"staff:{user_id}" if user_id else "staff"
