"""Emails Packbook owes customers, recorded once each and sent by a job (booking/jobs.py).

A message is asked for inside the transaction that caused it (a booking, a cancellation), keyed by what it is
about, so a repeat of that step, a retried job or a second worker never sends it twice. Only ids are kept;
the job builds the text when it sends, in the customer's language.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.accounts import entitlement_state
from booking.setup import shop_languages
from booking.models import BookingSettings

from booking.records import Booking, Customer, Entitlement, OutgoingEmail
from db import insert_skipping_duplicates

KEY = ("shop_id", "kind", "subject_key")


def ask(session: Session, shop_id: int, kind: str, subject_key: str, customer: Customer, locale: str,
        data: dict) -> int | None:
    """Record a message to send; returns its id, or None when it was asked for before (or has no address)."""
    if not customer.email or customer.redacted_at is not None:
        return None
    row = session.scalar(insert_skipping_duplicates(session, OutgoingEmail, KEY), {
        "shop_id": shop_id, "kind": kind, "subject_key": subject_key[:200], "recipient": customer.email,
        "locale": locale, "status": "pending", "attempts": 0,
        # Links in the message sign the customer in: by their Shopify id when they have one, else as a guest.
        "data": {**data, "shopify_customer_id": customer.shopify_customer_id}})
    return row.id if row else None


def booking_confirmation(session: Session, shop_id: int, customer: Customer, booked: list[Booking],
                         locale: str) -> int | None:
    """One message for sessions booked together, each with its own manage link and calendar entry."""
    ids = sorted(b.id for b in booked)
    return ask(session, shop_id, "booking_confirmation", "bookings:" + ",".join(map(str, ids)), customer, locale,
               {"booking_ids": ids})


SIGN_IN_EVERY_MINUTES = 10  # one sign-in email per address in each such window, however often it is asked


def sign_in_link(session: Session, shop_id: int, customer: Customer, locale: str, now: datetime) -> int | None:
    window = int(now.timestamp()) // (SIGN_IN_EVERY_MINUTES * 60)
    return ask(session, shop_id, "sign_in", f"sign_in:{customer.id}:{window}", customer, locale, {})


EXPIRING_SOON = timedelta(days=7)


def ask_due(session: Session, now: datetime, *, shop_id: int | None = None) -> int:
    """Ask for every reminder and expiry warning that is due now, in every shop (or only `shop_id`'s); returns
    how many are new.

    Reminders: confirmed sessions starting within the shop's reminder_hours. Expiry warnings: active packages
    with credit left that lapse within seven days. Each is asked once (its key), so running this every minute
    sends each message once."""
    asked = 0
    bookings_in, packages_in = ((), ()) if shop_id is None else \
        ((Booking.shop_id == shop_id,), (Entitlement.shop_id == shop_id,))
    due = session.execute(select(Booking, Customer, BookingSettings.reminder_hours).join(
        Customer, Customer.id == Booking.customer_id).join(BookingSettings, BookingSettings.shop_id == Booking.shop_id)
        .where(Booking.status == "confirmed", Booking.starts_at > now, BookingSettings.reminder_hours > 0,
               Booking.starts_at <= now + timedelta(hours=24 * 7), *bookings_in)).all()
    for booking, customer, hours in due:
        if booking.starts_at <= now + timedelta(hours=hours):
            asked += ask(session, booking.shop_id, "booking_reminder", f"booking:{booking.id}", customer,
                         _language_of(session, customer), {"booking_ids": [booking.id]}) is not None
    lapsing = session.execute(select(Entitlement, Customer).join(Customer, Customer.id == Entitlement.customer_id)
                              .where(Entitlement.status == "active", Entitlement.expires_at > now,
                                     Entitlement.expires_at <= now + EXPIRING_SOON, *packages_in)).all()
    for entitlement, customer in lapsing:
        left = entitlement_state(session, entitlement).remaining
        if left is None or left > 0:
            asked += ask(session, entitlement.shop_id, "expiring_soon", f"package:{entitlement.id}", customer,
                         _language_of(session, customer), {"entitlement_id": entitlement.id}) is not None
    return asked


def _language_of(session: Session, customer: Customer) -> str:
    """The language the customer last used with us (their last email's), else the shop's default."""
    return session.scalar(select(OutgoingEmail.locale).where(
        OutgoingEmail.shop_id == customer.shop_id, OutgoingEmail.recipient == customer.email)
        .order_by(OutgoingEmail.id.desc()).limit(1)) or shop_languages(session, shop_id=customer.shop_id)[0]


def _changes(session: Session, booking: Booking) -> int:
    """How many times the booking has been moved: each calendar update needs a higher SEQUENCE."""
    return len(session.scalars(select(OutgoingEmail.id).where(
        OutgoingEmail.shop_id == booking.shop_id, OutgoingEmail.kind == "booking_moved",
        OutgoingEmail.subject_key.startswith(f"booking:{booking.id}:"))).all())


def booking_moved(session: Session, shop_id: int, customer: Customer, booking: Booking, locale: str) -> int | None:
    sequence = _changes(session, booking) + 1
    return ask(session, shop_id, "booking_moved", f"booking:{booking.id}:{sequence}", customer, locale,
               {"booking_ids": [booking.id], "sequence": sequence})


def booking_cancelled(session: Session, shop_id: int, customer: Customer, booking: Booking,
                      locale: str) -> int | None:
    return ask(session, shop_id, "booking_cancelled", f"booking:{booking.id}", customer, locale,
               {"booking_ids": [booking.id], "sequence": _changes(session, booking) + 1})
