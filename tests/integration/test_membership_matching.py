"""Which membership plan a subscription contract starts when its origin order is unknown to Packbook, and
which members-only services a membership opens. Shopify's GraphQL endpoint is played by `responses`."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
import responses
from sqlalchemy import select

from booking import bookings
from booking.errors import NotEligible
from booking.models import Plan, PlanSellingPlan, PlanVariant
from booking.api.plan_body import terms_from_body
from booking.records import Customer, Membership
from booking.bookings import SessionRequest
from db import utcnow
from tests.integration.test_memberships import CONTRACT, contract_event, membership_spa
from tests.support.booking import make_service
from tests.support.factories import deliver
from webhooks.models import WebhookEvent

VARIANT, PRODUCT, SELLING_PLAN = "888001", "777001", "690001"


def graphql(spa) -> str:
    return f"https://{spa.shop.domain}/admin/api/2026-10/graphql.json"


def contract_lines(spa, *lines: dict) -> None:
    responses.post(graphql(spa), json={"data": {"subscriptionContract": {
        "id": f"gid://shopify/SubscriptionContract/{CONTRACT}", "lines": {"nodes": list(lines)}}}})


def line(variant="1", product="2", selling_plan="3") -> dict:
    return {"variantId": f"gid://shopify/ProductVariant/{variant}", "productId": f"gid://shopify/Product/{product}",
            "sellingPlanId": selling_plan and f"gid://shopify/SellingPlan/{selling_plan}", "sellingPlanName": "Monthly"}


def second_membership_plan(db_session, spa, title="Silver membership") -> Plan:
    terms = terms_from_body({"title": title, "unit": "unlimited", "validity_months": 1})
    plan = Plan(shop_id=spa.shop.id, title=title, terms=terms.to_json(), kind="membership")
    db_session.add(plan)
    db_session.flush()
    return plan


def started(client, db_session, spa) -> Membership | None:
    """Deliver the contract (its origin order was never seen here) and return the membership it started."""
    deliver(client, "subscription_contracts/create", contract_event("subscription_contracts/create"),
            shop=spa.shop.domain)
    return db_session.scalar(select(Membership).where(Membership.shop_id == spa.shop.id,
                                                      Membership.source_ref == str(CONTRACT)))


@responses.activate
def test_a_contract_for_a_mapped_variant_starts_its_plan_asking_shopify_once(client, db_session):
    spa, gold = membership_spa(db_session)
    contract_lines(spa, line(), line(variant=VARIANT))
    membership = started(client, db_session, spa)
    assert membership.plan_id == gold.id and membership.source == "subscription"
    [call] = responses.calls
    body = json.loads(call.request.body)
    assert body["variables"] == {"id": f"gid://shopify/SubscriptionContract/{CONTRACT}"}
    assert "subscriptionContract(" in body["query"]
    assert call.request.headers["X-Shopify-Access-Token"] == spa.shop.access_token
    customer = db_session.get(Customer, membership.customer_id)
    assert customer.shopify_customer_id == 115310627314723954
    started(client, db_session, spa)  # the same contract again: nothing new, no second call
    assert len(responses.calls) == 1


@responses.activate
def test_a_mapped_selling_plan_decides_before_the_product(client, db_session):
    spa, gold = membership_spa(db_session)
    gold_variant = db_session.scalar(select(PlanVariant).where(PlanVariant.plan_id == gold.id))
    gold_variant.product_id = PRODUCT
    silver = second_membership_plan(db_session, spa)
    db_session.add(PlanSellingPlan(shop_id=spa.shop.id, plan_id=silver.id, selling_plan_id=SELLING_PLAN))
    db_session.flush()
    contract_lines(spa, line(variant="5", product=PRODUCT, selling_plan=SELLING_PLAN))
    assert started(client, db_session, spa).plan_id == silver.id


@responses.activate
def test_a_new_variant_of_a_mapped_product_still_starts_the_plan(client, db_session):
    spa, gold = membership_spa(db_session)
    db_session.scalar(select(PlanVariant).where(PlanVariant.plan_id == gold.id)).product_id = PRODUCT
    db_session.flush()
    contract_lines(spa, line(variant="5", product=PRODUCT, selling_plan=None))
    assert started(client, db_session, spa).plan_id == gold.id


@responses.activate
def test_an_archived_or_non_membership_plan_is_never_started(client, db_session):
    spa, gold = membership_spa(db_session)
    gold.archived_at = utcnow()
    package_variant = PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id="5")  # a package plan
    db_session.add(package_variant)
    db_session.flush()
    contract_lines(spa, line(variant=VARIANT), line(variant="5"))
    assert started(client, db_session, spa) is None


@responses.activate
def test_a_refused_query_skips_but_shopify_being_down_fails_for_a_retry(client, db_session):
    spa, _ = membership_spa(db_session)
    responses.post(graphql(spa), json={"errors": [{"message": "Access denied for subscriptionContract field.",
                                                   "extensions": {"code": "ACCESS_DENIED"}}]})
    assert started(client, db_session, spa) is None
    assert event_status(db_session, spa) == "skipped"

    responses.replace(responses.POST, graphql(spa), status=503)
    deliver(client, "subscription_contracts/activate", contract_event("subscription_contracts/activate"),
            shop=spa.shop.domain)
    assert event_status(db_session, spa, "subscription_contracts/activate") == "failed"


def event_status(db_session, spa, topic="subscription_contracts/create") -> str:
    return db_session.scalar(select(WebhookEvent.status).where(WebhookEvent.shop_domain == spa.shop.domain,
                                                               WebhookEvent.topic == topic))


def test_a_membership_opens_only_the_members_only_services_its_plan_unlocks(db_session):
    spa, gold = membership_spa(db_session)  # spa.service is members-only
    lounge = make_service(db_session, spa.shop, name="Members' lounge", members_only=True)
    spa.resource.services.append(lounge)
    gold.unlocks_service_ids = [spa.service.id]
    silver = second_membership_plan(db_session, spa)
    silver.unlocks_service_ids = [lounge.id]
    member = spa.customer
    db_session.add(Membership(shop_id=spa.shop.id, customer_id=member.id, plan_id=gold.id, source="tag",
                              source_ref="x", status="active", period_unit="month", period_count=1))
    db_session.flush()
    start = next_weekday_at_ten()

    def book(service, at):
        return bookings.book_sessions(db_session, spa.shop.id, member, [SessionRequest(service.id, spa.resource.id, at)],
                                      actor="staff:1", now=utcnow(), use_package=False)

    with pytest.raises(NotEligible, match="Members' lounge is for members only"):
        book(lounge, start)
    assert book(spa.service, start)  # gold opens the sauna
    gold.unlocks_service_ids = None  # null: every members-only service
    assert book(lounge, start + timedelta(hours=2))


def next_weekday_at_ten():
    start = (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 4:
        start += timedelta(days=1)
    return start
