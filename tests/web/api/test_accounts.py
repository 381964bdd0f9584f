"""/api/customers/{id}/entitlements, /api/entitlements/{id}/...: assign, read, adjust, revoke; the liability report."""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
import responses
from sqlalchemy import func, select

from booking import accounts
from booking.records import ActivityLog, Customer
from tests.support.api import a_monday, assign, book, local, make_spa, shop_api, shopify_customers


def test_assigning_a_plan_to_a_customer_shopify_has_creates_them_once_and_answers_the_package(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"validity_days": 30})
    with shopify_customers(api.shop, {9_007_199_254_740_993: "Cleo@Example.com"}) as shopify:
        package = assign(api, spa["plan"], customer_id=9_007_199_254_740_993)  # beyond 2^53
        assign(api, spa["plan"], customer_id=9_007_199_254_740_993)
        assert len(shopify.calls) == 1, "the record made on the first call is the cache"
        asked = json.loads(shopify.calls[0].request.body)["variables"]
    assert asked == {"id": "gid://shopify/Customer/9007199254740993"}
    assert (package["plan_id"], package["title"], package["unit"], package["source"]) == \
        (spa["plan"], "5x massage", "sessions", "staff")
    assert (package["progress"], package["status"], package["expires_in_days"]) == ("0 of 5 used", "active", 30)
    customer = db_session.scalar(select(Customer).where(Customer.shop_id == api.shop.id,
                                                        Customer.shopify_customer_id == 9_007_199_254_740_993))
    assert (customer.email, customer.last_name) == ("cleo@example.com", "Customer 9007199254740993")
    listed = api.get("/api/customers/9007199254740993/entitlements").get_json()["entitlements"]
    assert listed[0] == package and len(listed) == 2


