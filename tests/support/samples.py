"""Shopify's sample payloads shipped in webhooks/samples, loaded for a given shop."""
from __future__ import annotations

import json
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "webhooks" / "samples"


def sample(topic: str, shop: str | None = None) -> dict:
    payload = json.loads((SAMPLES / f"{topic.replace('/', '__')}.json").read_text())
    if shop and "shop_domain" in payload:
        payload["shop_domain"] = shop
    return payload
