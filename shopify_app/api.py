"""JSON API about the shop itself, for the embedded admin."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, jsonify

from endpoints import declare
from endpoints.models import Answer
from shopify_app.auth import shop_required

bp = Blueprint("shop_api", __name__, url_prefix="/api")


class ShopOut(Answer):
    domain: str
    name: str | None
    timezone: str | None
    currency: str | None
    scopes: list[str]
    installed_at: datetime | None


@bp.get("/shop")
@shop_required
@declare("shop", answer=ShopOut, says="The shop")
def current_shop():
    """The shop the session token belongs to (never another)."""
    shop = g.shop
    return jsonify(domain=shop.domain, name=shop.name, timezone=shop.iana_timezone,
                   currency=shop.currency_code, scopes=sorted(shop.granted_scopes),
                   installed_at=shop.installed_at.isoformat() if shop.installed_at else None)
