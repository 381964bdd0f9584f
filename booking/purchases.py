"""From Shopify purchases to packages: grant once per unit, revoke what a refund or cancellation
takes back, and keep refunds that arrive before the payment until it does. Gift-card lines mapped
to a prepaid-balance plan go to booking/prepaid.py.

Shopify delivers at least once and in any order, so every function here is idempotent: the
(order, line item, unit index) key makes a repeat grant a no-op, and refunds are stored by id and
applied once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from booking import memberships
from booking.accounts import booking_settings, entitlement_state, log_activity, plain, write_entry
from booking.customers import customer_for, name_customer
from booking.customers import normalize_email as _email
from booking.rules.ledger import Entry, grant_entries
from booking.models import Plan, PlanVariant
from booking.order_facts import OrderFacts, OrderLine
from booking.rules.plans import PlanTerms, end_of_local_day
from booking.prepaid import record_prepaid
from booking.records import ActivityLog, Customer, Entitlement, Order, OrderRefund
from db import insert_skipping_duplicates
from endpoints.fields import FIRST_DAY, LAST_DAY

ALL = "*"


def record_order(session: Session, shop_id: int, facts: OrderFacts) -> Order:
    """Store (or update) the order's facts; an update older than what we hold changes nothing."""
    order = _record_order(session, shop_id, facts).order
    session.flush()
    return order


@dataclass(frozen=True)
class _Recorded:
    order: Order
    customer: Customer | None
    mapping: dict[str, PlanVariant]  # variant id -> its mapping, plan loaded


def _record_order(session: Session, shop_id: int, facts: OrderFacts) -> _Recorded:
    order = _locked_order(session, shop_id, facts.order_id)
    mapping = _mapping(session, shop_id, facts.lines)
    if order.shopify_updated_at and facts.updated_at and facts.updated_at < order.shopify_updated_at:
        # A stale delivery (retries carry the original payload): keep what we hold.
        return _Recorded(order, session.get(Customer, order.customer_id) if order.customer_id else None, mapping)
    # The customer's queries come before the order's fields change, so the order is written once.
    customer = customer_for(session, shop_id, facts.customer_id, facts.email) \
        if (facts.customer_id or facts.email) else None
    if customer is not None:
        name_customer(customer, *facts.customer_name)
    order.name, order.confirmation_number, order.email = facts.name, facts.confirmation_number, _email(facts.email)
    order.financial_status, order.shopify_updated_at = facts.financial_status, facts.updated_at
    order.customer_id = customer.id if customer else None
    order.lines = [{"line_item_id": str(line.line_item_id), "variant_id": line.variant_id, "quantity": line.quantity,
                    "plan_id": mapping[line.variant_id].plan_id if line.variant_id in mapping else None}
                   for line in facts.lines]
    return _Recorded(order, customer, mapping)


# The statements every paid order runs are built once; a job only binds its values (building a
# statement costs about as much as running it).
_LOCK_ORDER = select(Order).where(Order.shop_id == bindparam("shop_id"),
                                  Order.shopify_order_id == bindparam("order_id")).with_for_update()
_MAPPINGS = select(PlanVariant).options(joinedload(PlanVariant.plan)).where(
    PlanVariant.shop_id == bindparam("shop_id"), PlanVariant.variant_id.in_(bindparam("variant_ids", expanding=True)))
_UNAPPLIED_REFUNDS = select(OrderRefund).where(
    OrderRefund.shop_id == bindparam("shop_id"), OrderRefund.shopify_order_id == bindparam("order_id"),
    OrderRefund.applied_at.is_(None)).order_by(OrderRefund.id).with_for_update()
ORDER_KEY = ("shop_id", "shopify_order_id")
ENTITLEMENT_UNIT_KEY = ("shop_id", "order_id", "line_item_id", "unit_index")


def _locked_order(session: Session, shop_id: int, order_id: int) -> Order:
    """The order's row, locked; created if new (two deliveries racing to create it both end up here)."""
    key = {"shop_id": shop_id, "order_id": order_id}
    order = session.scalar(_LOCK_ORDER, key)
    if order is None:
        # A new row is ours until we commit; if another delivery inserted it first, we wait for
        # that one to commit, insert nothing, and lock its row instead.
        order = session.scalar(insert_skipping_duplicates(session, Order, ORDER_KEY),
                               {"shop_id": shop_id, "shopify_order_id": order_id, "lines": []})
        order = order or session.scalar(_LOCK_ORDER, key)
    return order


def _mapping(session: Session, shop_id: int, lines) -> dict[str, PlanVariant]:
    variants = {line.variant_id for line in lines if line.variant_id}
    if not variants:
        return {}
    rows = session.scalars(_MAPPINGS, {"shop_id": shop_id, "variant_ids": sorted(variants)})
    return {row.variant_id: row for row in rows}


