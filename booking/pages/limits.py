"""Rate limits on the doors customers knock on without an account: the booking link from the order email and
the sign-in link. Counted per client address and per shop, in Redis when the app has it (so every web worker
shares the counts), in memory in the embedded default."""
from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

PER_CLIENT = "20 per minute; 200 per hour"
PER_SHOP = "300 per minute"


def per_shop_key() -> str:
    # The shop named in the link, bounded: an attacker may send anything here.
    return "shop:" + (request.args.get("shop") or "")[:100]


def init_app(app: Flask) -> None:
    settings = app.config["PACKBOOK"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.redis_url or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", f"{settings.queue_name}:limits")
    limiter.init_app(app)
