"""Prepaid balances held on Shopify gift cards: Shopify issues each card and keeps its balance; Packbook
records who bought which card, links the card when Shopify reports it (either may arrive first), keeps its
last-known balance, and never keeps a full code."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.errors import NotFound
from booking.models import PlanVariant
from booking.order_facts import GiftCardFacts, OrderFacts, OrderLine
from booking.records import Customer, GiftCard, PrepaidBalance


def record_prepaid(session: Session, shop_id: int, customer: Customer, line: OrderLine, variant: PlanVariant,
                   facts: OrderFacts) -> int:
    """One prepaid balance per gift card bought; Shopify keeps the balance, we keep who owns which card."""
    if not line.gift_card:
        return 0  # mapped to a prepaid plan but not sold as a gift card: nothing Shopify will issue
    existing = set(session.scalars(select(PrepaidBalance.unit_index).where(
        PrepaidBalance.shop_id == shop_id, PrepaidBalance.order_id == facts.order_id,
        PrepaidBalance.line_item_id == line.line_item_id)))
    added = 0
    for unit_index in sorted(set(range(line.quantity)) - existing):
        try:
            with session.begin_nested():
                session.add(PrepaidBalance(shop_id=shop_id, customer_id=customer.id, plan_id=variant.plan_id,
                                           order_id=facts.order_id, line_item_id=line.line_item_id,
                                           unit_index=unit_index, amount=line.unit_price, currency=facts.currency))
                session.flush()
            added += 1
        except IntegrityError:
            pass  # a concurrent delivery recorded it
    _link_cards(session, shop_id, facts.order_id, line.line_item_id)
    return added


def record_gift_card(session: Session, shop_id: int, card: GiftCardFacts, *, now: datetime) -> GiftCard:
    """Keep a gift card's last-known state (stale updates ignored) and link it to its prepaid balance."""
    row = session.scalar(select(GiftCard).where(GiftCard.shop_id == shop_id,
                                                GiftCard.gift_card_id == card.gift_card_id).with_for_update())
    if row is None:
        row = GiftCard(shop_id=shop_id, gift_card_id=card.gift_card_id)
        session.add(row)
    elif row.shopify_updated_at and card.updated_at and card.updated_at < row.shopify_updated_at:
        return row
    row.order_id, row.line_item_id = card.order_id or row.order_id, card.line_item_id or row.line_item_id
    row.last_characters, row.balance, row.currency = card.last_characters, card.balance, card.currency
    row.expires_on, row.enabled, row.shopify_updated_at, row.balance_seen_at = (
        card.expires_on, card.enabled, card.updated_at, now)
    session.flush()
    if row.order_id and row.line_item_id:
        _link_cards(session, shop_id, row.order_id, row.line_item_id)
    return row


def _link_cards(session: Session, shop_id: int, order_id: int, line_item_id: int) -> None:
    # Cards and balances of one order line pair up in order; either may arrive first.
    cards = session.scalars(select(GiftCard.gift_card_id).where(
        GiftCard.shop_id == shop_id, GiftCard.order_id == order_id, GiftCard.line_item_id == line_item_id)
        .order_by(GiftCard.gift_card_id)).all()
    balances = session.scalars(select(PrepaidBalance).where(
        PrepaidBalance.shop_id == shop_id, PrepaidBalance.order_id == order_id,
        PrepaidBalance.line_item_id == line_item_id).order_by(PrepaidBalance.unit_index)).all()
    linked = {b.gift_card_id for b in balances if b.gift_card_id}
    free_cards = iter(c for c in cards if c not in linked)
    for balance in balances:
        if balance.gift_card_id is None:
            balance.gift_card_id = next(free_cards, None)


def prepaid_balances(session: Session, shop_id: int, customer: Customer) -> list[tuple[PrepaidBalance, GiftCard | None]]:
    """A customer's prepaid balances with the last-known state of their cards."""
    rows = session.scalars(select(PrepaidBalance).where(PrepaidBalance.shop_id == shop_id,
                                                        PrepaidBalance.customer_id == customer.id)
                           .order_by(PrepaidBalance.id)).all()
    return [(row, _card(session, shop_id, row.gift_card_id)) for row in rows]


def _card(session: Session, shop_id: int, gift_card_id: int | None) -> GiftCard | None:
    if gift_card_id is None:
        return None
    return session.scalar(select(GiftCard).where(GiftCard.shop_id == shop_id, GiftCard.gift_card_id == gift_card_id))


def refresh_card(session: Session, shop_id: int, balance_id: int, fetch, *, now: datetime) -> GiftCard | None:
    """Ask Shopify for the card's current balance (`fetch(gift_card_id) -> GiftCardFacts | None`)."""
    balance = session.scalar(select(PrepaidBalance).where(PrepaidBalance.id == balance_id,
                                                          PrepaidBalance.shop_id == shop_id))
    if balance is None:
        raise NotFound(f"no prepaid balance {balance_id} in this shop")
    if balance.gift_card_id is None:
        return None  # Shopify has not told us which card it issued yet
    facts = fetch(balance.gift_card_id)
    return record_gift_card(session, shop_id, facts, now=now) if facts else _card(session, shop_id,
                                                                                    balance.gift_card_id)
