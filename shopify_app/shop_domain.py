"""The one place that decides whether a string names a Shopify shop."""
from __future__ import annotations

import re

from shopify.utils import shop_url

# The admin's new URL form. Anchored: "not-admin.shopify.com/store/x" must not match.
_ADMIN_STORE_URL = re.compile(r"(?:https?://)?admin\.shopify\.com/store/([a-z0-9][a-z0-9-]*)/?")


# A shop domain exactly as Shopify writes it in its own headers and Liquid: lower case, no scheme, path or port.
CANONICAL_SHOP = re.compile(r"[a-z0-9][a-z0-9-]{0,59}\.myshopify\.com")


def is_canonical_shop(value: object) -> bool:
    """Whether `value` is a shop domain in Shopify's own form (nothing is normalised into shape)."""
    return isinstance(value, str) and CANONICAL_SHOP.fullmatch(value) is not None


class InvalidShopDomain(ValueError):
    """A value that is not a bare *.myshopify.com shop domain."""

    def __init__(self, value: object):
        self.value = value
        # The value may be attacker-supplied and huge; a bounded repr is enough to debug.
        super().__init__(f"not a *.myshopify.com shop domain: {repr(value)[:100]}")


def sanitize_shop(value: str | None) -> str:
    """Return the bare `name.myshopify.com` that `value` names, or raise InvalidShopDomain."""
    if not isinstance(value, str):
        raise InvalidShopDomain(value)
    text = value.strip().lower()
    admin_url = _ADMIN_STORE_URL.fullmatch(text)
    if admin_url:
        text = f"{admin_url.group(1)}.myshopify.com"
    # ShopifyAPI applies the anchored `*.myshopify.com` rule; it returns None when it refuses.
    shop = shop_url.sanitize_shop_domain(text) if text else None
    if shop is None:
        raise InvalidShopDomain(value)
    return shop
