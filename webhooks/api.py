"""JSON API for the admin's Activity and health page: webhook events (counts, pages, retrying a failed one), failed
jobs, maintenance sweeps run now, reconciliation with Shopify and its progress, and customer data exports. Every
answer is scoped to the session token's shop; no payload is ever part of one."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from flask import Blueprint, abort, current_app, g, jsonify
from pydantic import Field
from sqlalchemy import func, select

import db
from endpoints import declare
from endpoints.fields import Id, whole
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required, staff_actor
from webhooks import maintenance, reconcile_runs
from webhooks.models import PrivacyRequest, ReconcileRun, WebhookEvent
from webhooks.queue import QueueUnavailable, get_queue

bp = Blueprint("webhooks_api", __name__, url_prefix="/api")
STATUSES = ("pending", "queued", "processing", "done", "failed", "skipped", "unhandled")


class WebhookSummary(Answer):
    counts: dict[str, int]


class EventsQuery(Body):
    status: Literal[STATUSES] | None = Field(None, description="Only events in this state")
    before: Id | None = Field(None, description="The `next` of the page before: events older than it")


class EventOut(Answer):
    id: int
    topic: str = Field(examples=["orders/paid"])
    status: str = Field(description="pending, queued, processing, done, failed, skipped or unhandled")
    attempts: int
    gave_up: bool = Field(description="Failed, and the automatic retries are spent: only a retry starts it again")
    received_at: datetime
    processed_at: datetime | None
    error: str | None = Field(description="The last error's type and first line (never the payload)")


class EventPage(Answer):
    events: list[EventOut]
    next: int | None = Field(description="Pass as `before` for the next, older page; null on the last page")


class FailedJobOut(Answer):
    id: str
    function: str
    failed_at: datetime | None
    error: str | None = Field(description="The error's type; for a webhook event's job, its stored first line")
    event_id: int | None


class FailedJobs(Answer):
    mode: Literal["inline", "rq"] = Field(description="inline: no Redis, jobs run in the app and failed webhook "
                                                      "events are the failures")
    reachable: bool = Field(description="Whether Redis answered")
    jobs: list[FailedJobOut]


class RetriedJob(Answer):
    id: str
    status: Literal["queued"]


class SweepPath(Body):
    name: Literal[tuple(maintenance.SWEEPS)]


class SweepOut(Answer):
    name: str
    count: int = Field(description="How many things it did: events handed out, holds released, packages expired "
                                   "or emails asked for")
    ran_at: datetime


class ReconcileInput(Body):
    """How far back to look for orders Shopify changed (default: a day)."""

    since_hours: whole(1, 720) = Field(24, description="Hours back, 1 to 720 (30 days)")

    model_config = {"json_schema_extra": {"example": {"since_hours": 24}}}


class RunOut(Answer):
    id: int
    state: Literal["queued", "running", "done", "failed"]
    done: int = Field(description="Orders applied so far")
    total: int | None = Field(description="Orders Shopify counted; null until it has answered")
    since: datetime
    created_at: datetime
    finished_at: datetime | None
    summary: dict | None = Field(description="orders_seen, grants_added, revocations_added, conflicts, "
                                             "tag_memberships_changed")
    error: str | None


class RunList(Answer):
    runs: list[RunOut]


class PrivacyRequestOut(Answer):
    id: int
    kind: Literal["data_request", "redact"]
    customer_id: str | None
    created_at: datetime
    summary: dict | None
    has_export: bool


class PrivacyRequestList(Answer):
    privacy_requests: list[PrivacyRequestOut]


@bp.get("/webhook-events/summary")
@shop_required
@declare("shop", answer=WebhookSummary, says="Counts by state")
def webhook_summary():
    """How many of this shop's webhook events are in each state."""
    rows = db.session().execute(
        select(WebhookEvent.status, func.count()).where(WebhookEvent.shop_domain == g.shop.domain)
        .group_by(WebhookEvent.status)).all()
    return jsonify(counts=dict(rows))


