"""A first embedded load inside the Shopify admin: bounce, fresh id_token, token exchange, home."""
from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from shopify_app.session_tokens import mint_session_token
from shopify_app.tokens import find_shop
from db import get_db
from tests.support.factories import API_KEY, API_SECRET, unique_shop_domain

pytestmark = pytest.mark.browser

APP_BRIDGE_URL = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
# What App Bridge does for us here: hand out id tokens and, on the bounce page, reload the
# `shopify-reload` target with a fresh id_token.
APP_BRIDGE_STUB = """
(function () {
  var token = %s;
  window.shopify = { idToken: function () { return Promise.resolve(token); } };
  var reload = new URLSearchParams(window.location.search).get('shopify-reload');
  if (reload) {
    var target = new URL(reload, window.location.href);
    target.searchParams.set('id_token', token);
    window.location.replace(target.href);
  }
})();
"""


def stub_app_bridge(page, token: str) -> None:
    page.route(APP_BRIDGE_URL, lambda route: route.fulfill(
        status=200, content_type="application/javascript", body=APP_BRIDGE_STUB % json.dumps(token)))


def host_param(shop: str) -> str:
    handle = shop.removesuffix(".myshopify.com")
    return base64.b64encode(f"admin.shopify.com/store/{handle}".encode()).decode().rstrip("=")


def test_embedded_load_without_id_token_bounces_through_app_bridge_and_renders_home(
        demo_server, fake_shopify, page):
    shop = unique_shop_domain("embedded")
    token = mint_session_token(shop, api_key=API_KEY, secret=API_SECRET, now=int(time.time()))
    stub_app_bridge(page, token)
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: frame == page.main_frame and navigations.append(frame.url))
    documents: dict[str, str | None] = {}
    page.on("response", lambda response: response.request.resource_type == "document" and
            documents.__setitem__(response.url, response.header_value("content-security-policy")))

    page.goto(f"{demo_server.url}/?shop={shop}&host={host_param(shop)}&embedded=1", wait_until="commit")

    expect(page.locator("#owed")).to_contain_text("sessions")  # the home page's /api/overview answered
    expect(page.locator("#page-error")).to_be_hidden()
    paths = [urlsplit(url).path for url in navigations]
    assert paths == ["/auth/session-token", "/"]
    final = urlsplit(page.url)
    assert final.path == "/"
    assert parse_qs(final.query)["id_token"] == [token]
    exchanges = fake_shopify.token_exchanges(shop)
    assert len(exchanges) == 1
    assert exchanges[0]["status"] == 200 and exchanges[0]["body"]["subject_token"] == token
    frame_ancestors = f"frame-ancestors https://{shop} https://admin.shopify.com;"
    assert documents[page.url] == frame_ancestors
    assert documents[navigations[0]] == frame_ancestors  # the bounce page is HTML too
    with demo_server.app.app_context(), get_db().transaction() as session:
        installed = find_shop(session, shop)
        assert installed.is_installed and installed.access_token == "shpat_browser_test_token"
