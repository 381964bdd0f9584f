"""Pay at start-up what the first request would otherwise pay: imports, a pooled database connection,
the Redis connection, the receiver's insert statement and the templates (`warm_up(app)`).

Nothing here may stop the app from starting: a database or Redis that is not there yet only means the
first request pays after all, and says so itself.
"""
from __future__ import annotations

import gc
import importlib
import logging

from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from db import utcnow

log = logging.getLogger("packbook")
# Imported lazily elsewhere (by name, when a job runs inline or is resolved): load them now.
LAZY_MODULES = ("webhooks.jobs", "webhooks.orders", "webhooks.memberships", "webhooks.compliance")
WARM_ROW = dict(shop_domain="warm-up.invalid", topic="warm-up", event_id="warm-up", webhook_id=None,
                api_version=None, triggered_at=None, received_at=None, payload={}, status="pending", attempts=0,
                enqueued_at=None)


def warm_up(app: Flask) -> None:
    for name in LAZY_MODULES:
        importlib.import_module(name)
    _warm_database(app)
    _warm_redis(app)
    for template in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html")):
        app.jinja_env.get_template(template)
    # Everything built so far lives as long as the process. Frozen, the collector stops walking it: a request
    # that makes a few thousand objects (a busy week of bookings) no longer pays ~90 ms for a full collection
    # of the app's ~190,000 start-up objects (bench/admin_api.py). It also keeps forked workers' pages shared.
    gc.collect()
    gc.freeze()


def _warm_database(app: Flask) -> None:
    from webhooks.receiver import _INSERT_ONCE

    engine = app.extensions["packbook.db"].engine
    try:
        with engine.connect() as connection:
            # The receiver's insert, run once and rolled back, so its compiled form is in the engine's
            # cache; the row never exists (a PostgreSQL sequence value is spent, nothing else).
            connection.execute(_INSERT_ONCE[engine.dialect.name], {**WARM_ROW, "received_at": utcnow()})
            connection.rollback()
    except SQLAlchemyError as exc:
        log.info("warm-up: database not reachable yet (%s); the first request will connect", exc.__class__.__name__)


def _warm_redis(app: Flask) -> None:
    queue = app.extensions["packbook.queue"]
    if queue.inline:
        return
    try:
        queue.redis.ping()
    except RedisError as exc:
        log.info("warm-up: Redis not reachable yet (%s); the first enqueue will connect", exc.__class__.__name__)
