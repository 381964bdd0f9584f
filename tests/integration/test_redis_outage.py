"""Redis stopped in the middle of a burst and started again empty: every delivery is still answered, none is
lost or processed twice, and the worker process rides the outage out instead of exiting.

A private redis-server (no persistence, so a restart loses every job) and a real `flask worker` process run
against the test database; the deliveries go through the app's real /webhooks route.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from tests.conftest import app_config
from tests.support.services import free_port
from tests.support.factories import cli_env, deliver, make_shop
from tests.support.samples import sample
from webhooks.dispatcher import CHANNEL, Dispatcher
from webhooks.models import WebhookEvent

ROOT = Path(__file__).resolve().parents[2]
BURST = 200



def _redis(port: int) -> subprocess.Popen:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is needed for the outage test (install redis-server)")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    for _ in range(100):
        try:
            if client.ping():
                return process
        except redis.RedisError:
            time.sleep(0.05)
    raise RuntimeError("private redis-server did not start")


def _statuses(app, shop: str) -> dict[str, int]:
    with app.extensions["packbook.db"].transaction() as session:
        return dict(session.execute(select(WebhookEvent.status, func.count()).where(
            WebhookEvent.shop_domain == shop).group_by(WebhookEvent.status)).all())


def test_a_redis_outage_mid_burst_loses_nothing_and_duplicates_nothing(rq_app, database_url, committed_shops):
    app = rq_app  # Redis configured, so the request stores and answers and the worker does the rest
    with app.extensions["packbook.db"].transaction() as session:
        shop = make_shop(session).domain
    committed_shops.append(shop)
    port = free_port()
    redis_server = _redis(port)
    env = cli_env(app_config(database_url, f"redis://127.0.0.1:{port}/0", PACKBOOK_QUEUE_NAME=f"outage-{port}"))
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    client, answers = app.test_client(), []
    try:
        for n in range(BURST):
            if n == BURST // 3:
                redis_server.kill()  # mid-burst, without warning
                redis_server.wait(10)
            if n == 2 * BURST // 3:
                time.sleep(3)  # down long enough for the worker and the dispatcher to notice and back off
                redis_server = _redis(port)  # back, empty: every job it held is gone
                restarted = time.monotonic()
            answers.append(deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop).status_code)
        assert answers == [200] * BURST, "the door never depends on Redis"
        deadline = restarted + 60
        while time.monotonic() < deadline and _statuses(app, shop).get("done", 0) < BURST:
            time.sleep(0.5)
        assert worker.poll() is None, "the worker rode the outage out"
        took = time.monotonic() - restarted
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        redis_server.terminate()
        redis_server.wait(10)
    assert _statuses(app, shop) == {"done": BURST}, output[-3000:]
    with app.extensions["packbook.db"].transaction() as session:
        attempts = session.scalars(select(WebhookEvent.attempts).where(WebhookEvent.shop_domain == shop)).all()
    assert set(attempts) == {1}, "each event processed exactly once"
    print(f"all {BURST} events done {took:.1f} s after Redis came back")


def test_a_stored_event_is_handed_out_at_once_woken_by_notify_on_postgresql(rq_app, database_url,
                                                                            committed_shops, monkeypatch):
    """On PostgreSQL the insert's NOTIFY wakes the dispatcher: with the poll set to 30 s, the event is still
    queued within a few seconds. SQLite has no NOTIFY; there the poll is what serves it."""
    import webhooks.dispatcher as dispatcher

    on_postgresql = database_url.startswith("postgresql")
    monkeypatch.setattr(dispatcher, "POLL_SECONDS", 30.0 if on_postgresql else 0.2)
    with rq_app.extensions["packbook.db"].transaction() as session:
        shop = make_shop(session).domain
    committed_shops.append(shop)
    thread = Dispatcher(rq_app, "notify-test.1")
    thread.start()
    try:
        time.sleep(1.0)  # past its first pass: now it waits on LISTEN
        assert deliver(rq_app.test_client(), "app/scopes_update", sample("app/scopes_update"),
                       shop=shop).status_code == 200
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _statuses(rq_app, shop) != {"queued": 1}:
            time.sleep(0.05)
        assert _statuses(rq_app, shop) == {"queued": 1}
        assert CHANNEL == "packbook_webhook_events"
    finally:
        thread.stop()
        thread.join(35)
        rq_app.extensions["packbook.queue"].rq_queue().empty()
