"""/api/availability and /api/bookings: open slots, booking (one or several), and each booking's life."""
from __future__ import annotations

from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from flask import g, jsonify
from pydantic import Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

import db
from booking import accounts, bookings
from booking.accounts import plain
from booking.api import bp, iso, local_instant, money, staff_actor, utc_now
from booking.api.shopify import shopify_edge, staff_customer
from booking.bookings import SessionRequest
from booking.customers import display_name
from booking.self_service import cancel_outcome
from booking.errors import NotFound, ValidationFailed
from booking.models import Service
from booking.records import BOOKING_STATUSES, Booking, Customer, Entitlement
from endpoints import InvalidInput, declare
from endpoints.fields import Flag, Id, Instant, InstantOrDay, SmallId
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required

MAX_SESSIONS = 50  # per request: all of them are checked and locked in one transaction
MAX_LISTED = 2000  # a busy week for a dozen staff


class AvailabilityQuery(Body):
    service_id: SmallId = Field(description="The service")
    resource_id: SmallId | None = Field(None, description="Only this resource")
    from_: InstantOrDay = Field(alias="from", description="Start of the range")
    to: InstantOrDay = Field(description="End of the range (exclusive; at most 62 days after from)")


class BookingsQuery(Body):
    from_: InstantOrDay | None = Field(None, alias="from", description="Bookings ending after this")
    to: InstantOrDay | None = Field(None, description="Bookings starting before this")
    resource_id: SmallId | None = Field(None, description="Only this resource's")
    customer_id: Id | None = Field(None, description="Only this Shopify customer's")


class SessionInput(Body):
    """One session to book: which service, with whom, when."""

    service_id: SmallId
    resource_id: SmallId
    starts_at: Instant

    def request(self) -> SessionRequest:
        return SessionRequest(service_id=self.service_id, resource_id=self.resource_id, starts_at=self.starts_at)


class BookingInput(Body):
    """Book one session (service_id, resource_id, starts_at) or several at once (sessions): all or none."""

    customer_id: Id = Field(description="Shopify customer id; created when new")
    service_id: SmallId | None = None
    resource_id: SmallId | None = None
    starts_at: Instant | None = None
    sessions: list[SessionInput] | None = Field(
        None, min_length=1, max_length=MAX_SESSIONS,
        description="Instead of service_id/resource_id/starts_at, to book several at once")
    entitlement_id: Id | None = Field(None, description="Pay from this package rather than the one expiring first")
    use_package: Flag | None = Field(
        None, description="Left out: redeem a package that covers the session, or book a members-only service "
                          "under the customer's membership. true: a package must pay. false: book without one.")

    model_config = {"json_schema_extra": {"example": {
        "customer_id": 7001, "service_id": 1, "resource_id": 2, "starts_at": "2026-12-01T10:00:00+01:00"}}}

    @model_validator(mode="after")
    def _one_form(self) -> BookingInput:
        single = {"service_id": self.service_id, "resource_id": self.resource_id, "starts_at": self.starts_at}
        if self.sessions is not None:
            for name, value in single.items():
                if value is not None:
                    raise InvalidInput(name, f"{name} goes inside each of sessions when sessions is given")
            return self
        for name, value in single.items():
            if value is None:
                raise InvalidInput(name, f"{name} is required (or list several in sessions)")
        return self

    def requests(self) -> list[SessionRequest]:
        if self.sessions is not None:
            return [item.request() for item in self.sessions]
        return [SessionRequest(service_id=self.service_id, resource_id=self.resource_id, starts_at=self.starts_at)]


class Reschedule(Body):
    """A new start, and optionally another resource; the credit stays."""

    starts_at: Instant
    resource_id: SmallId | None = None

    model_config = {"json_schema_extra": {"example": {"starts_at": "2026-12-02T11:00:00+01:00"}}}


class RedeemedFrom(Answer):
    entitlement_id: int
    title: str
    progress: str = Field(examples=["1 of 5 used"])
    quantity: str | None
    unit: str


class BookingOut(Answer):
    id: int
    status: Literal[BOOKING_STATUSES]
    service_id: int
    resource_id: int
    customer_id: int | None = Field(description="Shopify customer id")
    customer_name: str = Field(description="How staff know the customer: name, else email")
    starts_at: datetime
    ends_at: datetime
    source: str
    group_id: str | None
    price: str | None = Field(description="0.00 when paid from a package")
    currency: str | None
    redeemed_from: RedeemedFrom | None
    created_by: str
    created_at: datetime
    cancelled_at: datetime | None


