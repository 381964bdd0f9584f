"""The merchant's embedded admin: Jinja shells for each page, filled by small ES modules that call /api.

A document carries no shop data: the app home (`/`) verifies its id_token and makes sure Packbook holds an offline
token (shopify_app.views.embedded_document); every other page is a shell whose script asks /api with App
Bridge's session token. Shopify's App Bridge and Polaris scripts come from Shopify's CDN; in demo mode, on this
machine only, local stand-ins take their place (static/demo/), so the admin can be explored without a store.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request

from shopify_app.auth import is_loopback_request, settings, shop_from_args
from shopify_app.views import embedded_document

bp = Blueprint("admin", __name__)

APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
POLARIS = "https://cdn.shopify.com/shopifycloud/polaris-1.js"  # the stable v1 channel: no surprise majors
# The nav menu, in order; the first is the app home (its link is the app's name in Shopify's sidebar).
PAGES = {"home": "Home", "calendar": "Calendar", "customers": "Customers", "services": "Services and staff",
         "packages": "Packages", "reports": "Reports", "settings": "Settings", "activity": "Activity and health"}


def _shell(page: str, **context):
    g.csp_shop = shop_from_args()
    stand_ins = settings().demo_mode and is_loopback_request()
    return render_template(f"admin/{page}.html", page=page, pages=PAGES, api_key=settings().shopify_api_key,
                           stand_ins=stand_ins, demo_shop=g.csp_shop if stand_ins else None,
                           app_bridge=APP_BRIDGE, polaris=POLARIS, **context)


@bp.get("/")
def app_home():
    """The app home, once the embedded request is verified: the owner's overview."""
    refused = embedded_document()
    return refused if refused is not None else _shell("home")


@bp.get("/home")
def home():
    return _shell("home")


@bp.get("/calendar")
def calendar():
    return _shell("calendar")


@bp.get("/customers")
def customers():
    return _shell("customers")


@bp.get("/customers/<int:customer_id>")
def customer(customer_id: int):
    return _shell("customer", customer_id=customer_id)


@bp.get("/services")
def services():
    return _shell("services")


@bp.get("/packages")
def packages():
    return _shell("packages")


@bp.get("/packages/new")
@bp.get("/packages/<int:plan_id>")
def package(plan_id: int | None = None):
    return _shell("package", plan_id=plan_id)


@bp.get("/reports")
def reports():
    return _shell("reports")


@bp.get("/settings")
def settings_page():
    return _shell("settings")


@bp.get("/activity")
def activity():
    return _shell("activity")


@bp.get("/demo/admin")
def demo_admin():
    """Demo mode's way in (printed by ./scripts/run): the home page with the local stand-ins."""
    if not (settings().demo_mode and is_loopback_request()):
        abort(404)
    return redirect(f"/home?{request.query_string.decode()}")
