"""/api/plans: what a shop sells or assigns (session packs, credit, unlimited passes, memberships, prepaid).

The body is declared in plan_body; a plan reads back in the same shape, so what a client reads it can send.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Literal

from flask import g, jsonify
from pydantic import Field

import db
from booking import accounts, plan_catalog
from booking.api import bp, utc_now
from booking.api.plan_body import VALIDITY_FIELDS, PlanInput, PlanPatch
from booking.api.services import archived, saved
from booking.models import Plan
from booking.rules.hours import DAY_NAMES
from booking.rules.plans import PlanTerms, Windows
from endpoints import InvalidInput, declare
from endpoints.declare import validate
from endpoints.models import Answer
from shopify_app.auth import shop_required


# --- answers ---

class FixedServiceOut(Answer):
    service_id: int
    quantity: int


class PlanOut(Answer):
    id: int
    title: str
    unit: Literal["sessions", "minutes", "money", "unlimited"]
    kind: Literal["package", "prepaid_balance", "membership"]
    quantity: str | None = Field(description="A decimal string; null for unlimited plans")
    currency: str | None
    service_ids: list[int] | None
    fixed_services: list[FixedServiceOut] | None
    resource_id: int | None
    validity_days: int | None
    validity_months: int | None
    expires_on: date | None
    windows: dict | None = Field(description="weekdays, times, date_from, date_to, dates: as PlanInput takes them")
    late_cancel: Literal["forfeit", "restore"]
    no_show: Literal["forfeit", "restore"]
    not_for_sale: bool
    member_tag: str | None
    unlocks_service_ids: list[int] | None
    created_at: datetime
    updated_at: datetime


class PlanList(Answer):
    plans: list[PlanOut]


def plan_json(plan: Plan) -> dict:
    return {"id": plan.id, **plan_body(plan), "created_at": plan.created_at.isoformat(),
            "updated_at": plan.updated_at.isoformat()}


def plan_body(plan: Plan) -> dict:
    """The plan as PlanInput takes it, so what a client reads it can send back."""
    terms, validity = PlanTerms.from_json(plan.terms), PlanTerms.from_json(plan.terms).validity
    return {
        "title": terms.title, "unit": terms.unit, "kind": plan.kind,
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
        "not_for_sale": plan.not_for_sale, "member_tag": plan.member_tag,
        "unlocks_service_ids": plan.unlocks_service_ids,
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


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def merged_plan_body(current: dict, patch: dict) -> dict:
    """A PATCH over the current body: given keys replace (null clears); rival settings give way."""
    dropped: set[str] = set()
    if any(name in patch for name in VALIDITY_FIELDS):
        dropped |= set(VALIDITY_FIELDS)  # one validity at a time: the new one replaces the old
    if "fixed_services" in patch:
        dropped |= {"service_ids", "quantity"}
    if "service_ids" in patch:
        dropped.add("fixed_services")
    if patch.get("unit") == "unlimited":
        dropped.add("quantity")
    return {**{k: v for k, v in current.items() if k not in dropped}, **patch}


# --- routes ---

@bp.get("/plans")
@shop_required
@declare("catalog", answer=PlanList, says="The plans")
def list_plans():
    """List the shop's plans, including not-for-sale ones (archived ones are left out)."""
    return jsonify(plans=[plan_json(p) for p in plan_catalog.list_plans(db.session(), g.shop.id)])


class PlanFigure(Answer):
    plan_id: int
    sold: int = Field(description="Packages ever granted from this plan")
    active: int = Field(description="Packages usable now")
    owed: str = Field(description="What active packages still hold, in `unit`")
    unit: str | None


class PlanFigures(Answer):
    plans: list[PlanFigure]


@bp.get("/plans/figures")
@shop_required
@declare("catalog", answer=PlanFigures, says="Sold, active and owed per plan")
def plan_figures():
    """Per plan: packages sold, active now, and what they still owe (sessions, minutes or money)."""
    figures = plan_catalog.plan_figures(db.session(), g.shop.id, utc_now())
    return jsonify(plans=[{"plan_id": plan_id, **row} for plan_id, row in sorted(figures.items())])


@bp.post("/plans")
@shop_required
@declare("catalog", body=PlanInput, answer=PlanOut, status=201, says="The new plan, with its id")
def create_plan(body: PlanInput):
    """Create a plan."""
    session = db.session()
    plan = plan_catalog.create_plan(session, g.shop.id, body.choice(), now=utc_now(),
                                    zone=accounts.shop_zone(session, g.shop.id))
    return saved(plan_json(plan), 201)


@bp.get("/plans/<small_id:plan_id>")
@shop_required
@declare("catalog", answer=PlanOut, errors=("NotFound",), says="The plan")
def get_plan(plan_id: int):
    """Read one plan, in the shape POST accepts."""
    return jsonify(plan_json(plan_catalog.get_plan(db.session(), g.shop.id, plan_id)))


@bp.patch("/plans/<small_id:plan_id>")
@shop_required
@declare("catalog", body=PlanPatch, answer=PlanOut, errors=("NotFound",), says="The changed plan",
         description="New terms apply to future purchases only (sold packages keep theirs). A key sent replaces "
                     "the current value and null clears it; setting one validity field clears the others. A "
                     "plan's kind cannot change.")
def update_plan(plan_id: int, body: PlanPatch):
    """Change the fields given; new terms apply to future purchases only."""
    session, sent = db.session(), body.given()
    plan = plan_catalog.get_plan(session, g.shop.id, plan_id)
    if sent.get("kind", plan.kind) != plan.kind:
        raise InvalidInput("kind", "a plan's kind cannot change; create a new plan instead")
    merged = validate(PlanInput, merged_plan_body(plan_body(plan), sent))
    return saved(plan_json(plan_catalog.update_plan(session, g.shop.id, plan_id, merged.choice(),
                                                    sent=frozenset(sent), now=utc_now(),
                                                    zone=accounts.shop_zone(session, g.shop.id))))


@bp.delete("/plans/<small_id:plan_id>")
@shop_required
@declare("catalog", errors=("NotFound",), status=204, says="Archived")
def archive_plan(plan_id: int):
    """Archive the plan: no new sales or assignments; sold packages carry on."""
    plan_catalog.archive_plan(db.session(), g.shop.id, plan_id, now=utc_now())
    return archived()
