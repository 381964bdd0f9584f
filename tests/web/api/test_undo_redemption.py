"""Undo a redemption (managers only, linked to its booking) versus adjust a balance (the total changes).

Each correction says what it is everywhere: the ledger entry's kind, the package's progress, the booking's
price and package link, and the activity log's action.
"""
from __future__ import annotations

from tests.support.api import a_monday, assign, book, local, make_spa, shop_api

MANAGER, FRONT_DESK = "101", "202"


def _booked(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    package = assign(api, spa["plan"])
    booking = book(api, spa, local(a_monday(), 10)).get_json()
    return api, spa, package, booking


def _package(api, package_id):
    return api.get(f"/api/entitlements/{package_id}/ledger").get_json()


def test_undo_is_refused_until_managers_are_named_and_then_to_anyone_else(client, db_session):
    api, _, package, booking = _booked(client, db_session)
    path = f"/api/bookings/{booking['id']}/undo-redemption"
    refused = api.as_user(FRONT_DESK).post(path, {"reason": "wrong package"})
    assert refused.status_code == 403 and refused.get_json()["code"] == "managers_only"
    assert "manager_user_ids" in refused.get_json()["error"]

    named = api.as_user(FRONT_DESK).patch("/api/settings", {"manager_user_ids": [int(MANAGER)]})
    assert named.status_code == 200 and named.get_json()["manager_user_ids"] == [int(MANAGER)]
    # Once named, the list is the managers' to change: the front desk cannot add itself.
    grab = api.as_user(FRONT_DESK).patch("/api/settings", {"manager_user_ids": [int(MANAGER), int(FRONT_DESK)]})
    assert grab.status_code == 403 and grab.get_json()["code"] == "managers_only"
    assert api.as_user(FRONT_DESK).post(path, {"reason": "wrong package"}).status_code == 403
    assert _package(api, package["id"])["entitlement"]["progress"] == "1 of 5 used"


def test_a_manager_undoes_a_redemption_and_every_surface_says_undo_not_adjust(client, db_session):
    api, spa, package, booking = _booked(client, db_session)
    assert api.patch("/api/settings", {"manager_user_ids": [int(MANAGER)]}).status_code == 200
    manager = api.as_user(MANAGER)

    undone = manager.post(f"/api/bookings/{booking['id']}/undo-redemption", {"reason": "wrong customer"})
    assert undone.status_code == 200, undone.get_json()
    body = undone.get_json()
    assert body["entry"]["kind"] == "undo" and body["entry"]["booking_id"] == booking["id"]
    assert body["entry"]["actor"] == f"staff:{MANAGER}" and body["entry"]["reason"] == "wrong customer"
    assert body["entitlement"]["progress"] == "0 of 5 used"  # used went down; the total stayed 5
    assert body["booking"]["redeemed_from"] is None and body["booking"]["price"] == "80.00"
    assert body["booking"]["status"] == "confirmed"

    # An adjust is the other correction: the total changes, no booking named.
    adjust = api.post(f"/api/entitlements/{package['id']}/adjustments", {"delta": 6, "reason": "goodwill"})
    assert adjust.status_code == 201, adjust.get_json()
    ledger = _package(api, package["id"])
    kinds = [(e["kind"], e["booking_id"]) for e in ledger["entries"]]
    assert kinds == [("grant", None), ("redeem", booking["id"]), ("undo", booking["id"]), ("adjust", None)]
    assert ledger["entitlement"]["progress"] == "0 of 11 used"
    actions = [i["action"] for i in api.get(f"/api/entitlements/{package['id']}/activity").get_json()["items"]]
    assert actions == ["assign", "undo_redemption", "adjust"]

    # Cancelling the now-unpaid booking gives nothing back a second time.
    assert api.post(f"/api/bookings/{booking['id']}/cancel").status_code == 200
    assert _package(api, package["id"])["entitlement"]["remaining"] == "11"


def test_there_is_nothing_to_undo_twice_or_after_a_timely_cancel(client, db_session):
    api, spa, package, booking = _booked(client, db_session)
    api.patch("/api/settings", {"manager_user_ids": [int(MANAGER)]})
    manager = api.as_user(MANAGER)
    path = f"/api/bookings/{booking['id']}/undo-redemption"
    assert manager.post(path, {"reason": "mistake"}).status_code == 200
    again = manager.post(path, {"reason": "mistake"})
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"

    other = book(api, spa, local(a_monday(), 12)).get_json()
    assert api.post(f"/api/bookings/{other['id']}/cancel").status_code == 200  # restored in time
    late = manager.post(f"/api/bookings/{other['id']}/undo-redemption", {"reason": "mistake"})
    assert late.status_code == 409 and late.get_json()["code"] == "invalid_transition"
    assert _package(api, package["id"])["entitlement"]["remaining"] == "5"

    blank = manager.post(path, {"reason": "  "})
    assert blank.status_code == 422 and blank.get_json()["field"] == "reason"


def test_credit_never_goes_back_into_a_revoked_package(client, db_session):
    api, spa, package, booking = _booked(client, db_session)
    api.patch("/api/settings", {"manager_user_ids": [int(MANAGER)]})
    assert api.post(f"/api/entitlements/{package['id']}/revoke", {"reason": "refunded"}).status_code == 200
    refused = api.as_user(MANAGER).post(f"/api/bookings/{booking['id']}/undo-redemption", {"reason": "mistake"})
    assert refused.status_code == 409 and "revoked" in refused.get_json()["error"]
    assert _package(api, package["id"])["entitlement"]["remaining"] == "0"
