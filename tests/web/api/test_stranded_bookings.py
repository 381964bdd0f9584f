"""A change to a resource never silently strands confirmed bookings: time off, shorter hours or a dropped service
over them answers 409 listing them, or, with force, goes through and flags each one for attention."""
from __future__ import annotations

import pytest

from tests.support.api import a_monday, assign, book, local, make_spa, shop_api


def _setup(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    booked = book(api, spa, local(monday, 10)).get_json()
    return api, spa, monday, booked


def _time_off(monday, start_hour, end_hour):
    return {"exceptions": [{"starts_at": local(monday, start_hour), "ends_at": local(monday, end_hour)}]}


@pytest.mark.parametrize("change", ["time_off", "shorter_hours", "dropped_service"])
def test_a_change_over_a_confirmed_booking_is_a_409_listing_it_and_changes_nothing(client, db_session, change):
    api, spa, monday, booked = _setup(client, db_session)
    body = {"time_off": _time_off(monday, 9, 12), "shorter_hours": {"weekly_hours": {"mon": [["13:00", "17:00"]]}},
            "dropped_service": {"service_ids": []}}[change]
    before = api.get(f"/api/resources/{spa['resource']}").get_json()
    response = api.patch(f"/api/resources/{spa['resource']}", body)
    assert response.status_code == 409
    assert response.get_json()["code"] == "bookings_affected" and response.get_json()["booking_ids"] == [booked["id"]]
    assert api.get(f"/api/resources/{spa['resource']}").get_json() == before


def test_force_keeps_the_change_and_puts_each_stranded_booking_on_the_attention_list(client, db_session):
    api, spa, monday, booked = _setup(client, db_session)
    response = api.patch(f"/api/resources/{spa['resource']}", {**_time_off(monday, 9, 12), "force": True})
    assert response.status_code == 200 and len(response.get_json()["exceptions"]) == 1
    [item] = api.get("/api/attention").get_json()["items"]
    assert item["action"] == "booking_stranded" and item["booking"]["id"] == booked["id"]
    assert item["customer"]["id"] == 7001 and item["entitlement"]["id"] == booked["redeemed_from"]["entitlement_id"]
    assert api.post(f"/api/attention/{item['id']}/resolve", {"note": "moved to Tuesday"}).status_code == 200


def test_time_off_beside_a_booking_or_over_a_cancelled_one_goes_through(client, db_session):
    api, spa, monday, booked = _setup(client, db_session)
    assert api.patch(f"/api/resources/{spa['resource']}", _time_off(monday, 11, 13)).status_code == 200
    api.post(f"/api/bookings/{booked['id']}/cancel")
    assert api.patch(f"/api/resources/{spa['resource']}", _time_off(monday, 9, 13)).status_code == 200
    assert api.get("/api/attention").get_json()["items"] == []
