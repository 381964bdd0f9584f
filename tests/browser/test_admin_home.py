"""The owner's home in Chromium: setup ticks itself, today's and tomorrow's bookings, what is owed, and an
attention item resolved with a note."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.admin_support import (accessible, console_errors, open_admin, record_api_calls,
                                         replay_as_another_shop, shoot)
from tests.browser.test_admin_front_desk import LONDON, Client, _spa, _weekday

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 375])
def test_an_attention_item_is_resolved_with_a_note_and_the_figures_add_up(plain_server, page, committed_shops, width):
    from datetime import datetime

    shop = _spa(plain_server, committed_shops)
    api = Client(plain_server, shop)
    plan_id = api.call("get", "/api/plans")["plans"][0]["id"]
    package = api.call("post", "/api/customers/7001/entitlements", {"plan_id": plan_id})
    resource = api.call("get", "/api/resources")["resources"][0]["id"]
    day = _weekday()
    api.call("post", "/api/bookings", {"customer_id": 7001, "service_id": api.call("get", "/api/services")["services"][0]["id"],
                                       "resource_id": resource,
                                       "starts_at": datetime(day.year, day.month, day.day, 10, tzinfo=LONDON).isoformat()})
    # Time off over the booked session, kept anyway: the booking goes on the attention list.
    api.call("patch", f"/api/resources/{resource}", {"force": True, "exceptions": [{
        "starts_at": datetime(day.year, day.month, day.day, 9, tzinfo=LONDON).isoformat(),
        "ends_at": datetime(day.year, day.month, day.day, 12, tzinfo=LONDON).isoformat(), "kind": "closed"}]})
    page.set_viewport_size({"width": width, "height": 900})
    errors = console_errors(page)
    calls = record_api_calls(page)

    open_admin(page, plain_server.url, shop, "/home")
    expect(page.locator("#owed")).to_contain_text("4sessions")
    expect(page.locator('#setup li[data-step="service"]')).to_have_class("done")
    expect(page.locator('#setup li[data-step="product"]')).not_to_have_class("done")
    item = page.locator(".attention-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("ana@example.com")
    accessible(page, "home")
    shoot(page, "admin-home" + ("" if width > 600 else "-mobile"))

    item.get_by_role("button", name="Resolve").click()
    modal = page.locator("#resolve-modal")
    modal.get_by_label("Note").fill("moved to Wednesday by phone")
    accessible(page, "resolve dialog")
    modal.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_text("Nothing needs you right now.")).to_be_visible()
    items = api.call("get", "/api/attention", include_resolved="true")["items"]
    assert [(i["resolution_note"], i["entitlement"]["id"]) for i in items if i["resolved_at"]] == [
        ("moved to Wednesday by phone", package["id"])]
    assert errors == []
    replay_as_another_shop(plain_server, calls, shop, {"Ana Silva", "ana@example.com", "Anna"})
