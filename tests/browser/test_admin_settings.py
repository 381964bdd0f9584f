"""The admin's Settings page in Chromium: a slot interval changed on the page and saved through the save bar is
what /api/availability then offers; a refused value shows beside its field; the booking-link snippet copies to
the clipboard exactly as the API gives it, and its preview opens the latest order's customer page; a test email
goes out; membership tags link to their plans. No console error, axe finds nothing serious at 1280 and 375 px,
and every call the page made, replayed with another shop's token, finds nothing of this shop."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from booking.records import Order
from tests.browser.admin_support import (accessible, console_errors, open_admin, record_api_calls,
                                         replay_as_another_shop, shoot)
from tests.support.api import bearer
from tests.support.booking import give_package, make_plan, make_spa

pytestmark = pytest.mark.browser
LONDON = ZoneInfo("Europe/London")
CONFIRMATION = "XK7Q2M9PZ"


def _shop(server, committed_shops) -> tuple[str, int]:
    """A London spa whose customer has a package from an order, and a membership that a customer tag grants."""
    with server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session)
        spa.customer.first_name, spa.customer.last_name = "Ana", "Silva"
        give_package(session, spa, now=datetime.now(timezone.utc))
        session.add(Order(shop_id=spa.shop.id, shopify_order_id=820982911946154508, name="#1001",
                          confirmation_number=CONFIRMATION, customer_id=spa.customer.id, lines=[]))
        gold = make_plan(session, spa.shop, title="Gold membership", service_ids=[spa.service.id])
        gold.kind, gold.member_tag = "membership", "member-gold"
        domain, gold_id = spa.shop.domain, gold.id
    committed_shops.append(domain)
    return domain, gold_id


def _api(server, shop: str, path: str, **query) -> dict:
    response = server.app.test_client().get(path, headers=bearer(shop), query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _starts(server, shop: str) -> list[str]:
    """The first free start times on a Tuesday three weeks ahead, as /api/availability gives them."""
    [service] = _api(server, shop, "/api/services")["services"]
    day = datetime.now(LONDON).date() + timedelta(weeks=3)
    day += timedelta(days=(1 - day.weekday()) % 7)
    answer = _api(server, shop, "/api/availability", service_id=service["id"],
                  **{"from": day.isoformat(), "to": (day + timedelta(days=1)).isoformat()})
    [resource] = answer["resources"]
    return [datetime.fromisoformat(slot["start"]).strftime("%H:%M") for slot in resource["slots"][:3]]


def _save(page: Page) -> None:
    page.locator(".ab-save-bar").get_by_role("button", name="Save").click()


def test_settings_change_availability_copy_the_snippet_and_find_nothing_for_another_shop(
        plain_server, page, committed_shops):
    shop, gold_id = _shop(plain_server, committed_shops)
    assert _starts(plain_server, shop) == ["09:00", "09:30", "10:00"]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=plain_server.url)
    errors = console_errors(page, refusals=(422,))
    calls = record_api_calls(page)
    open_admin(page, plain_server.url, shop, "/settings")

    interval = page.get_by_label("Start times every")
    expect(interval).to_have_value("30")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    bar = page.locator(".ab-save-bar")
    # Typing a test address is not a change to save.
    page.get_by_label("Send a test to").fill("owner@calm-spa.example")
    expect(bar).to_be_hidden()

    interval.fill("0")
    _save(page)
    interval_field = page.locator("s-number-field[name=slot_interval_minutes]")
    expect(interval_field.locator(".sp-error")).to_have_text("Must be a whole number from 5 to 240")
    expect(interval).to_be_focused()
    assert _starts(plain_server, shop) == ["09:00", "09:30", "10:00"]  # nothing changed

    interval.fill("15")
    page.get_by_label("Sender name").fill("Calm Spa")
    _save(page)
    expect(page.locator(".ab-toast").last).to_have_text("Settings saved")
    expect(bar).to_be_hidden()
    expect(interval_field.locator(".sp-error")).to_be_hidden()
    assert _starts(plain_server, shop) == ["09:00", "09:15", "09:30"]
    assert _api(plain_server, shop, "/api/settings")["mail_from_name"] == "Calm Spa"
    expect(page.locator("#sender-line")).to_contain_text("Calm Spa <")

    # The snippet: copied exactly as the API gives it, with where to paste it.
    link = _api(plain_server, shop, "/api/settings/booking-link")
    expect(page.locator("#snippet")).to_have_text(link["snippet"])
    page.get_by_role("button", name="Copy snippet").click()
    expect(page.locator(".ab-toast").last).to_have_text("Snippet copied")
    assert page.evaluate("navigator.clipboard.readText()") == link["snippet"]
    expect(page.locator("#paste-steps li").first).to_contain_text("Notifications")

    # The preview opens in a new tab; it points at the app's public address, so the test opens its path here.
    preview = page.get_by_role("link", name="Preview the customer’s page (opens in a new tab)")
    expect(preview).to_have_attribute("target", "_blank")
    href = preview.get_attribute("href")
    assert href.rsplit(".", 2)[0] == link["preview_url"].rsplit(".", 2)[0]  # the same customer, signed moments apart
    customer_page = page.context.new_page()
    customer_page.goto(plain_server.url + urlsplit(href).path)
    expect(customer_page.locator("body")).to_contain_text("5 of 5 left")
    customer_page.close()

    # Membership tags, each linking to its plan.
    row = page.locator("#tags-table s-table-row").filter(has_text="member-gold")
    expect(row.get_by_role("link", name="Gold membership")).to_have_attribute(
        "href", f"/packages/{gold_id}?shop={shop}")

    # A test email, sent by the normal path (no SMTP_URL here: the outbox).
    page.get_by_role("button", name="Send test email").click()
    expect(page.locator("#test-result")).to_contain_text("Test email to owner@calm-spa.example written to the outbox")
    expect(bar).to_be_hidden()
    assert _api(plain_server, shop, "/api/settings")["test_email_sent_at"] is not None
    latest = _api(plain_server, shop, "/api/settings/test-email")["test_email"]
    for written in (Path(plain_server.app.instance_path) / "outbox").glob(f"*-test_email-{latest['id']}.eml"):
        written.unlink()

    accessible(page, "settings")
    expect(page.locator(".ab-toast")).to_have_count(0, timeout=8000)  # the screenshots show the page, not toasts
    shoot(page, "admin-settings")
    page.set_viewport_size({"width": 375, "height": 800})
    expect(page.get_by_role("button", name="Copy snippet")).to_be_visible()
    accessible(page, "settings at 375 px")
    shoot(page, "admin-settings-mobile")
    assert errors == []

    gets = [call for call in calls if call[0] == "GET"]
    changes = [call for call in calls if call[0] != "GET"]
    assert {(method, urlsplit(url).path) for method, url, _body in changes} == {
        ("PATCH", "/api/settings"), ("POST", "/api/settings/test-email")}
    replay_as_another_shop(plain_server, gets, shop, {shop, "member-gold", "Gold membership", "owner@calm-spa",
                                                      "Calm Spa", urlsplit(href).path})
    _changes_by_another_shop_touch_only_their_own(plain_server, changes, shop)


def _changes_by_another_shop_touch_only_their_own(server, changes, shop: str) -> None:
    """A settings change names nothing by id: sent with another shop's token it changes that shop's own settings,
    never this one's."""
    from tests.support.factories import make_shop

    with server.app.extensions["packbook.db"].transaction() as session:
        other = make_shop(session).domain
    before = _api(server, shop, "/api/settings")
    client = server.app.test_client()
    for method, url, body in changes:
        path = urlsplit(url).path
        answer = client.open(path, method=method, data=body, content_type="application/json", headers=bearer(other))
        assert answer.status_code in (200, 202, 422), (method, path, answer.get_json())  # 422: the page's refused try
        assert shop not in answer.get_data(as_text=True)
        answer.close()  # without Redis, the other shop's test email is written to the outbox now
        if answer.status_code == 202:
            for written in (Path(server.app.instance_path) / "outbox").glob(f"*-test_email-{answer.get_json()['id']}.eml"):
                written.unlink()
    assert _api(server, shop, "/api/settings") == before
    assert _api(server, other, "/api/settings")["slot_interval_minutes"] == 15
