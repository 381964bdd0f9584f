"""Memberships: access for a period, optionally with an allowance per period, from a purchase, a
Shopify subscription contract or a customer tag. A membership never books anything by itself;
its allowance is granted per period through the same ledger as packages."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.accounts import log_activity, shop_zone, write_entry
from booking.customers import customer_for
from booking.rules.ledger import grant_entries
from booking.models import Plan
from booking.rules.plans import PlanTerms, Validity, add_months
from booking.records import Customer, Entitlement, Membership

UNITS = ("day", "week", "month", "year")


def add_period(moment: datetime, unit: str, count: int, zone: ZoneInfo | None = None) -> datetime:
    """One period later at the same wall-clock time in the shop's zone; months and years follow the
    calendar (Jan 31 + 1 month = Feb 28/29).

    A period begun at 10:00 ends at 10:00 a month later even when the clocks changed in between, so
    "until 10 April 10:00" is what a member reads and what booking enforces. (Adding in UTC would end it
    at 11:00 local after the spring change.) A wall time lost to a DST gap resolves forward, as Python does.
    """
    local = moment.astimezone(zone) if zone else moment
    if unit in ("day", "week"):
        day = local.date() + timedelta(days=count * (7 if unit == "week" else 1))
    else:
        day = add_months(local.date(), count * (12 if unit == "year" else 1))
    wall = datetime.combine(day, local.time(), tzinfo=local.tzinfo)
    return wall.astimezone(moment.tzinfo)


def _period_after(session: Session, membership: Membership, moment: datetime) -> datetime:
    return add_period(moment, membership.period_unit, membership.period_count, shop_zone(session, membership.shop_id))


def plan_period(terms: PlanTerms) -> tuple[str, int]:
    """A bought membership lasts the plan's validity: N days or N months (one month if unset)."""
    if terms.validity.kind == "days":
        return "day", terms.validity.value
    if terms.validity.kind == "months":
        return "month", terms.validity.value
    return "month", 1


def start(session: Session, shop_id: int, customer: Customer, plan: Plan, *, source: str, ref: str,
          now: datetime, unit: str, count: int) -> Membership:
    """Begin a membership (once per source and reference) and grant its first period's allowance."""
    existing = find(session, shop_id, source, ref)
    if existing is not None:
        return existing
    membership = Membership(shop_id=shop_id, customer_id=customer.id, plan_id=plan.id, source=source,
                            source_ref=ref, status="active", period_unit=unit, period_count=count,
                            paid_through=None if source == "tag" else add_period(now, unit, count,
                                                                                 shop_zone(session, shop_id)))
    try:
        with session.begin_nested():
            session.add(membership)
            session.flush()
    except IntegrityError:
        return find(session, shop_id, source, ref)  # a concurrent delivery started it
    grant_period(session, membership, now)
    return membership


def find(session: Session, shop_id: int, source: str, ref: str) -> Membership | None:
    return session.scalar(select(Membership).where(Membership.shop_id == shop_id, Membership.source == source,
                                                   Membership.source_ref == ref).with_for_update())


def grant_period(session: Session, membership: Membership, period_start: datetime) -> Entitlement | None:
    """The allowance for the period starting at `period_start`, granted once; None without a plan."""
    plan = session.get(Plan, membership.plan_id) if membership.plan_id else None
    if plan is None:
        return None
    terms = replace(PlanTerms.from_json(plan.terms), validity=Validity("never"))  # the period bounds it
    period_end = _period_after(session, membership, period_start)
    entitlement = Entitlement(shop_id=membership.shop_id, customer_id=membership.customer_id, plan_id=plan.id,
                              terms=terms.to_json(), unit=terms.unit, source="membership", membership_id=membership.id,
                              starts_at=period_start, expires_at=period_end, status="active")
    try:
        with session.begin_nested():
            session.add(entitlement)
            session.flush()
    except IntegrityError:
        return None  # already granted for this period
    for entry in grant_entries(terms, at=period_start):
        write_entry(session, entitlement, entry, "system:membership")
    return entitlement


def renew(session: Session, membership: Membership, *, key: str, now: datetime) -> bool:
    """A successful billing: one more period, paid; a repeat of the same billing key changes nothing."""
    if membership.last_billing_key == key:
        return False
    period_start = max(membership.paid_through or now, now)
    membership.paid_through = _period_after(session, membership, period_start)
    membership.last_billing_key, membership.status, membership.failing_since = key, "active", None
    grant_period(session, membership, period_start)
    return True


def stop(session: Session, membership: Membership, status: str, *, now: datetime) -> None:
    """Paused, cancelled or expired: access continues to the end of the paid period, then ends."""
    membership.status = status
    if membership.source == "tag":
        membership.paid_through = now


