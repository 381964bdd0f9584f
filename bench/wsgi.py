"""Entry point for the bench's gunicorn and rq worker: the real create_app, on the bench's queue.

The app takes PACKBOOK_QUEUE_NAME from its config, not from the environment, so
`gunicorn 'app:create_app()'` would enqueue onto the shared "packbook" queue. Passing the
settings as create_app's config mapping (the same seam the tests use) builds the identical
app on a queue of the bench's own, and skips any developer .env.
"""
from __future__ import annotations

import os

from app import create_app

_PREFIXES = ("SHOPIFY_", "PACKBOOK_", "SECRET_KEY", "TOKEN_ENCRYPTION_KEY", "DATABASE_URL", "REDIS_URL")


def create_bench_app():
    """create_app() configured from the bench's environment variables, queue name included."""
    return create_app({name: value for name, value in os.environ.items() if name.startswith(_PREFIXES)})