def test_staff_naming_a_customer_shopify_does_not_have_get_404_and_nothing_is_created(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    before = db_session.scalar(select(func.count()).select_from(Customer))
    with shopify_customers(api.shop, {}):
        assigned = api.post("/api/customers/424242/entitlements", {"plan_id": spa["plan"]})
        booked = book(api, spa, local(a_monday(), 10), customer_id=424242)
    for response in (assigned, booked):
        assert response.status_code == 404, response.get_json()
        assert response.get_json()["field"] == "customer_id"
    assert db_session.scalar(select(func.count()).select_from(Customer)) == before


def test_shopify_unreachable_while_checking_a_new_customer_is_a_502_and_changes_nothing(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    with responses.RequestsMock() as mock:
        mock.post(re.compile(r"https://.*/graphql\.json"), status=503, body="unavailable")
        response = api.post("/api/customers/424242/entitlements", {"plan_id": spa["plan"]})
    assert response.status_code == 502 and response.get_json()["code"] == "shopify_unavailable"
    assert db_session.scalar(select(Customer).where(Customer.shopify_customer_id == 424242)) is None


def test_a_customer_packbook_has_never_seen_has_no_packages(client, db_session):
    api = shop_api(client, db_session)
    response = api.get("/api/customers/424242/entitlements")
    assert response.status_code == 200 and response.get_json() == {"entitlements": []}


def test_assigning_an_unknown_archived_or_missing_plan_fails(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    spa, theirs = make_spa(api), make_spa(other)
    api.delete(f"/api/plans/{spa['plan']}")
    for plan_id in (spa["plan"], theirs["plan"], 987654):
        response = api.post("/api/customers/7001/entitlements", {"plan_id": plan_id})
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    missing = api.post("/api/customers/7001/entitlements", {})
    assert missing.status_code == 422 and missing.get_json()["field"] == "plan_id"
    assert db_session.scalar(select(func.count()).select_from(ActivityLog)
                             .where(ActivityLog.shop_id == api.shop.id)) == 0  # nothing assigned


def test_an_adjustment_with_a_reason_changes_the_balance_and_is_logged(client, db_session):
    api = shop_api(client, db_session)
    package = assign(api, make_spa(api)["plan"])
    response = api.post(f"/api/entitlements/{package['id']}/adjustments", {"delta": 2, "reason": "client was ill"})
    assert response.status_code == 201
    entry = response.get_json()
    assert (entry["kind"], entry["quantity"], entry["reason"], entry["actor"]) == \
        ("adjust", "2", "client was ill", "staff:1")
    after = api.get(f"/api/entitlements/{package['id']}").get_json()
    assert (after["total"], after["remaining"], after["progress"]) == ("7", "7", "0 of 7 used")
    log = db_session.scalar(select(ActivityLog).where(ActivityLog.shop_id == api.shop.id,
                                                      ActivityLog.action == "adjust"))
    assert (log.reason, log.before, log.after) == ("client was ill", {"remaining": "5"}, {"remaining": "7"})


@pytest.mark.parametrize("body, status, expected", [
    ({"delta": -1}, 422, "reason"),
    ({"delta": -1, "reason": "   "}, 422, "reason"),
    ({"reason": "typo"}, 422, "delta"),
    ({"delta": "lots", "reason": "typo"}, 422, "delta"),
    ({"delta": -6, "reason": "typo"}, 409, "insufficient_credit"),
])
def test_a_bad_adjustment_is_refused_and_changes_nothing(client, db_session, body, status, expected):
    api = shop_api(client, db_session)
    package = assign(api, make_spa(api)["plan"])
    response = api.post(f"/api/entitlements/{package['id']}/adjustments", body)
    assert response.status_code == status
    assert expected in (response.get_json().get("field"), response.get_json()["code"])
    assert api.get(f"/api/entitlements/{package['id']}").get_json()["remaining"] == "5"


def test_revoking_takes_back_what_is_left_and_stops_booking(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    package = assign(api, spa["plan"])
    assert book(api, spa, local(monday, 10)).status_code == 201
    refused = api.post(f"/api/entitlements/{package['id']}/revoke", {})
    assert refused.status_code == 422 and refused.get_json()["field"] == "reason"
    response = api.post(f"/api/entitlements/{package['id']}/revoke", {"reason": "refunded"})
    assert response.status_code == 200
    assert {k: response.get_json()[k] for k in ("status", "used", "remaining")} == \
        {"status": "revoked", "used": "1", "remaining": "0"}
    last = api.get(f"/api/entitlements/{package['id']}/ledger").get_json()["entries"][-1]
    assert (last["kind"], last["quantity"], last["reason"]) == ("revoke", "-4", "refunded")
    again = api.post(f"/api/entitlements/{package['id']}/revoke", {"reason": "twice"})
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"
    blocked = api.post(f"/api/entitlements/{package['id']}/adjustments", {"delta": 1, "reason": "oops"})
    assert blocked.status_code == 409 and blocked.get_json()["code"] == "invalid_transition"
    response = book(api, spa, local(monday, 12))
    assert response.status_code == 409 and response.get_json()["code"] == "insufficient_credit"


def test_a_lapsed_package_reads_as_expired_before_the_expiry_job_runs(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"validity_days": 1})
    customer = accounts.customer_by_shopify_id(db_session, api.shop.id, 7001)
    accounts.assign_plan(db_session, api.shop.id, customer, spa["plan"], actor="staff:1",
                         now=datetime.now(timezone.utc) - timedelta(days=10))
    db_session.flush()
    [package] = api.get("/api/customers/7001/entitlements").get_json()["entitlements"]
    assert (package["status"], package["expires_in_days"], package["remaining"]) == ("expired", 0, "5")


def test_the_liability_report_lists_what_is_still_owed(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    assign(api, spa["plan"], customer_id=7002)
    book(api, spa, local(monday, 10))
    body = api.get("/api/reports/liability").get_json()
    assert body["timezone"] == "Europe/London"
    assert body["rows"] == [{"plan": "5x massage", "unit": "sessions", "expires": "never", "packages": 2,
                             "owed": "9", "value": "0.00", "currency": None}]


def test_shop_a_cannot_see_or_change_shop_bs_packages(client, db_session):
    a, b = shop_api(client, db_session), shop_api(client, db_session)
    package = assign(b, make_spa(b)["plan"])
    assert a.get("/api/customers/7001/entitlements").get_json()["entitlements"] == []
    for path in (f"/api/entitlements/{package['id']}", f"/api/entitlements/{package['id']}/ledger"):
        assert a.get(path).status_code == 404, path
    assert a.post(f"/api/entitlements/{package['id']}/adjustments", {"delta": 5, "reason": "mine"}).status_code == 404
    assert a.post(f"/api/entitlements/{package['id']}/revoke", {"reason": "mine"}).status_code == 404
    assert a.get("/api/reports/liability").get_json()["rows"] == []
    assert b.get(f"/api/entitlements/{package['id']}").get_json() == package
