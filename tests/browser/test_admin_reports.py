"""The Reports page in Chromium, inside the admin shell with Shopify's scripts stood in for: the liability report's
chart and table, its CSV downloaded as a merchant would and parsed back (BOM, header, rows) against every package's
ledger, another report picked with a range, axe at desktop and phone widths, no console error, and every API call
the page made replayed with another shop's token finding nothing."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from booking.records import Entitlement
from shopify_app.models import Shop
from tests.browser.admin_support import (accessible, console_errors, open_admin, record_api_calls,
                                         replay_as_another_shop, shoot)
from tests.support.api import bearer
from tests.support.booking import make_plan, make_spa
from tests.support.reports import liability_from_ledgers

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def _shop_with_packages(server, committed_shops) -> tuple[str, int]:
    """A spa whose customer holds a 5-session pack bought for 250.00 (one session booked), one given by staff, and
    300 minutes bought for 300.00."""
    with server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session)
        minutes = make_plan(session, spa.shop, title="300 minutes", unit="minutes", quantity=300,
                            service_ids=[spa.service.id])
        shop, shop_id, plans = spa.shop.domain, spa.shop.id, (spa.plan.id, minutes.id)
    committed_shops.append(shop)
    client, headers = server.app.test_client(), bearer(shop)
    bought = [client.post("/api/customers/7001/entitlements", json={"plan_id": plan}, headers=headers).get_json()["id"]
              for plan in (plans[0], plans[1])]
    client.post("/api/customers/7001/entitlements", json={"plan_id": plans[0]}, headers=headers)
    with server.app.extensions["packbook.db"].transaction() as session:
        for package_id, price in zip(bought, ("250.00", "300.00")):
            row = session.get(Entitlement, package_id)
            row.price_paid, row.currency = Decimal(price), "GBP"
    monday = datetime.now(LONDON).date() + timedelta(weeks=3)
    monday -= timedelta(days=monday.weekday())
    booked = client.post("/api/bookings", headers=headers, json={
        "customer_id": 7001, "service_id": _service_id(server, shop_id), "resource_id": _resource_id(server, shop_id),
        "starts_at": datetime(monday.year, monday.month, monday.day, 10, tzinfo=LONDON).isoformat(),
        "entitlement_id": bought[0]})
    assert booked.status_code == 201, booked.get_json()
    return shop, shop_id


def _service_id(server, shop_id: int) -> int:
    from booking.models import Service
    with server.app.extensions["packbook.db"].transaction() as session:
        return session.query(Service).filter_by(shop_id=shop_id).one().id


def _resource_id(server, shop_id: int) -> int:
    from booking.models import Resource
    with server.app.extensions["packbook.db"].transaction() as session:
        return session.query(Resource).filter_by(shop_id=shop_id).one().id


def test_the_liability_report_and_its_csv_agree_with_the_ledger(plain_server, page, committed_shops):
    shop, shop_id = _shop_with_packages(plain_server, committed_shops)
    errors = console_errors(page)
    calls = record_api_calls(page)
    open_admin(page, plain_server.url, shop, "/reports")

    with plain_server.app.extensions["packbook.db"].transaction() as session:
        truth = liability_from_ledgers(session, shop_id)
    assert [(r["plan"], r["owed"], r["value"]) for r in truth] == [
        ("300 minutes", "300", "300.00"), ("5x massage", "5", "0.00"), ("5x massage", "4", "200.00")]
    expect(page.locator("#report h2")).to_have_text("Liability")
    chart = page.locator("#report-chart svg[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("title").first).to_have_text("Value still owed, by expiry month")
    assert page.locator("#report-chart script").count() == 0
    expect(page.locator("#report-table s-table-header")).to_have_text(
        ["Plan", "Unit", "Expires", "Packages", "Owed", "Value", "Currency"])
    rows = page.locator("#report-table s-table-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).get_by_role("cell")).to_have_text(
        ["5x massage", "sessions", "never", "1", "4", "£200.00", "GBP"])
    expect(page.locator("#range")).to_be_hidden()  # what is owed now: no range to pick
    accessible(page, "liability report")
    shoot(page, "admin-reports")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download CSV").click()
    download = downloading.value
    today = datetime.now(LONDON).date().isoformat()
    assert download.suggested_filename == f"packbook-liability-{today}.csv"
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    header, *cells = csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    assert header == ["Plan", "Unit", "Expires", "Packages", "Owed", "Value", "Currency"]
    assert cells == [[r["plan"], r["unit"], r["expires"], str(r["packages"]), r["owed"], r["value"],
                      r["currency"] or ""] for r in truth]

    page.set_viewport_size({"width": 375, "height": 900})
    accessible(page, "liability report at 375 px")
    shoot(page, "admin-reports-mobile")

    # Another report, over a range picked in the form: the API is asked for it, the page follows.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_label("Report", exact=True).select_option("redemptions")
    expect(page.locator("#report h2")).to_have_text("Redemptions")
    expect(page.locator("#range")).to_be_visible()
    first = datetime.now(LONDON).date().replace(day=1)
    expect(page.get_by_label("From", exact=True)).to_have_value(first.isoformat())
    page.get_by_label("Through", exact=True).fill(datetime.now(LONDON).date().isoformat())
    page.get_by_label("Through", exact=True).dispatch_event("change")
    expect(page.locator("#report-table s-table-row")).to_have_count(1)
    expect(page.locator("#report-table s-table-row").get_by_role("cell")).to_have_text(
        [datetime.now(LONDON).date().isoformat(), "sessions", "1", "0", "1", "1"])
    accessible(page, "redemptions report")
    assert errors == []

    replay_as_another_shop(plain_server, calls, shop, {"5x massage", "300 minutes", "250.00"})
    with plain_server.app.extensions["packbook.db"].transaction() as session:
        assert session.query(Shop).filter_by(domain=shop).one().id == shop_id
