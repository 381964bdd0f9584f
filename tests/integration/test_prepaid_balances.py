"""Prepaid balances: a gift-card product bought at checkout, linked to the card Shopify issues."""
from __future__ import annotations

import copy
import json
from decimal import Decimal

import responses
from sqlalchemy import select

from booking.models import Plan, PlanVariant
from booking.api.plan_body import terms_from_body
from booking.records import Entitlement, GiftCard, PrepaidBalance
from tests.integration.test_purchases import ORDER_ID, paid_order
from tests.support.booking import make_spa
from tests.support.factories import deliver
from tests.support.samples import sample
from webhooks.models import WebhookEvent

CARD_LINE, CARD_VARIANT = 555001, 777001


def prepaid_spa(db_session):
    spa = make_spa(db_session)
    terms = terms_from_body({"title": "$100 spa balance", "unit": "money", "quantity": 100, "currency": "USD"})
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
    from tests.support.api import shop_api

    api = shop_api(client, db_session)
    response = api.post("/api/plans", {"title": "Gift", "unit": "sessions", "quantity": 5, "kind": "prepaid_balance"})
    assert (response.status_code, response.get_json()["field"]) == (422, "unit")
    created = api.post("/api/plans", {"title": "Gift", "unit": "money", "quantity": 50, "currency": "GBP",
                                      "kind": "prepaid_balance"})
    assert created.status_code == 201 and created.get_json()["kind"] == "prepaid_balance"


def _bearer(shop):
    from tests.support.api import bearer

    return bearer(shop.domain)


def test_the_admin_lists_a_customers_balances_with_the_last_known_card_state(client, db_session):
    spa, _ = prepaid_spa(db_session)
    deliver(client, "orders/paid", card_order(), shop=spa.shop.domain)
    deliver(client, "gift_cards/create", gift_card(4208208, "75.00", "2026-11-24T10:00:00+00:00"), shop=spa.shop.domain)
    body = client.get("/api/customers/115310627314723954/prepaid-balances", headers=_bearer(spa.shop)).get_json()
    [item] = body["prepaid_balances"]
    assert (item["title"], item["amount"], item["gift_card"]["balance"]) == ("$100 spa balance", "100.00", "75.00")
    assert item["gift_card"]["last_characters"] == "c293" and "code" not in item["gift_card"]
    assert client.get("/api/customers/1/prepaid-balances", headers=_bearer(spa.shop)).get_json() == \
        {"prepaid_balances": []}


@responses.activate
def test_refresh_reads_the_balance_from_shopify_where_read_gift_cards_is_granted(client, db_session):
    spa, _ = prepaid_spa(db_session)
    spa.shop.scopes = "read_orders,read_gift_cards"
    deliver(client, "orders/paid", card_order(), shop=spa.shop.domain)
    deliver(client, "gift_cards/create", gift_card(4208208, "100.00", "2026-11-24T10:00:00+00:00"), shop=spa.shop.domain)
    balance_id = db_session.scalar(select(PrepaidBalance.id).where(PrepaidBalance.shop_id == spa.shop.id))
    responses.post(f"https://{spa.shop.domain}/admin/api/2026-10/graphql.json", json={"data": {"giftCard": {
        "id": "gid://shopify/GiftCard/4208208", "lastCharacters": "c293", "enabled": True, "expiresOn": None,
        "updatedAt": "2026-11-26T09:00:00Z", "balance": {"amount": "41.5", "currencyCode": "USD"}}}})
    body = client.post(f"/api/prepaid-balances/{balance_id}/refresh", headers=_bearer(spa.shop)).get_json()
    assert body["refreshed"] is True and body["gift_card"]["balance"] == "41.50"
    sent = json.loads(responses.calls[0].request.body)
    assert sent["variables"] == {"id": "gid://shopify/GiftCard/4208208"} and "code" not in sent["query"]


@responses.activate
def test_without_the_scope_refresh_answers_the_last_known_balance_and_calls_nobody(client, db_session):
    spa, _ = prepaid_spa(db_session)
    deliver(client, "orders/paid", card_order(), shop=spa.shop.domain)
    deliver(client, "gift_cards/create", gift_card(4208208, "90.00", "2026-11-24T10:00:00+00:00"), shop=spa.shop.domain)
    balance_id = db_session.scalar(select(PrepaidBalance.id).where(PrepaidBalance.shop_id == spa.shop.id))
    body = client.post(f"/api/prepaid-balances/{balance_id}/refresh", headers=_bearer(spa.shop)).get_json()
    assert body["refreshed"] is False and "read_gift_cards" in body["reason"]
    assert body["gift_card"]["balance"] == "90.00" and body["gift_card"]["balance_seen_at"]
    assert len(responses.calls) == 0
    other = make_spa(db_session)  # another shop's token cannot refresh this balance
    assert client.post(f"/api/prepaid-balances/{balance_id}/refresh", headers=_bearer(other.shop)).status_code == 404