def flag_failed_billing(session: Session, membership: Membership, *, now: datetime) -> None:
    """A billing attempt failed: the merchant sees it; access runs to the end of the paid period."""
    if membership.failing_since is None:
        membership.failing_since = now
        latest = session.scalar(select(Entitlement).where(
            Entitlement.membership_id == membership.id).order_by(Entitlement.starts_at.desc()))
        if latest is not None:
            log_activity(session, membership.shop_id, "system:membership", "billing_failed", latest,
                         reason="subscription billing attempt failed", attention=True)


def is_member(session: Session, shop_id: int, customer_id: int, at: datetime, service_id: int | None = None) -> bool:
    """True when a membership covers `at` (active and open-ended, or paid through a later time) and, given a
    members-only service, its plan opens that service (a plan since deleted opens all)."""
    plans = session.execute(select(Membership.plan_id, Plan.unlocks_service_ids)
                            .outerjoin(Plan, Plan.id == Membership.plan_id).where(
        Membership.shop_id == shop_id, Membership.customer_id == customer_id,
        or_(Membership.paid_through > at,
            (Membership.paid_through.is_(None)) & (Membership.status == "active")))).all()
    return any(service_id is None or plan_id is None or unlocks is None or service_id in unlocks
               for plan_id, unlocks in plans)


def lapses_before(session: Session, shop_id: int, customer_id: int, at: datetime,
                  service_id: int | None = None) -> datetime | None:
    """When the customer's latest membership opening `service_id` ends, if it ends at or before `at`: so a
    refusal can say "valid until …" the way the package does, rather than only "members only"."""
    ends = session.execute(select(Membership.paid_through, Plan.unlocks_service_ids)
                           .outerjoin(Plan, Plan.id == Membership.plan_id).where(
        Membership.shop_id == shop_id, Membership.customer_id == customer_id,
        Membership.paid_through.is_not(None), Membership.paid_through <= at)).all()
    opening = [end for end, unlocks in ends if service_id is None or unlocks is None or service_id in unlocks]
    return max(opening, default=None)


def sync_tags(session: Session, shop_id: int, customer: Customer, tags: set[str], *, now: datetime) -> int:
    """Start a membership for each mapped tag the customer has; end tag memberships whose tag went."""
    plans = session.scalars(select(Plan).where(Plan.shop_id == shop_id, Plan.kind == "membership",
                                               Plan.member_tag.is_not(None), Plan.archived_at.is_(None))).all()
    changed = 0
    for plan in plans:
        ref = f"{customer.id}:{plan.member_tag}"
        current = find(session, shop_id, "tag", ref)
        if plan.member_tag in tags and (current is None or current.status != "active"):
            if current is not None:
                current.status, current.paid_through = "active", None
                grant_period(session, current, now)
            else:
                unit, count = plan_period(PlanTerms.from_json(plan.terms))
                start(session, shop_id, customer, plan, source="tag", ref=ref, now=now, unit=unit, count=count)
            changed += 1
        elif plan.member_tag not in tags and current is not None and current.status == "active":
            stop(session, current, "cancelled", now=now)
            changed += 1
    return changed


def grant_due_periods(session: Session, now: datetime, *, shop_id: int | None = None) -> int:
    """Open-ended (tag) memberships get their allowance period by period; grant every period that has begun."""
    query = select(Membership).where(Membership.status == "active", Membership.paid_through.is_(None))
    if shop_id is not None:
        query = query.where(Membership.shop_id == shop_id)
    granted = 0
    for membership in session.scalars(query.with_for_update(skip_locked=True)).all():
        latest = session.scalar(select(Entitlement.expires_at).where(Entitlement.membership_id == membership.id)
                                .order_by(Entitlement.starts_at.desc()).limit(1))
        while latest is not None and latest <= now:
            if grant_period(session, membership, latest) is not None:
                granted += 1
            latest = _period_after(session, membership, latest)
    return granted


def reconcile_tag(session: Session, shop_id: int, tag: str, tagged: dict[int, set[str]], *, now: datetime) -> int:
    """Bring one tag's memberships in line with who carries it now (`tagged`: Shopify customer id -> tags)."""
    changed = 0
    for shopify_id, tags in tagged.items():
        changed += sync_tags(session, shop_id, customer_for(session, shop_id, shopify_id, None), tags, now=now)
    active = session.execute(select(Membership, Customer.shopify_customer_id)
                             .join(Customer, Customer.id == Membership.customer_id)
                             .where(Membership.shop_id == shop_id, Membership.source == "tag",
                                    Membership.status == "active", Membership.source_ref.endswith(f":{tag}"))).all()
    for membership, shopify_id in active:
        if shopify_id not in tagged:
            stop(session, membership, "cancelled", now=now)
            changed += 1
    return changed
