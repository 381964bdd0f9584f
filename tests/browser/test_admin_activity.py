"""The Activity and health page in Chromium, inside the admin shell with Shopify's scripts stood in for: an
orders/paid delivery whose processing failed shows with its error, and "Retry" processes it (done, the package
granted once); the activity log filtered by kind, with a 422 beside the filter it names; a maintenance sweep run
now; a reconciliation with Shopify (a small local Admin API) followed to the end on its progress bar. axe finds no
serious or critical violation at 1280 and 375 px, no console error is logged, and every call the page made finds
nothing when replayed with another shop's token."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import Iterator

import pytest
from flask import Flask, jsonify, request
from playwright.sync_api import expect

from booking.models import PlanVariant
from booking.records import ActivityLog
from tests.browser.admin_support import (accessible, console_errors, open_admin, record_api_calls,
                                         replay_as_another_shop, shoot)
from tests.browser.conftest import LiveServer, serve
from tests.conftest import _build_app, app_config
from tests.integration.test_purchases import MASSAGE_VARIANT, paid_order
from tests.integration.test_reconcile import node, page as orders_page
from tests.support.api import bearer
from tests.support.booking import give_package, make_spa
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.browser

BUYER = 115310627314723954  # the customer on Shopify's sample order
LOST_CONNECTION = "OperationalError: server closed the connection unexpectedly"


def _shop(server: LiveServer, committed_shops: list[str]) -> tuple[str, int]:
    """A spa whose plan is sold as MASSAGE_VARIANT, a package given by staff and adjusted, and an orders/paid
    delivery for that variant whose processing failed (the database went away mid-job)."""
    with server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session)
        session.add(PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id=str(MASSAGE_VARIANT)))
        package = give_package(session, spa, now=datetime.now(timezone.utc))
        session.add(ActivityLog(shop_id=spa.shop.id, actor="staff:1", action="adjust", subject_type="entitlement",
                                subject_id=package.id, reason="goodwill after a late start",
                                before={"remaining": "5"}, after={"remaining": "6"}))
        event = WebhookEvent(shop_domain=spa.shop.domain, topic="orders/paid", event_id=str(uuid.uuid4()),
                             payload=paid_order(quantity=1), status="failed", attempts=2, last_error=LOST_CONNECTION)
        session.add(event)
        session.flush()
        shop, event_id = spa.shop.domain, event.id
    committed_shops.append(shop)
    return shop, event_id


def _packages(server: LiveServer, shop: str, customer: int) -> list[dict]:
    response = server.app.test_client().get(f"/api/customers/{customer}", headers=bearer(shop))
    return response.get_json()["packages"] if response.status_code == 200 else []


def test_a_failed_delivery_retried_from_the_page_grants_its_package_once(plain_server, page, committed_shops):
    shop, event_id = _shop(plain_server, committed_shops)
    page.set_viewport_size({"width": 1280, "height": 900})
    errors = console_errors(page, refusals=(422,))  # a customer filter that is not an id, on purpose
    calls = record_api_calls(page)
    open_admin(page, plain_server.url, shop, "/activity")

    expect(page.get_by_role("heading", name="Activity and health")).to_be_visible()
    failed = page.locator(f'#events s-table-row[data-event-id="{event_id}"]')
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed).to_contain_text("orders/paid")
    expect(failed.locator(".error-text")).to_have_text(LOST_CONNECTION)
    expect(page.locator("#log s-table-row.log-item")).to_have_count(2)
    expect(page.locator("#jobs")).to_contain_text("no Redis is set up")
    accessible(page, "activity and health")
    shoot(page, "admin-activity")
    assert _packages(plain_server, shop, BUYER) == []

    failed.get_by_role("button", name=re.compile(r"^Retry orders.paid")).click()
    done = page.locator(f'#events s-table-row[data-event-id="{event_id}"][data-status="done"]')
    expect(done).to_be_visible()
    expect(done.get_by_role("button")).to_have_count(0)
    expect(done.locator(".error-text")).to_have_count(0)  # its error cleared
    expect(page.locator('#event-counts s-table-row[data-state="done"] .count')).to_have_text("1")
    [granted] = _packages(plain_server, shop, BUYER)
    assert granted["title"] == "5x massage" and granted["status"] == "active"

    page.get_by_label("What").select_option(label="Adjusted")
    rows = page.locator("#log s-table-row.log-item")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-kind", "adjust")
    expect(rows.first).to_contain_text("goodwill after a late start")
    page.get_by_label("What").select_option(label="Everything")
    expect(rows).to_have_count(2)
    page.get_by_label("Customer (Shopify id)").fill("ana")
    page.locator("#log-filters").get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Customer (Shopify id)")).to_have_attribute("aria-invalid", "true")  # the API's 422 names it
    expect(page.locator("#log-filters")).to_contain_text("customer_id must be a positive whole number")
    page.get_by_label("Customer (Shopify id)").fill("7001")
    page.locator("#log-filters").get_by_role("button", name="Filter").click()
    expect(page.get_by_label("Customer (Shopify id)")).not_to_have_attribute("aria-invalid", "true")
    expect(rows).to_have_count(2)

    page.get_by_role("button", name="Run now: Release expired holds").click()
    expect(page.locator('.sweep[data-sweep="release-holds"] .outcome')).to_contain_text("No expired holds.")
    page.set_viewport_size({"width": 375, "height": 800})
    accessible(page, "activity and health at 375 px")
    shoot(page, "admin-activity-mobile")
    expect(page.locator("#page-error")).to_be_hidden()
    assert errors == []
    assert len(_packages(plain_server, shop, BUYER)) == 1  # granted once

    # The sweep acts on the caller's own shop (another shop's token runs it for that shop), and the refused
    # filter is refused for anyone: neither names the first shop's data, so neither is replayed.
    replayable = [c for c in calls if "/api/sweeps/" not in c[1] and "customer_id=ana" not in c[1]]
    replay_as_another_shop(plain_server, replayable, shop,
                           {"goodwill after a late start", "server closed the connection", "ana@example.com"})


# --- reconciliation, against a small local stand-in for the shop's Admin API ---

def _admin_api() -> Flask:
    shopify = Flask("fake_shopify_admin_orders")

    @shopify.post("/admin/api/<version>/graphql.json")
    def graphql(version):
        operation = re.search(r"query (\w+)", request.get_json()["query"]).group(1)
        if operation == "OrdersCount":
            return jsonify(data={"ordersCount": {"count": 1, "precision": "EXACT"}})
        if operation == "RecentOrders":
            return jsonify(orders_page([node()]))
        return jsonify(errors=[{"message": f"this stand-in does not answer {operation}"}])

    return shopify


@pytest.fixture(scope="module")
def shopify_server(database_url) -> Iterator[LiveServer]:
    """The ordinary app, whose calls to the shop's Admin API reach the stand-in above."""
    with serve(lambda url: _admin_api()) as admin:
        with serve(lambda url: _build_app(app_config(database_url, SHOPIFY_ADMIN_ORIGIN=admin.url))) as live:
            yield live
        live.app.extensions["packbook.db"].engine.dispose()


