"""/api/customers/{id}/entitlements and /api/entitlements/{id}/...: customers' packages."""
from __future__ import annotations


from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from flask import g, jsonify
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

import db
from booking import accounts, assignments
from booking.accounts import plain
from booking.api import bp, staff_actor, utc_now
from booking.api.shopify import shopify_edge, staff_customer
from booking.errors import NotFound
from booking.records import Entitlement, LedgerEntry
from booking.rules.ledger import ENTRY_KINDS
from endpoints import declare
from endpoints.fields import SmallId, decimal, text
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required

MAX_DELTA = Decimal("9999999999.99")
Reason = text(2000)


class Assignment(Body):
    """Give a customer a plan by hand."""

    plan_id: SmallId

    model_config = {"json_schema_extra": {"example": {"plan_id": 3}}}


class Adjustment(Body):
    """A correction up or down, with the reason the activity log keeps."""

    delta: decimal(-MAX_DELTA, MAX_DELTA, what="a change in the package's unit")
    reason: Reason
    service_id: SmallId | None = Field(None, description="Which service, for fixed-service plans")

    model_config = {"json_schema_extra": {"example": {"delta": 1, "reason": "client was ill"}}}


class Revocation(Body):
    """Why what is left of a package is taken back."""

    reason: Reason

    model_config = {"json_schema_extra": {"example": {"reason": "refunded"}}}


class EntitlementOut(Answer):
    id: int
    plan_id: int | None
    title: str
    unit: Literal["sessions", "minutes", "money", "unlimited"]
    currency: str | None
    total: str | None = Field(description="Granted plus adjustments; null when unlimited")
    used: str
    remaining: str | None = Field(description="Null when unlimited")
    progress: str = Field(examples=["3 of 5 used"])
    starts_at: datetime
    expires_at: datetime | None = Field(description="The first instant it is no longer valid")
    valid_through: date | None = Field(description="The last local day it can be used on (until `expires_at`)")
    validity: str | None = Field(examples=["through 2026-12-31", "until 2027-01-01 10:00"],
                                 description="When it stops being valid, as refusals and pages say it: through a "
                                             "local day, or until a local time for periods ending mid-day")
    expires_in_days: int | None = Field(description="Whole local days left; 0 = expires today")
    status: Literal["active", "expired", "revoked"]
    source: Literal["order", "staff", "membership"]


class EntitlementList(Answer):
    entitlements: list[EntitlementOut]


class LedgerEntryOut(Answer):
    id: int
    kind: Literal[ENTRY_KINDS] = Field(description="undo: a manager reversed this booking's redemption "
                                                   "(used goes down); adjust: the total changed")
    quantity: str
    unit: Literal["sessions", "minutes", "money"]
    service_id: int | None
    booking_id: int | None
    actor: str = Field(examples=["staff:42"])
    reason: str | None
    created_at: datetime


class Ledger(Answer):
    entitlement: EntitlementOut
    entries: list[LedgerEntryOut]


def ledger_entry_json(row: LedgerEntry) -> dict:
    return {"id": row.id, "kind": row.kind, "quantity": plain(row.quantity), "unit": row.unit,
            "service_id": row.service_id, "booking_id": row.booking_id, "actor": row.actor, "reason": row.reason,
            "created_at": row.created_at.isoformat()}


def shop_entitlement(session: Session, entitlement_id: int) -> Entitlement:
    row = session.scalar(select(Entitlement).where(Entitlement.id == entitlement_id,
                                                   Entitlement.shop_id == g.shop.id))
    if row is None:
        raise NotFound(f"no package {entitlement_id} in this shop")
    return row


def _present(session: Session, entitlement: Entitlement) -> dict:
    return accounts.describe_package(session, entitlement, accounts.shop_zone(session, g.shop.id), utc_now())


@bp.get("/customers/<id:customer_id>/entitlements")
@shop_required
@declare("packages", answer=EntitlementList, says="The packages (none for a customer Packbook has not seen)")
def customer_entitlements(customer_id: int):
    """A Shopify customer's packages, oldest first; a customer Packbook has never seen has none."""
    session = db.session()
    try:
        customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id)
    except NotFound:
        return jsonify(entitlements=[])
    rows = session.scalars(select(Entitlement).where(Entitlement.shop_id == g.shop.id,
                                                     Entitlement.customer_id == customer.id).order_by(Entitlement.id))
    zone, now = accounts.shop_zone(session, g.shop.id), utc_now()
    return jsonify(entitlements=[accounts.describe_package(session, row, zone, now) for row in rows])


@bp.post("/customers/<id:customer_id>/entitlements")
@shop_required
@shopify_edge
@declare("packages", body=Assignment, answer=EntitlementOut, status=201,
         errors=("NotFound", "Conflict", "ShopifyUnavailable"),
         says="The new package (for a membership: its first period's allowance)",
         description="A membership plan starts a membership (access and allowance) as a purchase does. A prepaid "
                     "balance cannot be assigned (409 `not_assignable`): it lives on a Shopify gift card. A customer "
                     "Packbook has not seen is checked with Shopify first: 404 `customer_id` if the shop has none.")
def assign_plan(customer_id: int, body: Assignment):
    """Assign a plan by hand (not-for-sale plans too) to a customer the shop has in Shopify."""
    session = db.session()
    customer = staff_customer(customer_id)
    entitlement = assignments.assign(session, g.shop.id, customer, body.plan_id, actor=staff_actor(),
                                     now=utc_now())
    body = _present(session, entitlement)
    session.commit()
    return jsonify(body), 201


@bp.get("/entitlements/<id:entitlement_id>")
@shop_required
@declare("packages", answer=EntitlementOut, errors=("NotFound",), says="The package")
def get_entitlement(entitlement_id: int):
    """Read one package."""
    session = db.session()
    return jsonify(_present(session, shop_entitlement(session, entitlement_id)))


@bp.get("/entitlements/<id:entitlement_id>/ledger")
@shop_required
@declare("packages", answer=Ledger, errors=("NotFound",), says="The package and its entries")
def entitlement_ledger(entitlement_id: int):
    """Every change to a package's balance, oldest first, with who made it and why."""
    session = db.session()
    entitlement = shop_entitlement(session, entitlement_id)
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.entitlement_id == entitlement.id)
                           .order_by(LedgerEntry.id))
    return jsonify(entitlement=_present(session, entitlement), entries=[ledger_entry_json(r) for r in rows])


@bp.post("/entitlements/<id:entitlement_id>/adjustments")
@shop_required
@declare("packages", body=Adjustment, answer=LedgerEntryOut, status=201, errors=("NotFound", "Conflict"),
         says="The ledger entry written")
def adjust_entitlement(entitlement_id: int, body: Adjustment):
    """Correct the balance up or down, with a reason."""
    session = db.session()
    row = accounts.adjust(session, g.shop.id, entitlement_id, body.delta, body.reason, actor=staff_actor(),
                          service_id=body.service_id)
    session.flush()
    entry = ledger_entry_json(row)
    session.commit()
    return jsonify(entry), 201


@bp.post("/entitlements/<id:entitlement_id>/revoke")
@shop_required
@declare("packages", body=Revocation, answer=EntitlementOut, errors=("NotFound", "Conflict"),
         says="The revoked package")
def revoke_entitlement(entitlement_id: int, body: Revocation):
    """Take back what is left of the package, with a reason; what was used stays used."""
    session = db.session()
    entitlement = accounts.revoke(session, g.shop.id, entitlement_id, body.reason, actor=staff_actor())
    session.flush()
    body = _present(session, entitlement)
    session.commit()
    return jsonify(body)
