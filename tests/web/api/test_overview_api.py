"""The home page's one call: today's and tomorrow's bookings, what is owed (from the packages' running sums,
checked against their ledgers), what expires this month, open attention items and the setup checklist."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from booking import accounts, overview
from booking.models import BookingSettings
from booking.records import Booking, Entitlement
from tests.support.api import a_monday, assign, book, local, make_spa, shop_api

LONDON = ZoneInfo("Europe/London")


def test_owed_adds_up_what_the_ledgers_say_and_values_it_at_the_price_paid(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    credit = api.created("/api/plans", {"title": "£100 credit", "unit": "money", "quantity": "100", "currency": "GBP",
                                        "service_ids": [spa["service"]]})
    minutes = api.created("/api/plans", {"title": "5 hours", "unit": "minutes", "quantity": 300,
                                         "service_ids": [spa["service"]]})
    first, second = assign(api, spa["plan"]), assign(api, spa["plan"], customer_id=7002)
    assign(api, credit["id"]), assign(api, minutes["id"], customer_id=7002)
    for row in db_session.query(Entitlement).filter(Entitlement.id.in_([first["id"], second["id"]])):
        row.price_paid, row.currency = Decimal("200.00"), "GBP"  # as if bought: 5 sessions for £200
    db_session.flush()
    assert book(api, spa, local(a_monday(), 10), entitlement_id=first["id"]).status_code == 201
    assert api.post(f"/api/entitlements/{second['id']}/revoke", {"reason": "refunded"}).status_code == 200

    owed = api.get("/api/overview").get_json()["owed"]
    live = db_session.query(Entitlement).filter_by(shop_id=api.shop.id, status="active").all()
    by_ledger = {unit: sum((accounts.entitlement_state(db_session, e).remaining for e in live
                            if e.unit == unit), Decimal(0)) for unit in ("sessions", "minutes", "money")}
    assert owed["sessions"] == accounts.plain(by_ledger["sessions"]) == "4"
    assert owed["minutes"] == "300" and owed["money"] == [{"amount": "100.00", "currency": "GBP"}]
    assert owed["value"] == [{"amount": "160.00", "currency": "GBP"}]  # £200 × 4 left ÷ 5 granted


def test_today_tomorrow_expiring_attention_and_setup(client, db_session):
    api = shop_api(client, db_session)
    assert [s["done"] for s in api.get("/api/overview").get_json()["setup"]] == [False] * 6
    spa = make_spa(api)
    package = assign(api, spa["plan"])
    now = datetime.now(timezone.utc)
    today = now.astimezone(LONDON).date()
    # It lapses as this month ends (its last day is the month's last), whatever day the test runs.
    db_session.get(Entitlement, package["id"]).expires_at = overview.month_end(now, LONDON)
    booked = book(api, spa, local(a_monday(), 10), use_package=False).get_json()
    # Move it to tomorrow afternoon in the database: weekday hours would not always allow it through the API.
    row = db_session.get(Booking, booked["id"])
    start = datetime(today.year, today.month, today.day, 15, tzinfo=LONDON) + timedelta(days=1)
    row.starts_at, row.ends_at = start, start + timedelta(hours=1)
    db_session.flush()

    body = api.get("/api/overview").get_json()
    assert body["timezone"] == "Europe/London"
    assert body["today"]["count"] == 0 and body["today"]["date"] == today.isoformat()
    assert [b["id"] for b in body["tomorrow"]["bookings"]] == [booked["id"]] and body["tomorrow"]["count"] == 1
    expiring = body["expiring_this_month"]
    assert expiring["count"] == 1 and expiring["packages"][0]["id"] == package["id"]
    assert expiring["packages"][0]["left"] == "5" and expiring["packages"][0]["customer"]["shopify_customer_id"] == 7001
    assert expiring["packages"][0]["last_day"][:7] == today.isoformat()[:7]
    done = {s["key"]: s["done"] for s in body["setup"]}
    assert done == {"service": True, "hours": True, "plan": True, "product": False, "snippet": False,
                    "test_email": False}

    db_session.query(BookingSettings).filter_by(shop_id=api.shop.id).update({"test_email_sent_at": now})
    db_session.flush()
    assert {s["key"]: s["done"] for s in api.get("/api/overview").get_json()["setup"]}["test_email"] is True


def test_an_open_attention_item_is_counted_until_it_is_resolved(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    monday = a_monday()
    assign(api, spa["plan"])
    assert book(api, spa, local(monday, 10)).status_code == 201
    off = {"exceptions": [{"starts_at": local(monday, 9), "ends_at": local(monday, 12), "kind": "closed"}],
           "force": True}
    assert api.patch(f"/api/resources/{spa['resource']}", off).status_code == 200
    assert api.get("/api/overview").get_json()["attention_open"] == 1
    [item] = api.get("/api/attention").get_json()["items"]
    assert api.post(f"/api/attention/{item['id']}/resolve", {"note": "moved to Tuesday"}).status_code == 200
    assert api.get("/api/overview").get_json()["attention_open"] == 0
