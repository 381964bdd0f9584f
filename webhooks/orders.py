"""Order and refund topics: translate Shopify's payloads into purchase facts and call one use case."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from booking import holds, prepaid, purchases
from booking.accounts import booking_settings
from booking.order_facts import GiftCardFacts, OrderFacts, OrderLine
from db import utcnow
from shopify_app.models import Shop
from webhooks.models import EventStatus, WebhookEvent
from webhooks.payloads import without_codes


def order_facts(payload: dict, triggered_at: datetime | None = None) -> OrderFacts:
    """The parts of a REST-style order payload Packbook needs; ids stay full-precision ints (> 2^53).

    Stale updates are recognised by the order's `updated_at`; a payload without one is dated by the
    delivery's X-Shopify-Triggered-At instead, so it still cannot overwrite a newer state."""
    customer = payload.get("customer") or {}
    return OrderFacts(
        order_id=int(payload["id"]), name=payload.get("name"), confirmation_number=payload.get("confirmation_number"),
        email=payload.get("email") or payload.get("contact_email") or customer.get("email"),
        customer_id=int(customer["id"]) if customer.get("id") else None, currency=payload.get("currency"),
        financial_status=payload.get("financial_status"),
        updated_at=_time(payload.get("updated_at")) or triggered_at,
        lines=tuple(_line(item) for item in payload.get("line_items") or []),
        attributes={str(a["name"]): str(a.get("value") or "") for a in payload.get("note_attributes") or []
                    if isinstance(a, dict) and a.get("name")},
        customer_name=(customer.get("first_name"), customer.get("last_name")),
    )


def _line(item: dict) -> OrderLine:
    variant = item.get("variant_id")
    return OrderLine(line_item_id=int(item["id"]), variant_id=str(variant) if variant else None,
                               quantity=int(item.get("quantity") or 0), unit_price=_money(item.get("price")),
                               title=item.get("title") or "", gift_card=bool(item.get("gift_card")),
                               # Shopify allocates order-level discounts to the lines too.
                               discount=sum((_money(a.get("amount")) for a in item.get("discount_allocations") or []),
                                            Decimal(0)))


def _money(value) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def handle_order_paid(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/paid: grant one package per purchased unit of each mapped line."""
    facts = order_facts(event.payload, event.triggered_at)
    purchases.grant_for_order(session, shop.id, facts, now=utcnow())
    holds.confirm_paid(session, shop.id, facts, now=utcnow())  # sessions held for this checkout, if any
    return EventStatus.DONE


def handle_order_created(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/create and orders/updated: record the order; grant nothing until it is paid,
    unless the merchant opted in to granting orders already paid when they are created."""
    facts = order_facts(event.payload, event.triggered_at)
    if event.topic == "orders/create" and facts.is_paid and booking_settings(session, shop.id).grant_on_create:
        purchases.grant_for_order(session, shop.id, facts, now=utcnow())
    else:
        purchases.record_order(session, shop.id, facts)
    return EventStatus.DONE


def handle_order_cancelled(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """orders/cancelled: take back the unused part of everything the order granted."""
    facts = order_facts(event.payload, event.triggered_at)
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


def handle_gift_card(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """gift_cards/create and gift_cards/update: keep the card's balance, expiry and state, never its code."""
    card = event.payload.get("gift_card", event.payload)  # the REST shape, bare or wrapped
    prepaid.record_gift_card(session, shop.id, GiftCardFacts(
        gift_card_id=int(card["id"]), order_id=_int(card.get("order_id")), line_item_id=_int(card.get("line_item_id")),
        last_characters=card.get("last_characters"), balance=_money(card.get("balance")) if card.get("balance")
        is not None else None, currency=card.get("currency"),
        expires_on=date.fromisoformat(card["expires_on"]) if card.get("expires_on") else None,
        enabled=card.get("disabled_at") is None, updated_at=_time(card.get("updated_at"))), now=utcnow())
    # The door strips codes before storing; events stored before it did are cleaned as they are handled.
    event.payload = without_codes(event.topic, event.payload)
    return EventStatus.DONE


def _int(value) -> int | None:
    return int(value) if value not in (None, "") else None
