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
from tests.support.api import bearer
from tests.support.factories import API_KEY, API_SECRET, make_shop

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


def record_api_calls(page: Page) -> list[tuple[str, str, str | None]]:
    """Every /api request the page makes: method, URL and body, for replaying as another shop."""
    calls: list[tuple[str, str, str | None]] = []
    page.on("request", lambda r: "/api/" in r.url and calls.append((r.method, r.url, r.post_data)))
    return calls


def replay_as_another_shop(server, calls, shop: str, secrets: set[str]) -> None:
    """Every call the admin made, sent again with another shop's session token: 404 for anything named by id
    (and for every change), and no trace of the first shop's data (`secrets`) in any answer."""
    with server.app.extensions["packbook.db"].transaction() as session:
        other = make_shop(session).domain
    client = server.app.test_client()
    assert calls, "the page made no API call"
    for method, url, body in calls:
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        response = client.open(path, method=method, data=body, content_type="application/json",
                               headers=bearer(other))
        text = response.get_data(as_text=True)
        assert not any(secret in text for secret in secrets), (method, path, text[:200])
        named = any(part.isdigit() for part in path.split("?")[0].split("/")[2:])
        if method != "GET" or named:
            assert response.status_code in (404, 422), (method, path, response.status_code, text[:200])
        else:
            assert response.status_code == 200, (method, path, response.status_code, text[:200])
