"""What the admin's Activity and health page asks of the webhook side, always for one shop: its stored events page
by page, retrying a failed one, its failed rq jobs, and a maintenance sweep run now (reconciliation on demand is
webhooks/reconcile_runs.py).

Each goes through the same idempotent jobs as the worker and `flask webhooks retry|sweep`: an event is processed
once however often it is handed out.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, defer

from booking.records import OutgoingEmail
from db import get_db, utcnow
from shopify_app.models import Shop
from webhooks import jobs
from webhooks.dispatcher import BATCH, PROCESS_EVENT
from webhooks.models import EventStatus, ReconcileRun, WebhookEvent
from webhooks.queue import RETRY, QueueUnavailable, get_queue

log = logging.getLogger(__name__)

PAGE = 50
STUCK_AFTER = timedelta(minutes=5)  # a queued event older than this (health.py calls it waiting too long)


class EventNotFound(LookupError):
    """No event with that id in this shop."""


class NotRetryable(Exception):
    """Only a failed event can be retried: the others are done, skipped, or still on their way."""

    code = "not_failed"

    def __init__(self, event_id: int, status: str):
        super().__init__(f"webhook event {event_id} is {status}; only a failed event can be retried")


# --- webhook events ---

def events_page(session: Session, shop_domain: str, *, status: str | None = None, before: int | None = None,
                size: int = PAGE) -> tuple[list[WebhookEvent], int | None]:
    """A page of the shop's events, newest first (payloads left unread), and the id to read the next page before."""
    query = select(WebhookEvent).options(defer(WebhookEvent.payload)).where(WebhookEvent.shop_domain == shop_domain)
    if status is not None:
        query = query.where(WebhookEvent.status == status)
    if before is not None:
        query = query.where(WebhookEvent.id < before)
    rows = session.scalars(query.order_by(WebhookEvent.id.desc()).limit(size + 1)).all()
    return list(rows[:size]), (rows[size - 1].id if len(rows) > size else None)


def gave_up(event: WebhookEvent) -> bool:
    """Failed, and rq's retries are spent (health.py counts these as failed for good)."""
    return event.status == EventStatus.FAILED.value and event.attempts > RETRY["max"]


def retry_event(shop_domain: str, event_id: int) -> WebhookEvent:
    """Put one failed event back to pending and hand it out, as `flask webhooks retry --id` does. Returns it as it
    stands after: inline (no Redis) it has been processed already; with Redis it is queued."""
    with get_db().transaction() as session:
        event = session.scalar(select(WebhookEvent).options(defer(WebhookEvent.payload)).where(
            WebhookEvent.id == event_id, WebhookEvent.shop_domain == shop_domain).with_for_update())
        if event is None:
            raise EventNotFound(event_id)
        if event.status != EventStatus.FAILED.value:
            raise NotRetryable(event_id, event.status)
        event.status, event.enqueued_at = EventStatus.PENDING.value, None
    hand_out([event_id])
    with get_db().transaction() as session:
        return session.scalar(select(WebhookEvent).options(defer(WebhookEvent.payload))
                              .where(WebhookEvent.id == event_id))


def redeliver_stuck(shop_domain: str, now: datetime) -> int:
    """Hand out again the shop's events left pending, or queued for longer than STUCK_AFTER (their job lost, say);
    returns how many. A job that was only slow then finds its event done and does nothing."""
    with get_db().transaction() as session:
        stuck = session.scalars(select(WebhookEvent.id).where(
            WebhookEvent.shop_domain == shop_domain,
            or_(WebhookEvent.status == EventStatus.PENDING.value,
                and_(WebhookEvent.status == EventStatus.QUEUED.value, WebhookEvent.enqueued_at < now - STUCK_AFTER)))
            .order_by(WebhookEvent.id).limit(BATCH).with_for_update(skip_locked=True)).all()
        if stuck:
            session.execute(update(WebhookEvent).where(WebhookEvent.id.in_(stuck))
                            .values(status=EventStatus.PENDING.value, enqueued_at=None))
    hand_out(list(stuck))
    return len(stuck)


