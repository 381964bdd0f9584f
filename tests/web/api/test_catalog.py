"""/api/services, /api/resources, /api/plans: minimal bodies, validation naming fields, archiving, tenancy."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from booking.models import Plan, Resource, Service
from tests.support.api import WEEKDAYS, a_monday, assign, book, local, make_spa, shop_api

MINIMAL = {
    "services": {"name": "Massage", "duration_minutes": 60},
    "resources": {"name": "Anna"},
    "plans": {"title": "5x massage", "unit": "sessions", "quantity": 5},
}


def test_minimal_bodies_create_a_service_a_resource_and_a_plan_with_ids(client, db_session):
    api = shop_api(client, db_session)
    service = api.created("/api/services", {"name": "Massage", "duration_minutes": 60})
    resource = api.created("/api/resources", {"name": "Anna", "service_ids": [service["id"]],
                                              "weekly_hours": {"mon": [["09:00", "17:00"]]}})
    plan = api.created("/api/plans", {"title": "5x massage", "unit": "sessions", "quantity": 5,
                                      "service_ids": [service["id"]]})
    assert service["id"] and resource["id"] and plan["id"]
    assert (service["capacity"], service["buffer_before_minutes"], service["price"], service["members_only"]) == \
        (1, 0, None, False)
    assert resource["service_ids"] == [service["id"]] and resource["weekly_hours"] == {"mon": [["09:00", "17:00"]]}
    assert (plan["quantity"], plan["service_ids"], plan["validity_days"], plan["not_for_sale"]) == \
        ("5", [service["id"]], None, False)
    assert api.get(f"/api/plans/{plan['id']}").get_json() == plan


def test_a_price_as_string_or_number_is_money_in_the_shop_currency_unless_given(client, db_session):
    api = shop_api(client, db_session)
    by_number = api.created("/api/services", {"name": "Facial", "duration_minutes": 45, "price": 79.5})
    by_string = api.created("/api/services", {"name": "Sauna", "duration_minutes": 30, "price": "12",
                                              "currency": "eur", "capacity": 6, "members_only": True})
    assert (by_number["price"], by_number["currency"]) == ("79.50", "GBP")
    assert (by_string["price"], by_string["currency"], by_string["capacity"]) == ("12.00", "EUR", 6)
    assert db_session.scalar(select(Service.price).where(Service.id == by_number["id"])) == 79.5


@pytest.mark.parametrize("path, body, field", [
    ("/api/services", {"duration_minutes": 60}, "name"),
    ("/api/services", {"name": "  ", "duration_minutes": 60}, "name"),
    ("/api/services", {"name": "Massage", "duration_minutes": -30}, "duration_minutes"),
    ("/api/services", {"name": "Massage", "duration_minutes": 60, "price": "-1"}, "price"),
    ("/api/services", {"name": "Massage", "duration_minutes": 60, "price": "12.345"}, "price"),
    ("/api/services", {"name": "Massage", "duration_minutes": 60, "capacity": 0}, "capacity"),
    ("/api/resources", {"service_ids": []}, "name"),
    ("/api/resources", {"name": "Anna", "weekly_hours": {"mon": [["09:00", "25:00"]]}}, "weekly_hours.mon[0]"),
    ("/api/resources", {"name": "Anna", "weekly_hours": {"someday": [["09:00", "17:00"]]}}, "weekly_hours.someday"),
    ("/api/resources", {"name": "Anna", "weekly_hours": [["09:00", "17:00"]]}, "weekly_hours"),
    ("/api/plans", {"unit": "sessions", "quantity": 5}, "title"),
    ("/api/plans", {"title": "5x massage", "unit": "hugs", "quantity": 5}, "unit"),
    ("/api/plans", {"title": "x" * 201, "unit": "sessions", "quantity": 5}, "title"),
    ("/api/plans", {"title": "5x massage", "unit": "sessions", "quantity": 5, "not_for_sale": "yes"},
     "not_for_sale"),
])
def test_invalid_bodies_are_422_naming_the_field(client, db_session, path, body, field):
    api = shop_api(client, db_session)
    response = api.post(path, body)
    assert response.status_code == 422
    assert response.get_json()["field"] == field and response.get_json()["code"] == "invalid"
    assert api.get(path).get_json()[path.rsplit("/", 1)[1]] == []


def test_a_body_that_is_not_a_json_object_is_422(client, db_session):
    api = shop_api(client, db_session)
    response = api.post("/api/services", ["Massage", 60])
    assert response.status_code == 422 and response.get_json()["field"] == "body"


def test_unknown_or_another_shops_service_ids_are_422_naming_the_index(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    mine = api.created("/api/services", MINIMAL["services"])["id"]
    theirs = other.created("/api/services", MINIMAL["services"])["id"]
    for ids, field in (([mine, 999999], "service_ids[1]"), ([theirs], "service_ids[0]")):
        for path, body in (("/api/resources", {"name": "Anna"}), ("/api/plans", MINIMAL["plans"])):
            response = api.post(path, {**body, "service_ids": ids})
            assert response.status_code == 422, (path, ids)
            assert response.get_json()["field"] == field
    response = api.post("/api/plans", {**MINIMAL["plans"], "resource_id": 999999})
    assert response.status_code == 422 and response.get_json()["field"] == "resource_id"


def test_patch_changes_only_the_fields_given(client, db_session):
    api = shop_api(client, db_session)
    service = api.created("/api/services", MINIMAL["services"])
    other = api.created("/api/services", {"name": "Facial", "duration_minutes": 30})
    resource = api.created("/api/resources", {"name": "Anna", "service_ids": [service["id"]]})
    changed = api.patch(f"/api/services/{service['id']}", {"duration_minutes": 90, "price": "95"}).get_json()
    assert (changed["name"], changed["duration_minutes"], changed["price"]) == ("Massage", 90, "95.00")
    moved = api.patch(f"/api/resources/{resource['id']}", {"service_ids": [other["id"]],
                                                           "weekly_hours": WEEKDAYS}).get_json()
    assert moved["name"] == "Anna" and moved["service_ids"] == [other["id"]] and moved["weekly_hours"] == WEEKDAYS
    refused = api.patch(f"/api/services/{service['id']}", {"duration_minutes": 0})
    assert refused.status_code == 422 and refused.get_json()["field"] == "duration_minutes"
    assert api.get(f"/api/services/{service['id']}").get_json()["duration_minutes"] == 90


@pytest.mark.parametrize("kind", ["services", "resources", "plans"])
def test_delete_archives_so_the_row_leaves_lists_and_get_answers_404(client, db_session, kind):
    api = shop_api(client, db_session)
    kept = api.created(f"/api/{kind}", MINIMAL[kind])
    gone = api.created(f"/api/{kind}", MINIMAL[kind])
    response = api.delete(f"/api/{kind}/{gone['id']}")
    assert response.status_code == 204 and response.data == b""
    assert [row["id"] for row in api.get(f"/api/{kind}").get_json()[kind]] == [kept["id"]]
    change = {"title": "x"} if kind == "plans" else {"name": "x"}
    for again in (api.get, api.delete, lambda path: api.patch(path, change)):
        assert again(f"/api/{kind}/{gone['id']}").status_code == 404
    model = {"services": Service, "resources": Resource, "plans": Plan}[kind]
    assert db_session.scalar(select(model.archived_at).where(model.id == gone["id"])) is not None  # not deleted


def test_an_archived_service_keeps_its_bookings_but_takes_no_new_ones(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    booked = book(api, spa, local(monday, 10)).get_json()
    assert api.delete(f"/api/services/{spa['service']}").status_code == 204
    assert api.get(f"/api/bookings/{booked['id']}").get_json()["service_id"] == spa["service"]
    response = book(api, spa, local(monday, 12))
    assert response.status_code == 404 and response.get_json()["code"] == "not_found"


@pytest.mark.parametrize("kind", ["services", "resources", "plans"])
def test_unknown_ids_are_404_with_the_error_body(client, db_session, kind):
    api = shop_api(client, db_session)
    response = api.get(f"/api/{kind}/987654321")
    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found" and response.get_json()["error"]


@pytest.mark.parametrize("kind", ["services", "resources", "plans"])
def test_shop_a_cannot_read_patch_or_delete_shop_bs_rows(client, db_session, kind):
    a, b = shop_api(client, db_session), shop_api(client, db_session)
    theirs = b.created(f"/api/{kind}", MINIMAL[kind])
    assert a.get(f"/api/{kind}").get_json()[kind] == []
    assert a.get(f"/api/{kind}/{theirs['id']}").status_code == 404
    change = {"title": "Mine now"} if kind == "plans" else {"name": "Mine now"}
    assert a.patch(f"/api/{kind}/{theirs['id']}", change).status_code == 404
    assert a.delete(f"/api/{kind}/{theirs['id']}").status_code == 404
    assert b.get(f"/api/{kind}/{theirs['id']}").get_json() == theirs


def test_plan_patch_changes_future_purchases_only(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"validity_days": 30})
    before = assign(api, spa["plan"])
    changed = api.patch(f"/api/plans/{spa['plan']}", {"title": "10x massage", "quantity": 10,
                                                      "expires_on": "2099-12-31"}).get_json()
    assert (changed["title"], changed["quantity"], changed["expires_on"], changed["validity_days"]) == \
        ("10x massage", "10", "2099-12-31", None)
    assert changed["service_ids"] == [spa["service"]]  # untouched keys stay
    after = assign(api, spa["plan"])
    old = api.get(f"/api/entitlements/{before['id']}").get_json()
    assert (old["title"], old["total"], old["expires_at"]) == ("5x massage", "5", before["expires_at"])
    assert (after["title"], after["total"], after["valid_through"]) == ("10x massage", "10", "2099-12-31")


def test_a_plan_reads_back_in_the_shape_it_was_posted(client, db_session):
    api = shop_api(client, db_session)
    service = api.created("/api/services", MINIMAL["services"])["id"]
    body = {"title": "Off-peak pass", "unit": "minutes", "quantity": 300, "service_ids": [service],
            "validity_months": 3, "windows": {"weekdays": ["mon", "tue"], "times": [["10:00", "16:00"]]},
            "late_cancel": "restore", "not_for_sale": True}
    plan = api.created("/api/plans", body)
    assert {key: plan[key] for key in body} == {**body, "quantity": "300"}
    unlimited = api.patch(f"/api/plans/{plan['id']}", {"unit": "unlimited", "windows": None}).get_json()
    assert (unlimited["unit"], unlimited["quantity"], unlimited["windows"]) == ("unlimited", None, None)


def test_catalog_calls_need_a_session_token(client, db_session):
    response = client.post("/api/services", json=MINIMAL["services"])
    assert response.status_code == 401 and response.get_json()["code"] == "invalid_session"


def test_resource_time_off_removes_slots_and_extra_hours_add_them(client, db_session):
    from tests.support.api import slot_starts

    api = shop_api(client, db_session)
    spa = make_spa(api)
    monday = a_monday()
    exceptions = [{"starts_at": local(monday, 9), "ends_at": local(monday, 12), "kind": "closed", "note": "dentist"},
                  {"starts_at": local(monday, 17), "ends_at": local(monday, 19), "kind": "open"}]
    response = api.patch(f"/api/resources/{spa['resource']}", {"exceptions": exceptions})
    assert response.status_code == 200
    assert [x["note"] for x in response.get_json()["exceptions"]] == ["dentist", None]
    starts = slot_starts(api, spa, monday)
    assert starts[0].startswith(f"{monday.isoformat()}T12:00") and starts[-1].startswith(f"{monday.isoformat()}T18:00")


def test_bad_exceptions_are_422_naming_the_item(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    for body, field in (({"exceptions": [{"starts_at": "2027-01-01T09:00", "ends_at": "2027-01-01T10:00+00:00"}]},
                         "exceptions[0].starts_at"),
                        ({"exceptions": [{"starts_at": "2027-01-01T10:00+00:00", "ends_at": "2027-01-01T09:00+00:00"}]},
                         "exceptions[0].ends_at"),
                        ({"exceptions": [{"starts_at": "2027-01-01T09:00+00:00", "ends_at": "2027-01-01T10:00+00:00",
                                          "kind": "holiday"}]}, "exceptions[0].kind")):
        response = api.patch(f"/api/resources/{spa['resource']}", body)
        assert (response.status_code, response.get_json()["field"]) == (422, field)
