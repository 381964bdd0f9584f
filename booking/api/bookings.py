"""/api/availability and /api/bookings: open slots, booking (one or several), and each booking's life."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

import db
from booking import accounts, bookings
from booking.accounts import plain
from booking.api import (bp, iso, json_body, money, query_id, read_id, read_instant, read_instant_or_date,
                         staff_actor, utc_now)
from booking.errors import NotFound, ValidationFailed
from booking.models import Service
from booking.records import Booking, Customer, Entitlement
from booking.bookings import SessionRequest
from shopify_app.auth import shop_required

MAX_SESSIONS = 50  # per request: all of them are checked and locked in one transaction
MAX_LISTED = 500


def booking_json(session: Session, booking: Booking, zone: ZoneInfo, progress: dict | None = None) -> dict:
    """A booking as the admin shows it; a session paid from a package costs 0 and names the package."""
    service = session.get(Service, booking.service_id)
    paid_by_package = booking.redeemed_quantity is not None
    return {
        "id": booking.id, "status": booking.status, "service_id": booking.service_id,
        "resource_id": booking.resource_id,
        "customer_id": session.get(Customer, booking.customer_id).shopify_customer_id,
        "starts_at": iso(booking.starts_at, zone), "ends_at": iso(booking.ends_at, zone),
        "source": booking.source, "group_id": booking.group_id,
        "price": "0.00" if paid_by_package else money(service.price), "currency": service.currency,
        "redeemed_from": _redeemed_from(session, booking, {} if progress is None else progress),
        "created_by": booking.created_by, "created_at": booking.created_at.isoformat(),
        "cancelled_at": iso(booking.cancelled_at, zone),
    }


def _redeemed_from(session: Session, booking: Booking, seen: dict) -> dict | None:
    if booking.entitlement_id is None:
        return None
    if booking.entitlement_id not in seen:  # a list shows each package's progress once, read once
        state = accounts.entitlement_state(session, session.get(Entitlement, booking.entitlement_id))
        seen[booking.entitlement_id] = (state.terms.title, state.progress_label, state.terms.ledger_unit)
    title, progress, unit = seen[booking.entitlement_id]
    return {"entitlement_id": booking.entitlement_id, "title": title, "progress": progress,
            "quantity": plain(booking.redeemed_quantity), "unit": unit}


@bp.get("/availability")
@shop_required
def availability():
    """Open slots per resource for one service, by staff rules (short notice and far ahead allowed)."""
    session = db.session()
    zone = accounts.shop_zone(session, g.shop.id)
    service_id, resource_id = query_id("service_id", required=True), query_id("resource_id")
    start = read_instant_or_date(request.args.get("from"), "from", zone)
    end = read_instant_or_date(request.args.get("to"), "to", zone)
    slots = bookings.available_slots(session, g.shop.id, service_id, resource_id, start, end, utc_now(), staff=True)
    return jsonify(timezone=zone.key, service_id=service_id, resources=[
        {"resource_id": rid, "slots": [slot.to_json(zone) for slot in found]} for rid, found in slots.items()])


@bp.get("/bookings")
@shop_required
def list_bookings():
    """The shop's bookings overlapping [from, to), by start; optionally one resource's or one customer's."""
    session = db.session()
    zone = accounts.shop_zone(session, g.shop.id)
    query = select(Booking).where(Booking.shop_id == g.shop.id)
    if request.args.get("from"):
        query = query.where(Booking.ends_at > read_instant_or_date(request.args["from"], "from", zone))
    if request.args.get("to"):
        query = query.where(Booking.starts_at < read_instant_or_date(request.args["to"], "to", zone))
    if (resource_id := query_id("resource_id")) is not None:
        query = query.where(Booking.resource_id == resource_id)
    if (customer_id := query_id("customer_id")) is not None:
        query = query.join(Customer, Customer.id == Booking.customer_id).where(
            Customer.shopify_customer_id == customer_id)
    rows = session.scalars(query.order_by(Booking.starts_at, Booking.id).limit(MAX_LISTED)).all()
    progress, _loaded = _preload(session, rows)
    return jsonify(bookings=[booking_json(session, row, zone, progress) for row in rows])


