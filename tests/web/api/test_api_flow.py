"""The booking API end to end: set up a spa, sell it a package, book, cancel, read the ledger."""
from __future__ import annotations

from datetime import timedelta

from tests.support.api import a_monday, assign, book, local, make_spa, shop_api, slot_starts


def test_package_flow_assign_book_cancel_and_read_the_ledger(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    package = assign(api, spa["plan"])
    assert (package["total"], package["used"], package["remaining"], package["status"]) == ("5", "0", "5", "active")

    assert local(monday, 10) in slot_starts(api, spa, monday)
    response = book(api, spa, local(monday, 10))
    assert response.status_code == 201, response.get_json()
    booking = response.get_json()
    assert booking["price"] == "0.00" and booking["status"] == "confirmed"
    assert booking["redeemed_from"] == {"entitlement_id": package["id"], "title": "5x massage",
                                        "progress": "1 of 5 used", "quantity": "1", "unit": "sessions"}
    assert booking["starts_at"] == local(monday, 10) and booking["customer_id"] == 7001
    assert local(monday, 10) not in slot_starts(api, spa, monday)

    [item] = api.get("/api/customers/7001/entitlements").get_json()["entitlements"]
    assert (item["used"], item["remaining"], item["progress"]) == ("1", "4", "1 of 5 used")

    cancelled = api.post(f"/api/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    [item] = api.get("/api/customers/7001/entitlements").get_json()["entitlements"]
    assert (item["used"], item["remaining"]) == ("0", "5")
    assert local(monday, 10) in slot_starts(api, spa, monday)

    ledger = api.get(f"/api/entitlements/{package['id']}/ledger").get_json()
    assert [(e["kind"], e["quantity"]) for e in ledger["entries"]] == [("grant", "5"), ("redeem", "-1"),
                                                                        ("restore", "1")]
    assert {e["actor"] for e in ledger["entries"]} == {"staff:1"}  # the session token's user
    assert ledger["entries"][1]["booking_id"] == booking["id"]


def test_booking_several_sessions_at_once_answers_all_of_them(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    sessions = [{"service_id": spa["service"], "resource_id": spa["resource"], "starts_at": local(day, 11)}
                for day in (monday + timedelta(days=1), monday)]
    response = api.post("/api/bookings", {"customer_id": 7001, "sessions": sessions})
    assert response.status_code == 201, response.get_json()
    first, second = response.get_json()["bookings"]
    assert (first["starts_at"], second["starts_at"]) == (local(monday, 11), local(monday + timedelta(days=1), 11))
    assert first["group_id"] and first["group_id"] == second["group_id"]
    assert second["redeemed_from"]["progress"] == "2 of 5 used"


def test_several_sessions_fail_together_when_one_slot_is_taken(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    assign(api, spa["plan"], customer_id=7002)
    assert book(api, spa, local(monday, 15), customer_id=7002).status_code == 201
    sessions = [{"service_id": spa["service"], "resource_id": spa["resource"], "starts_at": local(monday, hour)}
                for hour in (9, 15)]
    response = api.post("/api/bookings", {"customer_id": 7001, "sessions": sessions})
    assert response.status_code == 409 and response.get_json()["code"] == "slot_unavailable"
    [item] = api.get("/api/customers/7001/entitlements").get_json()["entitlements"]
    assert item["remaining"] == "5"
    assert local(monday, 9) in slot_starts(api, spa, monday)
