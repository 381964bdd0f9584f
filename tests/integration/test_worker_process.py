"""End to end: a real `flask worker` process on real Redis processes deliveries and sweeps."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from tests.conftest import app_config
from tests.support.factories import cli_env, deliver, make_shop
from tests.support.samples import sample
from webhooks.models import WebhookEvent
from webhooks.queue import JobQueue

ROOT = Path(__file__).resolve().parents[2]


def statuses(app, shop: str) -> list[str]:
    with app.extensions["packbook.db"].transaction() as session:
        return list(session.scalars(select(WebhookEvent.status).where(WebhookEvent.shop_domain == shop)
                                    .order_by(WebhookEvent.id)))


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_worker_process_handles_queued_and_swept_deliveries_visible_in_healthz(
        rq_app, database_url, redis_url, committed_shops, monkeypatch):
    with rq_app.extensions["packbook.db"].transaction() as session:
        shop = make_shop(session).domain
    committed_shops.append(shop)
    client = rq_app.test_client()
    before = client.get("/healthz").get_json()["database"]["webhook_events"].get("done", 0)
    # One delivery while the app's Redis is unreachable, one while it is up: the request never uses Redis, so
    # both are stored pending, and the worker's dispatcher hands both out.
    working = rq_app.extensions["packbook.queue"]
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", JobQueue("redis://127.0.0.1:1/0", working.name))
    assert deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop).status_code == 200
    monkeypatch.setitem(rq_app.extensions, "packbook.queue", working)
    assert deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop).status_code == 200
    assert statuses(rq_app, shop) == ["pending", "pending"]

    # Workers share one sweep lock per interval; clear any left by an earlier worker in this run.
    working.redis.delete(f"{working.name}:lock:sweep")
    env = cli_env(app_config(database_url, redis_url, PACKBOOK_QUEUE_NAME=working.name))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # The worker's dispatcher picks both up without anyone running `sweep`.
        done = wait_until(lambda: statuses(rq_app, shop) == ["done", "done"])
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert done, output[-3000:]
    after = client.get("/healthz").get_json()["database"]["webhook_events"]["done"]
    assert after >= before + 2


def test_a_signed_paid_order_becomes_packages_visible_through_the_api(rq_app, database_url, redis_url,
                                                                       committed_shops):
    """End to end: POST /webhooks → rq on real Redis → a `flask worker` process → GET the customer's packages."""
    import time as clock

    from booking.models import PlanVariant
    from shopify_app.session_tokens import mint_session_token
    from tests.support.booking import make_spa
    from tests.support.factories import API_KEY, API_SECRET

    with rq_app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session)
        session.add(PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id="39072856"))
        shop = spa.shop.domain
    committed_shops.append(shop)
    order = sample("orders/paid")
    order["financial_status"] = "paid"
    order["line_items"][0].update(variant_id=39072856, quantity=2)
    client = rq_app.test_client()
    assert deliver(client, "orders/paid", order, shop=shop).status_code == 200

    working = rq_app.extensions["packbook.queue"]
    env = cli_env(app_config(database_url, redis_url, PACKBOOK_QUEUE_NAME=working.name))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    token = lambda: mint_session_token(shop, api_key=API_KEY, secret=API_SECRET, now=int(clock.time()))
    customer_id = order["customer"]["id"]

    def packages():
        response = client.get(f"/api/customers/{customer_id}/entitlements",
                              headers={"Authorization": f"Bearer {token()}"})
        return response.get_json()["entitlements"]

    try:
        arrived = wait_until(lambda: len(packages()) == 2)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    assert arrived, output[-3000:]
    assert {(p["title"], p["remaining"], p["status"]) for p in packages()} == {("5x massage", "5", "active")}


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:  # the field after the state is the parent's pid
            found.append(int(stat.parent.name))
    return found


def test_a_killed_worker_leaves_no_process_behind(rq_app, database_url, redis_url):
    """rq's scheduler ran as a child process that outlived a `kill -9` of its worker; the dispatcher thread
    now moves due retries itself, so a worker is one process and dies whole."""
    import os
    import signal

    working = rq_app.extensions["packbook.queue"]
    env = cli_env(app_config(database_url, redis_url, PACKBOOK_QUEUE_NAME=working.name))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        alive_key = f"{working.name}:alive:"
        assert wait_until(lambda: any(key.decode().startswith(alive_key) and key.decode().endswith(f".{worker.pid}")
                                      for key in working.redis.scan_iter(f"{alive_key}*")), timeout=20)
        time.sleep(1.5)  # past rq's start-up, when its scheduler child used to fork
        assert _children(worker.pid) == []
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
