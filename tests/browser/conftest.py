"""Browser fixtures: Debian's Chromium through Playwright, the app served live, a fake Shopify.

Nothing here reaches the internet: Shopify's CDN and servers are stood in for (App Bridge by a
routed script in the test, token exchange by the small fake below), and every other
non-loopback request the page makes is aborted.
"""
from __future__ import annotations

import re
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import jwt
import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import BaseWSGIServer, make_server

from shopify_app.oauth import OFFLINE_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT
from tests.conftest import _build_app, app_config, missing
from tests.support.factories import API_KEY, API_SECRET

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Anything that is not this machine: the page must not depend on it, and must not hang on it.
_OFF_MACHINE = re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])[a-z][a-z0-9+.-]*://")
ACTION_TIMEOUT_MS = 10_000  # expect() keeps its own 5 s default


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        missing("Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context per test: no cookies, storage or routes leak between tests."""
    context = chromium.new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(_OFF_MACHINE, lambda route: route.abort())
    page = context.new_page()
    yield page
    context.close()


@dataclass
class LiveServer:
    url: str
    app: Flask
    server: BaseWSGIServer
    thread: threading.Thread


@contextmanager
def serve(build_app) -> Iterator[LiveServer]:
    """Serve build_app(base_url) on a free loopback port in a daemon thread; stop it afterwards.

    The socket is bound before the app is built, so the app can know its own URL (demo mode
    and the bounce page check it) without racing another process for the port.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        app = build_app(url)
        server = make_server("127.0.0.1", port, app, threaded=True, fd=listener.fileno())
    finally:
        listener.close()  # make_server holds its own duplicate of the socket
    thread = threading.Thread(target=server.serve_forever, name=f"live-server-{port}", daemon=True)
    thread.start()
    try:
        yield LiveServer(url, app, server, thread)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class FakeShopify:
    """Records every token request it answered: body, the shop the token names, the status."""

    url: str
    requests: list[dict] = field(default_factory=list)

    def token_exchanges(self, shop: str) -> list[dict]:
        return [r for r in self.requests
                if r["shop"] == shop and r["body"].get("grant_type") == TOKEN_EXCHANGE_GRANT]


def _fake_shopify_app(fake: FakeShopify) -> Flask:
    shopify = Flask("fake_shopify")

    @shopify.post("/admin/oauth/access_token")
    def access_token():
        body = request.get_json(silent=True) or {}
        shop = _token_shop(body.get("subject_token"))
        well_formed = (body.get("client_id") == API_KEY and body.get("client_secret") == API_SECRET
                       and body.get("grant_type") == TOKEN_EXCHANGE_GRANT and body.get("subject_token")
                       and body.get("requested_token_type") == OFFLINE_TOKEN_TYPE
                       and body.get("expiring") == "1")
        if not well_formed:
            status, answer = 400, {"error": "invalid_request"}
        elif shop is None:
            status, answer = 400, {"error": "invalid_subject_token"}
        else:
            status, answer = 200, {
                "access_token": "shpat_browser_test_token", "scope": "read_products,read_orders",
                "expires_in": 3600, "refresh_token": "shprt_browser_test_token",
                "refresh_token_expires_in": 7776000}
        fake.requests.append({"shop": shop, "body": body, "status": status})
        return jsonify(answer), status

    return shopify


def _token_shop(token: str | None) -> str | None:
    # Like Shopify, only honour session tokens signed with the app's secret for the app's key.
    try:
        claims = jwt.decode(token or "", API_SECRET, algorithms=["HS256"], audience=API_KEY, leeway=10)
    except jwt.PyJWTError:
        return None
    return claims["dest"].removeprefix("https://")


@pytest.fixture(scope="session")
def fake_shopify() -> Iterator[FakeShopify]:
    fake = FakeShopify(url="")
    with serve(lambda url: _fake_shopify_app(fake)) as live:
        fake.url = live.url
        yield fake


@pytest.fixture(scope="session")
def demo_server(database_url, fake_shopify) -> Iterator[LiveServer]:
    """The app in demo mode on each backend, talking to the fake Shopify for token exchange."""
    def build(url):
        return _build_app(app_config(database_url, PACKBOOK_DEMO="1", SHOPIFY_APP_URL=url,
                                     SHOPIFY_ADMIN_ORIGIN=fake_shopify.url))

    with serve(build) as live:
        yield live
    live.app.extensions["packbook.db"].engine.dispose()


@pytest.fixture(scope="session")
def plain_server(app) -> Iterator[LiveServer]:
    """The ordinary app (no PACKBOOK_DEMO), served live."""
    with serve(lambda url: app) as live:
        yield live
