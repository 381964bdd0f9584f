"""Small factories with defaults and overrides (make_*), and helpers to deliver webhooks."""
from __future__ import annotations

import itertools
import json
import uuid
from datetime import datetime, timedelta, timezone

from shopify_app.models import Shop
from shopify_app.signatures import sign_webhook

API_KEY = "test-api-key"
API_SECRET = "test-api-secret-0123456789abcdef0123"
PREVIOUS_SECRET = "test-api-secret-previous-0123456789abcd"
_counter = itertools.count(1)


def unique_shop_domain(prefix: str = "shop") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}.myshopify.com"


def make_shop(session, **overrides) -> Shop:
    now = datetime.now(timezone.utc)
    values = dict(domain=unique_shop_domain(), scopes="read_orders,read_products",
                  access_token="shpat_" + uuid.uuid4().hex, access_token_expires_at=now + timedelta(hours=1),
                  refresh_token="shprt_" + uuid.uuid4().hex,
                  refresh_token_expires_at=now + timedelta(days=90), installed_at=now - timedelta(days=1))
    values.update(overrides)
    shop = Shop(**values)
    session.add(shop)
    session.flush()
    return shop


def webhook_headers(topic: str, shop: str, body: bytes, *, event_id: str | None = None,
                    secret: str = API_SECRET, triggered_at: str | None = None, **extra) -> dict:
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic,
               "X-Shopify-Shop-Domain": shop, "X-Shopify-API-Version": "2026-10",
               "X-Shopify-Webhook-Id": str(uuid.uuid4()),
               "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
               "X-Shopify-Hmac-Sha256": sign_webhook(body, secret)}
    if triggered_at:
        headers["X-Shopify-Triggered-At"] = triggered_at
    headers.update(extra)
    return headers


def deliver(client, topic: str, payload: dict, *, shop: str, **options):
    """POST a signed delivery to /webhooks the way Shopify would."""
    body = json.dumps(payload).encode()
    return client.post("/webhooks", data=body, headers=webhook_headers(topic, shop, body, **options))


def cli_env(config: dict, **overrides) -> dict:
    """Environment for running `flask --app app ...` as a real process with a test config."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHOPIFY_", "PACKBOOK_", "DATABASE_", "REDIS_"))}
    env.update({k: str(v) for k, v in config.items() if k != "TESTING"})
    # Never let a developer's .env leak into a test process.
    # Worker processes in tests must not try to reconcile with Shopify, which is unreachable here.
    env.update(FLASK_SKIP_DOTENV="1", PYTHONUNBUFFERED="1", PACKBOOK_RECONCILE_MINUTES="0", **overrides)
    return env


def make_customer(session, shop, **overrides):
    from booking.records import Customer

    values = dict(shop_id=shop.id, shopify_customer_id=191167, email="john@example.com",
                  first_name="John", last_name="Smith")
    values.update(overrides)
    customer = Customer(**values)
    session.add(customer)
    session.flush()
    return customer


def make_package(session, customer, *, quantity: int = 5, title: str = "5x massage"):
    """An entitlement granted by staff, with its grant entry in the ledger."""
    from decimal import Decimal

    from booking.records import Entitlement, LedgerEntry

    now = datetime.now(timezone.utc)
    entitlement = Entitlement(shop_id=customer.shop_id, customer_id=customer.id, source="staff",
                              terms={"v": 1, "title": title, "unit": "sessions", "quantity": str(quantity)},
                              starts_at=now, expires_at=now + timedelta(days=90), status="active")
    session.add(entitlement)
    session.flush()
    session.add(LedgerEntry(shop_id=customer.shop_id, entitlement_id=entitlement.id, kind="grant",
                            quantity=Decimal(quantity), unit="sessions", actor="staff:1", reason="welcome gift"))
    session.flush()
    return entitlement
