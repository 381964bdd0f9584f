"""Shopify's sample payloads shipped in webhooks/samples, loaded for a given shop, and the
anonymized real payloads in tests/fixtures/webhooks/exemplars."""
from __future__ import annotations

import json
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "webhooks" / "samples"
EXEMPLARS = Path(__file__).resolve().parents[1] / "fixtures" / "webhooks" / "exemplars"


def sample(topic: str, shop: str | None = None) -> dict:
    payload = json.loads((SAMPLES / f"{topic.replace('/', '__')}.json").read_text())
    if shop and "shop_domain" in payload:
        payload["shop_domain"] = shop
    return payload


def exemplar(name: str) -> dict:
    """A fresh copy of one anonymized real payload (`orders_1`), for a test to edit the ids it needs."""
    return json.loads((EXEMPLARS / f"{name}.json").read_text())
