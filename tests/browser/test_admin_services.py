"""The admin's Services and staff page in Chromium: a service and a member of staff made through the page are
stored exactly as entered; the API's refusals show beside their fields; a variant picked with App Bridge's picker
is checked with Shopify (played by `responses` in this process: the live server's thread shares it); a change
that strands a booking is shown first and saved only when the merchant says so. No console error, and axe finds
nothing serious at 1280 px and at 375 px."""
from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import responses
from playwright.sync_api import Page, expect
from sqlalchemy import select

from booking.accounts import booking_settings
from booking.records import ActivityLog, Booking, Customer
from tests.browser.admin_support import accessible, console_errors, open_admin, shoot
from tests.support.api import a_monday, bearer
from tests.support.factories import make_shop

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
VARIANT = "44012345678901234"  # beyond 2^53: it must travel as text
PICKED = [{"id": f"gid://shopify/ProductVariant/{VARIANT}", "title": "60 minutes",
           "displayName": "Deep tissue massage - 60 minutes"}]
TIME_OFF = date(2030, 7, 3)  # a summer day: London is at +01:00, so the page must not send UTC midnight
# Chromium reports each refused fetch on the console; the test checks they are exactly the refusals it asked for.
REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})\b")


def _shop(server, committed_shops) -> tuple[str, int, int]:
    """A London shop paying in GBP, with one customer known to Packbook: (domain, shop id, customer id)."""
    with server.app.extensions["packbook.db"].transaction() as session:
        shop = make_shop(session, iana_timezone="Europe/London", currency_code="GBP")
        booking_settings(session, shop.id)
        customer = Customer(shop_id=shop.id, shopify_customer_id=7001, email="ana@example.com")
        session.add(customer)
        session.flush()
        domain, shop_id, customer_id = shop.domain, shop.id, customer.id
    committed_shops.append(domain)
    return domain, shop_id, customer_id


@contextmanager
def shopify_variants(domain: str):
    """Shopify's Admin GraphQL API for `domain`: answers 503 while `down`, else knows VARIANT only."""
    asked: list[str] = []
    status = {"down": True}

    def answer(request):
        variant = json.loads(request.body)["variables"]["id"].rpartition("/")[2]
        asked.append(variant)
        if status["down"]:
            return 503, {}, "unavailable"
        node = None if variant != VARIANT else {
            "id": f"gid://shopify/ProductVariant/{variant}", "title": "60 minutes", "price": "45.50",
            "product": {"id": "gid://shopify/Product/9", "title": "Deep tissue massage"}}
        return 200, {"Content-Type": "application/json"}, json.dumps({"data": {"productVariant": node}})

    endpoint = re.compile(rf"https://{re.escape(domain)}/admin/api/[^/]+/graphql\.json")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, endpoint, callback=answer)
        yield status, asked


def _get(server, domain: str, path: str) -> dict:
    answer = server.app.test_client().get(path, headers=bearer(domain))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _save_bar(page: Page):
    return page.locator(".ab-save-bar").get_by_role("button", name="Save")


def _create_service(page: Page, domain: str) -> None:
    page.get_by_role("button", name="Add service").click()
    modal = page.locator("#service-modal")
    modal.get_by_label("Name").fill("Deep tissue massage")
    modal.get_by_label("Length").fill("0")
    modal.get_by_role("button", name="Save service").click()
    # The API refuses a length of 0 naming duration_minutes: the message sits under that field.
    length = modal.locator("s-number-field[name=duration_minutes]")
    expect(length.locator(".sp-error")).to_have_text("Must be a whole number from 1 to 1440")
    expect(modal.get_by_label("Length")).to_be_focused()

    modal.get_by_label("Length").fill("60")
    modal.get_by_label("Free time after").fill("15")
    modal.get_by_label("Price").fill("45.50")
    modal.get_by_label("Members only").check()
    modal.get_by_role("button", name="Choose variant").click()
    expect(modal.get_by_label("Sold at checkout as")).to_have_value("Deep tissue massage - 60 minutes")
    with shopify_variants(domain) as (shopify, asked):
        modal.get_by_role("button", name="Save service").click()
        expect(modal.locator("#service-error")).to_have_text(
            "Shopify could not be reached; try again in a moment (shopify_unavailable)")
        expect(length.locator(".sp-error")).to_be_hidden()
        shopify["down"] = False
        modal.get_by_role("button", name="Save service").click()
        expect(modal).to_be_hidden()
        assert set(asked) == {VARIANT}
    row = page.locator("#services-table s-table-row").filter(has_text="Deep tissue massage")
    expect(row).to_contain_text("60 min · 15 min free after")
    expect(row).to_contain_text("£45.50")
    expect(row).to_contain_text("Members only")


