"""The admin's reports through the API, on SQLite and PostgreSQL: liability equal to what every package's ledger
says, redemptions, utilisation and no-show / late-cancel figures against a known setup, the CSV parsed back, the
chart self-contained, and the date range's refusals."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from sqlalchemy import select

from booking.records import Booking, Entitlement
from tests.support.api import LONDON, a_monday, assign, book, local, make_spa, shop_api
from tests.support.reports import liability_from_ledgers

NOW = lambda: datetime.now(timezone.utc)  # noqa: E731  (views read the real clock)


def _package(db_session, package_id: int) -> Entitlement:
    return db_session.get(Entitlement, package_id)


def _sold(db_session, package: dict, price: str, currency: str = "GBP") -> None:
    """As if the package had come from an order at this price."""
    row = _package(db_session, package["id"])
    row.price_paid, row.currency = Decimal(price), currency
    db_session.flush()


def _csv_rows(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def _first_of_month(months_ahead: int) -> date:
    day = datetime.now(LONDON).date().replace(day=1)
    for _ in range(months_ahead):
        day = (day + timedelta(days=32)).replace(day=1)
    return day


# --- liability -------------------------------------------------------------------------------------------------


def test_liability_is_what_every_live_packages_ledger_still_owes(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    minutes = api.created("/api/plans", {"title": "300 minutes", "unit": "minutes", "quantity": 300,
                                         "service_ids": [spa["service"]]})
    credit = api.created("/api/plans", {"title": "£100 credit", "unit": "money", "quantity": 100, "currency": "GBP"})
    unlimited = api.created("/api/plans", {"title": "Unlimited month", "unit": "unlimited", "validity_days": 30})

    paid = assign(api, spa["plan"])  # 5 sessions for 100.00, two booked: 3 left, worth 60.00
    _sold(db_session, paid, "100.00")
    for hour in (10, 11):
        assert book(api, spa, local(monday, hour), entitlement_id=paid["id"]).status_code == 201
    assign(api, spa["plan"], customer_id=7002)  # given by staff: no price, worth 0.00
    halves = assign(api, minutes["id"])  # 150 of 300 minutes left of 10.05: 5.025, rounded half up
    _sold(db_session, halves, "10.05")
    assert api.post(f"/api/entitlements/{halves['id']}/adjustments",
                    {"delta": -150, "reason": "used elsewhere"}).status_code == 201
    thirds = assign(api, credit["id"], customer_id=7002)  # 100 of 100 left of 90.00, expiring at a local midnight
    _sold(db_session, thirds, "90.00")
    ends = _first_of_month(3)
    _package(db_session, thirds["id"]).expires_at = datetime.combine(ends, datetime.min.time(), LONDON)
    lapsed = assign(api, spa["plan"])  # past its end, not yet marked expired: owes nothing
    _package(db_session, lapsed["id"]).expires_at = NOW() - timedelta(hours=1)
    revoked = assign(api, spa["plan"], customer_id=7002)
    assert api.post(f"/api/entitlements/{revoked['id']}/revoke", {"reason": "refunded"}).status_code == 200
    assign(api, unlimited["id"])  # owes no countable quantity
    db_session.flush()

    body = api.get("/api/reports/liability").get_json()
    assert body["rows"] == liability_from_ledgers(db_session, api.shop.id)
    by_key = {(r["plan"], r["currency"]): r for r in body["rows"]}
    assert (by_key["5x massage", "GBP"]["owed"], by_key["5x massage", "GBP"]["value"]) == ("3", "60.00")
    assert (by_key["5x massage", None]["owed"], by_key["5x massage", None]["value"]) == ("5", "0.00")
    assert by_key["300 minutes", "GBP"]["value"] == "5.03"
    last_day = ends - timedelta(days=1)
    assert by_key["£100 credit", "GBP"] == {"plan": "£100 credit", "unit": "money", "packages": 1, "owed": "100",
                                           "value": "90.00", "currency": "GBP",
                                           "expires": f"{last_day.year}-{last_day.month:02}"}
    assert {r["plan"] for r in body["rows"]} == {"5x massage", "300 minutes", "£100 credit"}
    assert body["timezone"] == "Europe/London" and body["report"] == "liability"
    assert [c["key"] for c in body["columns"]] == ["plan", "unit", "expires", "packages", "owed", "value", "currency"]

    download = api.get("/api/reports/liability.csv")
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    today = datetime.now(LONDON).date().isoformat()
    assert download.headers["Content-Disposition"] == f'attachment; filename="packbook-liability-{today}.csv"'
    header, *rows = _csv_rows(download)
    assert header == ["Plan", "Unit", "Expires", "Packages", "Owed", "Value", "Currency"]
    assert rows == [[r["plan"], r["unit"], r["expires"], str(r["packages"]), r["owed"], r["value"], r["currency"] or ""]
                    for r in liability_from_ledgers(db_session, api.shop.id)]


def test_a_title_that_would_run_as_a_formula_is_escaped_in_the_csv_only(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"title": "=HYPERLINK(\"http://x.test\",\"win\")"})
    assign(api, spa["plan"])
    [row] = api.get("/api/reports/liability").get_json()["rows"]
    assert row["plan"] == "=HYPERLINK(\"http://x.test\",\"win\")"
    [_, cells] = _csv_rows(api.get("/api/reports/liability.csv"))
    assert cells[0] == "'=HYPERLINK(\"http://x.test\",\"win\")" and cells[4] == "5"


def test_the_chart_is_one_self_contained_accessible_image(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    _sold(db_session, assign(api, spa["plan"]), "250.00")
    svg = api.get("/api/reports/liability").get_json()["svg"]
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg" and root.get("role") == "img"
    title, desc = root.find(f"{ns}title"), root.find(f"{ns}desc")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.text == "Value still owed, by expiry month" and "price paid" in desc.text
    assert not list(root.iter(f"{ns}script")) and "<script" not in svg
    assert "href" not in svg and "@import" not in svg and "url(" not in svg
    assert "5x massage" in svg and not svg.startswith("<?xml")


# --- redemptions, utilisation, no-shows and late cancellations ---------------------------------------------------


def test_redemptions_count_what_was_redeemed_and_given_back_when_it_happened(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    package = assign(api, spa["plan"])
    ids = [book(api, spa, local(monday, hour)).get_json()["id"] for hour in (10, 11, 12)]
    assert api.post(f"/api/bookings/{ids[0]}/cancel").status_code == 200  # weeks ahead: given back
    today = datetime.now(LONDON).date()
    body = api.get("/api/reports/redemptions", **{"from": today.isoformat(),
                                                   "to": (today + timedelta(days=1)).isoformat()}).get_json()
    assert body["rows"] == [{"period": today.isoformat(), "unit": "sessions", "redeemed": 3, "given_back": 1,
                             "net": 2, "used": "2"}]
    assert api.get(f"/api/entitlements/{package['id']}").get_json()["used"] == "2"
    later = api.get("/api/reports/redemptions", **{"from": (today + timedelta(days=1)).isoformat(),
                                                    "to": (today + timedelta(days=2)).isoformat()}).get_json()
    assert later["rows"] == []


@pytest.mark.parametrize("days, first", [(40, lambda d: d - timedelta(days=d.weekday())),  # weeks from Monday
                                         (200, lambda d: d.replace(day=1))])               # months
def test_longer_ranges_group_redemptions_by_week_or_month(client, db_session, days, first):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    assign(api, spa["plan"])
    assert book(api, spa, local(a_monday(), 10)).status_code == 201
    today = datetime.now(LONDON).date()
    start = today - timedelta(days=days // 2)
    body = api.get("/api/reports/redemptions", **{"from": start.isoformat(),
                                                   "to": (start + timedelta(days=days)).isoformat()}).get_json()
    assert [(r["period"], r["redeemed"]) for r in body["rows"]] == [(first(today).isoformat(), 1)]
    assert body["svg"].count("<desc") >= 1


def test_utilisation_is_booked_hours_against_open_hours(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    # Tuesday morning off: 40 - 4 = 36 open hours that week.
    assert api.patch(f"/api/resources/{spa['resource']}", {"exceptions": [
        {"starts_at": local(monday + timedelta(days=1), 9), "ends_at": local(monday + timedelta(days=1), 13)}],
    }).status_code == 200
    assign(api, spa["plan"])
    ids = [book(api, spa, local(monday, hour), use_package=False).get_json()["id"] for hour in (10, 11, 14)]
    assert api.post(f"/api/bookings/{ids[2]}/cancel").status_code == 200  # frees its hour
    body = api.get("/api/reports/utilisation", **{"from": monday.isoformat(),
                                                   "to": (monday + timedelta(days=7)).isoformat()}).get_json()
    assert body["rows"] == [{"resource_id": spa["resource"], "resource": "Anna", "open_hours": "36",
                             "booked_hours": "2", "utilisation": "5.6"}]
    closed = api.get("/api/reports/utilisation", **{"from": (monday + timedelta(days=5)).isoformat(),
                                                     "to": (monday + timedelta(days=7)).isoformat()}).get_json()
    assert closed["rows"][0]["utilisation"] is None and closed["rows"][0]["open_hours"] == "0"


def test_no_show_and_late_cancel_rates_by_service_and_by_staff(client, db_session):
    api = shop_api(client, db_session)
    spa, monday = make_spa(api), a_monday()
    assign(api, spa["plan"])
    for hour in (10, 11, 12, 13, 14):
        assert book(api, spa, local(monday, hour)).status_code == 201
    rows = db_session.scalars(select(Booking).where(Booking.shop_id == api.shop.id)
                              .order_by(Booking.starts_at)).all()
    now = NOW()
    # Two sessions that took place (one a no-show), one cancelled inside the cutoff (the package keeps it), one
    # cancelled in time (never due), and one still to come (not due yet).
    for row, start in zip(rows, (now - timedelta(hours=5), now - timedelta(hours=3), now + timedelta(hours=2),
                                 now + timedelta(days=3), now + timedelta(hours=4))):
        row.starts_at, row.ends_at = start, start + timedelta(hours=1)
        row.blocked_start, row.blocked_end = row.starts_at, row.ends_at
    db_session.flush()
    assert api.post(f"/api/bookings/{rows[1].id}/no-show").status_code == 200
    for late_or_not in (rows[2], rows[3]):
        assert api.post(f"/api/bookings/{late_or_not.id}/cancel").status_code == 200
    today = datetime.now(LONDON).date()
    body = api.get("/api/reports/attendance", **{"from": (today - timedelta(days=1)).isoformat(),
                                                  "to": (today + timedelta(days=5)).isoformat()}).get_json()
    figures = {"due": 3, "no_shows": 1, "late_cancels": 1, "no_show_rate": "33.3", "late_cancel_rate": "33.3"}
    assert body["rows"] == [{"group": "service", "name": "Massage", **figures},
                            {"group": "service", "name": "All", **figures},
                            {"group": "staff", "name": "Anna", **figures},
                            {"group": "staff", "name": "All", **figures}]
    header, *cells = _csv_rows(api.get("/api/reports/attendance.csv", **{
        "from": (today - timedelta(days=1)).isoformat(), "to": (today + timedelta(days=5)).isoformat()}))
    assert header == ["By", "Name", "Sessions due", "No-shows", "Late cancellations", "No-show rate (%)",
                      "Late-cancel rate (%)"]
    assert cells[0] == ["service", "Massage", "3", "1", "1", "33.3", "33.3"]


# --- the range, and whose data ---------------------------------------------------------------------------------


def test_the_range_defaults_to_this_month(client, db_session):
    api = shop_api(client, db_session)
    body = api.get("/api/reports/redemptions").get_json()
    first = datetime.now(LONDON).date().replace(day=1)
    assert (body["from"], body["to"]) == (first.isoformat(), (first + timedelta(days=32)).replace(day=1).isoformat())
    download = api.get("/api/reports/redemptions.csv", **{"from": "2026-01-01", "to": "2026-02-01"})
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="packbook-redemptions-2026-01-01-to-2026-01-31.csv"'
    assert _csv_rows(download) == [["Period", "Unit", "Redeemed", "Given back", "Net", "Used"]]


@pytest.mark.parametrize("name", ["liability", "redemptions", "utilisation", "attendance"])
@pytest.mark.parametrize("query, field", [
    ({"from": "2026-03-01", "to": "2026-03-01"}, "to"),          # to must be after from
    ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
    ({"from": "2026-01-01", "to": "2028-01-03"}, "to"),          # more than two years
    ({"from": "2026-13-01"}, "from"),
    ({"to": "tomorrow"}, "to"),
    ({"from": "2026-01-01", "until": "2026-02-01"}, "until"),    # a parameter it does not take
])
def test_a_bad_range_is_422_naming_the_field(client, db_session, name, query, field):
    api = shop_api(client, db_session)
    for path in (f"/api/reports/{name}", f"/api/reports/{name}.csv"):
        response = api.get(path, **query)
        assert response.status_code == 422, (path, response.get_data()[:200])
        assert response.get_json()["field"] == field


def test_two_years_is_the_longest_range(client, db_session):
    api = shop_api(client, db_session)
    assert api.get("/api/reports/redemptions", **{"from": "2026-01-01", "to": "2028-01-02"}).status_code == 200


def test_a_shop_sees_only_its_own_figures(client, db_session):
    a, b = shop_api(client, db_session), shop_api(client, db_session)
    spa = make_spa(b)
    assign(b, spa["plan"])
    assert book(b, spa, local(a_monday(), 10)).status_code == 201
    for name in ("liability", "redemptions", "utilisation", "attendance"):
        assert a.get(f"/api/reports/{name}").get_json()["rows"] == [], name
    assert len(_csv_rows(a.get("/api/reports/liability.csv"))) == 1
    assert b.get("/api/reports/liability").get_json()["rows"] != []
    assert client.get("/api/reports/liability").status_code == 401
    assert client.get("/api/reports/liability.csv").status_code == 401
