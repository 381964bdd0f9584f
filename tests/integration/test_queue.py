"""The webhook path through real Redis and rq: enqueue, Redis down, sweep, concurrent duplicates."""
from __future__ import annotations

import json
import threading

import pytest
from redis import Redis
from rq import Queue
from rq.serializers import JSONSerializer
from sqlalchemy import select

from tests.conftest import QUEUE_NAME
from tests.support.factories import deliver, make_shop, unique_shop_domain
from tests.support.samples import sample
from webhooks.jobs import sweep
from webhooks.models import WebhookEvent
from webhooks.queue import JobQueue, run_worker

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


def test_delivery_is_queued_with_only_the_event_id_then_done_by_a_worker(rq_app, committed_shops):
    shop = add_shop(rq_app, committed_shops)
    response = deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    assert response.status_code == 200
    [event] = events(rq_app, shop)
    assert event.status == "queued"
    name = rq_app.config["PACKBOOK"].queue_name
    queue = Queue(name, connection=Redis.from_url(rq_app.config["PACKBOOK"].redis_url),
                  serializer=JSONSerializer)
    job = queue.fetch_job(f"{name}-webhook-event-{event.id}")
    assert job.func_name == "webhooks.jobs.process_event" and job.args == [event.id]
    assert job.retries_left is not None and job.retries_left > 0
    drain(rq_app)
    [event] = events(rq_app, shop)
    assert event.status == "done"


def test_redis_down_still_answers_200_and_the_sweep_recovers(rq_app, committed_shops, monkeypatch):
    shop = add_shop(rq_app, committed_shops)
    working_queue = rq_app.extensions["packbook.queue"]
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", JobQueue("redis://127.0.0.1:1/0", QUEUE_NAME))
    response = deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    assert response.status_code == 200
    assert [e.status for e in events(rq_app, shop)] == ["pending"]
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", working_queue)  # Redis is back
    with rq_app.app_context():
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


def test_sweep_skips_fresh_queued_events_but_requeues_stale_ones(rq_app, committed_shops):
    from datetime import timedelta

    from db import utcnow

    shop = add_shop(rq_app, committed_shops)
    deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"), shop=shop)
    with rq_app.app_context():
        before = sweep()
        later = sweep(now=utcnow() + timedelta(minutes=16))
    assert [e.status for e in events(rq_app, shop)] == ["queued"]
    assert later >= before + 1
    drain(rq_app)


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
