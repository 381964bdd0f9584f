"""/api/customers/<id>/prepaid-balances and /api/prepaid-balances/<id>/refresh: balances held on gift cards."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import g, jsonify
from pydantic import Field

import db
from booking import accounts, prepaid
from booking.api import bp, money, utc_now
from booking.api.shopify import shopify_client, shopify_edge
from booking.errors import NotFound
from booking.models import Plan
from booking.order_facts import GiftCardFacts
from endpoints import declare
from endpoints.models import Answer
from shopify_app.auth import shop_required
from shopify_app.queries import GIFT_CARD

GIFT_CARD_SCOPES = {"read_gift_cards", "write_gift_cards"}


class GiftCardOut(Answer):
    """What Shopify last said about the card; never its code."""

    gift_card_id: str
    last_characters: str | None
    balance: str | None
    currency: str | None
    expires_on: date | None
    enabled: bool
    balance_seen_at: datetime | None


class PrepaidBalance(Answer):
    id: int
    plan_id: int | None
    title: str | None
    amount: str
    currency: str | None
    order_id: str
    gift_card: GiftCardOut | None


class PrepaidBalanceList(Answer):
    prepaid_balances: list[PrepaidBalance]


class GiftCardRefresh(Answer):
    gift_card: GiftCardOut | None
    refreshed: bool
    reason: str | None = Field(description="Why Shopify was not asked, when it was not")


def card_json(card) -> dict | None:
    if card is None:
        return None
    return {"gift_card_id": str(card.gift_card_id), "last_characters": card.last_characters,
            "balance": money(card.balance), "currency": card.currency,
            "expires_on": card.expires_on.isoformat() if card.expires_on else None, "enabled": card.enabled,
            "balance_seen_at": card.balance_seen_at.isoformat() if card.balance_seen_at else None}


def balance_json(session, row, card) -> dict:
    plan = session.get(Plan, row.plan_id) if row.plan_id else None
    return {"id": row.id, "plan_id": row.plan_id, "title": plan.title if plan else None,
            "amount": money(row.amount), "currency": row.currency, "order_id": str(row.order_id),
            "gift_card": card_json(card)}


@bp.get("/customers/<id:customer_id>/prepaid-balances")
@shop_required
@declare("prepaid balances", answer=PrepaidBalanceList,
         says="The balances (empty for a customer Packbook has not seen)")
def customer_prepaid_balances(customer_id: int):
    """A customer's prepaid balances and each card's last-known balance (and when it was seen)."""
    session = db.session()
    try:
        customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id)
    except NotFound:  # a customer Packbook never saw has no balances
        return jsonify(prepaid_balances=[])
    rows = prepaid.prepaid_balances(session, g.shop.id, customer)
    return jsonify(prepaid_balances=[balance_json(session, row, card) for row, card in rows])


@bp.post("/prepaid-balances/<id:balance_id>/refresh")
@shop_required
@shopify_edge
@declare("prepaid balances", answer=GiftCardRefresh, errors=("NotFound", "ShopifyUnavailable"),
         says="The card as now known")
def refresh_prepaid_balance(balance_id: int):
    """Read the card's balance from Shopify now where read_gift_cards is granted; else the last known one."""
    session = db.session()
    granted = bool(GIFT_CARD_SCOPES & g.shop.granted_scopes)
    fetch = _fetcher() if granted else (lambda gift_card_id: None)
    card = prepaid.refresh_card(session, g.shop.id, balance_id, fetch, now=utc_now())
    session.commit()
    return jsonify(gift_card=card_json(card), refreshed=granted and card is not None,
                   reason=None if granted else "the shop has not granted read_gift_cards")


def _fetcher():
    client = shopify_client()

    def fetch(gift_card_id: int):
        node = client.query(GIFT_CARD, {"id": f"gid://shopify/GiftCard/{gift_card_id}"})["giftCard"]
        if node is None:
            return None
        return GiftCardFacts(
            gift_card_id=gift_card_id, order_id=None, line_item_id=None, last_characters=node.get("lastCharacters"),
            balance=Decimal(str(node["balance"]["amount"])), currency=node["balance"]["currencyCode"],
            expires_on=date.fromisoformat(node["expiresOn"]) if node.get("expiresOn") else None,
            enabled=bool(node.get("enabled")), updated_at=datetime.fromisoformat(node["updatedAt"]))

    return fetch
