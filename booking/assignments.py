"""Staff assigning a plan by hand, each kind as a purchase would grant it: a package, or a membership (access
and its first period's allowance). A prepaid balance cannot be assigned: it lives on a Shopify gift card,
which only Shopify issues."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import accounts, memberships
from booking.errors import NotAssignable, NotFound, ValidationFailed
from booking.models import Plan
from booking.records import Customer, Entitlement
from booking.rules.plans import PlanTerms
from endpoints.fields import FIRST_DAY, LAST_DAY


def assign(session: Session, shop_id: int, customer: Customer, plan_id: int, *, actor: str,
           now: datetime) -> Entitlement:
    """Give a customer a plan by hand; the package it grants (a membership's: its first period's allowance)."""
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, Plan.shop_id == shop_id,
                                             Plan.archived_at.is_(None)))
    if plan is None:
        raise NotFound(f"no plan {plan_id} in this shop")
    if plan.kind == "prepaid_balance":
        raise NotAssignable(f"{plan.title} is a prepaid balance held on a Shopify gift card, which only Shopify "
                            "can issue: sell or issue the gift card in Shopify instead")
    if not PlanTerms.from_json(plan.terms).dates_within(FIRST_DAY, LAST_DAY):
        # Saved before dates were bounded (9999-12-31 overflows the expiry arithmetic).
        raise ValidationFailed(f"{plan.title} holds a date outside {FIRST_DAY.isoformat()} to "
                               f"{LAST_DAY.isoformat()}; edit the plan's dates first", field="plan_id")
    if plan.kind == "membership":
        return _start_membership(session, shop_id, customer, plan, actor=actor, now=now)
    return accounts.assign_plan(session, shop_id, customer, plan.id, actor=actor, now=now)


def _start_membership(session, shop_id, customer, plan, *, actor, now) -> Entitlement:
    unit, count = memberships.plan_period(PlanTerms.from_json(plan.terms))
    # Each assignment is a membership of its own, as each unit bought is.
    membership = memberships.start(session, shop_id, customer, plan, source="staff", now=now, unit=unit,
                                   count=count, ref=f"{actor}:{uuid.uuid4().hex}")
    allowance = session.scalar(select(Entitlement).where(Entitlement.membership_id == membership.id)
                               .order_by(Entitlement.id))
    accounts.log_activity(session, shop_id, actor, "assign", allowance,
                          after={"plan_id": plan.id, "title": plan.title, "membership_id": membership.id})
    return allowance
