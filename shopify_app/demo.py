"""Demo mode: explore the admin with no Shopify store, on this machine only.

It is off unless PACKBOOK_DEMO=1 (which config refuses unless SHOPIFY_APP_URL is a localhost
URL) and every request must come from and be addressed to a loopback host. It mints session
tokens locally, so it must never be reachable from anywhere else.
"""
from __future__ import annotations

import time

from flask import Blueprint, abort, jsonify, request

from shopify_app.auth import is_loopback_request, settings
from shopify_app.session_tokens import mint_session_token
from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop

bp = Blueprint("demo", __name__, url_prefix="/demo")


@bp.before_request
def only_in_demo_mode():
    if not (settings().demo_mode and is_loopback_request()):
        abort(404)


def _shop() -> str:
    try:
        return sanitize_shop(request.args.get("shop"))
    except InvalidShopDomain as exc:
        abort(400, str(exc))


@bp.get("/session-token")
def session_token():
    """What App Bridge's shopify.idToken() returns inside the real admin."""
    s = settings()
    token = mint_session_token(_shop(), api_key=s.shopify_api_key, secret=s.shopify_api_secret,
                               now=int(time.time()))
    return jsonify(token=token)
