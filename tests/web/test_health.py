"""/healthz tells the truth about webhook events: failed ones retrying or given up, and how long the oldest
have waited; past the thresholds it says "degraded" and names why, without any secret or payload."""
from __future__ import annotations

import json
import uuid
from datetime import timedelta

from db import utcnow
from health import OLDEST_WAITING_SECONDS, RETRYING_AT_MOST
from webhooks.models import WebhookEvent
from webhooks.queue import RETRY

SECRET_PAYLOAD = {"id": 1, "note": "ring the bell twice", "code": "7SGKHNXQ2F6JAC93"}


def _event(db_session, status: str, *, attempts: int = 0, age: timedelta = timedelta(0)) -> None:
    db_session.add(WebhookEvent(shop_domain="health.myshopify.com", topic="orders/paid", event_id=str(uuid.uuid4()),
                                payload=SECRET_PAYLOAD, status=status, attempts=attempts,
                                received_at=utcnow() - age, last_error="KeyError: 'note'"))
    db_session.flush()


def test_a_failed_event_whose_retries_are_spent_makes_health_degraded(client, db_session):
    before = client.get("/healthz").get_json()
    _event(db_session, "failed", attempts=RETRY["max"] + 1)
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and "events_failed" in body["problems"]
    assert body["database"]["failed_given_up"] == before["database"]["failed_given_up"] + 1
    assert "ring the bell" not in json.dumps(body) and "JAC93" not in json.dumps(body)


def test_retrying_events_are_counted_and_degrade_health_past_the_threshold(client, db_session):
    before = client.get("/healthz").get_json()["database"]["failed_retrying"]
    for _ in range(RETRYING_AT_MOST + 1 - before):
        _event(db_session, "failed", attempts=2)
    body = client.get("/healthz").get_json()
    assert body["database"]["failed_retrying"] == max(before, RETRYING_AT_MOST + 1)
    assert "events_retrying" in body["problems"] and body["status"] == "degraded"


def test_the_oldest_waiting_event_is_reported_and_a_stuck_one_degrades_health(client, db_session):
    _event(db_session, "pending", age=timedelta(seconds=OLDEST_WAITING_SECONDS + 120))
    body = client.get("/healthz").get_json()
    assert body["database"]["oldest_pending_seconds"] >= OLDEST_WAITING_SECONDS + 120
    assert f"events_waiting_over_{OLDEST_WAITING_SECONDS}s" in body["problems"]
