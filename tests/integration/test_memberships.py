"""Memberships from a purchase, a subscription contract's life cycle, and a customer tag."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import responses
from sqlalchemy import select

from booking import accounts, bookings, memberships
from booking.errors import EntitlementExpired, NotEligible
from booking.memberships import add_period
from booking.models import Plan, PlanVariant
from booking.api.plan_body import terms_from_body
from booking.rules.ledger import validity_end
from booking.records import ActivityLog, Customer, Entitlement, Membership
from booking.bookings import SessionRequest
from db import utcnow
from tests.integration.test_purchases import ORDER_ID, paid_order
from tests.support.booking import make_spa
from tests.support.factories import deliver
from tests.support.samples import sample

LONDON = ZoneInfo("Europe/London")  # make_spa's shop zone
MEMBER_VARIANT, MEMBER_LINE, CONTRACT = 888001, 666001, 7103183873


def membership_spa(db_session, *, tag=None):
    spa = make_spa(db_session, service={"name": "Members' sauna", "members_only": True})
    terms = terms_from_body({"title": "Gold membership", "unit": "sessions", "quantity": 4,
                                "service_ids": [spa.service.id], "validity_months": 1})
    plan = Plan(shop_id=spa.shop.id, title=terms.title, terms=terms.to_json(), kind="membership", member_tag=tag)
    db_session.add(plan)
    db_session.flush()
    db_session.add(PlanVariant(shop_id=spa.shop.id, plan_id=plan.id, variant_id=str(MEMBER_VARIANT)))
    db_session.flush()
    return spa, plan


def member_order() -> dict:
    order = paid_order()
    order["line_items"] = [dict(order["line_items"][0], id=MEMBER_LINE, variant_id=MEMBER_VARIANT, quantity=1)]
    return order


def contract_event(topic: str, **extra) -> dict:
    body = dict(sample(topic if topic.startswith("subscription_contracts/") else "subscription_contracts/create"))
    body.update(id=CONTRACT, origin_order_id=ORDER_ID, customer_id=115310627314723954,
                billing_policy={"interval": "month", "interval_count": 1}, **extra)
    return body


def memberships_of(db_session, shop_id):
    return list(db_session.scalars(select(Membership).where(Membership.shop_id == shop_id)))


def allowance(db_session, membership):
    return list(db_session.scalars(select(Entitlement).where(Entitlement.membership_id == membership.id)
                                   .order_by(Entitlement.starts_at)))


def test_buying_a_membership_gives_a_period_and_its_allowance_and_unlocks_members_only(client, db_session):
    spa, plan = membership_spa(db_session)
    customer = spa.customer
    start = (utcnow() + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 4:
        start += timedelta(days=1)
    request = SessionRequest(spa.service.id, spa.resource.id, start)
    with pytest.raises(NotEligible, match="members only"):
        bookings.book_sessions(db_session, spa.shop.id, customer, [request], actor="staff:1", now=utcnow(),
                               use_package=False)
    deliver(client, "orders/paid", member_order(), shop=spa.shop.domain)
    deliver(client, "orders/paid", member_order(), shop=spa.shop.domain)  # a repeat starts nothing new
    [membership] = memberships_of(db_session, spa.shop.id)
    assert membership.source == "order" and membership.status == "active"
    [period] = allowance(db_session, membership)
    assert accounts.entitlement_state(db_session, period).remaining == 4
    member = db_session.get(Customer, membership.customer_id)
    [booking] = bookings.book_sessions(db_session, spa.shop.id, member, [request], actor="staff:1", now=utcnow())
    assert booking.entitlement_id == period.id  # the allowance pays; the membership itself books nothing


def test_the_subscription_life_cycle(client, db_session):
    spa, plan = membership_spa(db_session)
    shop = spa.shop.domain
    deliver(client, "orders/paid", member_order(), shop=shop)
    deliver(client, "subscription_contracts/create", contract_event("subscription_contracts/create"), shop=shop)
    [membership] = memberships_of(db_session, spa.shop.id)
    assert (membership.source, membership.source_ref) == ("subscription", str(CONTRACT))  # the order's, converted
    first_end = membership.paid_through
    billing = {"id": None, "idempotency_key": "bill-1", "subscription_contract_id": CONTRACT, "order_id": 2}
    deliver(client, "subscription_billing_attempts/success", billing, shop=shop)
    deliver(client, "subscription_billing_attempts/success", billing, shop=shop)  # same attempt again
    db_session.refresh(membership)
    assert membership.paid_through == add_period(first_end, "month", 1, LONDON)
    assert len(allowance(db_session, membership)) == 2
    deliver(client, "subscription_contracts/fail", contract_event("subscription_contracts/fail"), shop=shop)
    db_session.refresh(membership)
    assert membership.failing_since is not None
    assert db_session.scalar(select(ActivityLog).where(ActivityLog.action == "billing_failed",
                                                       ActivityLog.attention.is_(True))) is not None
    deliver(client, "subscription_contracts/cancel", contract_event("subscription_contracts/cancel"), shop=shop)
    db_session.refresh(membership)
    assert membership.status == "cancelled" and membership.paid_through == add_period(first_end, "month", 1, LONDON)
    from booking.memberships import is_member

    assert is_member(db_session, spa.shop.id, membership.customer_id, utcnow())  # paid period still runs
    assert not is_member(db_session, spa.shop.id, membership.customer_id, membership.paid_through + timedelta(days=1))


@responses.activate
def test_a_contract_that_sells_no_mapped_plan_is_skipped_and_billing_before_create_retries(client, db_session):
    from webhooks.models import WebhookEvent

    spa, _ = membership_spa(db_session)
    responses.post(f"https://{spa.shop.domain}/admin/api/2026-10/graphql.json", json={"data": {
        "subscriptionContract": {"id": "x", "lines": {"nodes": [
            {"variantId": "gid://shopify/ProductVariant/1", "productId": "gid://shopify/Product/2",
             "sellingPlanId": "gid://shopify/SellingPlan/3", "sellingPlanName": "Monthly"}]}}}})
    deliver(client, "subscription_billing_attempts/success",
            {"idempotency_key": "b", "subscription_contract_id": CONTRACT}, shop=spa.shop.domain)
    deliver(client, "subscription_contracts/create", contract_event("subscription_contracts/create"),
            shop=spa.shop.domain)
    statuses = dict(db_session.execute(select(WebhookEvent.topic, WebhookEvent.status)
                                       .where(WebhookEvent.shop_domain == spa.shop.domain)).all())
    assert statuses == {"subscription_billing_attempts/success": "failed", "subscription_contracts/create": "skipped"}
    assert memberships_of(db_session, spa.shop.id) == []


def test_a_customer_tag_makes_a_member_until_it_is_removed(client, db_session):
    spa, plan = membership_spa(db_session, tag="member-gold")
    update = dict(sample("customers/update"), id=5550001, email="tagged@example.com", tags="vip, member-gold")
    deliver(client, "customers/update", update, shop=spa.shop.domain)
    [membership] = memberships_of(db_session, spa.shop.id)
    assert (membership.source, membership.status, membership.paid_through) == ("tag", "active", None)
    assert len(allowance(db_session, membership)) == 1
    deliver(client, "customers/update", dict(update, tags="vip"), shop=spa.shop.domain)
    db_session.refresh(membership)
    assert membership.status == "cancelled" and membership.paid_through is not None
    untagged = dict(sample("customers/update"), id=5550002, email="plain@example.com")  # no tags key at all
    deliver(client, "customers/update", untagged, shop=spa.shop.domain)
    assert db_session.scalar(select(Customer).where(Customer.shopify_customer_id == 5550002)) is None


def test_a_tag_membership_gets_each_new_periods_allowance_once(client, db_session):
    from booking.memberships import grant_due_periods

    spa, plan = membership_spa(db_session, tag="member-gold")
    update = dict(sample("customers/update"), id=5550003, email="t3@example.com", tags="member-gold")
    deliver(client, "customers/update", update, shop=spa.shop.domain)
    [membership] = memberships_of(db_session, spa.shop.id)
    [first] = allowance(db_session, membership)
    two_months_on = add_period(first.expires_at, "month", 1, LONDON) + timedelta(hours=1)
    assert grant_due_periods(db_session, two_months_on, shop_id=spa.shop.id) == 2
    assert grant_due_periods(db_session, two_months_on, shop_id=spa.shop.id) == 0
    periods = allowance(db_session, membership)
    assert [p.starts_at for p in periods[1:]] == [first.expires_at, add_period(first.expires_at, "month", 1, LONDON)]


@responses.activate
def test_the_periodic_tag_check_starts_and_ends_tag_memberships_from_shopifys_customer_list(app, client, db_session):
    from webhooks.reconcile import reconcile_member_tags

    spa, plan = membership_spa(db_session, tag="member-gold")
    leaver = dict(sample("customers/update"), id=5550010, email="leaver@example.com", tags="member-gold")
    deliver(client, "customers/update", leaver, shop=spa.shop.domain)
    db_session.commit()
    url = f"https://{spa.shop.domain}/admin/api/2026-10/graphql.json"
    responses.post(url, json={"data": {"customers": {
        "nodes": [{"id": "gid://shopify/Customer/5550011", "legacyResourceId": "5550011", "tags": ["member-gold"]}],
        "pageInfo": {"hasNextPage": False, "endCursor": None}}}})
    with app.app_context():
        assert reconcile_member_tags(spa.shop.id) == 2  # one joined, one left
    assert json.loads(responses.calls[0].request.body)["variables"]["query"] == "tag:'member-gold'"
    by_customer = {db_session.get(Customer, m.customer_id).shopify_customer_id: m.status
                   for m in memberships_of(db_session, spa.shop.id)}
    assert by_customer == {5550010: "cancelled", 5550011: "active"}


def test_a_period_ends_at_one_instant_and_the_refusal_says_the_same_one_as_the_package(client, db_session):
    """A period begun at 10:00 ends at 10:00 a month later: the package says "until <that day> 10:00", a
    09:00 session that day is booked with it and a 10:00 one is refused with the very same words."""
    london = LONDON
    spa, plan = membership_spa(db_session)
    begun = datetime(2027, 3, 10, 10, 0, tzinfo=london)  # a Wednesday; a month later is Saturday 10 April
    while add_period(begun, "month", 1).weekday() > 4:
        begun += timedelta(days=1)
    now = begun.astimezone(timezone.utc)
    membership = memberships.start(db_session, spa.shop.id, spa.customer, plan, source="staff", ref="m1", now=now,
                                   unit="month", count=1)
    period = allowance(db_session, membership)[0]
    ends = add_period(begun, "month", 1)
    shown = accounts.describe_package(db_session, period, london, now)
    assert shown["validity"] == f"until {ends.strftime('%Y-%m-%d')} 10:00" == validity_end(period.expires_at, london)
    assert shown["valid_through"] == ends.date().isoformat()

    def book(hour):
        at = ends.replace(hour=hour).astimezone(timezone.utc)
        return bookings.book_sessions(db_session, spa.shop.id, spa.customer,
                                      [SessionRequest(spa.service.id, spa.resource.id, at)],
                                      actor="staff:1", now=now + timedelta(days=20))

    assert book(9)[0].entitlement_id == period.id
    with pytest.raises(NotEligible) as refused:  # access ends with the period: members-only says so
        book(10)
    assert f"valid {shown['validity']}, before this session" in str(refused.value)
    spa.service.members_only = False  # the allowance alone: the package's own refusal, same words
    db_session.flush()
    with pytest.raises(EntitlementExpired) as refused:
        book(10)
    assert f"valid {shown['validity']}, before this session" in str(refused.value)


@pytest.mark.parametrize("unit", ["day", "week", "month", "year"])
@pytest.mark.parametrize("zone", ["Europe/London", "America/Santiago", "Asia/Kolkata", "Australia/Lord_Howe"])
def test_a_period_keeps_its_wall_clock_time_across_clock_changes(unit, zone):
    """Periods counted in the shop's calendar: begun at 10:00 local, each period ends at 10:00 local."""
    zone = ZoneInfo(zone)
    moment = datetime(2026, 1, 31, 10, 0, tzinfo=zone).astimezone(timezone.utc)
    for _ in range(14):
        after = add_period(moment, unit, 1, zone)
        assert after.astimezone(zone).time().replace(second=0) == datetime.min.time().replace(hour=10)
        assert after > moment
        moment = after