@bp.get("/webhook-events")
@shop_required
@declare("shop", query=EventsQuery, answer=EventPage, says="A page of events, newest first (50 a page)")
def webhook_events(query: EventsQuery):
    """What Shopify has sent for this shop, newest first, with each one's state and last error (never its payload)."""
    rows, older = maintenance.events_page(db.session(), g.shop.domain, status=query.status, before=query.before)
    return jsonify(events=[_event(row) for row in rows], next=older)


@bp.post("/webhook-events/<id:event_id>/retry")
@shop_required
@declare("shop", answer=EventOut, errors=("NotFound", "Conflict"), says="The event after the retry",
         description="Only a failed event can be retried (409 `not_failed` otherwise). It goes through the same "
                     "job as every delivery, which processes an event once: without Redis it has run when this "
                     "answers (done, or failed again with its error); with Redis it is queued.")
def retry_webhook_event(event_id: int):
    """Retry one failed webhook event of this shop."""
    try:
        event = maintenance.retry_event(g.shop.domain, event_id)
    except maintenance.EventNotFound:
        abort(404, "no webhook event with that id for this shop")
    except maintenance.NotRetryable as exc:
        return jsonify(error=str(exc), code=exc.code), 409
    _emails_owed()
    return jsonify(_event(event))


@bp.get("/jobs/failed")
@shop_required
@declare("shop", answer=FailedJobs, says="This shop's failed jobs, newest first")
def failed_jobs():
    """Background jobs for this shop whose retries are spent (Redis only; without it the list is empty)."""
    queue = get_queue()
    if queue.inline:
        return jsonify(mode="inline", reachable=True, jobs=[])
    try:
        jobs = maintenance.failed_jobs(db.session(), g.shop)
    except QueueUnavailable:
        return jsonify(mode="rq", reachable=False, jobs=[])
    return jsonify(mode="rq", reachable=True, jobs=[{
        "id": job.id, "function": job.function, "failed_at": job.failed_at and job.failed_at.isoformat(),
        "error": job.error, "event_id": job.event_id} for job in jobs])


@bp.post("/jobs/failed/<job_id>/retry")
@shop_required
@declare("shop", answer=RetriedJob, errors=("NotFound",), says="Queued again",
         description="Puts the job back on its queue as it was. 404 for a job that is not this shop's, not failed, "
                     "or when no Redis is configured; 503 `queue_unavailable` when Redis does not answer.")
def retry_failed_job(job_id: str):
    """Run one of this shop's failed jobs again."""
    if get_queue().inline:
        abort(404, "no failed job with that id for this shop")
    try:
        requeued = maintenance.retry_failed_job(db.session(), g.shop, job_id)
    except QueueUnavailable:
        return jsonify(error="the job queue (Redis) did not answer; try again", code="queue_unavailable"), 503
    if not requeued:
        abort(404, "no failed job with that id for this shop")
    return jsonify(id=job_id, status="queued")


@bp.post("/sweeps/<name>/run")
@shop_required
@declare("shop", path=SweepPath, answer=SweepOut, says="What it did",
         description="One of the worker's periodic tasks, now and for this shop only: `stuck-events` hands out "
                     "again events left pending or queued over five minutes; `release-holds` expires checkout "
                     "holds whose time ran out; `expire-packages` closes lapsed packages and grants tag "
                     "memberships' new periods; `due-emails` asks for the reminders and expiry warnings now due.")
def run_sweep(name: str):
    """Run a maintenance sweep for this shop now."""
    now = db.utcnow()
    count = maintenance.run_sweep(name, g.shop, now)
    _emails_owed()
    return jsonify(name=name, count=count, ran_at=now.isoformat())


@bp.post("/reconcile")
@shop_required
@declare("shop", body=ReconcileInput, body_required=False, answer=RunOut, status=202, says="The run, under way",
         description="Reads the orders Shopify changed in the last `since_hours` and applies what lost webhooks "
                     "missed, as `flask reconcile` does. While a run is under way, starting again answers that "
                     "run. Follow it with GET /api/reconcile/{run_id}.")
