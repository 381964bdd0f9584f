"""The webhook path through real Redis and rq: enqueue, Redis down, sweep, concurrent duplicates."""
from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import QUEUE_NAME
from tests.support.factories import deliver, make_shop, unique_shop_domain
from tests.support.samples import sample
from db import utcnow
from webhooks.dispatcher import LOST_AFTER, dispatch_all, dispatch_once, recover_lost
from webhooks.jobs import sweep
from webhooks.models import WebhookEvent
from webhooks.queue import JobQueue, QueueUnavailable, run_worker

ORDER = sample("orders/paid")


def events(app, shop: str) -> list[WebhookEvent]:
    with app.extensions["packbook.db"].transaction() as session:
        return list(session.scalars(select(WebhookEvent).where(WebhookEvent.shop_domain == shop)))


def drain(app) -> None:
    """Run a real rq worker (burst mode) in this process until the queue is empty."""
    with app.app_context():
        run_worker(app, lambda: None, burst=True)  # no periodic sweep: tests sweep explicitly


def add_shop(app, committed_shops, **overrides) -> str:
    with app.extensions["packbook.db"].transaction() as session:
        domain = make_shop(session, **overrides).domain
    committed_shops.append(domain)
    return domain


def test_a_delivery_is_stored_pending_without_redis_then_dispatched_with_only_the_event_id(rq_app, committed_shops,
                                                                                            monkeypatch):
    shop = add_shop(rq_app, committed_shops)
    working = rq_app.extensions["packbook.queue"]
    # The request never talks to Redis: with Redis unreachable the delivery is stored and answered the same.
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", JobQueue("redis://127.0.0.1:1/0", QUEUE_NAME))
    response = deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    assert response.status_code == 200 and response.get_json() == {"status": "accepted"}
    [event] = events(rq_app, shop)
    assert event.status == "pending"
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", working)
    with rq_app.app_context():
        assert dispatch_once(working) >= 1
    [event] = events(rq_app, shop)
    assert event.status == "queued"
    job = working.rq_queue().fetch_job(working.job_id("webhook-event", event.id))
    assert job.func_name == "webhooks.jobs.process_event" and job.args == [event.id]
    assert job.retries_left is not None and job.retries_left > 0
    drain(rq_app)
    assert [e.status for e in events(rq_app, shop)] == ["done"]


def test_redis_down_at_dispatch_changes_nothing_and_the_next_pass_sends_it(rq_app, committed_shops):
    shop = add_shop(rq_app, committed_shops)
    deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    with rq_app.app_context():
        with pytest.raises(QueueUnavailable):
            dispatch_once(JobQueue("redis://127.0.0.1:1/0", QUEUE_NAME))
        assert [e.status for e in events(rq_app, shop)] == ["pending"]  # rolled back with the failed pipeline
        assert sweep() >= 1
    assert [e.status for e in events(rq_app, shop)] == ["queued"]
    drain(rq_app)
    assert [e.status for e in events(rq_app, shop)] == ["done"]


def test_healthz_reports_redis_down_without_secrets(rq_app, monkeypatch):
    monkeypatch.setitem(rq_app.extensions, "packbook.queue",
                        JobQueue("redis://:hunter2@127.0.0.1:1/0", QUEUE_NAME))
    body = rq_app.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded" and body["queue"] == {"mode": "rq", "ok": False, "error": "ConnectionError"}
    assert "hunter2" not in json.dumps(body)


def _queued_event(rq_app, committed_shops):
    shop = add_shop(rq_app, committed_shops)
    deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    queue = rq_app.extensions["packbook.queue"]
    with rq_app.app_context():
        dispatch_all(queue)
    [event] = events(rq_app, shop)
    assert event.status == "queued"
    return shop, event, queue, queue.job_id("webhook-event", event.id)


