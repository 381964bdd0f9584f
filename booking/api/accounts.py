"""/api/customers/{id}/entitlements, /api/entitlements/{id}/..., /api/reports/liability: customers' packages."""
from __future__ import annotations


from flask import g, jsonify
from sqlalchemy import select
from sqlalchemy.orm import Session

import db
from booking import accounts
from booking.accounts import plain
from booking.api import bp, json_body, read_decimal, read_id, staff_actor, utc_now
from booking.errors import NotFound, ValidationFailed
from booking.records import Entitlement, LedgerEntry
from shopify_app.auth import shop_required


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


@bp.get("/customers/<int:customer_id>/entitlements")
@shop_required
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


@bp.post("/customers/<int:customer_id>/entitlements")
@shop_required
def assign_plan(customer_id: int):
    """Give a customer a plan by hand (the customer is created from the Shopify id if new); 201."""
    plan_id = read_id(json_body().get("plan_id"), "plan_id")
    session = db.session()
    customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id, create=True)
    entitlement = accounts.assign_plan(session, g.shop.id, customer, plan_id, actor=staff_actor(), now=utc_now())
    body = _present(session, entitlement)
    session.commit()
    return jsonify(body), 201


@bp.get("/entitlements/<int:entitlement_id>")
@shop_required
def get_entitlement(entitlement_id: int):
    """One package of this shop."""
    session = db.session()
    return jsonify(_present(session, shop_entitlement(session, entitlement_id)))


@bp.get("/entitlements/<int:entitlement_id>/ledger")
@shop_required
def entitlement_ledger(entitlement_id: int):
    """Every change to a package's balance, oldest first, with who made it and why."""
    session = db.session()
    entitlement = shop_entitlement(session, entitlement_id)
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.entitlement_id == entitlement.id)
                           .order_by(LedgerEntry.id))
    return jsonify(entitlement=_present(session, entitlement), entries=[ledger_entry_json(r) for r in rows])


@bp.post("/entitlements/<int:entitlement_id>/adjustments")
@shop_required
def adjust_entitlement(entitlement_id: int):
    """A correction up or down with a required reason; 201 with the ledger entry."""
    body = json_body()
    if body.get("delta") is None:
        raise ValidationFailed("delta is required", field="delta")
    delta = read_decimal(body["delta"], "delta")
    service_id = read_id(body.get("service_id"), "service_id", required=False)
    session = db.session()
    row = accounts.adjust(session, g.shop.id, entitlement_id, delta, body.get("reason"), actor=staff_actor(),
                          service_id=service_id)
    session.flush()
    entry = ledger_entry_json(row)
    session.commit()
    return jsonify(entry), 201


@bp.post("/entitlements/<int:entitlement_id>/revoke")
@shop_required
def revoke_entitlement(entitlement_id: int):
    """Take back what is left of a package, with a required reason; what was used stays used."""
    reason = json_body().get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("say why the package is being revoked", field="reason")
    session = db.session()
    entitlement = accounts.revoke(session, g.shop.id, entitlement_id, reason.strip(), actor=staff_actor())
    session.flush()
    body = _present(session, entitlement)
    session.commit()
    return jsonify(body)


@bp.get("/reports/liability")
@shop_required
def liability_report():
    """What the shop still owes in sessions, minutes and money, per plan and expiry month."""
    session = db.session()
    return jsonify(timezone=accounts.shop_zone(session, g.shop.id).key,
                   rows=accounts.liability(session, g.shop.id, utc_now()))
