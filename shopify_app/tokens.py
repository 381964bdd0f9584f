"""Keeping each shop's offline token usable: install on first load, refresh before it lapses."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_app.errors import ShopifyError
from shopify_app.models import Shop
from shopify_app.oauth import OAuthClient, RefreshTokenRejected, TokenGrant

log = logging.getLogger(__name__)


class ReauthorizationRequired(ShopifyError):
    """No usable token and nothing to get one with: the merchant must open the app again."""


def find_shop(session: Session, domain: str) -> Shop | None:
    return session.scalar(select(Shop).where(Shop.domain == domain))


def get_or_create_shop(session: Session, domain: str) -> Shop:
    shop = find_shop(session, domain)
    if shop is None:
        shop = Shop(domain=domain, scopes="")
        session.add(shop)
        session.flush()
    return shop


def store_grant(shop: Shop, grant: TokenGrant, now: datetime) -> None:
    """Save a new token on the shop and mark it installed (again, after an uninstall)."""
    shop.access_token = grant.access_token
    shop.access_token_expires_at = grant.expires_at
    # A refresh always rotates the refresh token; a non-expiring grant has none.
    shop.refresh_token = grant.refresh_token
    shop.refresh_token_expires_at = grant.refresh_token_expires_at
    if grant.scope:
        shop.scopes = grant.scope
    if not shop.is_installed:
        shop.installed_at, shop.uninstalled_at = now, None


def ensure_offline_token(session: Session, shop: Shop, oauth: OAuthClient, now: datetime,
                         session_token: str | None = None) -> str:
    """Return a usable offline token for the shop, refreshing or exchanging one if needed."""
    if shop.is_installed and shop.has_usable_token(now):
        return shop.access_token
    # Lock the row so two requests do not both spend the same refresh token.
    session.refresh(shop, with_for_update=True)
    if shop.is_installed and shop.has_usable_token(now):
        return shop.access_token
    grant = _new_grant(shop, oauth, now, session_token)
    store_grant(shop, grant, now)
    session.flush()
    log.info("stored a new offline token for %s (expires %s)", shop.domain, grant.expires_at)
    return grant.access_token


def _new_grant(shop: Shop, oauth: OAuthClient, now: datetime, session_token: str | None) -> TokenGrant:
    if shop.is_installed and shop.can_refresh(now):
        try:
            return oauth.refresh(shop.domain, shop.refresh_token, now)
        except RefreshTokenRejected:
            if session_token is None:
                raise ReauthorizationRequired(f"refresh token for {shop.domain} is no longer active") from None
    if session_token is None:
        raise ReauthorizationRequired(f"{shop.domain} has no usable offline token")
    return oauth.exchange_session_token(shop.domain, session_token, now)
