"""Use cases on a shop's plans: create, update and archive them. A change applies to future purchases only:
every package sold keeps a frozen copy of the terms it was sold under (Entitlement.terms).

The API has already checked a plan's shape (booking.api.plans.PlanInput); what needs the database is here:
every id a plan names must be one of the shop's own live services or resources.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from decimal import Decimal

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from booking.accounts import plain
from booking.catalog import live_row, live_rows, shop_services
from booking.errors import ValidationFailed
from booking.models import Plan, Resource
from booking.records import Entitlement
from booking.reports import live
from booking.rules.plans import PlanTerms
from shopify_app.models import Shop


@dataclass(frozen=True)
class PlanChoice:
    """A plan as the merchant set it: its terms and how it is sold."""

    terms: PlanTerms
    kind: str = "package"
    not_for_sale: bool = False
    member_tag: str | None = None
    unlocks_service_ids: tuple[int, ...] | None = None  # membership plans; None opens every members-only service
    # The service ids in the order the merchant listed them, so an unknown one is named by its place.
    listed_service_ids: tuple[int, ...] | None = None


ID_FIELDS = frozenset({"service_ids", "fixed_services", "resource_id", "unlocks_service_ids"})


def list_plans(session: Session, shop_id: int) -> list[Plan]:
    return live_rows(session, Plan, shop_id)


def get_plan(session: Session, shop_id: int, plan_id: int) -> Plan:
    return live_row(session, Plan, shop_id, plan_id, "plan")


def create_plan(session: Session, shop_id: int, choice: PlanChoice, *, now: datetime, zone: ZoneInfo) -> Plan:
    """A package to sell or assign; every id it names must be the shop's own, and it must be usable."""
    _check_ids(session, shop_id, choice, ID_FIELDS)
    _check_usable(session, shop_id, choice, USABILITY_FIELDS, now, zone)
    plan = Plan(shop_id=shop_id, title=choice.terms.title, terms=choice.terms.to_json(), kind=choice.kind,
                not_for_sale=choice.not_for_sale, member_tag=choice.member_tag,
                unlocks_service_ids=_list(choice.unlocks_service_ids))
    session.add(plan)
    session.flush()
    return plan


def update_plan(session: Session, shop_id: int, plan_id: int, choice: PlanChoice, *, sent: frozenset[str],
                now: datetime, zone: ZoneInfo) -> Plan:
    """New terms for future purchases only: packages already sold keep the terms they were sold under.

    Only the fields `sent` are checked against the shop, so renaming a plan still works after one of its
    services was archived or its end date passed."""
    plan = get_plan(session, shop_id, plan_id)
    _check_ids(session, shop_id, choice, sent & ID_FIELDS)
    _check_usable(session, shop_id, choice, sent & USABILITY_FIELDS, now, zone)
    plan.title, plan.terms = choice.terms.title, choice.terms.to_json()
    plan.not_for_sale, plan.member_tag = choice.not_for_sale, choice.member_tag
    plan.unlocks_service_ids = _list(choice.unlocks_service_ids)
    session.flush()
    return plan


def archive_plan(session: Session, shop_id: int, plan_id: int, *, now: datetime) -> Plan:
    """Stop selling and assigning a plan; packages already sold carry on under their own terms."""
    plan = get_plan(session, shop_id, plan_id)
    plan.archived_at = now
    return plan


def _check_ids(session: Session, shop_id: int, choice: PlanChoice, fields: frozenset[str]) -> None:
    terms = choice.terms
    if "fixed_services" in fields and terms.is_fixed:
        shop_services(session, shop_id, [sid for sid, _ in terms.fixed_services],
                      lambda i: f"fixed_services[{i}].service_id")
    elif "service_ids" in fields and choice.listed_service_ids is not None:
        shop_services(session, shop_id, list(choice.listed_service_ids), lambda i: f"service_ids[{i}]")
    if "unlocks_service_ids" in fields and choice.unlocks_service_ids is not None:
        shop_services(session, shop_id, list(choice.unlocks_service_ids), lambda i: f"unlocks_service_ids[{i}]")
    if "resource_id" in fields and terms.resource_id is not None:
        found = session.scalar(select(Resource.id).where(Resource.id == terms.resource_id,
                                                         Resource.shop_id == shop_id, Resource.archived_at.is_(None)))
        if found is None:
            raise ValidationFailed(f"no resource {terms.resource_id} in this shop", field="resource_id")


USABILITY_FIELDS = frozenset({"resource_id", "service_ids", "fixed_services", "currency", "unit", "expires_on",
                              "windows"})


def _check_usable(session: Session, shop_id: int, choice: PlanChoice, fields: frozenset[str], now: datetime,
                  zone: ZoneInfo) -> None:
    """A plan nobody could ever use is refused when saved, naming the field at odds with the shop."""
    terms, today = choice.terms, now.astimezone(zone).date()
    if fields & {"resource_id", "service_ids", "fixed_services"} and terms.resource_id is not None \
            and terms.service_ids is not None:
        resource = session.get(Resource, terms.resource_id)
        if resource is not None and not terms.service_ids & {s.id for s in resource.services}:
            raise ValidationFailed(f"{resource.name} performs none of the plan's services", field="resource_id")
    shop_currency = session.scalar(select(Shop.currency_code).where(Shop.id == shop_id))
    if fields & {"currency", "unit"} and terms.unit == "money" and shop_currency \
            and terms.currency != shop_currency.upper():
        raise ValidationFailed(f"the shop sells in {shop_currency}; a money plan in {terms.currency} could never "
                               "pay for a session", field="currency")
    if "expires_on" in fields and terms.validity.fixed_date is not None and terms.validity.fixed_date < today:
        raise ValidationFailed("expires_on is already past", field="expires_on")
    date_to = terms.windows.date_to
    if "windows" in fields and date_to is not None and date_to < today:
        raise ValidationFailed("the plan's dates are all past", field="windows.date_to")


def _list(ids: tuple[int, ...] | None) -> list[int] | None:
    return None if ids is None else sorted(set(ids))


def plan_figures(session: Session, shop_id: int, now: datetime) -> dict[int, dict]:
    """Per plan: packages sold (granted at all), active now, and what they still owe in the plan's unit; one
    grouped query over the packages' running sums, whatever the number of packages or ledger entries."""
    live_now = live(now)
    owing = case((and_(live_now, Entitlement.unit != "unlimited"), Entitlement.balance), else_=0)
    figures: dict[int, dict] = {}
    for plan_id, unit, sold, active, owed in session.execute(
            select(Entitlement.plan_id, func.max(Entitlement.unit), func.count(),
                   func.sum(case((live_now, 1), else_=0)), func.sum(owing))
            .where(Entitlement.shop_id == shop_id, Entitlement.plan_id.is_not(None))
            .group_by(Entitlement.plan_id)):
        owes = unit != "unlimited" and bool(owed)
        figures[plan_id] = {"sold": sold, "active": int(active or 0), "owed": plain(Decimal(owed)) if owes else "0",
                            "unit": unit if owes else None}
    return figures
