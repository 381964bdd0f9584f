"""Use cases on a shop's plans: create, update and archive them. A change applies to future purchases only:
every package sold keeps a frozen copy of the terms it was sold under (Entitlement.terms).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.rules.availability import DAY_NAMES
from booking.catalog import live_row, live_rows, read_flag, read_name, read_object, read_whole, shop_services
from booking.errors import ValidationFailed
from booking.models import Plan, Resource
from booking.rules.plan_input import VALIDITY_FIELDS, terms_from_api
from booking.rules.plans import PlanTerms, Windows


def list_plans(session: Session, shop_id: int) -> list[Plan]:
    return live_rows(session, Plan, shop_id)


def get_plan(session: Session, shop_id: int, plan_id: int) -> Plan:
    return live_row(session, Plan, shop_id, plan_id, "plan")


def create_plan(session: Session, shop_id: int, body) -> Plan:
    """A package to sell or assign; its terms are validated by PlanTerms and its ids kept in the shop."""
    body = read_object(body)
    terms = _plan_terms(session, shop_id, body, body)
    plan = Plan(shop_id=shop_id, title=terms.title, terms=terms.to_json(), kind=_kind(body, terms),
                not_for_sale=read_flag(body.get("not_for_sale", False), "not_for_sale"))
    plan.member_tag = _member_tag(body.get("member_tag"), plan.kind)
    plan.unlocks_service_ids = _unlocks(session, shop_id, body.get("unlocks_service_ids"), plan.kind)
    session.add(plan)
    session.flush()
    return plan


def _kind(body: dict, terms: PlanTerms) -> str:
    """A package kept in Packbook's ledger, or a prepaid balance held on a Shopify gift card."""
    kind = body.get("kind", "package")
    if kind not in ("package", "prepaid_balance", "membership"):
        raise ValidationFailed('kind is "package", "prepaid_balance" or "membership"', field="kind")
    if kind == "prepaid_balance" and terms.unit != "money":
        raise ValidationFailed("a prepaid balance is an amount of money: use unit money", field="unit")
    if kind == "membership" and terms.unit not in ("sessions", "unlimited"):
        raise ValidationFailed("a membership's allowance per period is sessions or unlimited", field="unit")
    return kind


def _member_tag(value, kind: str) -> str | None:
    """The customer tag (set by another membership app) that makes someone a member of this plan."""
    if value in (None, ""):
        return None
    if kind != "membership" or not isinstance(value, str) or len(value.strip()) > 255:
        raise ValidationFailed("member_tag is a tag of up to 255 characters, on membership plans only",
                               field="member_tag")
    return value.strip()


def _unlocks(session: Session, shop_id: int, value, kind: str) -> list[int] | None:
    """The members-only services a membership opens, as sorted ids of the shop's services; None: all of them."""
    if value is None:
        return None
    if kind != "membership" or not isinstance(value, list):
        raise ValidationFailed("unlocks_service_ids is a list of service ids, on membership plans only",
                               field="unlocks_service_ids")
    ids = [read_whole(v, f"unlocks_service_ids[{i}]", 1, 2**63 - 1) for i, v in enumerate(value)]
    shop_services(session, shop_id, ids, lambda i: f"unlocks_service_ids[{i}]")
    return sorted(set(ids))


def update_plan(session: Session, shop_id: int, plan_id: int, body) -> Plan:
    """New terms for future purchases only: packages already sold keep the terms they were sold under."""
    plan = get_plan(session, shop_id, plan_id)
    patch = read_object(body)
    terms = _plan_terms(session, shop_id, merged_plan_body(plan_body(plan), patch), patch)
    plan.title, plan.terms = terms.title, terms.to_json()
    if "not_for_sale" in patch:
        plan.not_for_sale = read_flag(patch["not_for_sale"], "not_for_sale")
    if "member_tag" in patch:
        plan.member_tag = _member_tag(patch["member_tag"], plan.kind)
    if "unlocks_service_ids" in patch:
        plan.unlocks_service_ids = _unlocks(session, shop_id, patch["unlocks_service_ids"], plan.kind)
    session.flush()
    return plan