def _preload(session: Session, rows: list[Booking]) -> tuple[dict, list]:
    """Load the listed bookings' services, customers and packages in a few queries, not a few per booking.

    session.get then finds them in the identity map, which holds rows only weakly: the caller keeps the
    returned list alive while it serializes. The dict is the packages' progress for _redeemed_from."""
    loaded = []
    for model, ids in ((Service, {b.service_id for b in rows}), (Customer, {b.customer_id for b in rows})):
        if ids:
            loaded += session.scalars(select(model).where(model.id.in_(ids))).all()
    states = accounts.entitlement_states(session, {b.entitlement_id for b in rows if b.entitlement_id})
    return {i: (s.terms.title, s.progress_label, s.terms.ledger_unit) for i, s in states.items()}, loaded


@bp.get("/bookings/<int:booking_id>")
@shop_required
def get_booking(booking_id: int):
    """One booking of this shop."""
    session = db.session()
    booking = session.scalar(select(Booking).where(Booking.id == booking_id, Booking.shop_id == g.shop.id))
    if booking is None:
        raise NotFound(f"no booking {booking_id} in this shop")
    return jsonify(booking_json(session, booking, accounts.shop_zone(session, g.shop.id)))


def _session_request(item, prefix: str) -> SessionRequest:
    if not isinstance(item, dict):
        raise ValidationFailed("a session is {service_id, resource_id, starts_at}", field=prefix.rstrip("."))
    return SessionRequest(service_id=read_id(item.get("service_id"), f"{prefix}service_id"),
                          resource_id=read_id(item.get("resource_id"), f"{prefix}resource_id"),
                          starts_at=read_instant(item.get("starts_at"), f"{prefix}starts_at"))


def _session_requests(body: dict) -> list[SessionRequest]:
    if "sessions" not in body:
        return [_session_request(body, "")]
    items = body["sessions"]
    if not isinstance(items, list) or not 0 < len(items) <= MAX_SESSIONS:
        raise ValidationFailed(f"sessions must list 1 to {MAX_SESSIONS} sessions", field="sessions")
    return [_session_request(item, f"sessions[{i}].") for i, item in enumerate(items)]


@bp.post("/bookings")
@shop_required
def create_bookings():
    """Book one session, or several at once (all or none); paid from a package unless use_package is false."""
    body = json_body()
    customer_id = read_id(body.get("customer_id"), "customer_id")
    requests = _session_requests(body)
    entitlement_id = read_id(body.get("entitlement_id"), "entitlement_id", required=False)
    use_package = body.get("use_package", True)
    if not isinstance(use_package, bool):
        raise ValidationFailed("use_package must be true or false", field="use_package")
    session = db.session()
    customer = accounts.customer_by_shopify_id(session, g.shop.id, customer_id, create=True)
    booked = bookings.book_sessions(session, g.shop.id, customer, requests, actor=staff_actor(), now=utc_now(),
                                    use_package=use_package, entitlement_id=entitlement_id)
    zone, progress = accounts.shop_zone(session, g.shop.id), {}
    items = [booking_json(session, booking, zone, progress) for booking in booked]
    session.commit()
    return jsonify({"bookings": items} if "sessions" in body else items[0]), 201


def _changed(booking: Booking):
    session = db.session()
    session.flush()
    body = booking_json(session, booking, accounts.shop_zone(session, g.shop.id))
    session.commit()
    return jsonify(body)


@bp.post("/bookings/<int:booking_id>/cancel")
@shop_required
def cancel_booking(booking_id: int):
    """Cancel: the credit comes back before the cutoff; after it, the plan's late-cancel rule applies."""
    return _changed(bookings.cancel_booking(db.session(), g.shop.id, booking_id, actor=staff_actor(),
                                            now=utc_now()))


@bp.post("/bookings/<int:booking_id>/reschedule")
@shop_required
def reschedule_booking(booking_id: int):
    """Move a session to a new start (and optionally another resource), keeping its credit."""
    body = json_body()
    starts_at = read_instant(body.get("starts_at"), "starts_at")
    resource_id = read_id(body.get("resource_id"), "resource_id", required=False)
    return _changed(bookings.reschedule_booking(db.session(), g.shop.id, booking_id, starts_at, actor=staff_actor(),
                                                now=utc_now(), resource_id=resource_id))


@bp.post("/bookings/<int:booking_id>/no-show")
@shop_required
def mark_no_show(booking_id: int):
    """The customer did not come: the plan's no-show rule decides what happens to the credit."""
    return _changed(bookings.mark_no_show(db.session(), g.shop.id, booking_id, actor=staff_actor(), now=utc_now()))


@bp.post("/bookings/<int:booking_id>/complete")
@shop_required
def complete_booking(booking_id: int):
    """The session took place."""
    return _changed(bookings.mark_completed(db.session(), g.shop.id, booking_id, actor=staff_actor(),
                                            now=utc_now()))
