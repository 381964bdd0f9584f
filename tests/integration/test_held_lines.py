"""A paid line whose plan can no longer grant what was sold is held for the merchant, never granted or dropped.

One table covers the ways a mapped plan stops being grantable after it was mapped: archived, taken off sale,
its fixed expiry or its last usable date passed, and a prepaid balance sold as an ordinary product. Each is
delivered twice (Shopify's redeliveries) and must leave no package and exactly one attention item naming the
order, the line and the amount paid. A usable plan in the same table grants and flags nothing.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from booking import activity
from booking.accounts import booking_settings
from booking.records import Entitlement, PrepaidBalance
from booking.rules.plans import PlanTerms, Validity, Windows
from tests.integration.test_prepaid_balances import card_order, prepaid_spa
from tests.integration.test_purchases import ORDER_ID, mapped_spa, paid_order
from tests.support.api import Api
from tests.support.factories import deliver


def _archive(plan):
    plan.archived_at = datetime(2026, 1, 5, tzinfo=timezone.utc)


def _off_sale(plan):
    plan.not_for_sale = True


def _terms(plan, **changes):
    plan.terms = replace(PlanTerms.from_json(plan.terms), **changes).to_json()


def _expired(plan):
    _terms(plan, validity=Validity("fixed_date", fixed_date=date(2025, 12, 31)))


def _usable_window_over(plan):
    _terms(plan, windows=Windows(date_from=date(2025, 1, 1), date_to=date(2025, 6, 30)))


def _saved_before_dates_were_bounded(plan):
    _terms(plan, validity=Validity("fixed_date", fixed_date=date(9999, 12, 31)))


def _unchanged(plan):
    pass


PACKAGE_CASES = [
    (_archive, "is archived"),
    (_off_sale, "is not for sale"),
    (_expired, "expired on 2025-12-31"),
    (_usable_window_over, "could only be used until 2025-06-30"),
    (_saved_before_dates_were_bounded, "holds a date outside 2000-01-01 to 2099-12-31"),
    (_unchanged, None),
]


def _held(db_session, shop_id):
    return [item for item in activity.attention_list(db_session, shop_id) if item.row.action == "line_not_granted"]


@pytest.mark.parametrize("change, reason", PACKAGE_CASES, ids=[c[0].__name__.strip("_") for c in PACKAGE_CASES])
def test_a_paid_line_for_a_plan_that_can_no_longer_grant_is_held_with_its_amount(client, db_session, change, reason):
    spa = mapped_spa(db_session)
    change(spa.plan)
    db_session.flush()
    for _ in range(2):
        assert deliver(client, "orders/paid", paid_order(quantity=2), shop=spa.shop.domain).status_code == 200
    granted = db_session.scalar(select(func.count()).select_from(Entitlement).where(
        Entitlement.shop_id == spa.shop.id, Entitlement.order_id == ORDER_ID))
    held = _held(db_session, spa.shop.id)
    if reason is None:
        assert (granted, held) == (2, [])
        return
    assert granted == 0
    assert len(held) == 1, "one item per line, however often Shopify delivers"
    item = held[0]
    assert reason in item.row.reason
    assert item.order.shopify_order_id == ORDER_ID
    assert item.customer is not None and item.customer.email
    assert (item.row.after["quantity"], item.row.after["amount_paid"]) == (2, "500")


def test_a_prepaid_balance_sold_as_an_ordinary_product_is_held_not_dropped(client, db_session):
    spa, plan = prepaid_spa(db_session)
    for _ in range(2):
        assert deliver(client, "orders/paid", card_order(gift_card=False), shop=spa.shop.domain).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(PrepaidBalance)) == 0
    held = _held(db_session, spa.shop.id)
    assert len(held) == 1 and "not sold as a gift card" in held[0].row.reason
    assert held[0].row.after["amount_paid"] == "100"


def test_the_attention_api_names_the_order_of_a_held_line(client, db_session):
    spa = mapped_spa(db_session)
    _off_sale(spa.plan)
    db_session.flush()
    assert deliver(client, "orders/paid", paid_order(name="#1042"), shop=spa.shop.domain).status_code == 200
    api = Api(client, spa.shop)
    items = api.get("/api/attention").get_json()["items"]
    assert [(i["action"], i["order"]) for i in items] == [("line_not_granted", {"id": ORDER_ID, "name": "#1042"})]
    assert items[0]["customer"]["email"] and items[0]["after"]["amount_paid"] == "250"


def test_a_line_granting_more_units_than_the_shops_limit_is_held_not_granted(client, db_session):
    """A quantity of 20,000 (a typo or an attack) would make 20,000 packages in one job: held instead."""
    spa = mapped_spa(db_session)
    assert deliver(client, "orders/paid", paid_order(quantity=101), shop=spa.shop.domain).status_code == 200
    [item] = _held(db_session, spa.shop.id)
    assert "101 units" in item.row.reason and "limit of 100" in item.row.reason
    assert item.row.after["quantity"] == 101
    granted = db_session.scalar(select(func.count()).select_from(Entitlement).where(
        Entitlement.shop_id == spa.shop.id))
    assert granted == 0
    accounts_settings = booking_settings(db_session, spa.shop.id)
    accounts_settings.max_units_per_line = 200
    db_session.flush()
    # The merchant raised the limit; Shopify's retry (or a reconcile) now grants, once.
    assert deliver(client, "orders/paid", paid_order(quantity=101), shop=spa.shop.domain).status_code == 200
    assert db_session.scalar(select(func.count()).select_from(Entitlement).where(
        Entitlement.shop_id == spa.shop.id)) == 101
