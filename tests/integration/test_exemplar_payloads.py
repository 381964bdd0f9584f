"""The real handlers against Shopify's anonymized real payloads (tests/fixtures/webhooks/exemplars).

The exemplars carry 123 for every number, so each test edits only the ids it needs: distinct,
and pointing at what the test maps. Their timestamps ("2019-01-01 00:00:00.000Z", with a space)
stay as they are: datetime.fromisoformat accepts them from Python 3.11, which Packbook requires.
"""
from __future__ import annotations

from sqlalchemy import select

from booking.memberships import is_member
from booking.purchases import is_unassignable
from booking.records import Customer, Entitlement, Order
from db import utcnow
from tests.integration.test_memberships import MEMBER_VARIANT, allowance, membership_spa, memberships_of
from booking.accounts import booking_settings
from tests.integration.test_purchases import MASSAGE_VARIANT
from tests.integration.test_purchases import mapped_spa as purchases_spa
from tests.support.factories import deliver
from tests.support.samples import exemplar
from webhooks.models import WebhookEvent

# Beyond 2^53, as real Shopify ids are.
ORDER, CUSTOMER, CONTRACT = 9007199254740993, 9007199254740995, 9007199254740997
MAPPED_LINE, UNMAPPED_LINE = 9007199254741001, 9007199254741003
REFUND, MONEY_REFUND = 9007199254741005, 9007199254741007
EXEMPLAR_QUANTITY = 123  # the anonymized quantity on every line, left as it is


def mapped_spa(db_session):
    """The purchases spa, with a per-line limit above the exemplars' 123 units (the default is 100)."""
    spa = purchases_spa(db_session)
    booking_settings(db_session, spa.shop.id).max_units_per_line = 500
    db_session.flush()
    return spa


def exemplar_order(variant_id: int) -> dict:
    """orders_1 with its ids edited, plus a copy of its one line that no plan maps."""
    order = exemplar("orders_1")
    order["id"], order["customer"]["id"] = ORDER, CUSTOMER
    # The anonymizer wrote "example string" for the currency; a real one is an ISO 4217 code,
    # which is all the 3-character column holds.
    order["currency"] = "USD"
    [line] = order["line_items"]
    unmapped = dict(line, id=UNMAPPED_LINE)  # keeps the exemplar's own variant id, which nothing maps
    order["line_items"] = [dict(line, id=MAPPED_LINE, variant_id=variant_id), unmapped]
    return order


def exemplar_refund(name: str, refund_id: int) -> dict:
    refund = exemplar(name)
    refund.update(id=refund_id, order_id=ORDER)
    for item in refund["refund_line_items"]:
        item["line_item_id"] = item["line_item"]["id"] = MAPPED_LINE
    return refund


def packages(db_session, shop_id, line_item_id=MAPPED_LINE, status=None):
    query = select(Entitlement).where(Entitlement.shop_id == shop_id, Entitlement.order_id == ORDER,
                                      Entitlement.line_item_id == line_item_id)
    if status:
        query = query.where(Entitlement.status == status)
    return list(db_session.scalars(query.order_by(Entitlement.unit_index)))


def event_statuses(db_session, shop_domain) -> dict[str, str]:
    return dict(db_session.execute(select(WebhookEvent.topic, WebhookEvent.status)
                                   .where(WebhookEvent.shop_domain == shop_domain)).all())


def test_the_exemplar_paid_order_grants_its_mapped_line_only_and_is_stored(client, db_session):
    spa = mapped_spa(db_session)
    assert deliver(client, "orders/paid", exemplar_order(MASSAGE_VARIANT), shop=spa.shop.domain).status_code == 200
    granted = packages(db_session, spa.shop.id)
    assert [p.unit_index for p in granted] == list(range(EXEMPLAR_QUANTITY))
    assert {p.plan_id for p in granted} == {spa.plan.id}
    assert packages(db_session, spa.shop.id, UNMAPPED_LINE) == []
    order = db_session.scalar(select(Order).where(Order.shop_id == spa.shop.id, Order.shopify_order_id == ORDER))
    # This real order has no email or contact_email at all, and its customer no email.
    assert (order.name, order.confirmation_number, order.email) == ("example string", "example string", None)
    assert [line["plan_id"] for line in order.lines] == [spa.plan.id, None]
    customer = db_session.get(Customer, order.customer_id)
    assert (customer.shopify_customer_id, customer.email) == (CUSTOMER, None)
    assert event_statuses(db_session, spa.shop.domain) == {"orders/paid": "done"}


