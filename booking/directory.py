"""The front desk's view of customers: find one, and read what they own at a glance (Fresha's client summary).

Everything here reads; changes go through accounts (adjust, revoke), assignments and bookings.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from booking.accounts import entitlement_states, plain, shop_zone, describe_package
from booking.customers import display_name
from booking.prepaid import prepaid_balances
from booking.records import Booking, Customer, Entitlement, LedgerEntry


def customer_row(customer: Customer) -> dict:
    return {"id": customer.id, "shopify_customer_id": customer.shopify_customer_id,
            "name": display_name(customer), "first_name": customer.first_name,
            "last_name": customer.last_name, "email": customer.email}


def summary(session: Session, shop_id: int, customer: Customer, now: datetime) -> dict:
    """Sessions, minutes and money left in active packages, gift-card balances last seen, no-shows, late
    cancellations and sessions to come: the numbers a receptionist reads before saying anything."""
    rows = session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id,
                                                     Entitlement.customer_id == customer.id)).all()
    states = entitlement_states(session, {row.id for row in rows if row.status == "active"})
    left: dict[str, Decimal] = defaultdict(Decimal)
    credit: dict[str, Decimal] = defaultdict(Decimal)
    unlimited = 0
    for row in rows:
        state = states.get(row.id)
        if state is None or (state.expires_at is not None and state.expires_at <= now):
            continue
        if state.terms.unit == "unlimited":
            unlimited += 1
        elif state.terms.unit == "money":
            credit[state.terms.currency or ""] += state.remaining
        else:
            left[state.terms.unit] += state.remaining
    gift_cards: dict[str, Decimal] = defaultdict(Decimal)
    for _balance, card in prepaid_balances(session, shop_id, customer):
        if card is not None and card.balance is not None and card.enabled:
            gift_cards[card.currency or ""] += card.balance
    return {
        "sessions_left": plain(left["sessions"]), "minutes_left": plain(left["minutes"]),
        "credit": [{"amount": plain(v), "currency": c or None} for c, v in sorted(credit.items())],
        "gift_card_balance": [{"amount": f"{v:.2f}", "currency": c or None} for c, v in sorted(gift_cards.items())],
        "unlimited_passes": unlimited,
        "no_shows": _count(session, shop_id, customer, Booking.status == "no_show"),
        "late_cancellations": _late_cancellations(session, shop_id, customer),
        "upcoming": _count(session, shop_id, customer, Booking.status.in_(("confirmed", "held")),
                           Booking.starts_at >= now),
    }


def _count(session: Session, shop_id: int, customer: Customer, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(Booking).where(
        Booking.shop_id == shop_id, Booking.customer_id == customer.id, *conditions)) or 0


def _late_cancellations(session: Session, shop_id: int, customer: Customer) -> int:
    # A late cancellation is a cancelled booking whose package kept the session: its ledger has a forfeit.
    return session.scalar(select(func.count(func.distinct(Booking.id))).select_from(Booking).join(
        LedgerEntry, (LedgerEntry.booking_id == Booking.id) & (LedgerEntry.kind == "forfeit")).where(
        Booking.shop_id == shop_id, Booking.customer_id == customer.id, Booking.status == "cancelled")) or 0


def packages(session: Session, shop_id: int, customer: Customer, now: datetime) -> list[dict]:
    """Every package, active ones first, each as people read it."""
    rows = session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id,
                                                     Entitlement.customer_id == customer.id)
                           .order_by(Entitlement.id.desc())).all()
    zone = shop_zone(session, shop_id)
    described = [describe_package(session, row, zone, now) for row in rows]
    return sorted(described, key=lambda p: (p["status"] != "active", p["expires_at"] is None, p["expires_at"] or ""))
