"""Prepaid balances: a gift-card product bought at checkout, linked to the card Shopify issues."""
from __future__ import annotations

import copy
from decimal import Decimal

from sqlalchemy import select

from booking.models import Plan, PlanVariant
from booking.plans import PlanTerms
from booking.records import Entitlement, GiftCard, PrepaidBalance
from tests.integration.test_purchases import ORDER_ID, paid_order
from tests.support.booking import make_spa
from tests.support.factories import deliver
from tests.support.samples import sample
from webhooks.models import WebhookEvent

CARD_LINE, CARD_VARIANT = 555001, 777001


def prepaid_spa(db_session):
    spa = make_spa(db_session)
    terms = PlanTerms.from_api({"title": "$100 spa balance", "unit": "money", "quantity": 100, "currency": "USD"})
    plan = Plan(shop_id=spa.shop.id, title=terms.title, terms=terms.to_json(), kind="prepaid_balance")
    db_session.add(plan)
    db_session.flush()
    db_session.add(PlanVariant(shop_id=spa.shop.id, plan_id=plan.id, variant_id=str(CARD_VARIANT)))
    db_session.flush()
    return spa, plan


def card_order(quantity=1, gift_card=True) -> dict:
    order = paid_order()
    line = dict(order["line_items"][0], id=CARD_LINE, variant_id=CARD_VARIANT, quantity=quantity, price="100.00",
                gift_card=gift_card)
    order["line_items"] = [line]
    return order


def gift_card(card_id: int, balance: str, updated_at: str, **extra) -> dict:
    card = copy.deepcopy(sample("gift_cards/create"))
    card.update(id=card_id, order_id=ORDER_ID, line_item_id=CARD_LINE, balance=balance, currency="USD",
                last_characters="c293", updated_at=updated_at, **extra)
    return card


def test_a_gift_card_order_records_a_prepaid_balance_and_the_card_keeps_it_current(client, db_session):
    spa, plan = prepaid_spa(db_session)
    deliver(client, "orders/paid", card_order(), shop=spa.shop.domain)
    [balance] = db_session.scalars(select(PrepaidBalance).where(PrepaidBalance.shop_id == spa.shop.id)).all()
    assert (balance.amount, balance.currency, balance.plan_id, balance.gift_card_id) == (Decimal("100.00"), "USD",
                                                                                      plan.id, None)
    assert db_session.scalars(select(Entitlement).where(Entitlement.shop_id == spa.shop.id)).all() == []
    deliver(client, "gift_cards/create", gift_card(4208208, "100.00", "2026-11-24T10:00:00+00:00",
                                                   code="abcd efgh ijkl c293"), shop=spa.shop.domain)
    deliver(client, "gift_cards/update", gift_card(4208208, "62.50", "2026-11-25T10:00:00+00:00"), shop=spa.shop.domain)
    deliver(client, "gift_cards/update", gift_card(4208208, "80.00", "2026-11-24T12:00:00+00:00"),  # stale retry
            shop=spa.shop.domain)
    db_session.expire_all()
    card = db_session.scalar(select(GiftCard).where(GiftCard.shop_id == spa.shop.id))
    assert (card.balance, card.last_characters, card.enabled) == (Decimal("62.50"), "c293", True)
    assert db_session.get(PrepaidBalance, balance.id).gift_card_id == 4208208
    stored = db_session.scalars(select(WebhookEvent.payload).where(WebhookEvent.shop_domain == spa.shop.domain,
                                                                   WebhookEvent.topic == "gift_cards/create")).one()
    assert "code" not in stored  # never keep a full gift-card code


def test_a_card_that_arrives_before_the_order_is_linked_when_the_order_does(client, db_session):
    spa, _ = prepaid_spa(db_session)
    deliver(client, "gift_cards/create", gift_card(9001, "100.00", "2026-11-24T10:00:00+00:00"), shop=spa.shop.domain)
    deliver(client, "gift_cards/create", gift_card(9002, "100.00", "2026-11-24T10:00:00+00:00"), shop=spa.shop.domain)
    deliver(client, "orders/paid", card_order(quantity=2), shop=spa.shop.domain)
    deliver(client, "orders/paid", card_order(quantity=2), shop=spa.shop.domain)  # a repeat adds nothing
    cards = db_session.scalars(select(PrepaidBalance.gift_card_id).where(PrepaidBalance.shop_id == spa.shop.id)
                               .order_by(PrepaidBalance.unit_index)).all()
    assert cards == [9001, 9002]


def test_a_disabled_card_is_recorded_as_disabled(client, db_session):
    spa, _ = prepaid_spa(db_session)
    deliver(client, "gift_cards/update", gift_card(9100, "0.00", "2026-11-24T10:00:00+00:00",
                                                   disabled_at="2026-11-24T09:00:00+00:00"), shop=spa.shop.domain)
    card = db_session.scalar(select(GiftCard).where(GiftCard.shop_id == spa.shop.id))
    assert card.enabled is False and card.balance == 0


def test_a_prepaid_plan_needs_a_money_unit(client, db_session):
    from tests.web.test_booking_api import shop_api

    api = shop_api(client, db_session)
    response = api.post("/api/plans", {"title": "Gift", "unit": "sessions", "quantity": 5, "kind": "prepaid_balance"})
    assert (response.status_code, response.get_json()["field"]) == (422, "unit")
    created = api.post("/api/plans", {"title": "Gift", "unit": "money", "quantity": 50, "currency": "USD",
                                      "kind": "prepaid_balance"})
    assert created.status_code == 201 and created.get_json()["kind"] == "prepaid_balance"
