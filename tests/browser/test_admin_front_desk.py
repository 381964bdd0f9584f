"""The front desk in Chromium, inside the admin shell with Shopify's scripts stood in for: book with "Use" from
the calendar, a no-show under a forfeit rule and a cancel that restores, an adjustment with its reason in the
ledger and the activity log, a 409 banner and a 422 beside its field. Every page passes axe with no serious or
critical violation and logs no console error; every API call the pages made is replayed with another shop's
token and finds nothing."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from booking.records import Booking
from tests.browser.admin_support import (accessible, console_errors, open_admin, record_api_calls,
                                         replay_as_another_shop, shoot)
from tests.support.api import bearer
from tests.support.booking import make_spa

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")


def _spa(server, committed_shops, **plan) -> str:
    with server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session, plan=plan or None)
        spa.customer.first_name, spa.customer.last_name = "Ana", "Silva"
        shop = spa.shop.domain
    committed_shops.append(shop)
    return shop


def _shop_id(server, shop: str) -> int:
    from shopify_app.models import Shop
    with server.app.extensions["packbook.db"].transaction() as session:
        return session.query(Shop).filter_by(domain=shop).one().id


class Client:
    """The API as the shop's admin, for arranging and checking what the pages did."""

    def __init__(self, server, shop):
        self.client, self.shop = server.app.test_client(), shop

    def call(self, method, path, body=None, **query):
        response = getattr(self.client, method)(path, json=body, query_string=query, headers=bearer(self.shop))
        assert response.status_code < 300, (path, response.get_json())
        return response.get_json()


def _weekday(weeks_ahead=3):
    day = datetime.now(LONDON).date() + timedelta(weeks=weeks_ahead)
    return day - timedelta(days=day.weekday()) + timedelta(days=1)  # a Tuesday


@pytest.mark.parametrize("width", [1280, 375])
def test_booking_with_use_shows_price_zero_the_package_badge_and_n_of_m(plain_server, page, committed_shops, width):
    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    package = api.call("post", "/api/customers/7001/entitlements", {"plan_id": api.call("get", "/api/plans")["plans"][0]["id"]})
    day = _weekday()
    page.set_viewport_size({"width": width, "height": 900})
    errors = console_errors(page)
    calls = record_api_calls(page)
    suffix = "" if width > 600 else "-mobile"

    open_admin(page, plain_server.url, shop, "/calendar")
    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={day.isoformat()}")
    page.get_by_role("button", name="Book Anna at 10:00").click()
    modal = page.locator("#new-modal")
    expect(modal.get_by_role("dialog")).to_be_visible()
    modal.get_by_label("Customer").fill("ana")
    modal.get_by_role("listitem").filter(has_text="Ana Silva").click()
    option = modal.locator(f'.cal-option[data-package-id="{package["id"]}"]')
    expect(option).to_contain_text("0 of 5 used")
    accessible(page, "new booking")
    option.get_by_role("button", name="Use").click()

    card = page.locator(".cal-booking").first
    expect(card).to_contain_text("Ana Silva")
    expect(card.locator(".pkg")).to_have_text("Package 1/5")
    accessible(page, "calendar")
    shoot(page, f"admin-calendar{suffix}")
    card.click()
    expect(page.locator("#booking-price")).to_have_text("Price: 0.00 · redeemed from 5x massage (1/5)")
    expect(page.locator("#booking-modal s-badge").nth(1)).to_have_text("Package 1/5")
    [booked] = api.call("get", "/api/bookings", customer_id=7001)["bookings"]
    assert booked["price"] == "0.00" and booked["redeemed_from"]["entitlement_id"] == package["id"]
    page.locator("#booking-modal").get_by_role("button", name="Close").first.click()

    page.get_by_role("button", name="Week").click()
    expect(page.locator(".cal-week .cal-booking")).to_have_count(1)
    accessible(page, "week")
    shoot(page, f"admin-calendar-week{suffix}")
    assert errors == []
    _replayed_by_another_shop_find_nothing(plain_server, calls, shop)


