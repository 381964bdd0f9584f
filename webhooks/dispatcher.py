"""From stored webhook events to rq jobs, in the worker, never in the webhook request.

The request verifies, stores and answers; it does not talk to Redis, so Redis being down costs nothing at the
door and loses nothing. On PostgreSQL the insert's transaction also sends a NOTIFY, which wakes a dispatcher
at once; a short poll stands in when a notification is missed, and is all there is on SQLite.

A dispatcher claims pending events in batches (`FOR UPDATE SKIP LOCKED`, so several workers never claim the
same one), hands them to rq through one pipeline and marks them queued in the same transaction: if Redis
refuses, the transaction rolls back and the events stay pending for the next pass. Each job's id is derived
from its event, so recovery can ask Redis about exactly that job: a queued event whose job Redis no longer
has (Redis restarted empty), or whose job was started by a worker that died (`kill -9`), goes back to pending
within seconds.

Each worker process runs one dispatcher thread. The thread also keeps the process's liveness key (how
recovery knows a started job's worker is gone) and moves due retries from rq's scheduled registry to their
queue, so no scheduler child process outlives its worker.
"""
from __future__ import annotations

import logging
import os
import select as selectors
import socket
import threading
import time
from datetime import datetime, timedelta

from flask import Flask
from redis.exceptions import RedisError
from sqlalchemy import select, text, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from booking.records import OutgoingEmail
from db import get_db, utcnow
from webhooks.models import EventStatus, WebhookEvent
from webhooks.queue import JobQueue, QueueUnavailable, get_queue

log = logging.getLogger(__name__)

CHANNEL = "packbook_webhook_events"
BATCH = 500
POLL_SECONDS = 1.0        # the wait between passes when no notification comes (and on SQLite)
RECOVER_EVERY = 5.0       # seconds between recovery passes
LOST_AFTER = timedelta(seconds=15)  # a queued event younger than this is left alone by recovery
MAX_BACKOFF = 10.0       # seconds; an outage costs at most this much after Redis is back
PROCESS_EVENT = "webhooks.jobs.process_event"
SEND_EMAIL = "booking.jobs.send_email"  # by name: the booking jobs and the webhook jobs stay independent


