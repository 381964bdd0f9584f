"""The booking API end to end: set up a spa, sell it a package, book, cancel, read the ledger.

Views read the real clock, so dates here are computed from today (a Monday weeks ahead), never fixed.
The helpers at the top are shared by the other test_booking_api_* modules.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.factories import make_shop
from tests.web.test_api_auth import bearer

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


class Api:
    """The test client as one shop's admin: every call carries that shop's session token."""

    def __init__(self, client, shop):
        self.client, self.shop = client, shop

    def headers(self) -> dict:
        return bearer(self.shop.domain)

    def _call(self, method: str, path: str, body=None, **query):
        return getattr(self.client, method)(path, json=body, query_string=query, headers=self.headers())

    def get(self, path: str, **query):
        return self._call("get", path, **query)

    def post(self, path: str, body=None):
        return self._call("post", path, {} if body is None else body)

    def patch(self, path: str, body):
        return self._call("patch", path, body)

    def delete(self, path: str):
        return self._call("delete", path)

    def created(self, path: str, body) -> dict:
        response = self.post(path, body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def shop_api(client, db_session, **shop) -> Api:
    return Api(client, make_shop(db_session, **{"iana_timezone": "Europe/London", "currency_code": "GBP", **shop}))


def a_monday(weeks_ahead: int = 3) -> date:
    """A Monday at least two weeks away (in London), well inside every notice and cutoff."""
    day = datetime.now(LONDON).date() + timedelta(weeks=weeks_ahead)
    return day - timedelta(days=day.weekday())


def local(day: date, hour: int, minute: int = 0) -> str:
    """That wall-clock time in London, as ISO 8601 with its offset (as the API writes it)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON).isoformat()


def make_spa(api: Api, *, plan: dict | None = None, service: dict | None = None) -> dict:
    """A service, a resource performing it on weekdays 9-5 and a plan for it, all made through the API."""
    svc = api.created("/api/services", {"name": "Massage", "duration_minutes": 60, "price": "80", **(service or {})})
    res = api.created("/api/resources", {"name": "Anna", "service_ids": [svc["id"]], "weekly_hours": WEEKDAYS})
    pln = api.created("/api/plans", {"title": "5x massage", "unit": "sessions", "quantity": 5,
                                     "service_ids": [svc["id"]], **(plan or {})})
    return {"service": svc["id"], "resource": res["id"], "plan": pln["id"]}


def assign(api: Api, plan_id: int, customer_id: int = 7001) -> dict:
    return api.created(f"/api/customers/{customer_id}/entitlements", {"plan_id": plan_id})


def book(api: Api, spa: dict, starts_at: str, customer_id: int = 7001, **extra):
    return api.post("/api/bookings", {"customer_id": customer_id, "service_id": spa["service"],
                                      "resource_id": spa["resource"], "starts_at": starts_at, **extra})


def slot_starts(api: Api, spa: dict, day: date) -> list[str]:
    body = api.get("/api/availability", service_id=spa["service"], resource_id=spa["resource"],
                   **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()}).get_json()
    [resource] = body["resources"]
    return [slot["start"] for slot in resource["slots"]]


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