def test_a_no_show_under_a_forfeit_rule_and_a_cancel_that_restores(plain_server, page, committed_shops):
    shop = _spa(plain_server, committed_shops, no_show="forfeit")
    api = Client(plain_server, shop)
    package = api.call("post", "/api/customers/7001/entitlements", {"plan_id": api.call("get", "/api/plans")["plans"][0]["id"]})
    spa_service = api.call("get", "/api/services")["services"][0]["id"]
    resource = api.call("get", "/api/resources")["resources"][0]["id"]
    day = _weekday()
    for hour in (10, 14):
        api.call("post", "/api/bookings", {"customer_id": 7001, "service_id": spa_service, "resource_id": resource,
                                           "starts_at": datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).isoformat()})
    # The 10:00 session took place an hour ago (moved in the database: the API refuses the past).
    with plain_server.app.extensions["packbook.db"].transaction() as session:
        first = session.query(Booking).filter_by(shop_id=_shop_id(plain_server, shop)) \
            .order_by(Booking.starts_at).first()
        started = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(hours=1)
        first.starts_at, first.ends_at = started, started + timedelta(hours=1)
        first.blocked_start, first.blocked_end = first.starts_at, first.ends_at
        past_day = started.astimezone(LONDON).date()
    errors = console_errors(page)
    open_admin(page, plain_server.url, shop, "/calendar")
    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={past_day.isoformat()}")

    page.locator(".cal-booking").first.click()
    page.get_by_role("button", name="No-show").click()
    confirm = page.locator("#confirm-modal")
    expect(confirm).to_contain_text("the package keeps the session")
    confirm.get_by_role("button", name="Mark as no-show").click()
    expect(page.locator(".cal-booking").first).to_have_attribute("data-status", "no_show")
    kinds = [e["kind"] for e in api.call("get", f"/api/entitlements/{package['id']}/ledger")["entries"]]
    assert kinds == ["grant", "redeem", "redeem", "forfeit"]

    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={day.isoformat()}")
    page.locator(".cal-booking").first.click()
    page.get_by_role("button", name="Cancel booking").click()
    expect(confirm).to_contain_text("The session goes back to the package.")
    confirm.get_by_role("button", name="Cancel booking").click()
    expect(page.locator(".cal-booking").first).to_have_attribute("data-status", "cancelled")
    assert api.call("get", f"/api/entitlements/{package['id']}")["progress"] == "1 of 5 used"  # the no-show kept its session; the cancel gave one back
    accessible(page, "calendar after changes")
    assert errors == []


def test_an_adjustment_with_its_reason_lands_in_the_ledger_and_the_activity_log(plain_server, page, committed_shops):
    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    package = api.call("post", "/api/customers/7001/entitlements", {"plan_id": api.call("get", "/api/plans")["plans"][0]["id"]})
    errors = console_errors(page, refusals=(422,))
    calls = record_api_calls(page)
    open_admin(page, plain_server.url, shop, "/customers")

    page.get_by_label("Search customers").fill("silva")
    page.get_by_role("link", name="Ana Silva").click()
    row = page.locator(f's-table-row[data-package-id="{package["id"]}"]')
    expect(row.locator(".used")).to_have_text("0/5 used")
    expect(page.locator("#summary")).to_contain_text("5sessions left")
    accessible(page, "customer")
    shoot(page, "admin-customer")

    row.get_by_role("button", name="Adjust").click()
    change = page.locator("#change-modal")
    change.get_by_label("Change").fill("2")
    change.get_by_role("button", name="Confirm").click()
    expect(change.locator(".sp-error").last).to_have_text("Say why: the ledger keeps the reason.")
    change.get_by_label("Reason").fill("goodwill after a late start")
    change.get_by_label("Change").fill("")
    change.get_by_role("button", name="Confirm").click()
    expect(change.get_by_label("Change")).to_have_attribute("aria-invalid", "true")  # the API's 422 names delta
    change.get_by_label("Change").fill("2")
    change.get_by_role("button", name="Confirm").click()
    expect(row.locator(".used")).to_have_text("0/7 used")
    expect(page.locator("#history s-table-row.entry").last).to_contain_text("goodwill after a late start")
    activity = api.call("get", f"/api/entitlements/{package['id']}/activity")
    assert any(item["action"] == "adjust" and item["reason"] == "goodwill after a late start"
               for item in activity["items"]), activity
    assert errors == []
    _replayed_by_another_shop_find_nothing(plain_server, calls, shop)


def test_a_conflict_shows_its_reason_in_a_banner(plain_server, page, committed_shops):
    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    service = api.call("get", "/api/services")["services"][0]["id"]
    resource = api.call("get", "/api/resources")["resources"][0]["id"]
    day = _weekday()
    api.call("post", "/api/bookings", {"customer_id": 7001, "service_id": service, "resource_id": resource,
                                       "starts_at": datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).isoformat(),
                                       "use_package": False})
    errors = console_errors(page, refusals=(409,))
    open_admin(page, plain_server.url, shop, "/calendar")
    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={day.isoformat()}&customer=7001")
    page.get_by_role("button", name="Book Anna at 09:30").click()  # an hour that runs into the 10:00 booking
    page.locator("#new-modal").get_by_role("button", name="Book unpaid").click()
    banner = page.locator("#new-error")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("slot_unavailable")
    assert errors == []


