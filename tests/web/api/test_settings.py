"""GET/PATCH /api/settings: the shop's booking rules."""
from __future__ import annotations

from tests.support.factories import make_shop
from tests.support.api import bearer


def test_settings_start_from_the_shops_time_zone(client, db_session):
    shop = make_shop(db_session, iana_timezone="Asia/Kolkata")
    body = client.get("/api/settings", headers=bearer(shop.domain)).get_json()
    assert body["timezone"] == "Asia/Kolkata" and body["slot_interval_minutes"] == 30


def test_patch_changes_the_time_zone_and_rules(client, db_session):
    shop = make_shop(db_session)
    response = client.patch("/api/settings", headers=bearer(shop.domain),
                            json={"timezone": "America/New_York", "cancel_cutoff_hours": 12})
    assert response.status_code == 200
    again = client.get("/api/settings", headers=bearer(shop.domain)).get_json()
    assert (again["timezone"], again["cancel_cutoff_hours"]) == ("America/New_York", 12)


def test_bad_settings_are_refused_naming_the_field_and_change_nothing(client, db_session):
    shop = make_shop(db_session)
    for body, field in (({"timezone": "Mars/Olympus"}, "timezone"), ({"slot_interval_minutes": 0}, "slot_interval_minutes"),
                        ({"horizon_days": "30"}, "horizon_days"), ({"colour": "blue"}, "colour"),
                        ({"timezone": "Europe/Paris", "min_notice_minutes": -5}, "min_notice_minutes")):
        response = client.patch("/api/settings", headers=bearer(shop.domain), json=body)
        assert (response.status_code, response.get_json()["field"]) == (422, field)
    assert client.get("/api/settings", headers=bearer(shop.domain)).get_json()["timezone"] != "Europe/Paris"