def test_an_exemplar_order_with_no_customer_and_a_custom_line_is_kept_for_the_merchant(client, db_session):
    spa = mapped_spa(db_session)
    order = exemplar_order(MASSAGE_VARIANT)
    # Real shapes: a guest checkout whose email is withheld sends customer null, and a
    # custom line item has no variant.
    order["customer"] = None
    order["line_items"][1].update(variant_id=None, product_id=None)
    deliver(client, "orders/paid", order, shop=spa.shop.domain)
    assert event_statuses(db_session, spa.shop.domain) == {"orders/paid": "done"}
    assert packages(db_session, spa.shop.id) == []
    stored = db_session.scalar(select(Order).where(Order.shop_id == spa.shop.id, Order.shopify_order_id == ORDER))
    assert stored.customer_id is None and stored.lines[1]["variant_id"] is None
    assert is_unassignable(db_session, spa.shop.id, ORDER)


def test_exemplar_refunds_take_back_only_what_their_lines_refund(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", exemplar_order(MASSAGE_VARIANT), shop=spa.shop.domain)
    # refunds_2 is a money-only refund: no refund_line_items, so no package goes.
    deliver(client, "refunds/create", exemplar_refund("refunds_2", MONEY_REFUND), shop=spa.shop.domain)
    assert len(packages(db_session, spa.shop.id, status="active")) == EXEMPLAR_QUANTITY
    deliver(client, "refunds/create", exemplar_refund("refunds_1", REFUND), shop=spa.shop.domain)
    db_session.expire_all()
    assert packages(db_session, spa.shop.id, status="active") == []
    assert len(packages(db_session, spa.shop.id, status="revoked")) == EXEMPLAR_QUANTITY
    assert event_statuses(db_session, spa.shop.domain) == {"orders/paid": "done", "refunds/create": "done"}


def test_an_exemplar_order_edit_is_kept_unhandled_and_grants_nothing(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", exemplar_order(MASSAGE_VARIANT), shop=spa.shop.domain)
    edit = exemplar("orders_2")
    edit["order_edit"].update(order_id=ORDER)
    edit["order_edit"]["line_items"]["additions"][0]["id"] = MAPPED_LINE
    assert deliver(client, "orders/edited", edit, shop=spa.shop.domain).status_code == 200
    stored = db_session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == spa.shop.domain,
                                                          WebhookEvent.topic == "orders/edited"))
    assert stored.status == "unhandled" and stored.payload == edit  # kept for a later release to replay
    assert len(packages(db_session, spa.shop.id)) == EXEMPLAR_QUANTITY


def test_an_exemplar_contract_starts_the_membership_its_origin_order_mapped(client, db_session):
    spa, plan = membership_spa(db_session)
    # orders/create records the origin order's lines and their plans, granting nothing yet.
    deliver(client, "orders/create", exemplar_order(MEMBER_VARIANT), shop=spa.shop.domain)
    assert memberships_of(db_session, spa.shop.id) == []
    contract = exemplar("subscription_contracts_1")
    contract.update(id=CONTRACT, origin_order_id=ORDER, customer_id=CUSTOMER)
    deliver(client, "subscription_contracts/create", contract, shop=spa.shop.domain)
    [membership] = memberships_of(db_session, spa.shop.id)
    assert (membership.source, membership.source_ref, membership.status) == ("subscription", str(CONTRACT), "active")
    assert membership.plan_id == plan.id and len(allowance(db_session, membership)) == 1
    member = db_session.get(Customer, membership.customer_id)
    assert member.shopify_customer_id == CUSTOMER and is_member(db_session, spa.shop.id, member.id, utcnow())


def test_an_exemplar_customer_update_starts_a_tag_membership_and_without_tags_changes_nothing(client, db_session):
    spa, plan = membership_spa(db_session, tag="member-gold")
    untagged = exemplar("customers_1")  # the real 2025-07 shape carries no tags at all
    untagged["id"] = CUSTOMER
    deliver(client, "customers/update", untagged, shop=spa.shop.domain)
    assert db_session.scalar(select(Customer).where(Customer.shopify_customer_id == CUSTOMER)) is None
    deliver(client, "customers/update", dict(untagged, tags="vip, member-gold"), shop=spa.shop.domain)
    [membership] = memberships_of(db_session, spa.shop.id)
    assert (membership.source, membership.status, membership.plan_id) == ("tag", "active", plan.id)
    assert db_session.get(Customer, membership.customer_id).email == "eallam@example.com"
    deliver(client, "customers/update", untagged, shop=spa.shop.domain)
    db_session.refresh(membership)
    assert membership.status == "active" and membership.paid_through is None
    assert len(allowance(db_session, membership)) == 1
