"""The shop's own details from Shopify: its name, time zone and currency."""
from __future__ import annotations

import logging

from shopify_app.client import ShopifyClient
from shopify_app.errors import ShopifyError
from shopify_app.models import Shop
from shopify_app.queries import SHOP_INFO

log = logging.getLogger(__name__)


def refresh_shop_details(shop: Shop, *, admin_origin: str | None = None) -> bool:
    """Copy name, IANA time zone and currency from Shopify onto the shop; False if Shopify failed.

    Called once on install, inside the merchant's first page load, so it does not retry:
    a failure leaves the fields empty and the next install or an explicit refresh fills them.
    """
    client = ShopifyClient(shop.domain, shop.access_token, admin_origin=admin_origin,
                           max_attempts=1, timeout=5)
    try:
        details = client.query(SHOP_INFO)["shop"]
    except ShopifyError as exc:
        log.warning("could not read shop details for %s: %s", shop.domain, exc)
        return False
    finally:
        client.close()
    shop.name = details.get("name") or shop.name
    shop.iana_timezone = details.get("ianaTimezone") or shop.iana_timezone
    shop.currency_code = details.get("currencyCode") or shop.currency_code
    return True
