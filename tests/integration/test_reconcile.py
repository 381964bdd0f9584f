"""Reconciliation fills in what lost webhooks missed, from the Admin API (mocked: Shopify is unreachable)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import responses
from sqlalchemy import select

from booking.records import Entitlement
from tests.integration.test_purchases import MASSAGE_LINE, MASSAGE_VARIANT, ORDER_ID, mapped_spa
from webhooks.reconcile import reconcile_shop

SINCE = datetime.now(timezone.utc) - timedelta(hours=6)


def node(*, quantity=2, status="PAID", refunds=(), cancelled=False, order_id=ORDER_ID) -> dict:
    return {
        "id": f"gid://shopify/Order/{order_id}", "legacyResourceId": str(order_id), "name": "#1001",
        "confirmationNumber": "XPAV284CT", "email": "ana@example.com", "currencyCode": "USD",
        "displayFinancialStatus": status, "cancelledAt": "2026-11-24T08:00:00Z" if cancelled else None,
        "updatedAt": "2026-11-24T07:00:00Z", "customer": {"legacyResourceId": "7001"},
        "lineItems": {"nodes": [{"id": f"gid://shopify/LineItem/{MASSAGE_LINE}", "title": "5x massage",
                                 "quantity": quantity, "variant": {"legacyResourceId": str(MASSAGE_VARIANT)},
                                 "originalUnitPriceSet": {"shopMoney": {"amount": "250.0"}}}]},
        "refunds": [{"legacyResourceId": str(rid), "refundLineItems": {"nodes": [
            {"quantity": q, "lineItem": {"id": f"gid://shopify/LineItem/{MASSAGE_LINE}"}}]}} for rid, q in refunds],
    }


def page(nodes, *, has_next=False, cursor=None) -> dict:
    return {"data": {"orders": {"nodes": nodes, "pageInfo": {"hasNextPage": has_next, "endCursor": cursor}}},
            "extensions": {"cost": {"requestedQueryCost": 50, "actualQueryCost": 20,
                                    "throttleStatus": {"maximumAvailable": 2000, "currentlyAvailable": 1980,
                                                       "restoreRate": 100}}}}


def graphql_url(shop) -> str:
    return f"https://{shop.domain}/admin/api/2026-10/graphql.json"


def packages(db_session, shop_id):
    return list(db_session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id)
                                   .order_by(Entitlement.unit_index)))


@responses.activate
def test_reconciliation_grants_what_a_dropped_webhook_missed_and_repeats_harmlessly(app, db_session):
    spa = mapped_spa(db_session)
    db_session.commit()
    responses.post(graphql_url(spa.shop), json=page([node()]))
    with app.app_context():
        first = reconcile_shop(spa.shop.id, SINCE)
        again = reconcile_shop(spa.shop.id, SINCE)
    assert first.as_dict() == {"orders_seen": 1, "grants_added": 2, "revocations_added": 0, "conflicts": 0}
    assert again.grants_added == 0
    granted = packages(db_session, spa.shop.id)
    assert [(p.order_id, p.line_item_id, p.unit_index) for p in granted] == [(ORDER_ID, MASSAGE_LINE, 0),
                                                                          (ORDER_ID, MASSAGE_LINE, 1)]
    sent = json.loads(responses.calls[0].request.body)
    assert sent["variables"]["query"].startswith("updated_at:>='") and sent["variables"]["first"] == 50
    assert responses.calls[0].request.headers["X-Shopify-Access-Token"] == spa.shop.access_token


@responses.activate
def test_reconciliation_pages_through_results_and_applies_missed_refunds(app, db_session):
    spa = mapped_spa(db_session)
    db_session.commit()
    responses.post(graphql_url(spa.shop), json=page([node(order_id=ORDER_ID + 1)], has_next=True, cursor="c1"))
    responses.post(graphql_url(spa.shop), json=page([node(status="PARTIALLY_REFUNDED", refunds=[(9001, 1)])]))
    with app.app_context():
        summary = reconcile_shop(spa.shop.id, SINCE)
    assert summary.as_dict() == {"orders_seen": 2, "grants_added": 4, "revocations_added": 1, "conflicts": 0}
    assert json.loads(responses.calls[1].request.body)["variables"]["after"] == "c1"
    statuses = [p.status for p in packages(db_session, spa.shop.id) if p.order_id == ORDER_ID]
    assert sorted(statuses) == ["active", "revoked"]


@responses.activate
def test_reconciliation_waits_out_an_admin_api_throttle_and_carries_on(app, db_session):
    spa = mapped_spa(db_session)
    db_session.commit()
    throttled = {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                 "extensions": {"cost": {"requestedQueryCost": 50, "actualQueryCost": None,
                                         "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": 40,
                                                            "restoreRate": 100}}}}
    responses.post(graphql_url(spa.shop), json=throttled)
    responses.post(graphql_url(spa.shop), json=page([node()]))
    with app.app_context():
        summary = reconcile_shop(spa.shop.id, SINCE)
    assert len(responses.calls) == 2 and summary.grants_added == 2


@responses.activate
def test_a_paid_mapped_order_with_nobody_to_grant_to_counts_as_a_conflict(app, db_session):
    spa = mapped_spa(db_session)
    db_session.commit()
    orphan = node()
    orphan.update(customer=None, email=None)
    responses.post(graphql_url(spa.shop), json=page([orphan]))
    with app.app_context():
        summary = reconcile_shop(spa.shop.id, SINCE)
    assert (summary.grants_added, summary.conflicts) == (0, 1)


@responses.activate
def test_reconcile_command_prints_the_summary(app, db_session):
    spa = mapped_spa(db_session)
    db_session.commit()
    responses.post(graphql_url(spa.shop), json={"data": {"ordersCount": {"count": 1, "precision": "EXACT"}}})
    responses.post(graphql_url(spa.shop), json=page([node(cancelled=True)]))
    result = app.test_cli_runner().invoke(args=["reconcile", "--shop", spa.shop.domain, "--since", "6h"])
    assert result.exit_code == 0, result.output
    assert "orders seen 1, grants added 2, revocations added 2, conflicts 0" in result.output
    bad = app.test_cli_runner().invoke(args=["reconcile", "--since", "yesterday"])
    assert bad.exit_code != 0 and "--since" in bad.output
