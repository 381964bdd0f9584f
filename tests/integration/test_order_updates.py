"""Shopify does not deliver in order: an order update older than what Packbook holds changes nothing, dated by
the order's updated_at or, when a payload lacks it, by the delivery's X-Shopify-Triggered-At."""
from __future__ import annotations

from sqlalchemy import select

from booking.records import Order
from tests.integration.test_purchases import ORDER_ID, mapped_spa, packages, paid_order
from tests.support.factories import deliver


def stored(db_session, shop_id) -> Order:
    db_session.expire_all()
    return db_session.scalar(select(Order).where(Order.shop_id == shop_id, Order.shopify_order_id == ORDER_ID))


def test_an_older_update_arriving_late_does_not_undo_a_newer_one(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", paid_order(updated_at="2026-11-24T10:05:00-05:00"), shop=spa.shop.domain)
    pending = paid_order(financial_status="pending", updated_at="2026-11-24T10:00:00-05:00")
    deliver(client, "orders/updated", pending, shop=spa.shop.domain)
    assert stored(db_session, spa.shop.id).financial_status == "paid"
    assert len(packages(db_session, spa.shop.id, status="active")) == 1
    newer = paid_order(financial_status="partially_refunded", updated_at="2026-11-24T10:10:00-05:00")
    deliver(client, "orders/updated", newer, shop=spa.shop.domain)
    assert stored(db_session, spa.shop.id).financial_status == "partially_refunded"


def test_without_updated_at_the_delivery_time_dates_the_update(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", paid_order(updated_at="2026-11-24T15:05:00Z"), shop=spa.shop.domain)
    undated = paid_order(financial_status="pending")
    del undated["updated_at"]
    deliver(client, "orders/updated", undated, shop=spa.shop.domain, triggered_at="2026-11-24T15:00:00Z")
    assert stored(db_session, spa.shop.id).financial_status == "paid"  # triggered before the paid update
    deliver(client, "orders/updated", dict(undated, financial_status="refunded"), shop=spa.shop.domain,
            triggered_at="2026-11-24T15:09:00Z")
    order = stored(db_session, spa.shop.id)
    assert order.financial_status == "refunded" and order.shopify_updated_at.isoformat().startswith("2026-11-24T15:09")