def archive_plan(session: Session, shop_id: int, plan_id: int, *, now: datetime) -> Plan:
    """Stop selling and assigning a plan; packages already sold carry on under their own terms."""
    plan = get_plan(session, shop_id, plan_id)
    plan.archived_at = now
    return plan


def _plan_terms(session: Session, shop_id: int, body: dict, named: dict) -> PlanTerms:
    # `named` is what the client sent this time: only its ids are checked, so a PATCH of the title
    # still works when one of the plan's services has since been archived.
    terms = terms_from_api(body)
    read_name(terms.title, "title")
    if named.get("service_ids") is not None:
        shop_services(session, shop_id, [int(Decimal(str(v))) for v in named["service_ids"]],
                      lambda i: f"service_ids[{i}]")
    if named.get("fixed_services") is not None:
        ids = [int(Decimal(str(item["service_id"]))) for item in named["fixed_services"]]
        shop_services(session, shop_id, ids, lambda i: f"fixed_services[{i}].service_id")
    if named.get("resource_id") is not None and terms.resource_id is not None:
        found = session.scalar(select(Resource.id).where(Resource.id == terms.resource_id,
                                                         Resource.shop_id == shop_id, Resource.archived_at.is_(None)))
        if found is None:
            raise ValidationFailed(f"no resource {terms.resource_id} in this shop", field="resource_id")
    return terms


def merged_plan_body(current: dict, patch: dict) -> dict:
    """A PATCH over the current body: given keys replace (null clears); rival settings give way."""
    base = dict(current)
    dropped: set[str] = set()
    if any(name in patch for name in VALIDITY_FIELDS):
        dropped |= set(VALIDITY_FIELDS)  # one validity at a time: the new one replaces the old
    if "fixed_services" in patch:
        dropped |= {"service_ids", "quantity"}
    if "service_ids" in patch:
        dropped.add("fixed_services")
    if patch.get("unit") == "unlimited":
        dropped.add("quantity")
    return {**{k: v for k, v in base.items() if k not in dropped}, **patch}


def plan_body(plan: Plan) -> dict:
    """The plan's current terms in the shape the API accepts, so what a client reads it can send back."""
    terms = PlanTerms.from_json(plan.terms)
    validity = terms.validity
    return {
        "title": terms.title, "unit": terms.unit,
        "quantity": None if terms.unit == "unlimited" else format(terms.quantity.normalize(), "f"),
        "currency": terms.currency,
        "service_ids": None if terms.is_fixed or terms.service_ids is None else sorted(terms.service_ids),
        "fixed_services": None if not terms.is_fixed else [
            {"service_id": sid, "quantity": count} for sid, count in terms.fixed_services],
        "resource_id": terms.resource_id,
        "validity_days": validity.value if validity.kind == "days" else None,
        "validity_months": validity.value if validity.kind == "months" else None,
        "expires_on": validity.fixed_date.isoformat() if validity.fixed_date else None,
        "windows": _windows_body(terms.windows), "late_cancel": terms.late_cancel, "no_show": terms.no_show,
    }


def _windows_body(windows: Windows) -> dict | None:
    if windows.is_unrestricted:
        return None
    body = {
        "weekdays": None if windows.weekdays is None else [DAY_NAMES[d] for d in sorted(windows.weekdays)],
        "times": None if windows.times is None else [[_hhmm(a), _hhmm(b)] for a, b in windows.times],
        "date_from": windows.date_from and windows.date_from.isoformat(),
        "date_to": windows.date_to and windows.date_to.isoformat(),
        "dates": None if windows.dates is None else [day.isoformat() for day in sorted(windows.dates)],
    }
    return {name: value for name, value in body.items() if value is not None}


def _hhmm(moment) -> str:
    return moment.isoformat(timespec="minutes" if not (moment.second or moment.microsecond) else "auto")
