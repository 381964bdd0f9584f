"""A plan a merchant can save can be used: one nobody could ever use is refused when saved, naming the field."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support.api import a_monday, make_spa, shop_api

YESTERDAY = (date.today() - timedelta(days=1)).isoformat()


def _cases(spa, other_resource):
    monday = a_monday()
    return [
        ({"resource_id": other_resource}, "resource_id"),
        ({"unit": "money", "quantity": 100, "currency": "USD"}, "currency"),
        ({"expires_on": YESTERDAY}, "expires_on"),
        ({"windows": {"weekdays": ["sat"], "dates": [monday.isoformat()]}}, "windows.weekdays"),
        ({"windows": {"weekdays": ["sun"], "date_from": monday.isoformat(),
                      "date_to": (monday + timedelta(days=4)).isoformat()}}, "windows.weekdays"),
        ({"windows": {"dates": [monday.isoformat()], "date_from": (monday + timedelta(days=1)).isoformat()}},
         "windows.dates"),
        ({"windows": {"date_to": YESTERDAY}}, "windows.date_to"),
    ]


@pytest.mark.parametrize("case", range(7))
def test_a_plan_that_could_never_be_used_is_refused_naming_the_field(client, db_session, case):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    facial = api.created("/api/services", {"name": "Facial", "duration_minutes": 30})
    ben = api.created("/api/resources", {"name": "Ben", "service_ids": [facial["id"]]})
    change, field = _cases(spa, ben["id"])[case]
    body = {"title": "5x massage", "unit": "sessions", "quantity": 5, "service_ids": [spa["service"]], **change}
    created = api.post("/api/plans", body)
    assert created.status_code == 422 and created.get_json()["field"] == field, created.get_json()
    patched = api.patch(f"/api/plans/{spa['plan']}", change)
    assert patched.status_code == 422 and patched.get_json()["field"] == field, patched.get_json()


def test_the_same_plan_with_a_usable_setting_is_saved(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    body = {"title": "Weekday mornings", "unit": "money", "quantity": 100, "currency": "GBP",
            "resource_id": spa["resource"], "service_ids": [spa["service"]],
            "windows": {"weekdays": ["mon"], "dates": [a_monday().isoformat()]}}
    assert api.post("/api/plans", body).status_code == 201