def test_recovery_puts_back_an_event_whose_job_redis_no_longer_has(rq_app, committed_shops):
    shop, event, queue, job_id = _queued_event(rq_app, committed_shops)
    queue.rq_queue().empty()  # Redis restarted without its data: the job and its queue entry are gone
    with rq_app.app_context():
        assert recover_lost(queue) == 0, "a fresh queued event is left alone"
        assert recover_lost(queue, now=utcnow() + LOST_AFTER + timedelta(seconds=1)) >= 1
    assert [e.status for e in events(rq_app, shop)] == ["pending"]
    drain(rq_app)  # a burst worker dispatches what is pending first
    assert [(e.status, e.attempts) for e in events(rq_app, shop)] == [("done", 1)]


def test_recovery_puts_back_a_job_started_by_a_worker_that_died(rq_app, committed_shops):
    shop, event, queue, job_id = _queued_event(rq_app, committed_shops)
    later = utcnow() + LOST_AFTER + timedelta(seconds=1)
    # What a `kill -9` in the middle of the job leaves: the job marked started by a worker that no longer beats.
    queue.redis.hset(f"rq:job:{job_id}", mapping={"status": "started", "worker_name": "gone-host.4242~1"})
    queue.mark_alive("busy-host.77")
    with rq_app.app_context():
        assert recover_lost(queue, now=later) >= 1
        assert [e.status for e in events(rq_app, shop)] == ["pending"]
        dispatch_all(queue)
        # The same job started by a live worker is left alone.
        queue.redis.hset(f"rq:job:{job_id}", mapping={"status": "started", "worker_name": "busy-host.77~3"})
        assert event.id not in _recovered(queue, later)
    queue.redis.hset(f"rq:job:{job_id}", mapping={"status": "queued", "worker_name": ""})
    drain(rq_app)
    assert [(e.status, e.attempts) for e in events(rq_app, shop)] == [("done", 1)]


def _recovered(queue, now) -> set[int]:
    before = {e.id for e in _pending(queue)}
    recover_lost(queue, now=now)
    return {e.id for e in _pending(queue)} - before


def _pending(queue):
    from db import get_db
    with get_db().transaction() as session:
        return list(session.scalars(select(WebhookEvent).where(WebhookEvent.status == "pending")))


@pytest.mark.parametrize("which", ["app", "rq_app"])
def test_the_same_delivery_sent_concurrently_is_stored_once(which, request, committed_shops):
    app = request.getfixturevalue(which)
    shop = unique_shop_domain()
    committed_shops.append(shop)
    results, barrier = [], threading.Barrier(20)

    def send():
        client = app.test_client()
        barrier.wait()
        results.append(deliver(client, "orders/paid", ORDER, shop=shop, event_id="evt-race").get_json())

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 20
    assert sorted(r["status"] for r in results) == ["accepted"] + ["duplicate"] * 19
    assert len(events(app, shop)) == 1
    if which == "rq_app":
        drain(app)
        assert [e.status for e in events(app, shop)] == ["skipped"]  # no such shop installed


def test_reconciliation_is_scheduled_on_the_low_priority_queue(rq_app, committed_shops):
    from webhooks.reconcile import schedule_reconciliation

    shop = add_shop(rq_app, committed_shops)
    queue = rq_app.extensions["packbook.queue"]
    with rq_app.app_context():
        scheduled = schedule_reconciliation()
        low = queue.rq_queue(queue.low_name)
        jobs = [low.fetch_job(job_id) for job_id in low.job_ids]
        low.empty()  # Shopify is unreachable here; these jobs must not run
    assert scheduled >= 1
    shop_ids = {job.args[0] for job in jobs}
    with rq_app.extensions["packbook.db"].transaction() as session:
        from shopify_app.models import Shop

        assert session.scalar(select(Shop.id).where(Shop.domain == shop)) in shop_ids
    assert all(job.func_name == "webhooks.reconcile.reconcile_job" for job in jobs)
    assert queue.rq_queue().count == 0  # the webhook queue stays free for deliveries
