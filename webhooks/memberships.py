"""Subscription contract, billing attempt and customer topics: translate and call one membership use case."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import memberships, selling_plans
from booking.models import Plan
from booking.customers import customer_for
from booking.records import Membership, Order
from db import utcnow
from shopify_app.errors import GraphQLError
from shopify_app.models import Shop
from shopify_app.queries import SUBSCRIPTION_CONTRACT_LINES
from webhooks.admin_api import admin_client
from webhooks.models import EventStatus, WebhookEvent

log = logging.getLogger(__name__)
INTERVALS = {"day": "day", "week": "week", "month": "month", "year": "year"}


def handle_contract_started(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """subscription_contracts/create|activate: start (or resume) the membership the contract sells."""
    contract = event.payload
    existing = memberships.find(session, shop.id, "subscription", str(contract["id"]))
    if existing is not None:
        existing.status = "active"
        return EventStatus.DONE
    plan = _plan_of_origin_order(session, shop.id, contract.get("origin_order_id")) \
        or _plan_of_contract_lines(session, shop, contract)
    if plan is None:
        log.info("contract %s matches no membership plan in %s", contract["id"], shop.domain)
        return EventStatus.SKIPPED
    _start_or_convert(session, shop, contract, plan)
    return EventStatus.DONE


def _plan_of_origin_order(session: Session, shop_id: int, origin_order_id) -> Plan | None:
    # The lines orders/paid recorded with their plans: no Admin API call when the order came through Packbook.
    order = session.scalar(select(Order).where(Order.shop_id == shop_id,
                                               Order.shopify_order_id == int(origin_order_id or 0)))
    for line in (order.lines if order else []):
        plan = session.get(Plan, line["plan_id"]) if line.get("plan_id") else None
        if plan is not None and plan.kind == "membership":
            return plan
    return None


def _plan_of_contract_lines(session: Session, shop: Shop, contract: dict) -> Plan | None:
    """Ask the Admin API what the contract sells (its payload has no lines) and match variant, selling plan,
    then product. Transport failures raise so the job is retried; a refused query (scope withdrawn) skips."""
    gid = f"gid://shopify/SubscriptionContract/{int(contract['id'])}"
    with admin_client(session, shop, utcnow(), max_attempts=3) as shopify:
        try:
            found = shopify.query(SUBSCRIPTION_CONTRACT_LINES, {"id": gid})["subscriptionContract"]
        except GraphQLError as exc:
            log.warning("could not read contract %s of %s: %s", contract["id"], shop.domain, exc)
            return None
    lines = ((found or {}).get("lines") or {}).get("nodes") or []
    return selling_plans.plan_for_contract_lines(session, shop.id, lines)


def _start_or_convert(session: Session, shop: Shop, contract: dict, plan: Plan) -> None:
    policy = contract.get("billing_policy") or {}
    unit, count = INTERVALS.get(policy.get("interval"), "month"), int(policy.get("interval_count") or 1)
    bought = session.scalar(select(Membership).where(
        Membership.shop_id == shop.id, Membership.source == "order",
        Membership.source_ref.startswith(f"{contract.get('origin_order_id')}:")).with_for_update())
    if bought is not None:  # the origin order already started it: it now renews with the contract
        bought.source, bought.source_ref = "subscription", str(contract["id"])
        bought.period_unit, bought.period_count = unit, count
        return
    customer = customer_for(session, shop.id, int(contract["customer_id"]), None)
    memberships.start(session, shop.id, customer, plan, source="subscription", ref=str(contract["id"]),
                      now=utcnow(), unit=unit, count=count)


def handle_billing_success(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """subscription_billing_attempts/success: one more paid period, granted once per billing attempt."""
    membership = memberships.find(session, shop.id, "subscription", str(event.payload["subscription_contract_id"]))
    if membership is None:
        raise LookupError("billing success for a contract not seen yet; retried until its create arrives")
    key = event.payload.get("idempotency_key") or str(event.payload.get("id") or event.event_id)
    memberships.renew(session, membership, key=key, now=utcnow())
    return EventStatus.DONE


def handle_contract_stopped(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """pause, cancel and expire: access runs to the end of the paid period, then stops."""
    membership = memberships.find(session, shop.id, "subscription", str(event.payload["id"]))
    if membership is None:
        return EventStatus.SKIPPED
    status = {"subscription_contracts/pause": "paused", "subscription_contracts/cancel": "cancelled",
              "subscription_contracts/expire": "expired"}[event.topic]
    memberships.stop(session, membership, status, now=utcnow())
    return EventStatus.DONE


def handle_contract_failed(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """subscription_contracts/fail: flag the membership for the merchant."""
    membership = memberships.find(session, shop.id, "subscription", str(event.payload["id"]))
    if membership is None:
        return EventStatus.SKIPPED
    memberships.flag_failed_billing(session, membership, now=utcnow())
    return EventStatus.DONE


def handle_customer_update(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """customers/update: tag-based memberships. Recent payloads may omit tags; then nothing changes."""
    payload = event.payload
    if "tags" not in payload:
        return EventStatus.DONE
    has_tag_plans = session.scalar(select(Plan.id).where(Plan.shop_id == shop.id, Plan.member_tag.is_not(None))
                                   .limit(1)) is not None
    if not has_tag_plans:
        return EventStatus.DONE  # nothing maps tags here: keep no customer record for it
    tags = {t.strip() for t in (payload.get("tags") or "").split(",") if t.strip()}
    customer = customer_for(session, shop.id, int(payload["id"]), payload.get("email"))
    memberships.sync_tags(session, shop.id, customer, tags, now=utcnow())
    return EventStatus.DONE
