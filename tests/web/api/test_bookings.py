"""/api/availability and /api/bookings: conflicts as 409 codes, input as 422, each booking's life, tenancy."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from booking import accounts, bookings
from booking.records import Booking, Customer, LedgerEntry
from booking.bookings import SessionRequest
from tests.support.api import (WEEKDAYS, a_monday, assign, book, local, make_spa, shop_api,
                                        shopify_customers, slot_starts)


def test_a_taken_slot_is_409_slot_unavailable(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    assign(api, spa["plan"], customer_id=7002)
    assert book(api, spa, local(monday, 10)).status_code == 201
    response = book(api, spa, local(monday, 10, 30), customer_id=7002)
    assert response.status_code == 409
    assert response.get_json() == {"error": "slot no longer available", "code": "slot_unavailable"}


def test_no_credit_left_is_409_insufficient_credit(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api, plan={"quantity": 1}), a_monday()
    assign(api, spa["plan"])
    assert book(api, spa, local(monday, 10)).status_code == 201
    response = book(api, spa, local(monday, 12))
    assert response.status_code == 409 and response.get_json()["code"] == "insufficient_credit"
    with shopify_customers(api.shop, {7999: "stranger@example.com"}):
        stranger = book(api, spa, local(monday, 14), customer_id=7999)  # no package at all
    assert stranger.status_code == 409 and stranger.get_json()["code"] == "insufficient_credit"
    assert len(api.get("/api/bookings").get_json()["bookings"]) == 1


def test_a_session_outside_the_package_window_is_409_outside_package_window(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api, plan={"windows": {"weekdays": ["tue"]}}), a_monday()
    assign(api, spa["plan"])
    response = book(api, spa, local(monday, 10))
    assert response.status_code == 409 and response.get_json()["code"] == "outside_package_window"
    assert book(api, spa, local(monday + timedelta(days=1), 10)).status_code == 201


@pytest.mark.parametrize("change, field", [
    ({"starts_at": "2027-03-01T10:00:00"}, "starts_at"),
    ({"starts_at": "next monday"}, "starts_at"),
    ({"customer_id": None}, "customer_id"),
    ({"service_id": "massage"}, "service_id"),
    ({"use_package": "no"}, "use_package"),
])
def test_bad_booking_input_is_422_naming_the_field(client, db_session, change, field):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    body = {"customer_id": 7001, "service_id": spa["service"], "resource_id": spa["resource"],
            "starts_at": local(a_monday(), 10), **change}
    response = api.post("/api/bookings", body)
    assert response.status_code == 422 and response.get_json()["field"] == field


def test_a_session_without_an_offset_in_the_sessions_form_is_named_by_its_index(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    sessions = [{"service_id": spa["service"], "resource_id": spa["resource"], "starts_at": local(monday, 10)},
                {"service_id": spa["service"], "resource_id": spa["resource"], "starts_at": "2027-03-01T12:00"}]
    response = api.post("/api/bookings", {"customer_id": 7001, "sessions": sessions})
    assert response.status_code == 422 and response.get_json()["field"] == "sessions[1].starts_at"
    empty = api.post("/api/bookings", {"customer_id": 7001, "sessions": []})
    assert empty.status_code == 422 and empty.get_json()["field"] == "sessions"


def test_booking_without_a_package_charges_the_service_price_and_writes_no_ledger(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    package = assign(api, spa["plan"])
    response = book(api, spa, local(monday, 10), use_package=False)
    assert response.status_code == 201
    booking = response.get_json()
    assert (booking["price"], booking["currency"], booking["redeemed_from"]) == ("80.00", "GBP", None)
    assert api.get(f"/api/entitlements/{package['id']}").get_json()["remaining"] == "5"


def test_a_members_only_service_cannot_be_booked_without_a_package(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api, service={"members_only": True}), a_monday()
    with shopify_customers(api.shop, {7555: "guest@example.com"}):
        response = book(api, spa, local(monday, 10), customer_id=7555, use_package=False)
    assert response.status_code == 409 and response.get_json()["code"] == "not_eligible"
    assert db_session.scalar(select(Customer).where(Customer.shopify_customer_id == 7555)) is None  # rolled back


def test_booking_from_a_named_package(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    first, second = assign(api, spa["plan"]), assign(api, spa["plan"])
    booking = book(api, spa, local(monday, 10), entitlement_id=second["id"]).get_json()
    assert booking["redeemed_from"]["entitlement_id"] == second["id"]
    assert api.get(f"/api/entitlements/{first['id']}").get_json()["used"] == "0"


def test_reschedule_moves_the_booking_and_keeps_its_credit(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    package = assign(api, spa["plan"])
    booking = book(api, spa, local(monday, 10)).get_json()
    response = api.post(f"/api/bookings/{booking['id']}/reschedule", {"starts_at": local(monday, 14)})
    assert response.status_code == 200, response.get_json()
    moved = response.get_json()
    assert (moved["starts_at"], moved["ends_at"]) == (local(monday, 14), local(monday, 15))
    assert moved["redeemed_from"]["progress"] == "1 of 5 used"
    assert local(monday, 10) in slot_starts(api, spa, monday) and local(monday, 14) not in slot_starts(api, spa, monday)
    kinds = [e["kind"] for e in api.get(f"/api/entitlements/{package['id']}/ledger").get_json()["entries"]]
    assert kinds == ["grant", "redeem"]
    bad = api.post(f"/api/bookings/{booking['id']}/reschedule", {"starts_at": "2027-03-01 14:00"})
    assert bad.status_code == 422 and bad.get_json()["field"] == "starts_at"


def _started_booking(db_session, api, spa) -> tuple[int, int]:
    """A session that began last week, on a package assigned (through the use cases) the day before."""
    customer = accounts.customer_by_shopify_id(db_session, api.shop.id, 7001)
    now = datetime.now(timezone.utc)
    day = now - timedelta(days=7 + now.weekday())  # last week's Monday: within the resource's hours
    start = datetime(day.year, day.month, day.day, 11, tzinfo=timezone.utc)
    package = accounts.assign_plan(db_session, api.shop.id, customer, spa["plan"], actor="staff:1",
                                   now=start - timedelta(days=1))
    [booking] = bookings.book_sessions(db_session, api.shop.id, customer,
                                       [SessionRequest(spa["service"], spa["resource"], start)],
                                       actor="staff:1", now=start - timedelta(days=1))
    db_session.flush()
    return booking.id, package.id


def test_no_show_forfeits_the_session(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    missed, package = _started_booking(db_session, api, spa)
    response = api.post(f"/api/bookings/{missed}/no-show")
    assert response.status_code == 200 and response.get_json()["status"] == "no_show"
    kinds = [e["kind"] for e in api.get(f"/api/entitlements/{package}/ledger").get_json()["entries"]]
    assert kinds == ["grant", "redeem", "forfeit"]
    assert api.get(f"/api/entitlements/{package}").get_json()["remaining"] == "4"
    again = api.post(f"/api/bookings/{missed}/complete")
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"


def test_complete_marks_a_started_session_done_but_not_a_future_one(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    attended, _ = _started_booking(db_session, api, spa)
    response = api.post(f"/api/bookings/{attended}/complete")
    assert response.status_code == 200 and response.get_json()["status"] == "completed"
    assert db_session.scalar(select(Booking.status).where(Booking.id == attended)) == "completed"
    assign(api, spa["plan"])
    future = book(api, spa, local(a_monday(), 10)).get_json()
    for action in ("complete", "no-show"):
        too_soon = api.post(f"/api/bookings/{future['id']}/{action}")
        assert too_soon.status_code == 409 and too_soon.get_json()["code"] == "invalid_transition"
    assert api.get(f"/api/bookings/{future['id']}").get_json()["status"] == "confirmed"


def test_bookings_list_filters_by_range_resource_and_customer(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    other = api.created("/api/resources", {"name": "Ben", "service_ids": [spa["service"]], "weekly_hours": WEEKDAYS})
    assign(api, spa["plan"])
    assign(api, spa["plan"], customer_id=7002)
    on_monday = book(api, spa, local(monday, 10)).get_json()["id"]
    on_tuesday = book(api, spa, local(monday + timedelta(days=1), 10), customer_id=7002).get_json()["id"]
    with_ben = book(api, {**spa, "resource": other["id"]}, local(monday, 10)).get_json()["id"]

    def ids(**query):
        response = api.get("/api/bookings", **query)
        assert response.status_code == 200, response.get_json()
        return [b["id"] for b in response.get_json()["bookings"]]

    assert ids() == [on_monday, with_ben, on_tuesday]
    assert ids(**{"from": monday.isoformat(), "to": (monday + timedelta(days=1)).isoformat()}) == [on_monday, with_ben]
    assert ids(**{"from": local(monday, 10, 30)}) == [on_monday, with_ben, on_tuesday]  # still running at 10:30
    assert ids(**{"from": local(monday, 11)}) == [on_tuesday]
    assert ids(resource_id=other["id"]) == [with_ben]
    assert ids(customer_id=7002) == [on_tuesday]
    assert ids(customer_id=123456) == []
    bad = api.get("/api/bookings", to="2027-03-01T10:00")
    assert bad.status_code == 422 and bad.get_json()["field"] == "to"


def test_availability_reads_dates_as_local_midnight_and_writes_the_shops_offset(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    body = api.get("/api/availability", service_id=spa["service"],
                   **{"from": monday.isoformat(), "to": (monday + timedelta(days=1)).isoformat()}).get_json()
    assert body["timezone"] == "Europe/London" and body["service_id"] == spa["service"]
    [resource] = body["resources"]
    assert resource["resource_id"] == spa["resource"]
    slots = resource["slots"]
    assert slots[0] == {"start": local(monday, 9), "end": local(monday, 10), "remaining": 1}
    assert slots[-1]["start"] == local(monday, 16)
    tuesday = api.get("/api/availability", service_id=spa["service"], resource_id=spa["resource"],
                      **{"from": local(monday + timedelta(days=1), 15), "to": local(monday + timedelta(days=2), 0)})
    assert [s["start"] for s in tuesday.get_json()["resources"][0]["slots"]] == \
        [local(monday + timedelta(days=1), 15), local(monday + timedelta(days=1), 15, 30),
         local(monday + timedelta(days=1), 16)]


@pytest.mark.parametrize("query, status, field", [
    ({"from": "2027-03-01", "to": "2027-03-02"}, 422, "service_id"),
    ({"service_id": "{service}", "from": "2027-03-02", "to": "2027-03-01"}, 422, "to"),
    ({"service_id": "{service}", "from": "2027-03-01T09:00", "to": "2027-03-02"}, 422, "from"),
    ({"service_id": "{service}", "to": "2027-03-02"}, 422, "from"),
    ({"service_id": "987654", "from": "2027-03-01", "to": "2027-03-02"}, 404, None),
])
def test_availability_input_errors(client, db_session, query, status, field):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    response = api.get("/api/availability", **{k: v.format(**spa) for k, v in query.items()})
    assert response.status_code == status
    assert response.get_json().get("field") == field


def test_shop_a_cannot_see_book_or_change_shop_bs_bookings(client, db_session):
    a, b = shop_api(client, db_session), shop_api(client, db_session)
    theirs, monday = make_spa(b), a_monday()
    assign(b, theirs["plan"])
    booking = book(b, theirs, local(monday, 10)).get_json()
    assert a.get("/api/bookings").get_json()["bookings"] == []
    assert a.get(f"/api/bookings/{booking['id']}").status_code == 404
    for action, body in (("cancel", None), ("reschedule", {"starts_at": local(monday, 12)}), ("no-show", None),
                         ("complete", None)):
        assert a.post(f"/api/bookings/{booking['id']}/{action}", body).status_code == 404, action
    assert book(a, theirs, local(monday, 12)).status_code == 404  # their service and resource are unknown here
    assert a.get("/api/availability", service_id=theirs["service"],
                 **{"from": monday.isoformat(), "to": (monday + timedelta(days=1)).isoformat()}).status_code == 404
    assert b.get(f"/api/bookings/{booking['id']}").get_json()["status"] == "confirmed"
    entries = db_session.scalars(select(LedgerEntry.kind).where(
        LedgerEntry.entitlement_id == booking["redeemed_from"]["entitlement_id"])).all()
    assert entries == ["grant", "redeem"]