def grant_for_order(session: Session, shop_id: int, facts: OrderFacts, *, now: datetime) -> int:
    """One package per purchased unit of each mapped line, keyed (order, line, unit): repeats add nothing."""
    recorded = _record_order(session, shop_id, facts)
    order, customer = recorded.order, recorded.customer
    if customer is None:
        return 0  # no customer and no email: nobody to give it to (kept on the order for reconciliation)
    order.granted_at = order.granted_at or now  # set before the grants, so the order is updated once
    added, settings = 0, None
    for line in facts.lines:
        variant = recorded.mapping.get(line.variant_id) if line.variant_id else None
        if variant is None:
            continue
        settings = settings or booking_settings(session, shop_id)
        held = why_not_granted(variant.plan, line, now, ZoneInfo(settings.timezone)) \
            or _too_many_units(line, variant, settings.max_units_per_line)
        if held:
            _hold_line(session, shop_id, order, line, facts.currency, held)
        elif variant.plan.kind == "prepaid_balance":
            added += record_prepaid(session, shop_id, customer, line, variant, facts)
        elif variant.plan.kind == "membership":
            added += _start_memberships(session, shop_id, customer, line, variant, facts, now)
        else:
            added += _grant_line(session, shop_id, customer, line, variant, facts, now, ZoneInfo(settings.timezone))
    _apply_refunds(session, shop_id, order, now)
    return added


def why_not_granted(plan: Plan, line: OrderLine, now: datetime, zone: ZoneInfo) -> str | None:
    """Why a paid line mapped to this plan cannot become what the customer paid for; None when it can.

    The merchant may have changed the plan after mapping it (archived it, took it off sale, let its dates
    pass), or mapped a prepaid balance to a product that is not a gift card. Granting anyway would give
    something the merchant no longer offers or an already-lapsed package; dropping it would lose a payment.
    Such a line is held for the merchant instead.
    """
    title = plan.title
    if plan.archived_at is not None:
        return f"the plan “{title}” is archived"
    if plan.not_for_sale:
        return f"the plan “{title}” is not for sale (it is for staff to assign)"
    if plan.kind == "prepaid_balance":
        if not line.gift_card:
            return (f"the product is mapped to the prepaid balance “{title}” but was not sold as a gift card, "
                    "so Shopify issued no card to hold the balance")
        return None
    terms = PlanTerms.from_json(plan.terms)
    if not terms.dates_within(FIRST_DAY, LAST_DAY):
        # Saved before dates were bounded: a date like 9999-12-31 overflows the expiry arithmetic.
        return (f"the plan “{title}” holds a date outside {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}; "
                "edit its dates, then grant by hand")
    last_day = terms.validity.fixed_date if terms.validity.kind == "fixed_date" else None
    if last_day is not None and end_of_local_day(last_day, zone) <= now:
        return f"the plan “{title}” expired on {last_day.isoformat()}"
    window_end = terms.windows.date_to
    if window_end is not None and end_of_local_day(window_end, zone) <= now:
        return f"the plan “{title}” could only be used until {window_end.isoformat()}"
    return None


def _too_many_units(line: OrderLine, variant: PlanVariant, limit: int) -> str | None:
    units = line.quantity * variant.units_per_item
    if units <= limit:
        return None
    return (f"the line would grant {units} units, more than the shop's limit of {limit} a line "
            "(settings: max_units_per_line); grant them by hand or raise the limit and replay the order")


HELD_ACTION = "line_not_granted"


def _hold_line(session, shop_id, order: Order, line: OrderLine, currency, reason: str) -> None:
    """Put a paid line that cannot be granted on the attention list, once per order line."""
    held = session.scalars(select(ActivityLog.after).where(
        ActivityLog.shop_id == shop_id, ActivityLog.subject_type == "order", ActivityLog.subject_id == order.id,
        ActivityLog.action == HELD_ACTION)).all()
    if any((after or {}).get("line_item_id") == str(line.line_item_id) for after in held):
        return  # a repeat delivery: the item is already there (the order row is locked, so no race)
    paid = (line.paid_per_item * line.quantity).quantize(Decimal("0.01"))
    session.add(ActivityLog(
        shop_id=shop_id, actor="system:order", action=HELD_ACTION, subject_type="order", subject_id=order.id,
        reason=f"not granted: {reason}", attention=True,
        after={"line_item_id": str(line.line_item_id), "title": line.title, "variant_id": line.variant_id,
               "quantity": line.quantity, "amount_paid": plain(paid), "currency": currency}))


def _grant_line(session, shop_id, customer, line, variant, facts, now, zone) -> int:
    terms = PlanTerms.from_json(variant.plan.terms)
    units = line.quantity * variant.units_per_item
    if units <= 0:
        return 0
    row = dict(shop_id=shop_id, customer_id=customer.id, plan_id=variant.plan_id, terms=terms.to_json(),
               unit=terms.unit, source="order", order_id=facts.order_id, line_item_id=line.line_item_id,
               price_paid=(line.paid_per_item / variant.units_per_item).quantize(Decimal("0.01")),
               currency=facts.currency, starts_at=now, expires_at=terms.validity.expires_at(now, zone),
               status="active")
    # Every unit in one statement. Units a repeat, an earlier partial grant or a concurrent delivery
    # already holds are skipped by the unique key; only the new ones come back to be credited.
    granted = session.scalars(insert_skipping_duplicates(session, Entitlement, ENTITLEMENT_UNIT_KEY),
                              [{**row, "unit_index": index} for index in range(units)]).all()
    for entitlement in sorted(granted, key=lambda e: e.unit_index):
        for entry in grant_entries(terms, at=now):
            write_entry(session, entitlement, entry, "system:order")
    return len(granted)