def _hours(editor, day: str, name: str, spans: list[tuple[str, str]]) -> None:
    box = editor.locator(f'[data-day="{day}"]')
    for i, (opens, closes) in enumerate(spans):
        box.get_by_role("button", name=f"Add hours on {name}").click()
        row = box.locator(".span-row").nth(i)
        row.get_by_label("Opens").fill(opens)
        row.get_by_label("Closes").fill(closes)


def _create_staff(page: Page) -> None:
    page.get_by_role("button", name="Add staff or room").click()
    editor = page.locator("#resource-editor")
    editor.get_by_label("Name", exact=True).fill("Anna")
    editor.get_by_label("Deep tissue massage").check()
    _hours(editor, "mon", "Monday", [("09:00", "25:00"), ("13:00", "17:00")])
    _hours(editor, "fri", "Friday", [("22:00", "02:00")])  # overnight: closes the next morning
    editor.get_by_role("button", name="Add time off or extra hours").click()
    time_off = editor.locator(".exception").first
    time_off.get_by_label("From", exact=True).fill(TIME_OFF.isoformat())
    time_off.get_by_label("Note").fill("Dentist")

    _save_bar(page).click()
    # "25:00" is refused as weekly_hours.mon[0]: shown on Monday's first row.
    first_monday = editor.locator('[data-day="mon"] .span-row').first.locator("s-text-field").first
    expect(first_monday.locator(".sp-error")).to_have_text("Must be a time of day as HH:MM, from 00:00 to 23:59")
    expect(page.locator("#resource-editor")).to_be_visible()

    editor.locator('[data-day="mon"] .span-row').first.get_by_label("Closes").fill("12:00")
    _save_bar(page).click()
    expect(editor).to_be_hidden()
    row = page.locator("#resources-table s-table-row").filter(has_text="Anna")
    expect(row).to_contain_text("Mon 09:00–12:00, 13:00–17:00 · Fri 22:00–02:00")
    expect(row).to_contain_text("Deep tissue massage")


def _saved_exactly(server, domain: str) -> tuple[dict, dict]:
    [service] = _get(server, domain, "/api/services")["services"]
    assert {k: v for k, v in service.items() if k not in ("id", "created_at")} == {
        "name": "Deep tissue massage", "duration_minutes": 60, "buffer_before_minutes": 0,
        "buffer_after_minutes": 15, "capacity": 1, "price": "45.50", "currency": "GBP", "members_only": True,
        "shopify_variant_id": VARIANT}
    [resource] = _get(server, domain, "/api/resources")["resources"]
    assert (resource["name"], resource["service_ids"]) == ("Anna", [service["id"]])
    assert resource["weekly_hours"] == {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "fri": [["22:00", "02:00"]]}
    [time_off] = resource["exceptions"]
    start = datetime(TIME_OFF.year, TIME_OFF.month, TIME_OFF.day, tzinfo=LONDON)  # 23:00 UTC the day before
    assert (datetime.fromisoformat(time_off["starts_at"]), datetime.fromisoformat(time_off["ends_at"]),
            time_off["kind"], time_off["note"]) == (start, start + timedelta(days=1), "closed", "Dentist")
    return service, resource


def _book(server, shop_id: int, customer_id: int, service: dict, resource: dict) -> int:
    """A confirmed Monday 10:00 session on Anna, put straight in the database (how it was booked is not this
    page's concern)."""
    day = a_monday()
    starts = datetime(day.year, day.month, day.day, 10, tzinfo=LONDON)
    with server.app.extensions["packbook.db"].transaction() as session:
        booking = Booking(shop_id=shop_id, service_id=service["id"],
                          resource_id=resource["id"], customer_id=customer_id, starts_at=starts,
                          ends_at=starts + timedelta(hours=1), blocked_start=starts,
                          blocked_end=starts + timedelta(hours=1, minutes=15), status="confirmed", source="staff")
        session.add(booking)
        session.flush()
        return booking.id