def hand_out(event_ids: list[int]) -> None:
    """Hand pending events to rq as the dispatcher does (their old jobs forgotten first, so none is left behind in
    a registry). Inline, each runs here and now, a failure being recorded on its event. If Redis refuses, they
    stay pending and the worker's dispatcher takes them when it answers again."""
    queue = get_queue()
    if queue.inline:
        for event_id in event_ids:
            queue.enqueue(PROCESS_EVENT, event_id)
        return
    try:
        with get_db().transaction() as session:
            claimed = session.scalars(select(WebhookEvent.id).where(
                WebhookEvent.id.in_(event_ids), WebhookEvent.status == EventStatus.PENDING.value)
                .with_for_update(skip_locked=True)).all()
            if not claimed:
                return
            calls = [(event_id, queue.job_id("webhook-event", event_id)) for event_id in claimed]
            queue.forget_jobs([job_id for _, job_id in calls])
            queue.enqueue_many(PROCESS_EVENT, calls)
            session.execute(update(WebhookEvent).where(WebhookEvent.id.in_(claimed))
                            .values(status=EventStatus.QUEUED.value, enqueued_at=utcnow()))
    except (QueueUnavailable, RedisError) as exc:
        log.warning("could not hand %d events to rq (%s); the dispatcher will", len(event_ids), type(exc).__name__)


# --- failed rq jobs ---

@dataclass(frozen=True)
class ShopJob:
    id: str
    function: str
    failed_at: datetime | None
    error: str | None
    event_id: int | None  # for a webhook event's job: the event (and `error` is its stored first line)


def failed_jobs(session: Session, shop: Shop) -> list[ShopJob]:
    """The failed rq jobs that are this shop's, known by what their ids name (an event, a reconciliation, an
    email); any other job is not shown. Raises QueueUnavailable when Redis does not answer."""
    queue = get_queue()
    found = [(job, *_subject(queue, job.id)) for job in queue.failed_jobs()]
    ids = {kind: {number for _, k, number in found if k == kind} for kind in _OWNERS}
    events = dict(session.execute(select(WebhookEvent.id, WebhookEvent.last_error).where(
        WebhookEvent.id.in_(ids["webhook-event"]), WebhookEvent.shop_domain == shop.domain)).all()) \
        if ids["webhook-event"] else {}
    owned = {"webhook-event": set(events), "reconcile": {shop.id} & ids["reconcile"],
             "reconcile-run": _owned(session, ReconcileRun, ids["reconcile-run"], shop.id),
             "email": _owned(session, OutgoingEmail, ids["email"], shop.id)}
    shown = []
    for job, kind, number in found:
        if kind is None or number not in owned[kind]:
            continue
        event = kind == "webhook-event"
        shown.append(ShopJob(job.id, job.function, job.failed_at, (events[number] or job.error) if event else job.error,
                             number if event else None))
    return shown


def retry_failed_job(session: Session, shop: Shop, job_id: str) -> bool:
    """Requeue one of the shop's failed jobs as it was; False when the shop has no such failed job."""
    if not any(job.id == job_id for job in failed_jobs(session, shop)):
        return False
    return get_queue().requeue_failed(job_id)


_OWNERS = ("webhook-event", "reconcile", "reconcile-run", "email")


def _subject(queue, job_id: str) -> tuple[str | None, int | None]:
    # Job ids are "<queue>-<kind>-<id>" (JobQueue.job_id).
    prefix = f"{queue.name}-"
    kind, _, number = job_id[len(prefix):].rpartition("-") if job_id.startswith(prefix) else ("", "", "")
    return (kind, int(number)) if kind in _OWNERS and number.isdigit() else (None, None)


def _owned(session: Session, model, ids: set[int], shop_id: int) -> set[int]:
    if not ids:
        return set()
    return set(session.scalars(select(model.id).where(model.id.in_(ids), model.shop_id == shop_id)))


# --- maintenance sweeps, for one shop ---

def _stuck_events(shop: Shop, now: datetime) -> int:
    return redeliver_stuck(shop.domain, now)


SWEEPS = {
    "stuck-events": _stuck_events,
    "release-holds": lambda shop, now: jobs.release_lapsed_holds(now, shop_id=shop.id),
    "expire-packages": lambda shop, now: jobs.expire_packages(now, shop_id=shop.id),
    "due-emails": lambda shop, now: jobs.ask_due_emails(now, shop_id=shop.id),
}


def run_sweep(name: str, shop: Shop, now: datetime) -> int:
    """Run one of the worker's periodic tasks now, for this shop only; returns how many things it did."""
    return SWEEPS[name](shop, now)