def is_unassignable(session: Session, shop_id: int, order_id: int) -> bool:
    """A paid order with mapped lines but no customer or email: nobody to grant to, so the merchant must look."""
    order = session.scalar(select(Order).where(Order.shop_id == shop_id, Order.shopify_order_id == order_id))
    return order is not None and order.customer_id is None and any(line.get("plan_id") for line in order.lines)


def record_refund(session: Session, shop_id: int, order_id: int, refund_key: str, quantities: dict,
                  *, now: datetime) -> int:
    """Keep a refund (or cancellation) by its id, then apply it if the order's packages exist yet."""
    exists = session.scalar(select(OrderRefund.id).where(OrderRefund.shop_id == shop_id,
                                                         OrderRefund.refund_key == refund_key))
    if exists is None:
        try:
            with session.begin_nested():
                session.add(OrderRefund(shop_id=shop_id, shopify_order_id=order_id, refund_key=refund_key,
                                        quantities={str(k): v for k, v in quantities.items()}))
                session.flush()
        except IntegrityError:
            pass  # the same refund delivered twice at once
    return apply_refunds(session, shop_id, order_id, now=now)


def apply_refunds(session: Session, shop_id: int, order_id: int, *, now: datetime) -> int:
    """Apply every stored, unapplied refund of a granted order; returns how many packages were revoked."""
    order = session.scalar(select(Order).where(Order.shop_id == shop_id, Order.shopify_order_id == order_id))
    return 0 if order is None else _apply_refunds(session, shop_id, order, now)


def _apply_refunds(session: Session, shop_id: int, order: Order, now: datetime) -> int:
    if order.granted_at is None:
        return 0  # refund before paid: kept until the paid event grants
    refunds = session.scalars(_UNAPPLIED_REFUNDS, {"shop_id": shop_id, "order_id": order.shopify_order_id}).all()
    revoked = 0
    for refund in refunds:
        revoked += _apply(session, shop_id, order, refund, now)
        refund.applied_at = now
    return revoked


def _apply(session, shop_id, order, refund, now) -> int:
    revoked = 0
    for line in order.lines:
        line_item_id = int(line["line_item_id"])
        quantity = line["quantity"] if ALL in refund.quantities else refund.quantities.get(str(line_item_id), 0)
        if quantity and line.get("plan_id"):
            revoked += _revoke_units(session, shop_id, order, line_item_id, int(quantity), refund.refund_key, now)
    return revoked


def _revoke_units(session, shop_id, order, line_item_id, quantity, reason_key, now) -> int:
    variant = session.scalar(select(PlanVariant).where(
        PlanVariant.shop_id == shop_id, PlanVariant.variant_id == next(
            (l["variant_id"] for l in order.lines if int(l["line_item_id"]) == line_item_id), None)))
    units = quantity * (variant.units_per_item if variant else 1)
    # Take back the highest unit numbers first, skipping units an earlier refund already took.
    candidates = session.scalars(select(Entitlement).where(
        Entitlement.shop_id == shop_id, Entitlement.order_id == order.shopify_order_id,
        Entitlement.line_item_id == line_item_id, Entitlement.status != "revoked")
        .order_by(Entitlement.unit_index.desc()).with_for_update()).all()
    for entitlement in candidates[:units]:
        _revoke_unused(session, shop_id, entitlement, reason_key)
    return min(units, len(candidates))


def _revoke_unused(session, shop_id, entitlement, reason_key) -> None:
    state = entitlement_state(session, entitlement)
    left = state.remaining
    if left:
        write_entry(session, entitlement, Entry("revoke", -left, state.terms.ledger_unit,
                                                reason=f"refund {reason_key}"), "system:refund")
    used = state.used
    entitlement.status = "revoked"
    # Credit already used is never taken back silently: the merchant sees it in the attention list.
    log_activity(session, shop_id, "system:refund", "refund", entitlement, reason=f"refund {reason_key}",
                 before={"remaining": plain(left), "used": plain(used)}, after={"status": "revoked"},
                 attention=bool(used))


def _start_memberships(session, shop_id, customer, line, variant, facts, now) -> int:
    plan = variant.plan
    unit, count = memberships.plan_period(PlanTerms.from_json(plan.terms))
    for unit_index in range(line.quantity * variant.units_per_item):
        memberships.start(session, shop_id, customer, plan, source="order", now=now, unit=unit, count=count,
                          ref=f"{facts.order_id}:{line.line_item_id}:{unit_index}")
    return line.quantity * variant.units_per_item