class Outcomes(Answer):
    cancel: Literal["restore", "forfeit", "unpaid"] = Field(
        description="Cancelling now: the session goes back, counts as used (late, under a forfeit rule), or "
                    "there is no package")
    no_show: Literal["restore", "forfeit", "unpaid"] = Field(description="Marking a no-show, by the plan's rule")


class BookingDetail(BookingOut):
    outcomes: Outcomes = Field(description="What each action would do to the package, asked before confirming")


class PayWithPackage(Body):
    """Which package pays; left out, the one expiring first that covers the session."""

    entitlement_id: Id | None = None


class BookingList(Answer):
    bookings: list[BookingOut]


class Slot(Answer):
    start: datetime
    end: datetime
    remaining: int


class ResourceSlots(Answer):
    resource_id: int
    slots: list[Slot]


class Availability(Answer):
    timezone: str
    service_id: int
    resources: list[ResourceSlots]


def booking_json(session: Session, booking: Booking, zone: ZoneInfo, progress: dict | None = None) -> dict:
    """A booking as the admin shows it; a session paid from a package costs 0 and names the package."""
    service = session.get(Service, booking.service_id)
    paid_by_package = booking.redeemed_quantity is not None
    customer = session.get(Customer, booking.customer_id)
    return {
        "id": booking.id, "status": booking.status, "service_id": booking.service_id,
        "resource_id": booking.resource_id,
        "customer_id": customer.shopify_customer_id, "customer_name": display_name(customer),
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
@declare("bookings", query=AvailabilityQuery, answer=Availability, errors=("NotFound",),
         says="Slots in the shop's zone")
def availability(query: AvailabilityQuery):
    """Open slots for a service, per resource, by staff rules (short notice and far ahead allowed)."""
    session = db.session()
    zone = accounts.shop_zone(session, g.shop.id)
    start, end = local_instant(query.from_, zone), local_instant(query.to, zone)
    service_id = query.service_id
    slots = bookings.available_slots(session, g.shop.id, service_id, query.resource_id, start, end, utc_now(),
                                     staff=True)
    return jsonify(timezone=zone.key, service_id=service_id, resources=[
        {"resource_id": rid, "slots": [slot.to_json(zone) for slot in found]} for rid, found in slots.items()])


@bp.get("/bookings")
@shop_required
@declare("bookings", query=BookingsQuery, answer=BookingList, says="The bookings")
def list_bookings(query: BookingsQuery):
    """Bookings overlapping [from, to), by start time (at most 500); optionally one resource's or customer's."""
    session = db.session()
    zone = accounts.shop_zone(session, g.shop.id)
    rows = session.scalars(_listed(query, zone).order_by(Booking.starts_at, Booking.id).limit(MAX_LISTED)).all()
    progress, _loaded = preload(session, rows)
    return jsonify(bookings=[booking_json(session, row, zone, progress) for row in rows])


def _listed(query: BookingsQuery, zone: ZoneInfo):
    if query.from_ is not None and query.to is not None \
            and local_instant(query.to, zone) <= local_instant(query.from_, zone):
        raise ValidationFailed("`to` must be after `from`", field="to")
    listed = select(Booking).where(Booking.shop_id == g.shop.id)
    if query.from_ is not None:
        listed = listed.where(Booking.ends_at > local_instant(query.from_, zone))
    if query.to is not None:
        listed = listed.where(Booking.starts_at < local_instant(query.to, zone))
    if query.resource_id is not None:
        listed = listed.where(Booking.resource_id == query.resource_id)
    if query.customer_id is not None:
        listed = listed.join(Customer, Customer.id == Booking.customer_id).where(
            Customer.shopify_customer_id == query.customer_id)
    return listed


def preload(session: Session, rows: list[Booking]) -> tuple[dict, list]:
    """Load the listed bookings' services, customers and packages in a few queries, not a few per booking.

    session.get then finds them in the identity map, which holds rows only weakly: the caller keeps the
    returned list alive while it serializes. The dict is the packages' progress for _redeemed_from."""
    loaded = []
    for model, ids in ((Service, {b.service_id for b in rows}), (Customer, {b.customer_id for b in rows})):
        if ids:
            loaded += session.scalars(select(model).where(model.id.in_(ids))).all()
    states = accounts.entitlement_states(session, {b.entitlement_id for b in rows if b.entitlement_id})
    return {i: (s.terms.title, s.progress_label, s.terms.ledger_unit) for i, s in states.items()}, loaded


@bp.get("/bookings/<id:booking_id>")
@shop_required
@declare("bookings", answer=BookingDetail, errors=("NotFound",), says="The booking")
def get_booking(booking_id: int):
    """Read one booking, with what cancelling it or marking a no-show would do to its package now."""
    session = db.session()
    booking = session.scalar(select(Booking).where(Booking.id == booking_id, Booking.shop_id == g.shop.id))
    if booking is None:
        raise NotFound(f"no booking {booking_id} in this shop")
    outcomes = {"cancel": cancel_outcome(session, g.shop.id, booking, utc_now()),
                "no_show": bookings.no_show_outcome(session, booking)}
    return jsonify({**booking_json(session, booking, accounts.shop_zone(session, g.shop.id)), "outcomes": outcomes})


@bp.post("/bookings")
@shop_required
@shopify_edge
@declare("bookings", body=BookingInput, answer=[BookingOut, BookingList], status=201,
         errors=("NotFound", "Conflict", "ShopifyUnavailable"), says="The booking (single form) or {bookings: [...]} (sessions form)",
         description="Paid from the customer's package that expires first (or `entitlement_id`) unless "
                     "`use_package` is false; a members-only service needs a membership that opens it. A customer "
                     "Packbook has not seen is checked with Shopify first: 404 `customer_id` if the shop has none.")
def create_bookings(body: BookingInput):
    """Book one session, or several at once (all or none); paid from a package unless use_package is false."""
    session = db.session()
    bookings.require_catalog(session, g.shop.id, body.requests())
    customer = staff_customer(body.customer_id)
    booked = bookings.book_sessions(session, g.shop.id, customer, body.requests(), actor=staff_actor(),
                                    now=utc_now(), use_package=body.use_package, entitlement_id=body.entitlement_id)
    zone, progress = accounts.shop_zone(session, g.shop.id), {}
    items = [booking_json(session, booking, zone, progress) for booking in booked]
    session.commit()
    return jsonify({"bookings": items} if body.sessions is not None else items[0]), 201


def _changed(booking: Booking):
    session = db.session()
    session.flush()
    body = booking_json(session, booking, accounts.shop_zone(session, g.shop.id))
    session.commit()
    return jsonify(body)


@bp.post("/bookings/<id:booking_id>/cancel")
@shop_required
@declare("bookings", answer=BookingOut, errors=("NotFound", "Conflict"), says="The booking as it is now")
def cancel_booking(booking_id: int):
    """Cancel: the credit comes back before the cutoff; after it, the plan's late-cancel rule applies."""
    return _changed(bookings.cancel_booking(db.session(), g.shop.id, booking_id, actor=staff_actor(),
                                            now=utc_now()))


@bp.post("/bookings/<id:booking_id>/reschedule")
@shop_required
@declare("bookings", body=Reschedule, answer=BookingOut, errors=("NotFound", "Conflict"),
         says="The booking as it is now")
def reschedule_booking(booking_id: int, body: Reschedule):
    """Move a session to a new start (and optionally another resource), keeping its credit."""
    return _changed(bookings.reschedule_booking(db.session(), g.shop.id, booking_id, body.starts_at,
                                                actor=staff_actor(), now=utc_now(), resource_id=body.resource_id))


@bp.post("/bookings/<id:booking_id>/pay-with-package")
@shop_required
@declare("bookings", body=PayWithPackage, body_required=False, answer=BookingOut, errors=("NotFound", "Conflict"),
         says="The booking, now paid from the package")
def pay_with_package(booking_id: int, body: PayWithPackage):
    """Pay an unpaid booking from a package the customer holds or has since bought; the redemption names it."""
    return _changed(bookings.pay_with_package(db.session(), g.shop.id, booking_id, entitlement_id=body.entitlement_id,
                                              actor=staff_actor(), now=utc_now()))


@bp.post("/bookings/<id:booking_id>/no-show")
@shop_required
@declare("bookings", answer=BookingOut, errors=("NotFound", "Conflict"), says="The booking as it is now")
def mark_no_show(booking_id: int):
    """The customer did not come: the plan's no-show rule decides what happens to the credit."""
    return _changed(bookings.mark_no_show(db.session(), g.shop.id, booking_id, actor=staff_actor(), now=utc_now()))


@bp.post("/bookings/<id:booking_id>/complete")
@shop_required
@declare("bookings", answer=BookingOut, errors=("NotFound", "Conflict"), says="The booking as it is now")
def complete_booking(booking_id: int):
    """The session took place."""
    return _changed(bookings.mark_completed(db.session(), g.shop.id, booking_id, actor=staff_actor(),
                                            now=utc_now()))
