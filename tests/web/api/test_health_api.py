"""The Activity and health page's API: the activity log filtered and paged, webhook events by state, retrying a
failed one (processed once), maintenance sweeps run for one shop, and reconciliation with Shopify (mocked) with
its progress. Another shop's rows never appear and its ids are unknown."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import responses
from sqlalchemy import select

from booking.records import ActivityLog, Booking, Entitlement
from tests.integration.test_purchases import ORDER_ID, mapped_spa, paid_order
from tests.integration.test_reconcile import graphql_url, node, page
from tests.support.api import Api, assign, make_spa, shop_api
from tests.support.api import bearer
from tests.support.booking import make_spa as make_spa_rows
from tests.support.factories import make_shop
from tests.support.samples import sample
from webhooks.dispatcher import PROCESS_EVENT
from webhooks.models import WebhookEvent
from webhooks.queue import RETRY

BUYER = 115310627314723954  # the customer on Shopify's sample order


def _log(db_session, shop_id: int, subject_id: int, *, action="adjust", actor="staff:1", **values) -> ActivityLog:
    row = ActivityLog(shop_id=shop_id, actor=actor, action=action, subject_type="entitlement", subject_id=subject_id,
                      **values)
    db_session.add(row)
    db_session.flush()
    return row


def _event(db_session, shop_domain: str, *, topic="orders/paid", payload=None, **values) -> WebhookEvent:
    event = WebhookEvent(shop_domain=shop_domain, topic=topic, event_id=str(uuid.uuid4()),
                         payload=payload if payload is not None else {"id": 1}, **values)
    db_session.add(event)
    db_session.flush()
    return event


def _granted(db_session, shop_id: int) -> list[Entitlement]:
    return list(db_session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id,
                                                             Entitlement.order_id == ORDER_ID)))


# --- the activity log ---

def test_the_log_reads_newest_first_fifty_a_page_with_a_cursor_to_the_older_ones(client, db_session):
    api = shop_api(client, db_session)
    package = assign(api, make_spa(api)["plan"])  # writes its own "assign" row
    written = [_log(db_session, api.shop.id, package["id"], reason=f"row {n}").id for n in range(54)]

    first = api.get("/api/activity").get_json()
    second = api.get("/api/activity", before=first["next"]).get_json()

    assert [i["id"] for i in first["items"]] == sorted(written, reverse=True)[:50]
    assert first["next"] == first["items"][-1]["id"] and "adjust" in first["kinds"]
    assert [i["reason"] for i in second["items"]] == ["row 3", "row 2", "row 1", "row 0", None]
    assert second["items"][-1]["action"] == "assign" and second["next"] is None


def test_the_log_filters_by_customer_package_actor_and_kind(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    ana, ben = assign(api, spa["plan"], 7001), assign(api, spa["plan"], 7002)
    assert api.post(f"/api/entitlements/{ana['id']}/adjustments", {"delta": 1, "reason": "goodwill"}).status_code == 201
    _log(db_session, api.shop.id, ben["id"], action="refund", actor="system:refund", attention=True)

    def read(**query) -> list[tuple[str, str, int]]:
        answer = api.get("/api/activity", **query)
        assert answer.status_code == 200, answer.get_json()
        return [(i["action"], i["actor"], i["customer"]["id"]) for i in answer.get_json()["items"]]

    assert read(kind="adjust") == [("adjust", "staff:1", 7001)]
    assert read(actor="system") == [("refund", "system:refund", 7002)]
    assert read(actor="system:refund") == read(actor="system") and read(actor="system:ref") == []
    assert [a for a, _, _ in read(actor="staff")] == ["adjust", "assign", "assign"]
    assert read(customer_id=7002) == [("refund", "system:refund", 7002), ("assign", "staff:1", 7002)]
    assert read(entitlement_id=ana["id"], kind="assign") == [("assign", "staff:1", 7001)]
    assert read(customer_id=7002, kind="adjust") == []


def test_a_bad_filter_is_a_422_naming_it(client, db_session):
    api = shop_api(client, db_session)
    for query, field in (({"kind": "nonsense"}, "kind"), ({"customer_id": "ana"}, "customer_id"),
                         ({"entitlement_id": "0"}, "entitlement_id"), ({"before": "-1"}, "before"),
                         ({"actor": ""}, "actor"), ({"colour": "red"}, "colour")):
        answer = api.get("/api/activity", **query)
        assert answer.status_code == 422 and answer.get_json()["field"] == field, (query, answer.get_json())


def test_another_shops_log_never_appears_even_when_named(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    mine = assign(api, make_spa(api)["plan"])
    theirs = assign(other, make_spa(other)["plan"])
    _log(db_session, other.shop.id, theirs["id"], reason="their secret reason")

    assert [i["entitlement"]["id"] for i in api.get("/api/activity").get_json()["items"]] == [mine["id"]]
    assert api.get("/api/activity", entitlement_id=theirs["id"]).get_json()["items"] == []
    assert "their secret reason" not in api.get("/api/activity", actor="staff").get_data(as_text=True)


# --- webhook events ---

def test_events_list_this_shops_deliveries_by_state_newest_first_without_payloads(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    done = [_event(db_session, api.shop.domain, status="done", attempts=1) for _ in range(52)]
    failed = _event(db_session, api.shop.domain, status="failed", attempts=2, payload={"email": "ana@example.com"},
                    last_error="KeyError: 'line_items'\nsecond line")
    _event(db_session, other.shop.domain, status="failed", last_error="theirs")

    first = api.get("/api/webhook-events").get_json()
    second = api.get("/api/webhook-events", before=first["next"]).get_json()
    only_failed = api.get("/api/webhook-events", status="failed").get_json()

    assert [e["id"] for e in first["events"]] == [failed.id] + [e.id for e in reversed(done)][:49]
    assert len(second["events"]) == 3 and second["next"] is None
    [event] = only_failed["events"]
    assert (event["id"], event["status"], event["error"], event["gave_up"]) == (failed.id, "failed", "KeyError: 'line_items'", False)
    assert "payload" not in event and "ana@example.com" not in api.get("/api/webhook-events").get_data(as_text=True)
    assert api.get("/api/webhook-events", status="lost").get_json()["field"] == "status"
    assert other.get("/api/webhook-events").get_json()["events"][0]["error"] == "theirs"


def test_retrying_a_failed_order_event_processes_it_once_and_a_done_one_is_refused(client, db_session):
    spa = mapped_spa(db_session)
    api, other = Api(client, spa.shop), shop_api(client, db_session)
    event = _event(db_session, spa.shop.domain, payload=paid_order(quantity=1), status="failed",
                   attempts=RETRY["max"] + 1, last_error="OperationalError: server closed the connection unexpectedly")
    [listed] = api.get("/api/webhook-events", status="failed").get_json()["events"]
    assert listed["gave_up"] is True and listed["error"].startswith("OperationalError")

    assert other.post(f"/api/webhook-events/{event.id}/retry").status_code == 404
    retried = api.post(f"/api/webhook-events/{event.id}/retry")

    assert retried.status_code == 200, retried.get_json()
    body = retried.get_json()
    assert (body["status"], body["error"], body["attempts"]) == ("done", None, RETRY["max"] + 2)
    assert len(_granted(db_session, spa.shop.id)) == 1
    again = api.post(f"/api/webhook-events/{event.id}/retry")
    assert again.status_code == 409 and again.get_json()["code"] == "not_failed"
    assert len(_granted(db_session, spa.shop.id)) == 1  # granted once, however often it is asked
    assert api.post("/api/webhook-events/999999999/retry").status_code == 404


def test_an_event_that_fails_again_stays_failed_with_its_new_error(client, db_session):
    spa = mapped_spa(db_session)
    api = Api(client, spa.shop)
    broken = paid_order(quantity=1)
    broken["line_items"][0]["quantity"] = "many"  # a payload the handler cannot read
    event = _event(db_session, spa.shop.domain, payload=broken, status="failed", attempts=1, last_error="old")

    body = api.post(f"/api/webhook-events/{event.id}/retry").get_json()

    assert body["status"] == "failed" and body["attempts"] == 2 and body["error"] != "old"
    assert _granted(db_session, spa.shop.id) == []


def test_without_redis_there_are_no_failed_jobs_to_list_or_retry(client, db_session):
    api = shop_api(client, db_session)
    assert api.get("/api/jobs/failed").get_json() == {"mode": "inline", "reachable": True, "jobs": []}
    assert api.post("/api/jobs/failed/packbook-webhook-event-1/retry").status_code == 404


# --- sweeps, for one shop ---

def test_expiring_packages_now_touches_only_this_shops(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    lapsed = [db_session.get(Entitlement, assign(admin, make_spa(admin)["plan"])["id"]) for admin in (api, other)]
    for package in lapsed:
        package.expires_at = datetime.now(timezone.utc) - timedelta(days=1)
    db_session.flush()

    answer = api.post("/api/sweeps/expire-packages/run")

    assert answer.status_code == 200 and answer.get_json()["count"] == 1
    db_session.expire_all()
    assert [p.status for p in lapsed] == ["expired", "active"]


def test_releasing_lapsed_holds_now_touches_only_this_shops(client, db_session):
    spas = [make_spa_rows(db_session), make_spa_rows(db_session)]
    start = datetime.now(timezone.utc) + timedelta(days=3)
    holds = [Booking(shop_id=s.shop.id, service_id=s.service.id, resource_id=s.resource.id, customer_id=s.customer.id,
                     starts_at=start, ends_at=start + timedelta(hours=1), blocked_start=start,
                     blocked_end=start + timedelta(hours=1), status="held", source="paid_checkout",
                     hold_expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)) for s in spas]
    db_session.add_all(holds)
    db_session.flush()

    answer = Api(client, spas[0].shop).post("/api/sweeps/release-holds/run")

    assert answer.get_json()["count"] == 1
    db_session.expire_all()
    assert [h.status for h in holds] == ["expired", "held"]


def test_handing_out_stuck_events_again_runs_this_shops_and_an_unknown_sweep_is_refused(client, db_session):
    spa = mapped_spa(db_session)
    api, other = Api(client, spa.shop), shop_api(client, db_session)
    stuck = _event(db_session, spa.shop.domain, payload=paid_order(quantity=1), status="queued",
                   enqueued_at=datetime.now(timezone.utc) - timedelta(minutes=10))
    theirs = _event(db_session, other.shop.domain, topic="app/scopes_update", status="pending")

    assert api.post("/api/sweeps/stuck-events/run").get_json()["count"] == 1
    db_session.expire_all()
    assert (stuck.status, theirs.status) == ("done", "pending")
    assert len(_granted(db_session, spa.shop.id)) == 1
    refused = api.post("/api/sweeps/everything/run")
    assert refused.status_code == 422 and refused.get_json()["field"] == "name"


# --- reconciliation ---

@responses.activate
def test_reconciling_now_reports_its_progress_and_grants_what_was_missed(client, db_session):
    spa = mapped_spa(db_session)
    api, other = Api(client, spa.shop), shop_api(client, db_session)
    responses.post(graphql_url(spa.shop), json={"data": {"ordersCount": {"count": 1, "precision": "EXACT"}}})
    responses.post(graphql_url(spa.shop), json=page([node()]))

    started = api.post("/api/reconcile", {"since_hours": 6})
    run = started.get_json()
    assert started.status_code == 202 and (run["state"], run["done"], run["total"]) == ("queued", 0, None)
    started.close()  # without Redis the run starts once the response has gone out

    progress = api.get(f"/api/reconcile/{run['id']}").get_json()
    assert (progress["state"], progress["done"], progress["total"], progress["error"]) == ("done", 1, 1, None)
    assert progress["summary"]["grants_added"] == 2 and len(_granted(db_session, spa.shop.id)) == 2
    assert api.get("/api/reconcile").get_json()["runs"][0]["id"] == run["id"]
    assert other.get(f"/api/reconcile/{run['id']}").status_code == 404
    assert other.get("/api/reconcile").get_json()["runs"] == []
    assert api.post("/api/reconcile", {"since_hours": 0}).get_json()["field"] == "since_hours"


@responses.activate
def test_a_reconciliation_shopify_refuses_ends_failed_with_its_reason_and_can_be_started_again(client, db_session):
    spa = mapped_spa(db_session)
    api = Api(client, spa.shop)
    responses.post(graphql_url(spa.shop), json={"errors": [{"message": "Access denied for ordersCount field."}]})

    first = api.post("/api/reconcile")
    first.close()
    failed = api.get(f"/api/reconcile/{first.get_json()['id']}").get_json()

    assert failed["state"] == "failed" and failed["error"]
    again = api.post("/api/reconcile")
    assert again.status_code == 202 and again.get_json()["id"] != failed["id"]
    assert again.get_json()["state"] == "queued"
    # While a run is under way, starting again answers that same run.
    assert api.post("/api/reconcile").get_json()["id"] == again.get_json()["id"]
    again.close()


# --- with Redis: rq's failed jobs, and a retried event queued for the worker ---

def test_with_redis_a_failed_job_shows_for_its_shop_only_and_runs_again_once_retried(rq_app, committed_shops):
    from tests.integration.test_queue import drain

    database, queue = rq_app.extensions["packbook.db"], rq_app.extensions["packbook.queue"]
    with database.transaction() as session:
        shop, other = make_shop(session), make_shop(session)
        committed_shops.extend([shop.domain, other.domain])
        event = WebhookEvent(shop_domain=shop.domain, topic="app/scopes_update", event_id=str(uuid.uuid4()),
                             payload={"id": 1, "previous": []}, status="queued")  # no "current": the handler fails
        session.add(event)
        session.flush()
        event_id = event.id
    job_id = queue.job_id("webhook-event", event_id)
    with rq_app.app_context():
        queue.forget_jobs([job_id])  # SQLite reuses a deleted event's id: a job of an earlier test may have it
        queue.rq_queue().enqueue(PROCESS_EVENT, event_id, job_id=job_id)  # no retries: failed for good at once
    drain(rq_app)
    client = rq_app.test_client()

    listed = client.get("/api/jobs/failed", headers=bearer(shop.domain)).get_json()
    assert listed["mode"] == "rq" and listed["reachable"] is True
    [job] = [j for j in listed["jobs"] if j["id"] == job_id]
    assert (job["function"], job["event_id"], job["error"].split(":")[0]) == (PROCESS_EVENT, event_id, "ValueError")
    assert job_id not in str(client.get("/api/jobs/failed", headers=bearer(other.domain)).get_json())
    assert client.post(f"/api/jobs/failed/{job_id}/retry", headers=bearer(other.domain)).status_code == 404

    with database.transaction() as session:  # the fix: the payload now reads
        session.get(WebhookEvent, event_id).payload = sample("app/scopes_update")
    retried = client.post(f"/api/jobs/failed/{job_id}/retry", headers=bearer(shop.domain))
    assert retried.status_code == 200 and retried.get_json() == {"id": job_id, "status": "queued"}
    drain(rq_app)
    with database.transaction() as session:
        assert session.get(WebhookEvent, event_id).status == "done"
    assert job_id not in str(client.get("/api/jobs/failed", headers=bearer(shop.domain)).get_json())


def test_with_redis_a_retried_event_is_queued_for_the_worker_which_processes_it(rq_app, committed_shops):
    from tests.integration.test_queue import drain

    database = rq_app.extensions["packbook.db"]
    with database.transaction() as session:
        shop = make_shop(session)
        committed_shops.append(shop.domain)
        event = WebhookEvent(shop_domain=shop.domain, topic="app/scopes_update", event_id=str(uuid.uuid4()),
                             payload=sample("app/scopes_update"), status="failed", attempts=3, last_error="old")
        session.add(event)
        session.flush()
        event_id = event.id

    retried = rq_app.test_client().post(f"/api/webhook-events/{event_id}/retry", headers=bearer(shop.domain))

    assert retried.status_code == 200 and retried.get_json()["status"] == "queued"
    drain(rq_app)
    with database.transaction() as session:
        done = session.get(WebhookEvent, event_id)
        assert (done.status, done.attempts, done.last_error) == ("done", 4, None)
