"""Bookings paid through Shopify checkout: the customer picks times of a priced service, Packbook holds them
for the shop's `hold_minutes`, and sends the customer to checkout for the service's variant with the hold's
reference in a cart attribute. Shopify takes the payment (gift cards and discounts included); `orders/paid`
carries the attribute back and confirms the held sessions through the same job path as every order.

The carrier: a cart permalink `https://{shop}/cart/{variant}:{quantity}?attributes[packbook_hold]={ref}`.
Cart attributes become the order's `note_attributes` (see README, "Paying at checkout", for the sources).

A hold that lapses frees its time (availability ignores it at once; `release_lapsed` marks it expired). A
payment that arrives after its hold lapsed still books the times if they are free; if not, it goes on the
merchant's attention list with the order and amount, and the customer is told. It is never silently lost.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import bookings, notifications
from booking.accounts import booking_settings
from booking.bookings import SessionRequest
from booking.errors import BookingError, ValidationFailed
from booking.models import Service
from booking.order_facts import OrderFacts
from booking.records import ActivityLog, Booking, Customer, Order

ATTRIBUTE = "packbook_hold"


def hold_for_checkout(session: Session, shop_id: int, customer: Customer, requests: list[SessionRequest], *,
                      now: datetime) -> tuple[str, list[Booking]]:
    """Hold the sessions (all or none) for the shop's hold_minutes; returns the hold's reference and rows."""
    service_ids = {r.service_id for r in requests}
    if len(service_ids) != 1:
        raise ValidationFailed("hold sessions of one service at a time", field="sessions")
    service = session.get(Service, next(iter(service_ids)))
    if service is None or service.shop_id != shop_id or not service.shopify_variant_id or service.price is None:
        raise ValidationFailed("this service is not sold at checkout", field="service_id")
    held = bookings.book_sessions(session, shop_id, customer, requests, actor=f"customer:{customer.id}", now=now,
                                  use_package=False, source="checkout")
    until = now + timedelta(minutes=booking_settings(session, shop_id).hold_minutes)
    reference = uuid.uuid4().hex
    for booking in held:
        booking.status, booking.hold_expires_at, booking.group_id = "held", until, reference
    session.flush()
    return reference, held


def checkout_url(shop_domain: str, variant_id: str, quantity: int, reference: str) -> str:
    """The cart permalink that sends the customer to checkout with the hold's reference as a cart attribute."""
    return (f"https://{shop_domain}/cart/{quote(str(variant_id))}:{quantity}"
            f"?attributes%5B{ATTRIBUTE}%5D={quote(reference)}")


release_lapsed = bookings.release_lapsed_holds


def confirm_paid(session: Session, shop_id: int, facts: OrderFacts, *, now: datetime) -> str | None:
    """Confirm the sessions an order paid for (its `packbook_hold` attribute); returns what happened, or None
    when the order carries no hold. Idempotent: confirmed sessions stay confirmed on a repeat delivery."""
    reference = (facts.attributes or {}).get(ATTRIBUTE)
    if not reference:
        return _service_paid_without_hold(session, shop_id, facts)
    rows = session.scalars(select(Booking).where(Booking.shop_id == shop_id, Booking.group_id == reference)
                           .order_by(Booking.starts_at).with_for_update()).all()
    if not rows:
        return _hold_unknown(session, shop_id, facts, reference)
    if all(row.status == "confirmed" for row in rows):
        return "already confirmed"
    if not _paid_for(session, rows, facts):
        return _flag(session, shop_id, facts, rows, "the order does not pay for every held session")
    lapsed = [row for row in rows if row.status != "held"]
    if not lapsed:
        for row in rows:
            row.status, row.hold_expires_at = "confirmed", None
        return "confirmed"
    return _rebook_lapsed(session, shop_id, facts, rows, now)


def _service_paid_without_hold(session, shop_id: int, facts: OrderFacts) -> str | None:
    """A service sold at checkout, paid without a hold reference (bought from the shop's own product page, or
    the attribute lost on the way): nobody knows which time it is for, so the merchant must look."""
    variants = {line.variant_id for line in facts.lines if line.variant_id}
    if not variants:
        return None
    sold = session.scalar(select(Service.id).where(Service.shop_id == shop_id,
                                                   Service.shopify_variant_id.in_(sorted(variants))).limit(1))
    if sold is None:
        return None
    return _flag(session, shop_id, facts, [], "a session was paid for without a held time; book one with the "
                                              "customer")


def _paid_for(session, rows: list[Booking], facts: OrderFacts) -> bool:
    variant = session.get(Service, rows[0].service_id).shopify_variant_id
    return sum(line.quantity for line in facts.lines if line.variant_id == str(variant)) >= len(rows)


def _rebook_lapsed(session, shop_id, facts, rows, now) -> str:
    """The hold ran out before the payment came: book the same times again if they are still free."""
    customer = session.get(Customer, rows[0].customer_id)
    requests = [SessionRequest(row.service_id, row.resource_id, row.starts_at) for row in rows]
    for row in rows:
        row.status, row.hold_expires_at, row.group_id = "expired", None, None  # out of the way of the new ones
    session.flush()
    try:
        with session.begin_nested():
            again = bookings.book_sessions(session, shop_id, customer, requests, actor="system:order", now=now,
                                           use_package=False, source="checkout")
    except BookingError:
        # The customer paid and has no session: they hear it from us, and the merchant refunds or rebooks.
        notifications.ask(session, shop_id, "hold_not_booked", f"order:{facts.order_id}", customer, "en",
                          {"booking_ids": [row.id for row in rows]})
        return _flag(session, shop_id, facts, rows, "the hold lapsed before payment and its time was taken")
    for booking in again:
        booking.group_id = rows[0].group_id or facts.attributes.get(ATTRIBUTE)
    return "confirmed after the hold lapsed"


def _hold_unknown(session, shop_id, facts, reference) -> str:
    return _flag(session, shop_id, facts, [], f"the order names a hold Packbook does not have ({reference[:12]})")


def _flag(session, shop_id, facts: OrderFacts, rows: list[Booking], why: str) -> str:
    """Put the paid order on the attention list (refund or rebook), once per order."""
    order = session.scalar(select(Order).where(Order.shop_id == shop_id, Order.shopify_order_id == facts.order_id))
    if order is None:
        return "flagged"
    exists = session.scalar(select(ActivityLog.id).where(
        ActivityLog.shop_id == shop_id, ActivityLog.subject_type == "order", ActivityLog.subject_id == order.id,
        ActivityLog.action == "paid_hold_not_booked"))
    if exists is None:
        paid = sum((line.paid_per_item * line.quantity for line in facts.lines), Decimal(0))
        session.add(ActivityLog(
            shop_id=shop_id, actor="system:order", action="paid_hold_not_booked", subject_type="order",
            subject_id=order.id, attention=True, reason=f"paid but not booked: {why}; refund or rebook",
            after={"amount_paid": format(paid.quantize(Decimal("0.01")), "f"), "currency": facts.currency,
                   "sessions": [row.starts_at.isoformat() for row in rows]}))
    return "flagged"
