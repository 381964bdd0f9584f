"""Reconciliation with Shopify started from the admin: a run per request, handed to the low-priority queue (or, with
no Redis, run once the response has gone out), writing how far it has got to its row so the page can poll it.
The work itself is `flask reconcile`'s (webhooks/reconcile.py), whose every step is a no-op on repeat."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from db import describe_error, get_db, utcnow
from shopify_app.models import Shop
from shopify_app.tokens import ReauthorizationRequired
from webhooks.models import ReconcileRun
from webhooks.queue import QueueUnavailable, get_queue
from webhooks.reconcile import reconcile_member_tags, reconcile_shop

log = logging.getLogger(__name__)

RUN_JOB = "webhooks.reconcile_runs.run_reconciliation"
ACTIVE = ("queued", "running")
STALE_AFTER = timedelta(minutes=15)  # no word from an active run for this long: its process has gone
PROGRESS_EVERY = 1.0  # seconds between progress writes
STALE_ERROR = "stopped without finishing (the worker may have restarted); start it again"


def start_reconciliation(shop_id: int, *, since: datetime, actor: str, now: datetime) -> tuple[ReconcileRun, bool]:
    """A new queued run for the shop, or the one already under way; True when it is new."""
    with get_db().transaction() as session:
        session.execute(select(Shop.id).where(Shop.id == shop_id).with_for_update())  # one start at a time
        active = session.scalar(select(ReconcileRun).where(ReconcileRun.shop_id == shop_id,
                                                           ReconcileRun.state.in_(ACTIVE))
                                .order_by(ReconcileRun.id.desc()).limit(1))
        if active is not None and not is_stale(active, now):
            return active, False
        if active is not None:
            active.state, active.error, active.finished_at = "failed", STALE_ERROR, now
        run = ReconcileRun(shop_id=shop_id, state="queued", since=since, done=0, requested_by=actor,
                           created_at=now, updated_at=now)
        session.add(run)
        session.flush()
        return run, True


def queue_reconciliation(run_id: int) -> None:
    """Hand a queued run to rq (the low-priority queue: webhooks first). If Redis refuses, the run fails saying
    so. Inline, the caller runs it itself once its response has gone out."""
    queue = get_queue()
    try:
        queue.enqueue(RUN_JOB, run_id, job_id=queue.job_id("reconcile-run", run_id), low_priority=True)
    except QueueUnavailable:
        _finish(run_id, "failed", 0, error="the job queue (Redis) did not answer; start it again")


def run_reconciliation(run_id: int) -> str:
    """Job: reconcile the run's shop since its start time, writing its progress as it goes; returns its state."""
    with get_db().transaction() as session:
        run = session.get(ReconcileRun, run_id, with_for_update=True)
        if run is None or run.state != "queued":
            return run.state if run is not None else "missing"
        run.state, run.updated_at = "running", utcnow()
        shop_id, since = run.shop_id, run.since
    progress = _Progress(run_id)
    try:
        summary = reconcile_shop(shop_id, since, on_total=progress.counted, on_order=progress.advance).as_dict()
        summary["tag_memberships_changed"] = reconcile_member_tags(shop_id)
    except ReauthorizationRequired:
        return _finish(run_id, "failed", progress.done, error="the shop must open Packbook again to authorize it")
    except Exception as exc:
        # Not raised for rq to retry: every order applied so far is committed, the scheduled reconciliation keeps
        # its own retries, and a run started by hand reports here, where the merchant can start it again.
        log.error("reconcile run %s failed: %s", run_id, describe_error(exc))
        return _finish(run_id, "failed", progress.done, error=describe_error(exc))
    return _finish(run_id, "done", progress.done, summary=summary)


def is_stale(run: ReconcileRun, now: datetime) -> bool:
    return run.state in ACTIVE and run.updated_at < now - STALE_AFTER


def latest_runs(session: Session, shop_id: int, limit: int = 5) -> list[ReconcileRun]:
    return list(session.scalars(select(ReconcileRun).where(ReconcileRun.shop_id == shop_id)
                                .order_by(ReconcileRun.id.desc()).limit(limit)))


def find_run(session: Session, shop_id: int, run_id: int) -> ReconcileRun | None:
    return session.scalar(select(ReconcileRun).where(ReconcileRun.id == run_id, ReconcileRun.shop_id == shop_id))


class _Progress:
    """Writes how far a run has got: once Shopify has counted the orders, then at most once a second."""

    def __init__(self, run_id: int):
        self.run_id, self.done, self._written = run_id, 0, time.monotonic()

    def counted(self, total: int) -> None:
        self._write(total=total)

    def advance(self) -> None:
        self.done += 1
        if time.monotonic() - self._written >= PROGRESS_EVERY:
            self._write(done=self.done)

    def _write(self, **values) -> None:
        with get_db().transaction() as session:
            session.execute(update(ReconcileRun).where(ReconcileRun.id == self.run_id)
                            .values(updated_at=utcnow(), **values))
        self._written = time.monotonic()


def _finish(run_id: int, state: str, done: int, *, summary: dict | None = None, error: str | None = None) -> str:
    with get_db().transaction() as session:
        run = session.get(ReconcileRun, run_id)
        now = utcnow()
        run.state, run.done, run.summary, run.error = state, done, summary, error
        run.total = max(run.total or 0, done)  # orders updated while it ran are applied too
        run.updated_at = run.finished_at = now
    return state
