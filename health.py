"""GET /healthz: database and queue state, and webhook event counts, without secrets."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

import db
from webhooks.models import WebhookEvent
from webhooks.queue import get_queue

bp = Blueprint("health", __name__)


@bp.get("/healthz/live")
def liveness():
    """Liveness probe: the process answers HTTP. Touches neither the database nor Redis."""
    return jsonify(status="ok")


@bp.get("/healthz")
def healthz():
    """Report whether the database and Redis answer; 503 when the database does not."""
    database = _database_state()
    queue = get_queue().stats()
    healthy = database["ok"] and queue["ok"]
    body = {"status": "ok" if healthy else "degraded", "database": database, "queue": queue}
    return jsonify(body), 200 if database["ok"] else 503


def _database_state() -> dict:
    session = db.session()
    try:
        session.execute(text("SELECT 1"))
        counts = dict(session.execute(
            select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)).all())
    except SQLAlchemyError as exc:
        session.rollback()
        return {"ok": False, "backend": db.get_db().backend, "error": type(exc).__name__}
    return {"ok": True, "backend": db.get_db().backend, "webhook_events": counts}