def _replayed_by_another_shop_find_nothing(server, calls, shop) -> None:
    replay_as_another_shop(server, calls, shop, {"Ana Silva", "ana@example.com", "Anna"})


def test_every_admin_page_replayed_with_another_shops_token_finds_nothing(plain_server, page, committed_shops):
    """Each page's calls (the calendar's day and week, a customer, services and staff, packages, a package,
    activity) made for one shop, then replayed with another shop's session token."""
    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    plan_id = api.call("get", "/api/plans")["plans"][0]["id"]
    api.call("post", "/api/customers/7001/entitlements", {"plan_id": plan_id})
    day = _weekday()
    api.call("post", "/api/bookings", {"customer_id": 7001, "service_id": api.call("get", "/api/services")["services"][0]["id"],
                                       "resource_id": api.call("get", "/api/resources")["resources"][0]["id"],
                                       "starts_at": datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).isoformat()})
    errors = console_errors(page)
    calls = record_api_calls(page)
    open_admin(page, plain_server.url, shop, "/calendar")
    for path in (f"/calendar?day={day.isoformat()}", "/customers", "/customers/7001", "/services", "/packages",
                 f"/packages/{plan_id}", "/activity"):
        page.goto(f"{plain_server.url}{path}{'&' if '?' in path else '?'}shop={shop}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={day.isoformat()}")
    page.locator(".cal-booking").first.click()
    page.wait_for_load_state("networkidle")
    assert errors == []
    paths = {url.split("/api/", 1)[1].split("?")[0] for _, url, _ in calls}
    assert {"bookings", "customers/7001", "services", "resources", "plans", "settings"} <= paths, paths
    replay_as_another_shop(plain_server, calls, shop, {"Ana Silva", "ana@example.com", "Anna", "5x massage"})


def test_an_unpaid_booking_is_paid_later_from_a_package_and_moved_keeping_its_credit(plain_server, page,
                                                                                    committed_shops):
    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    day = _weekday()
    errors = console_errors(page)
    open_admin(page, plain_server.url, shop, "/calendar")
    page.goto(f"{plain_server.url}/calendar?shop={shop}&day={day.isoformat()}&customer=7001")
    expect(page.locator("#for-customer")).to_have_text("Booking for Ana Silva: choose a free time.")
    page.get_by_role("button", name="Book Anna at 11:00").click()
    modal = page.locator("#new-modal")
    expect(modal).to_contain_text("No active packages")
    modal.get_by_role("button", name="Book unpaid").click()
    card = page.locator(".cal-booking").first
    expect(card).to_contain_text("Ana Silva")
    expect(card.locator(".pkg")).to_have_count(0)

    package = api.call("post", "/api/customers/7001/entitlements", {"plan_id": api.call("get", "/api/plans")["plans"][0]["id"]})
    card.click()
    expect(page.locator("#booking-price")).to_have_text("Price: 80.00 GBP · unpaid")
    page.get_by_role("button", name="Pay from package").click()
    page.get_by_role("button", name="Use 5x massage (0 of 5 used)").click()
    expect(card.locator(".pkg")).to_have_text("Package 1/5")

    card.click()
    page.get_by_role("button", name="Reschedule").click()
    times = page.locator("#reschedule-form").get_by_label("Free times")
    expect(times.locator("option").first).to_have_text("09:00")
    times.select_option(label="14:00")
    page.get_by_role("button", name="Move booking").click()
    confirm = page.locator("#confirm-modal")
    expect(confirm).to_contain_text("The package credit stays with the booking (5x massage)")
    confirm.get_by_role("button", name="Move booking").click()
    expect(page.locator(".cal-booking").first).to_contain_text("14:00 Ana Silva")
    [booking] = api.call("get", "/api/bookings", customer_id=7001)["bookings"]
    assert booking["starts_at"].startswith(f"{day.isoformat()}T14:00") and booking["price"] == "0.00"
    assert api.call("get", f"/api/entitlements/{package['id']}")["progress"] == "1 of 5 used"
    accessible(page, "calendar after a move")
    assert errors == []