def _strand_and_save_anyway(page: Page, server, domain: str, booking_id: int) -> None:
    page.get_by_role("button", name="Edit Anna").click()
    editor = page.locator("#resource-editor")
    expect(editor.locator(".exception").first.get_by_label("From", exact=True)).to_have_value(TIME_OFF.isoformat())
    editor.get_by_role("button", name="Remove Monday hours 1").click()
    _save_bar(page).click()
    banner = page.locator("#affected-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("(bookings_affected)")
    expect(banner).to_contain_text(f"#{booking_id}")
    assert _get(server, domain, "/api/resources")["resources"][0]["weekly_hours"]["mon"][0] == ["09:00", "12:00"]
    accessible(page, "services, a change refused for a booking")
    shoot(page, "admin-services")

    banner.get_by_role("button", name="Save anyway").click()
    expect(editor).to_be_hidden()
    [resource] = _get(server, domain, "/api/resources")["resources"]
    assert resource["weekly_hours"] == {"mon": [["13:00", "17:00"]], "fri": [["22:00", "02:00"]]}
    assert len(resource["exceptions"]) == 1  # the time off was sent back unchanged
    with server.app.extensions["packbook.db"].transaction() as session:
        flagged = session.scalars(select(ActivityLog.subject_id).where(
            ActivityLog.action == "booking_stranded", ActivityLog.attention.is_(True),
            ActivityLog.subject_id == booking_id)).all()
    assert flagged == [booking_id]


def _edit_the_service(page: Page, server, domain: str) -> None:
    """Editing keeps the variant as it was (no Shopify call: none is stood in for here) and changes the rest."""
    page.get_by_role("button", name="Edit Deep tissue massage").click()
    modal = page.locator("#service-modal")
    expect(modal.get_by_label("Sold at checkout as")).to_have_value(f"Variant {VARIANT}")
    expect(modal.get_by_label("Members only")).to_be_checked()
    modal.get_by_label("Places per session").fill("4")
    modal.get_by_role("button", name="Save service").click()
    expect(modal).to_be_hidden()
    [service] = _get(server, domain, "/api/services")["services"]
    assert (service["capacity"], service["shopify_variant_id"], service["price"]) == (4, VARIANT, "45.50")


def _discard_restores(page: Page) -> None:
    """The save bar's Discard puts back the saved name and rows, including rows the form built."""
    page.get_by_role("button", name="Edit Anna").click()
    editor = page.locator("#resource-editor")
    editor.get_by_label("Name", exact=True).fill("Annabel")
    editor.get_by_role("button", name="Remove Friday hours 1").click()
    page.locator(".ab-save-bar").get_by_role("button", name="Discard").click()
    expect(editor.get_by_label("Name", exact=True)).to_have_value("Anna")
    expect(editor.locator('[data-day="fri"] .span-row').get_by_label("Closes")).to_have_value("02:00")


def _archive_the_service(page: Page, server, domain: str) -> None:
    page.locator("#service-modal").get_by_role("button", name="Cancel").click()
    page.get_by_role("button", name="Archive Deep tissue massage").click()
    page.locator("#confirm-modal").get_by_role("button", name="Archive").click()
    expect(page.locator("#services-table")).to_contain_text("No services yet")
    expect(page.locator("#resources-table s-table-row").filter(has_text="Anna")).to_contain_text("None yet")
    assert _get(server, domain, "/api/services")["services"] == []


def test_services_and_staff_are_saved_exactly_as_entered(plain_server, committed_shops, page):
    domain, shop_id, customer_id = _shop(plain_server, committed_shops)
    errors = console_errors(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    open_admin(page, plain_server.url, domain, "/services", picked=PICKED)
    expect(page.locator("#services-table")).to_contain_text("No services yet")
    expect(page.locator("#shop-zone")).to_have_text("Europe/London")
    accessible(page, "services, empty")

    _create_service(page, domain)
    _create_staff(page)
    service, resource = _saved_exactly(plain_server, domain)
    booking_id = _book(plain_server, shop_id, customer_id, service, resource)
    _strand_and_save_anyway(page, plain_server, domain, booking_id)

    _edit_the_service(page, plain_server, domain)
    page.set_viewport_size({"width": 375, "height": 800})
    _discard_restores(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing runs off a phone's screen
    accessible(page, "services at 375 px")
    shoot(page, "admin-services-mobile")
    page.get_by_role("button", name="Add service").click()
    expect(page.locator("#service-modal")).to_be_visible()
    accessible(page, "the service modal at 375 px")

    _archive_the_service(page, plain_server, domain)
    assert [e for e in errors if not REFUSAL.search(e)] == []
    # The length of 0, Shopify being down, the hour 25:00 and the stranded booking; nothing else.
    assert [REFUSAL.search(e)[1] for e in errors if REFUSAL.search(e)] == ["422", "502", "422", "409"]
