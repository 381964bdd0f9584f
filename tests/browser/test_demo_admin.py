"""The embedded admin in demo mode, driven in Chromium: what the merchant sees and downloads."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from demo.seed import seed_demo
from tests.support.factories import unique_shop_domain

pytestmark = pytest.mark.browser

SCREENSHOT = Path("/tmp/packbook-admin.png")


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


def test_demo_admin_shows_the_shop_and_its_webhook_counts(demo_server, page):
    seed(demo_server, "neighbour")  # its events must not be counted as this shop's
    shop = seed(demo_server, "demo")
    errors = console_errors(page)

    page.goto(f"{demo_server.url}/demo/admin?shop={shop}")

    expect(page.locator("#shop-name")).to_have_text("Packbook Demo Spa")
    expect(page.locator("#shop-meta")).to_have_text(f"{shop} · America/New_York · USD")
    rows = page.locator("#event-counts tbody tr")
    expect(rows).to_have_count(1)  # the data request and the (unmapped) sample order, both handled
    expect(rows.and_(page.locator('[data-state="done"]')).locator("td.numeric")).to_have_text("2")
    requests = page.locator("#privacy-requests li")
    expect(requests).to_have_count(1)
    expect(requests).to_contain_text("Data export for customer 191167")
    page.screenshot(path=str(SCREENSHOT), full_page=True)  # for humans; not asserted

    with page.expect_download() as download_info:
        requests.get_by_role("button", name="Download JSON").click()
    download = download_info.value
    assert re.fullmatch(r"customer-data-\d+\.json", download.suggested_filename)
    export = json.loads(Path(download.path()).read_text())
    assert export["shop"] == shop
    assert str(export["customer"]["id"]) == "191167"
    expect(page.locator("#error")).to_be_hidden()
    assert errors == []


def test_demo_mode_is_refused_without_the_flag(plain_server, page):
    shop = unique_shop_domain("nodemo")

    admin = page.goto(f"{plain_server.url}/demo/admin?shop={shop}")
    assert admin.status == 404
    expect(page.locator("#shop-name")).to_have_count(0)
    token = page.goto(f"{plain_server.url}/demo/session-token?shop={shop}")
    assert token.status == 404
    assert "token" not in page.content()


def _refuse_session_token(page: Page) -> str:
    page.route("**/demo/session-token*", lambda route: route.fulfill(status=500, body="boom"))
    return "demo session token refused"


def _fail_an_api_call(page: Page) -> str:
    message = "Shopify could not be reached to authorize this shop"
    page.route("**/api/webhook-events/summary", lambda route: route.fulfill(
        status=502, content_type="application/json",
        body=json.dumps({"error": message, "code": "shopify_unavailable"})))
    return message


@pytest.mark.parametrize("break_it", [_refuse_session_token, _fail_an_api_call],
                         ids=["session-token-refused", "api-error"])
def test_api_failure_is_shown_to_the_merchant(demo_server, page, break_it):
    shop = seed(demo_server, "broken")
    message = break_it(page)

    page.goto(f"{demo_server.url}/demo/admin?shop={shop}")

    error = page.locator("#error")
    expect(error).to_be_visible()
    expect(error).to_have_text(message)
    expect(page.locator("#shop-name")).not_to_be_empty()
