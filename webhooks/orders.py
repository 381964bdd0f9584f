"""Order and refund topics: translate Shopify's payloads into purchase facts and call one use case."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from booking import purchases
from booking.accounts import booking_settings
from db import utcnow
from shopify_app.models import Shop
from webhooks.models import EventStatus, WebhookEvent


def order_facts(payload: dict) -> purchases.OrderFacts:
    """The parts of a REST-style order payload Packbook needs; ids stay full-precision ints (> 2^53)."""
    customer = payload.get("customer") or {}
    return purchases.OrderFacts(
        order_id=int(payload["id"]), name=payload.get("name"), confirmation_number=payload.get("confirmation_number"),
        email=payload.get("email") or payload.get("contact_email") or customer.get("email"),
        customer_id=int(customer["id"]) if customer.get("id") else None, currency=payload.get("currency"),
        financial_status=payload.get("financial_status"), updated_at=_time(payload.get("updated_at")),
        lines=tuple(_line(item) for item in payload.get("line_items") or []),
    )


def _line(item: dict) -> purchases.OrderLine:
    variant = item.get("variant_id")
    return purchases.OrderLine(line_item_id=int(item["id"]), variant_id=str(variant) if variant else None,
                               quantity=int(item.get("quantity") or 0), unit_price=_money(item.get("price")),
                               title=item.get("title") or "")


def _money(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def handle_order_paid(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/paid: grant one package per purchased unit of each mapped line."""
    purchases.grant_for_order(session, shop.id, order_facts(event.payload), now=utcnow())
    return EventStatus.DONE


def handle_order_created(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/create and orders/updated: record the order; grant nothing until it is paid,
    unless the merchant opted in to granting orders already paid when they are created."""
    facts = order_facts(event.payload)
    if event.topic == "orders/create" and facts.is_paid and booking_settings(session, shop.id).grant_on_create:
        purchases.grant_for_order(session, shop.id, facts, now=utcnow())
    else:
        purchases.record_order(session, shop.id, facts)
    return EventStatus.DONE


def handle_order_cancelled(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/cancelled: take back the unused part of everything the order granted."""
    facts = order_facts(event.payload)
    purchases.record_order(session, shop.id, facts)
    purchases.record_refund(session, shop.id, facts.order_id, f"cancel:{facts.order_id}", {purchases.ALL: "all"},
                            now=utcnow())
    return EventStatus.DONE


def handle_refund(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """refunds/create: take back the unused part of what the refunded quantities granted."""
    payload = event.payload
    quantities: dict[int, int] = {}
    for item in payload.get("refund_line_items") or []:
        line_item_id = int(item["line_item_id"])
        quantities[line_item_id] = quantities.get(line_item_id, 0) + int(item.get("quantity") or 0)
    purchases.record_refund(session, shop.id, int(payload["order_id"]), f"refund:{payload['id']}", quantities,
                            now=utcnow())
    return EventStatus.DONE
