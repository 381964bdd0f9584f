"""The embedded admin in Chromium: Shopify's CDN scripts routed to the local stand-ins, fresh session tokens,
accessibility and console checks, screenshots for the README.

Pages load exactly as in production (App Bridge and polaris-1.js from cdn.shopify.com); Playwright answers those
two addresses with static/demo/app-bridge.js and static/demo/polaris.js and never fetches them. The stand-in's
`shopify.idToken()` asks `window.__packbookToken()`, which calls back into the test to mint a fresh token.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from booking.admin import APP_BRIDGE, POLARIS
from shopify_app.session_tokens import mint_session_token
from tests.support.factories import API_KEY, API_SECRET

STATIC = Path(__file__).resolve().parents[2] / "static" / "demo"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("PACKBOOK_SCREENSHOTS") \
    else Path(tempfile.gettempdir()) / "packbook-screenshots"


def console_errors(page: Page, *, refusals: tuple[int, ...] = ()) -> list[str]:
    """The page's console errors and uncaught exceptions. Chromium logs every 4xx answer to fetch as an error;
    a test that provokes a refusal on purpose names its status in `refusals`, and only those are let through."""
    errors: list[str] = []
    expected = tuple(f"status of {status} " for status in refusals)

    def seen(message) -> None:
        if message.type == "error" and not (expected and "Failed to load resource" in message.text
                                            and any(e in message.text for e in expected)):
            errors.append(message.text)
    page.on("console", seen)
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    return errors


def stand_in_shopify(page: Page, shop: str, *, user_id: str = "1", picked: list | None = None) -> None:
    """Route Shopify's CDN scripts to the stand-ins and hand the page fresh tokens for `shop`."""
    page.expose_function("__packbookToken", lambda: mint_session_token(
        shop, api_key=API_KEY, secret=API_SECRET, now=int(time.time()), user_id=user_id))
    if picked is not None:
        page.add_init_script(f"window.__packbookPicked = {json.dumps(picked)};")
    for address, name in ((APP_BRIDGE, "app-bridge.js"), (POLARIS, "polaris.js")):
        page.route(address, _serve((STATIC / name).read_text()))


def _serve(script: str):
    def fulfill(route):
        route.fulfill(status=200, content_type="application/javascript", body=script)
    return fulfill


def open_admin(page: Page, server_url: str, shop: str, path: str, **options) -> None:
    stand_in_shopify(page, shop, **options)
    page.goto(f"{server_url}{path}?shop={shop}")


def accessible(page: Page, where: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{where}: " + "; ".join(
        f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in serious)


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
