"""Undoing a redemption: a manager reverses a session that was taken from a package by mistake.

Two corrections exist and every surface names which happened. An **undo** reverses one booking's redemption:
"used" goes down, the total stays, the ledger's undo entry names the booking, and the booking is no longer paid
by the package (cancelling it later gives nothing back twice). An **adjust** (booking/accounts.py) changes the
package's total for goodwill or a correction and names no booking. Undo is for the shop's managers only, as the
booking tools merchants know do it; the managers are Shopify staff user ids kept in the booking settings.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.accounts import (
    booking_settings, entitlement_state, lock_entitlement, log_activity, plain, require_manager, write_entry,
)
from booking.errors import InvalidTransition, NotFound
from booking.records import Booking
from booking.rules.ledger import undo_entry


def undo_redemption(session: Session, shop_id: int, booking_id: int, *, reason: str, actor: str,
                    now: datetime) -> Booking:
    """Reverse the booking's redemption; the booking stays as it is, now unpaid."""
    require_manager(booking_settings(session, shop_id), actor, "undo a redemption")
    booking = session.scalar(select(Booking).where(Booking.id == booking_id, Booking.shop_id == shop_id)
                             .with_for_update())
    if booking is None:
        raise NotFound(f"no booking {booking_id} in this shop")
    if booking.entitlement_id is None:
        raise InvalidTransition("this booking was not paid with a package: there is no redemption to undo")
    entitlement = lock_entitlement(session, shop_id, booking.entitlement_id)
    state = entitlement_state(session, entitlement)
    quantity = Decimal(booking.redeemed_quantity or 0)
    entry = undo_entry(state, booking.id, quantity, booking.service_id, reason, at=now)
    write_entry(session, entitlement, entry, actor)
    log_activity(session, shop_id, actor, "undo_redemption", entitlement, reason=entry.reason,
                 before={"used": plain(state.used), "booking_id": booking.id},
                 after={"used": plain(state.used - quantity), "booking_id": booking.id})
    booking.entitlement_id, booking.redeemed_quantity = None, None
    return booking
