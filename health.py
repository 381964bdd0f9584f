"""GET /healthz: database and queue state, and webhook event counts, without secrets."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, jsonify
from sqlalchemy import case, func, select, text
from sqlalchemy.exc import SQLAlchemyError

import db
from db import utcnow
from webhooks.models import EventStatus, WebhookEvent
from webhooks.queue import RETRY, get_queue

bp = Blueprint("health", __name__)


@bp.get("/healthz/live")
def liveness():
    """Liveness probe: the process answers HTTP. Touches neither the database nor Redis."""
    return jsonify(status="ok")


# Past these, /healthz says "degraded" and names why in `problems`.
OLDEST_WAITING_SECONDS = 300  # a pending or queued event older than this: dispatch or the workers are stuck
RETRYING_AT_MOST = 20         # failed events still inside their retry budget
GIVEN_UP_AT_MOST = 0          # failed events whose retries are spent: someone must look


@bp.get("/healthz")
def healthz():
    """Whether the database and Redis answer and webhook events are flowing; 503 when the database does not.

    `status` is "degraded" when Redis does not answer, an event has waited too long, too many are retrying,
    or any has failed for good; `problems` says which. No URL, secret or payload is ever part of it.
    """
    database = _database_state()
    queue = get_queue().stats()
    problems = ([] if queue["ok"] else ["queue_unreachable"]) + database.pop("problems", [])
    body = {"status": "ok" if database["ok"] and not problems else "degraded", "problems": problems,
            "database": database, "queue": queue}
    return jsonify(body), 200 if database["ok"] else 503


def _database_state() -> dict:
    session = db.session()
    try:
        session.execute(text("SELECT 1"))
        counts = dict(session.execute(
            select(WebhookEvent.status, func.count()).group_by(WebhookEvent.status)).all())
        flow = _event_flow(session)
    except SQLAlchemyError as exc:
        session.rollback()
        return {"ok": False, "backend": db.get_db().backend, "error": type(exc).__name__}
    return {"ok": True, "backend": db.get_db().backend, "webhook_events": counts, **flow,
            "problems": _problems(flow)}


def _event_flow(session) -> dict:
    now = utcnow()
    oldest = dict(session.execute(select(WebhookEvent.status, func.min(WebhookEvent.received_at)).where(
        WebhookEvent.status.in_((EventStatus.PENDING.value, EventStatus.QUEUED.value)))
        .group_by(WebhookEvent.status)).all())
    spent = WebhookEvent.attempts > RETRY["max"]  # rq retries RETRY["max"] times after the first attempt
    given_up, retrying = session.execute(select(
        func.coalesce(func.sum(case((spent, 1), else_=0)), 0), func.coalesce(func.sum(case((spent, 0), else_=1)), 0))
        .where(WebhookEvent.status == EventStatus.FAILED.value)).one()

    def age(status: str) -> int | None:
        started = oldest.get(status)
        return None if started is None else max(0, int((now - _aware(started)).total_seconds()))

    return {"oldest_pending_seconds": age(EventStatus.PENDING.value),
            "oldest_queued_seconds": age(EventStatus.QUEUED.value),
            "failed_retrying": int(retrying), "failed_given_up": int(given_up)}


def _aware(moment):
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _problems(flow: dict) -> list[str]:
    waiting = max(flow["oldest_pending_seconds"] or 0, flow["oldest_queued_seconds"] or 0)
    return ([f"events_waiting_over_{OLDEST_WAITING_SECONDS}s"] if waiting > OLDEST_WAITING_SECONDS else []) \
        + (["events_retrying"] if flow["failed_retrying"] > RETRYING_AT_MOST else []) \
        + (["events_failed"] if flow["failed_given_up"] > GIVEN_UP_AT_MOST else [])
