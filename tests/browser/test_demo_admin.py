"""The embedded admin in demo mode, driven in Chromium with the local stand-ins for App Bridge and Polaris: the
way in that ./scripts/run prints, the calendar with the demo spa's staff, and the activity page's downloads."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.seed import seed_demo
from tests.support.factories import unique_shop_domain

pytestmark = pytest.mark.browser


def console_errors(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions as they happen."""
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def seed(server, prefix: str) -> str:
    shop = unique_shop_domain(prefix)
    with server.app.app_context():
        seed_demo(shop, server.url)
    return shop


def test_the_demo_admin_opens_on_the_calendar_and_its_activity_page_downloads_exports(demo_server, page):
    seed(demo_server, "neighbour")  # its events must not be counted as this shop's
    shop = seed(demo_server, "demo")
    errors = console_errors(page)

    page.goto(f"{demo_server.url}/demo/admin?shop={shop}")
    expect(page).to_have_url(re.compile(r"/home\?shop="))
    nav = page.get_by_role("navigation", name="Packbook")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(page.locator("#owed")).to_contain_text("sessions")  # the demo spa's packages, read through /api
    nav.get_by_role("link", name="Calendar").click()
    expect(page.locator("#legend li").first).to_be_visible()  # the demo spa's staff

    nav.get_by_role("link", name="Activity and health").click()
    rows = page.locator("#event-counts s-table-body s-table-row")
    expect(rows).to_have_count(1)  # the data request and the (unmapped) sample order, both handled
    expect(rows.and_(page.locator('[data-state="done"]')).locator(".count")).to_have_text("2")
    requests = page.locator(".privacy-request")
    expect(requests).to_have_count(1)
    expect(requests).to_contain_text("Data export for customer 191167")

    with page.expect_download() as download_info:
        requests.get_by_role("button", name="Download JSON").click()
    download = download_info.value
    assert re.fullmatch(r"customer-data-\d+\.json", download.suggested_filename)
    export = json.loads(Path(download.path()).read_text())
    assert export["shop"] == shop
    assert str(export["customer"]["id"]) == "191167"
    expect(page.locator("#page-error")).to_be_hidden()
    assert errors == []