def test_reconciling_from_the_page_follows_its_progress_to_the_packages_granted(shopify_server, page,
                                                                                committed_shops):
    shop, _ = _shop(shopify_server, committed_shops)
    errors = console_errors(page)
    calls = record_api_calls(page)
    open_admin(page, shopify_server.url, shop, "/activity")

    page.get_by_label("Look back").select_option(label="3 days")
    page.get_by_role("button", name="Reconcile with Shopify now").click()
    text = page.locator("#reconcile-text")
    expect(text).to_contain_text("Done", timeout=15_000)
    expect(text).to_contain_text("1 orders read, 2 packages granted, 0 taken back, 0 needing attention")
    expect(page.locator("#reconcile-progress")).to_have_js_property("value", 1)
    posted = [c for c in calls if c[0] == "POST" and c[1].endswith("/api/reconcile")]
    assert [body for _, _, body in posted] == ['{"since_hours":72}']
    assert any(re.search(r"/api/reconcile/\d+$", url) for _, url, _ in calls)  # it polled the run
    assert len(_packages(shopify_server, shop, 7001)) == 3  # the staff's package and the two reconciled
    accessible(page, "reconciliation done")
    assert errors == []
    # Starting one as another shop starts that shop's own: not replayed; reading this one by id must 404.
    replay_as_another_shop(shopify_server, [c for c in calls if c[0] != "POST"], shop, {"goodwill after a late start"})
