"""Emails Packbook owes customers, recorded once each and sent by a job (booking/jobs.py).

A message is asked for inside the transaction that caused it (a booking, a cancellation), keyed by what it is
about, so a repeat of that step, a retried job or a second worker never sends it twice. Only ids are kept;
the job builds the text when it sends, in the customer's language.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from booking.records import Booking, Customer, OutgoingEmail
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


def booking_cancelled(session: Session, shop_id: int, customer: Customer, booking: Booking,
                      locale: str) -> int | None:
    return ask(session, shop_id, "booking_cancelled", f"booking:{booking.id}", customer, locale,
               {"booking_ids": [booking.id]})