def notify(session: Session) -> None:
    """Wake the dispatchers when the caller's transaction commits (PostgreSQL; a no-op on SQLite)."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def process_tag() -> str:
    """This process among the workers: its rq worker names start with it, its liveness key names it."""
    return f"{socket.gethostname()}.{os.getpid()}"


def dispatch_once(queue: JobQueue, now: datetime | None = None) -> int:
    """Hand up to BATCH pending events to rq; returns how many. Raises QueueUnavailable with nothing changed."""
    return _claim_and_enqueue(queue, WebhookEvent, EventStatus.PENDING.value, PROCESS_EVENT, "webhook-event",
                              {"status": EventStatus.QUEUED.value, "enqueued_at": now or utcnow()})


def dispatch_emails(queue: JobQueue) -> int:
    """Hand pending outgoing emails (booking/notifications.py) to rq the same way; returns how many."""
    return _claim_and_enqueue(queue, OutgoingEmail, "pending", SEND_EMAIL, "email", {"status": "queued"})


def _claim_and_enqueue(queue: JobQueue, model, pending: str, job: str, kind: str, queued: dict) -> int:
    """Claim up to BATCH rows in `pending` (SKIP LOCKED: workers never claim the same one), enqueue one job per
    row in one pipeline, and mark them queued in the same transaction; if Redis refuses, nothing changes."""
    with get_db().transaction() as session:
        claimed = session.scalars(select(model.id).where(model.status == pending).order_by(model.id)
                                  .limit(BATCH).with_for_update(skip_locked=True)).all()
        if not claimed:
            return 0
        queue.enqueue_many(job, [(row_id, queue.job_id(kind, row_id)) for row_id in claimed])
        session.execute(update(model).where(model.id.in_(claimed)).values(**queued))
    return len(claimed)


def dispatch_all(queue: JobQueue) -> int:
    """Dispatch until nothing is pending (a burst worker, `flask webhooks sweep`)."""
    total = dispatch_emails(queue)
    while True:
        count = dispatch_once(queue)
        total += count
        if count < BATCH:
            return total


def recover_lost(queue: JobQueue, now: datetime | None = None) -> int:
    """Put back to pending every queued event whose job will not run: gone from Redis, or started by a dead
    worker. Returns how many; the next dispatch pass hands them out again."""
    now = now or utcnow()
    with get_db().transaction() as session:
        waiting = session.scalars(select(WebhookEvent.id).where(
            WebhookEvent.status == EventStatus.QUEUED.value, WebhookEvent.enqueued_at < now - LOST_AFTER)
            .order_by(WebhookEvent.id).limit(BATCH).with_for_update(skip_locked=True)).all()
        if not waiting:
            return 0
        job_ids = {event_id: queue.job_id("webhook-event", event_id) for event_id in waiting}
        states = queue.job_states(list(job_ids.values()))
        live = queue.live_processes({_process_of(worker) for _status, worker in states.values() if worker})
        lost = [event_id for event_id, job_id in job_ids.items()
                if _is_lost(states.get(job_id, (None, None)), live)]
        if not lost:
            return 0
        queue.forget_jobs([job_ids[event_id] for event_id in lost])
        session.execute(update(WebhookEvent).where(WebhookEvent.id.in_(lost))
                        .values(status=EventStatus.PENDING.value, enqueued_at=None))
    log.warning("recovered %d webhook events whose jobs were lost", len(lost))
    return len(lost)


def _process_of(worker_name: str) -> str:
    return worker_name.rpartition("~")[0] or worker_name


def _is_lost(state: tuple[str | None, str | None], live: set[str]) -> bool:
    status, worker = state
    if status is None:
        return True  # Redis no longer has the job
    if status == "started":
        return not worker or _process_of(worker) not in live
    return status in ("failed", "stopped", "canceled")


class Dispatcher(threading.Thread):
    """The worker process's dispatcher thread: dispatch on NOTIFY or poll, recover, keep alive, schedule."""

    def __init__(self, app: Flask, tag: str):
        super().__init__(name="packbook-dispatcher", daemon=True)
        self.app, self.tag = app, tag
        self.stopping = threading.Event()
        self._listener = None
        self._last_recovery = float("-inf")
        self._backoff = 0.0

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> None:
        with self.app.app_context():
            queue = get_queue()
            scheduler = queue.retry_scheduler()
            while not self.stopping.is_set():
                busy = self._pass(queue, scheduler)
                if not busy:
                    self._wait(self._backoff or POLL_SECONDS)
            self._close_listener()

    def _pass(self, queue: JobQueue, scheduler) -> bool:
        """One round; True when a full batch went out (more may be waiting)."""
        try:
            queue.mark_alive(self.tag)
            scheduler.run_due()
            dispatched = dispatch_once(queue)
            dispatch_emails(queue)
            if time.monotonic() - self._last_recovery >= RECOVER_EVERY:
                self._last_recovery = time.monotonic()
                recover_lost(queue)
        except (QueueUnavailable, RedisError, SQLAlchemyError) as exc:
            self._backoff = min(max(1.0, self._backoff * 2), MAX_BACKOFF)
            log.warning("dispatcher: %s unavailable (%s); next try in %.0f s",
                        "database" if isinstance(exc, SQLAlchemyError) else "Redis", type(exc).__name__,
                        self._backoff)
            return False
        if self._backoff:
            log.info("dispatcher: Redis and the database answer again")
        self._backoff = 0.0
        return dispatched == BATCH

    def _wait(self, seconds: float) -> None:
        """Sleep until a NOTIFY arrives, `seconds` pass or the thread is stopped."""
        listener = self._listen()
        if listener is None:
            self.stopping.wait(seconds)
            return
        try:
            ready, _, _ = selectors.select([listener.fileno()], [], [], seconds)
            if ready:
                for _ in listener.notifies(timeout=0):
                    pass  # any number of notifications means the same: look for pending events
        except Exception as exc:  # the listening connection broke: poll until it can be opened again
            log.info("dispatcher: lost the notification connection (%s)", type(exc).__name__)
            self._close_listener()
            self.stopping.wait(seconds)

    def _listen(self):
        engine = get_db().engine
        if engine.dialect.name != "postgresql":
            return None
        if self._listener is None or self._listener.closed:
            try:
                import psycopg

                url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
                self._listener = psycopg.connect(url, autocommit=True, connect_timeout=2)
                self._listener.execute(f"LISTEN {CHANNEL}")
            except Exception as exc:
                log.info("dispatcher: cannot listen for notifications (%s); polling", type(exc).__name__)
                self._listener = None
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            except Exception:
                pass
            self._listener = None
