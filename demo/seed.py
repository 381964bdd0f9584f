"""Seed a demo shop so the app can be explored with no Shopify store (`flask demo`)."""
from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

from booking.rules.links import CustomerLink, sign_customer_link
from demo.spa import seed_spa
from db import get_db, utcnow
from shopify_app.signatures import sign_webhook
from shopify_app.tokens import get_or_create_shop

SAMPLES = Path(__file__).resolve().parents[1] / "webhooks" / "samples"
DEMO_CUSTOMER = {"id": 191167, "email": "john@example.com"}
# Deliveries replayed through the real webhook endpoint, so the admin has something to show.
SEEDED_DELIVERIES = [("customers/data_request", "demo-seed-data-request"),
                     ("orders/paid", "demo-seed-order-paid")]


def seed_demo(shop_domain: str, base_url: str) -> dict:
    """Create (or refresh) the demo shop and return the local URLs to open."""
    with get_db().transaction() as session:
        shop = get_or_create_shop(session, shop_domain)
        shop.name = shop.name or "Packbook Demo Spa"
        shop.iana_timezone = shop.iana_timezone or "America/New_York"
        shop.currency_code = shop.currency_code or "USD"
        # A placeholder token: demo mode never calls Shopify, but the shop must look installed.
        shop.access_token, shop.access_token_expires_at = "demo-offline-token", None
        shop.installed_at, shop.uninstalled_at = shop.installed_at or utcnow(), None
        seed_spa(session, shop)
    _replay_samples(shop_domain)
    token = sign_customer_link(current_app.config["SECRET_KEY"], CustomerLink(
        shop_domain, str(DEMO_CUSTOMER["id"]), DEMO_CUSTOMER["email"]))
    return {"shop": shop_domain, "admin": f"{base_url}/demo/admin?shop={shop_domain}",
            "booking": f"{base_url}/c/{token}"}


def _replay_samples(shop_domain: str) -> None:
    client = current_app.test_client()
    secret = current_app.config["PACKBOOK"].shopify_api_secret
    for topic, event_id in SEEDED_DELIVERIES:
        payload = json.loads((SAMPLES / f"{topic.replace('/', '__')}.json").read_text())
        payload.update({"shop_domain": shop_domain} if "shop_domain" in payload else {})
        body = json.dumps(payload).encode()
        client.post("/webhooks", data=body, headers={
            "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": shop_domain,
            "X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": event_id,
            "X-Shopify-Hmac-Sha256": sign_webhook(body, secret), "Content-Type": "application/json"})
