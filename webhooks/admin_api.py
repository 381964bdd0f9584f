"""The Admin API client a job uses for one shop, with a usable offline token (refreshed when due)."""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from shopify_app.client import ShopifyClient
from shopify_app.models import Shop
from shopify_app.oauth import OAuthClient
from shopify_app.tokens import ensure_offline_token


def admin_client(session: Session, shop: Shop, now: datetime, **options) -> ShopifyClient:
    """A client for `shop`, inside the caller's transaction (a refreshed token is stored with its work).

    Raises ReauthorizationRequired when the shop has no token Packbook can use or refresh."""
    settings = current_app.config["PACKBOOK"]
    oauth = OAuthClient(settings.shopify_api_key, settings.shopify_api_secret, admin_origin=settings.shopify_admin_origin)
    token = ensure_offline_token(session, shop, oauth, now)
    return ShopifyClient(shop.domain, token, admin_origin=settings.shopify_admin_origin, **options)