def start_reconciliation(body: ReconcileInput):
    """Reconcile this shop with Shopify now, as a background job."""
    now = db.utcnow()
    run, started = reconcile_runs.start_reconciliation(g.shop.id, since=now - timedelta(hours=body.since_hours),
                                                    actor=staff_actor(), now=now)
    response = jsonify(_run(run, now))
    response.status_code = 202
    if started and get_queue().inline:
        _after_response(response, reconcile_runs.run_reconciliation, run.id)
    elif started:
        reconcile_runs.queue_reconciliation(run.id)
    return response


@bp.get("/reconcile")
@shop_required
@declare("shop", answer=RunList, says="The latest runs, newest first (at most 5)")
def reconciliations():
    """This shop's latest reconciliations started from the admin."""
    now = db.utcnow()
    return jsonify(runs=[_run(run, now) for run in reconcile_runs.latest_runs(db.session(), g.shop.id)])


@bp.get("/reconcile/<id:run_id>")
@shop_required
@declare("shop", answer=RunOut, errors=("NotFound",), says="How far it has got")
def reconciliation(run_id: int):
    """One reconciliation's progress: orders applied of those Shopify counted, its state and any error."""
    run = reconcile_runs.find_run(db.session(), g.shop.id, run_id)
    if run is None:
        abort(404, "no reconciliation with that id for this shop")
    return jsonify(_run(run, db.utcnow()))


@bp.get("/privacy-requests")
@shop_required
@declare("shop", answer=PrivacyRequestList, says="The requests")
def privacy_requests():
    """Customer data requests and redactions received for this shop, newest first."""
    rows = db.session().scalars(
        select(PrivacyRequest).where(PrivacyRequest.shop_id == g.shop.id)
        .order_by(PrivacyRequest.created_at.desc(), PrivacyRequest.id.desc()).limit(200))
    return jsonify(privacy_requests=[_describe(r) for r in rows])


@bp.get("/privacy-requests/<id:request_id>/export")
@shop_required
@declare("shop", answer={"type": "object"}, errors=("NotFound",), says="The export, as a JSON attachment")
def privacy_export(request_id: int):
    """Download one customer data export as a JSON file."""
    row = db.session().scalar(select(PrivacyRequest).where(
        PrivacyRequest.id == request_id, PrivacyRequest.shop_id == g.shop.id))
    if row is None or row.export is None:
        abort(404, "no export with that id for this shop")
    response = jsonify(row.export)
    response.headers["Content-Disposition"] = f'attachment; filename="customer-data-{row.id}.json"'
    return response


def _describe(row: PrivacyRequest) -> dict:
    return {"id": row.id, "kind": row.kind, "customer_id": row.customer_id,
            "created_at": row.created_at.isoformat(), "summary": row.summary,
            "has_export": row.export is not None}


def _event(row: WebhookEvent) -> dict:
    return {"id": row.id, "topic": row.topic, "status": row.status, "attempts": row.attempts,
            "gave_up": maintenance.gave_up(row), "received_at": row.received_at.isoformat(),
            "processed_at": row.processed_at and row.processed_at.isoformat(),
            "error": (row.last_error or "").splitlines()[0][:500] if row.last_error else None}


def _run(run: ReconcileRun, now: datetime) -> dict:
    stale = reconcile_runs.is_stale(run, now)
    return {"id": run.id, "state": "failed" if stale else run.state, "done": run.done, "total": run.total,
            "since": run.since.isoformat(), "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at and run.finished_at.isoformat(), "summary": run.summary,
            "error": reconcile_runs.STALE_ERROR if stale else run.error}


def _emails_owed() -> None:
    # Without Redis, emails a job asked for are sent once the response has gone out (app._send_owed_emails).
    g.emails_owed = True


def _after_response(response, job, *args) -> None:
    """Without Redis there is no worker: run the job in this process once the response has gone out, as the
    app sends owed emails, so the page can follow its progress meanwhile."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            job(*args)
    response.call_on_close(run)
