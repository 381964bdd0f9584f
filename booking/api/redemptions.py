"""/api/bookings/{id}/undo-redemption: a manager reverses a session taken from a package by mistake."""
from __future__ import annotations

from flask import g, jsonify
from sqlalchemy import select

import db
from booking import accounts, redemptions
from booking.api import bp, staff_actor, utc_now
from booking.api.accounts import EntitlementOut, LedgerEntryOut, Reason, ledger_entry_json
from booking.api.bookings import BookingOut, booking_json
from booking.records import Entitlement, LedgerEntry
from endpoints import declare
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required


class Undo(Body):
    """Why the redemption is being undone (kept in the package's history)."""

    reason: Reason

    model_config = {"json_schema_extra": {"example": {"reason": "redeemed from the wrong customer's package"}}}


class UndoneRedemption(Answer):
    booking: BookingOut
    entitlement: EntitlementOut
    entry: LedgerEntryOut


@bp.post("/bookings/<id:booking_id>/undo-redemption")
@shop_required
@declare("packages", body=Undo, answer=UndoneRedemption, errors=("Forbidden", "NotFound", "Conflict"),
         says="The booking (now unpaid), its package and the undo entry",
         description="Managers only (settings: `manager_user_ids`), else 403 `managers_only`. \"Used\" goes down "
                     "and the total stays; to change the total instead, adjust the package. A redemption already "
                     "given back, or a revoked or expired package, is a 409 `invalid_transition`.")
def undo_redemption(booking_id: int, body: Undo):
    """Undo a booking's redemption: the session goes back into its package and the booking is unpaid."""
    session = db.session()
    booking = redemptions.undo_redemption(session, g.shop.id, booking_id, reason=body.reason, actor=staff_actor(),
                                          now=utc_now())
    session.flush()
    entry = session.scalar(select(LedgerEntry).where(LedgerEntry.shop_id == g.shop.id,
                                                     LedgerEntry.booking_id == booking.id, LedgerEntry.kind == "undo")
                           .order_by(LedgerEntry.id.desc()).limit(1))
    zone, now = accounts.shop_zone(session, g.shop.id), utc_now()
    answer = {"booking": booking_json(session, booking, zone),
              "entitlement": accounts.describe_package(session, session.get(Entitlement, entry.entitlement_id),
                                                       zone, now),
              "entry": ledger_entry_json(entry)}
    session.commit()
    return jsonify(answer)
