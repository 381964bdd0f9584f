"""The JSON API as one shop's admin calls it: session-token headers, a client wrapper, and a small spa built through the API.

Views read the real clock, so dates here are computed from today (a Monday weeks ahead), never fixed.
"""
from __future__ import annotations

import json
import re
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import responses

from booking.records import Customer
from shopify_app.session_tokens import mint_session_token
from tests.support.factories import API_KEY, API_SECRET, make_shop


def bearer(shop: str, **kw) -> dict:
    token = mint_session_token(shop, api_key=API_KEY, secret=kw.pop("secret", API_SECRET),
                               now=kw.pop("now", int(time.time())), user_id=kw.pop("user_id", "1"))
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def shopify_customers(shop, known: dict[int, str]):
    """Shopify's Admin API answering the Customer query for `shop`: the ids in `known` (id -> email) exist,
    every other id does not. Yields the mock, so a test can count what reached Shopify."""
    endpoint = re.compile(rf"https://{re.escape(shop.domain)}/admin/api/[^/]+/graphql\.json")

    def answer(request):
        asked = int(json.loads(request.body)["variables"]["id"].rpartition("/")[2])
        node = None if asked not in known else {
            "id": f"gid://shopify/Customer/{asked}", "firstName": "Test", "lastName": f"Customer {asked}",
            "defaultEmailAddress": {"emailAddress": known[asked]}}
        return 200, {"Content-Type": "application/json"}, json.dumps({"data": {"customer": node}})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, endpoint, callback=answer)
        yield mock


LONDON = ZoneInfo("Europe/London")
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


class Api:
    """The test client as one shop's admin: every call carries that shop's session token."""

    def __init__(self, client, shop, user_id: str = "1"):
        self.client, self.shop, self.user_id = client, shop, user_id

    def as_user(self, user_id: str) -> "Api":
        """The same shop's admin opened by another member of staff (the token's `sub`)."""
        return Api(self.client, self.shop, user_id)

    def headers(self) -> dict:
        return bearer(self.shop.domain, user_id=self.user_id)

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


KNOWN_CUSTOMERS = {7001: "ana@example.com", 7002: "ben@example.com"}


def shop_api(client, db_session, **shop) -> Api:
    """One shop's admin, with the two customers the API tests book for already known to Packbook (as if
    Shopify had sent their orders): staff naming any other id makes Packbook ask Shopify first."""
    row = make_shop(db_session, **{"iana_timezone": "Europe/London", "currency_code": "GBP", **shop})
    for shopify_id, email in KNOWN_CUSTOMERS.items():
        db_session.add(Customer(shop_id=row.id, shopify_customer_id=shopify_id, email=email))
    db_session.flush()
    return Api(client, row)


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
