"""Values that are well-formed but mean nothing are refused naming the field, never stored as a guess."""
from __future__ import annotations

import pytest

from tests.support.api import assign, make_spa, shop_api


@pytest.mark.parametrize("zone", ["localtime", "posixrules", "Factory", "posix/Europe/London",
                                  "right/Europe/London", "Europe/Nowhere", "x" * 65])
def test_a_zone_that_is_not_a_place_is_refused(client, db_session, zone):
    api = shop_api(client, db_session)
    response = api.patch("/api/settings", {"timezone": zone})
    assert response.status_code == 422 and response.get_json()["field"] == "timezone"
    assert api.get("/api/settings").get_json()["timezone"] == "Europe/London"


@pytest.mark.parametrize("path", ["/api/bookings", "/api/availability"])
@pytest.mark.parametrize("window", [("2027-03-02", "2027-03-01"), ("2027-03-01", "2027-03-01"),
                                    ("2027-03-01T10:00:00+00:00", "2027-03-01T09:59:00+00:00")])
def test_a_range_that_ends_before_it_starts_is_refused_on_every_listing(client, db_session, path, window):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    query = {"from": window[0], "to": window[1]}
    if path == "/api/availability":
        query["service_id"] = spa["service"]
    response = api.get(path, **query)
    assert response.status_code == 422 and response.get_json()["field"] == "to"


@pytest.mark.parametrize("late_cancel", [0, False, [], {}, "", "FORFEIT", 1])
def test_a_rule_is_one_of_its_words_never_a_falsy_guess(client, db_session, late_cancel):
    api = shop_api(client, db_session)
    response = api.post("/api/plans", {"title": "P", "unit": "sessions", "quantity": 1, "late_cancel": late_cancel})
    assert response.status_code == 422 and response.get_json()["field"] == "late_cancel"


def test_an_adjustment_names_only_a_service_the_package_counts(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    package = assign(api, make_spa(api)["plan"])
    theirs = make_spa(other)["service"]
    response = api.post(f"/api/entitlements/{package['id']}/adjustments",
                        {"delta": 1, "reason": "goodwill", "service_id": theirs})
    assert response.status_code == 422 and response.get_json()["field"] == "service_id"
    entries = api.get(f"/api/entitlements/{package['id']}/ledger").get_json()["entries"]
    assert [e["kind"] for e in entries] == ["grant"]
