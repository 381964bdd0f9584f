"""Booking use cases: availability, book (one or several, all or nothing), cancel, reschedule,
no-show, complete. Callers own the transaction; these functions take the locks they need.

Locks are always taken in the same order — resources, then bookings, then packages — so two
requests never wait on each other in a circle. On SQLite every transaction already holds the
write lock (BEGIN IMMEDIATE, see db.py); on PostgreSQL the resource row lock serializes bookings
per resource and an exclusion constraint backs it up for capacity-1 services.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.accounts import booking_settings, entitlement_state, lock_entitlement, write_entry
from booking.errors import (BeyondHorizon, BookingError, ClosedDay, CutoffPassed, DuplicateSession,
                            EntitlementExpired, InsufficientCredit, InThePast, InvalidTransition, NotEligible, NotFound,
                            NotPerformed, OffGrid, OutsideHours, OutsidePackageWindow, SlotUnavailable, TooShortNotice,
                            ValidationFailed)
from booking.rules.availability import (HoursException, Occupancy, Slot, SlotRequest, WeeklyHours, compute_slots,
                                        local_midnight, why_not_offered, working_intervals)
from booking.rules.ledger import (EntitlementState, cancellation_entry, check_redeemable, choose_entitlement,
                                  no_show_entry, redemption_entry, validity_end)
from booking.memberships import is_member, lapses_before
from booking.models import BookingSettings, Resource, Service
from booking.rules.plans import ServiceFacts
from booking.records import OCCUPYING_STATUSES, Booking, Customer, Entitlement

STAFF_HORIZON = timedelta(days=3 * 365)


@dataclass(frozen=True)
class SessionRequest:
    service_id: int
    resource_id: int
    starts_at: datetime


def _between_check_and_write() -> None:
    """A seam for the concurrency tests, which widen the race here; does nothing in the app."""


def service_facts(service: Service) -> ServiceFacts:
    return ServiceFacts(id=service.id, duration_minutes=service.duration_minutes,
                        price=Decimal(service.price) if service.price is not None else None,
                        currency=service.currency)


def _load_service(session: Session, shop_id: int, service_id: int) -> Service:
    service = session.scalar(select(Service).where(Service.id == service_id, Service.shop_id == shop_id,
                                                   Service.archived_at.is_(None)))
    if service is None:
        raise NotFound(f"no service {service_id} in this shop")
    return service


def require_catalog(session: Session, shop_id: int, requests: list[SessionRequest]) -> None:
    """404 for a service or resource that is not this shop's, checked before anything else (such as asking
    Shopify about the customer) happens: another shop's ids find nothing and cost nothing."""
    for request in requests:
        _load_service(session, shop_id, request.service_id)
    resource_ids = {r.resource_id for r in requests}
    known = set(session.scalars(select(Resource.id).where(Resource.id.in_(sorted(resource_ids)),
                                                          Resource.shop_id == shop_id, Resource.archived_at.is_(None))))
    if resource_ids - known:
        raise NotFound(f"no resource {min(resource_ids - known)} in this shop")


def _lock_resources(session: Session, shop_id: int, resource_ids: set[int]) -> dict[int, Resource]:
    rows = session.scalars(select(Resource).where(Resource.id.in_(sorted(resource_ids)), Resource.shop_id == shop_id,
                                                  Resource.archived_at.is_(None))
                           .order_by(Resource.id).with_for_update()).all()
    found = {r.id: r for r in rows}
    missing = resource_ids - found.keys()
    if missing:
        raise NotFound(f"no resource {min(missing)} in this shop")
    return found


def _slot_request(service: Service, settings: BookingSettings, *, staff: bool) -> SlotRequest:
    # Staff may book at short notice and far ahead; customers get the shop's rules.
    return SlotRequest(duration=timedelta(minutes=service.duration_minutes),
                       buffer_before=timedelta(minutes=service.buffer_before_minutes),
                       buffer_after=timedelta(minutes=service.buffer_after_minutes),
                       capacity=service.capacity, service_id=service.id,
                       step=timedelta(minutes=settings.slot_interval_minutes),
                       min_notice=timedelta(0) if staff else timedelta(minutes=settings.min_notice_minutes),
                       horizon=STAFF_HORIZON if staff else timedelta(days=settings.horizon_days))


def _occupancies(session: Session, resource_id: int, start: datetime, end: datetime, now: datetime,
                 exclude_booking_id: int | None = None) -> list[Occupancy]:
    # Only the columns availability needs: loading whole rows costs more than the slot maths.
    query = (select(Booking.starts_at, Booking.ends_at, Booking.service_id, Service.buffer_before_minutes,
                    Service.buffer_after_minutes)
             .join(Service, Service.id == Booking.service_id)
             .where(Booking.resource_id == resource_id, Booking.status.in_(OCCUPYING_STATUSES),
                    Booking.blocked_end > start, Booking.blocked_start < end,
                    # A hold whose time ran out no longer occupies anything.
                    or_(Booking.status != "held", Booking.hold_expires_at.is_(None), Booking.hold_expires_at > now)))
    if exclude_booking_id is not None:
        query = query.where(Booking.id != exclude_booking_id)
    return [Occupancy(row.starts_at, row.ends_at, timedelta(minutes=row.buffer_before_minutes),
                      timedelta(minutes=row.buffer_after_minutes), row.service_id, 1)
            for row in session.execute(query)]


def resource_slots(session: Session, resource: Resource, service: Service, settings: BookingSettings,
                   start: datetime, end: datetime, now: datetime, *, staff: bool = False,
                   extra: list[Occupancy] = (), exclude_booking_id: int | None = None) -> list[Slot]:
    """Open slots for one service on one resource starting within [start, end) and ending by `end`."""
    zone = ZoneInfo(settings.timezone)
    # From the first day's local midnight: the day's grid starts at its opening, whatever `start` is.
    day_start = min(start, local_midnight(start.astimezone(zone).date(), zone))
    hours = open_time(resource, zone, day_start, end)
    margin = timedelta(minutes=service.buffer_before_minutes + service.buffer_after_minutes + 24 * 60)
    occupied = _occupancies(session, resource.id, day_start - margin, end + margin, now, exclude_booking_id)
    slots = compute_slots(hours, occupied + list(extra), _slot_request(service, settings, staff=staff),
                          now=now, zone=zone)
    return [slot for slot in slots if slot.start >= start]


def open_time(resource: Resource, zone: ZoneInfo, start: datetime, end: datetime):
    """The resource's open time within [start, end): weekly hours plus extra hours, minus time off."""
    exceptions = [HoursException(x.starts_at, x.ends_at, x.kind) for x in resource.exceptions]
    return working_intervals(WeeklyHours.from_json(resource.weekly_hours), exceptions, zone, start, end)


REFUSALS = {"in_the_past": InThePast, "short_notice": TooShortNotice, "beyond_horizon": BeyondHorizon,
            "closed": ClosedDay, "outside_hours": OutsideHours, "off_grid": OffGrid}


def _require_slot(session, resource, service, settings, starts_at, now, *, staff, extra=(), exclude=None) -> Slot:
    """The slot at `starts_at`, or the refusal that says why it is not offered."""
    zone = ZoneInfo(settings.timezone)
    day = starts_at.astimezone(zone).date()
    day_start, window_end = local_midnight(day, zone), local_midnight(day + timedelta(days=2), zone)
    for slot in resource_slots(session, resource, service, settings, day_start, window_end, now, staff=staff,
                               extra=list(extra), exclude_booking_id=exclude):
        if slot.start == starts_at:
            return slot
    reason = why_not_offered(starts_at, open_time(resource, zone, day_start, window_end),
                             _slot_request(service, settings, staff=staff), now=now, zone=zone)
    if reason is None:
        raise SlotUnavailable("slot no longer available")
    raise REFUSALS[reason]()


def _performs(resource: Resource, service: Service) -> None:
    if service.id not in {s.id for s in resource.services}:
        raise NotPerformed(f"{resource.name} does not perform {service.name}")


def _candidate_packages(session: Session, shop_id: int, customer_id: int,
                        entitlement_id: int | None) -> dict[int, tuple[Entitlement, EntitlementState]]:
    query = select(Entitlement).where(Entitlement.shop_id == shop_id, Entitlement.customer_id == customer_id)
    query = query.where(Entitlement.id == entitlement_id) if entitlement_id else \
        query.where(Entitlement.status == "active")
    rows = session.scalars(query.order_by(Entitlement.id).with_for_update()).all()
    if entitlement_id and not rows:
        raise NotFound(f"no package {entitlement_id} for this customer")
    return {row.id: (row, entitlement_state(session, row)) for row in rows}


def _members_only(session, shop_id, customer, service, starts_at, zone) -> NotEligible:
    ended = lapses_before(session, shop_id, customer.id, starts_at, service.id)
    if ended is None:
        return NotEligible(f"{service.name} is for members only")
    return NotEligible(f"{service.name} is for members only, and the membership is valid "
                       f"{validity_end(ended, zone)}, before this session")


def book_sessions(session: Session, shop_id: int, customer: Customer, requests: list[SessionRequest], *,
                  actor: str, now: datetime, use_package: bool | None = None, entitlement_id: int | None = None,
                  source: str | None = None) -> list[Booking]:
    """Book one or several sessions in one step, redeeming credit: all of them or none.

    use_package None (the default) redeems a package that covers the session, or, for a members-only
    service, books it under the customer's membership when no package covers it: access and allowance are
    two things. True insists on a package; False books without one."""
    auto, use_package = use_package is None, use_package is not False
    if not requests:
        raise ValidationFailed("give at least one session", field="sessions")
    staff = actor.startswith("staff")
    settings = booking_settings(session, shop_id)
    zone = ZoneInfo(settings.timezone)
    resources = _lock_resources(session, shop_id, {r.resource_id for r in requests})
    release_lapsed_holds(session, now, resource_ids=resources)  # their time is free again, also for the database
    packages = _candidate_packages(session, shop_id, customer.id, entitlement_id) if use_package else {}
    _refuse_duplicates(requests)
    group_id = str(uuid.uuid4()) if len(requests) > 1 else None
    booked: list[Booking] = []
    for request in sorted(requests, key=lambda r: r.starts_at):
        try:
            booked.append(_book_one(session, shop_id, customer, request, resources, booked, packages, settings,
                                    zone, now, actor=actor, staff=staff, group_id=group_id, source=source,
                                    use_package=use_package, auto=auto, entitlement_id=entitlement_id))
        except BookingError as refused:
            refused.session_start = request.starts_at  # which of several sessions was refused, for the page
            raise
    return booked


def _book_one(session, shop_id, customer, request, resources, booked, packages, settings, zone, now, *, actor,
              staff, group_id, source, use_package, auto, entitlement_id) -> Booking:
    service = _load_service(session, shop_id, request.service_id)
    resource = resources[request.resource_id]
    _performs(resource, service)
    member = service.members_only and is_member(session, shop_id, customer.id, request.starts_at, service.id)
    if service.members_only and not member:
        raise _members_only(session, shop_id, customer, service, request.starts_at, zone)
    pending = [Occupancy(b.starts_at, b.ends_at, timedelta(minutes=service.buffer_before_minutes),
                         timedelta(minutes=service.buffer_after_minutes), b.service_id)
               for b in booked if b.resource_id == resource.id]
    _require_slot(session, resource, service, settings, request.starts_at, now, staff=staff, extra=pending)
    _between_check_and_write()
    booking = _new_booking(shop_id, customer, service, resource, request.starts_at, actor, group_id,
                           source or ("package" if use_package else "staff"))
    session.add(booking)
    _flush_or_slot_taken(session)
    if use_package:
        _redeem_or_membership(session, packages, service, booking, zone, now, actor, entitlement_id,
                              membership_covers=auto and member)
    return booking


def release_lapsed_holds(session: Session, now: datetime, *, resource_ids=None) -> int:
    """Mark checkout holds whose time ran out as expired; availability already ignores them, and this frees
    their time for PostgreSQL's overlap constraint too. Returns how many."""
    statement = update(Booking).where(Booking.status == "held", Booking.hold_expires_at <= now)
    if resource_ids is not None:
        statement = statement.where(Booking.resource_id.in_(list(resource_ids)))
    return session.execute(statement.values(status="expired")).rowcount or 0


def _refuse_duplicates(requests: list[SessionRequest]) -> None:
    seen = set()
    for i, request in enumerate(requests):
        key = (request.service_id, request.resource_id, request.starts_at)
        if key in seen:
            raise DuplicateSession(field=f"sessions[{i}]")
        seen.add(key)


def _new_booking(shop_id, customer, service, resource, starts_at, actor, group_id, source) -> Booking:
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    return Booking(shop_id=shop_id, service_id=service.id, resource_id=resource.id, customer_id=customer.id,
                   starts_at=starts_at, ends_at=ends_at,
                   blocked_start=starts_at - timedelta(minutes=service.buffer_before_minutes),
                   blocked_end=ends_at + timedelta(minutes=service.buffer_after_minutes),
                   exclusive=service.capacity == 1, status="confirmed", group_id=group_id, source=source,
                   created_by=actor)


def _flush_or_slot_taken(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        # PostgreSQL's exclusion constraint: another booking got there first.
        if "ex_bookings_no_overlap" in str(exc.orig):
            raise SlotUnavailable("slot no longer available") from None
        raise


def _redeem_or_membership(session, packages, service, booking, zone, now, actor, entitlement_id, *,
                          membership_covers: bool) -> None:
    try:
        _redeem(session, packages, service, booking, zone, now, actor, entitlement_id)
    except (NotEligible, InsufficientCredit, OutsidePackageWindow, EntitlementExpired):
        if not membership_covers:
            raise
        booking.source = "membership"  # the membership's access covers it; its allowance does not


def _redeem(session, packages, service, booking, zone, now, actor, entitlement_id) -> None:
    facts = service_facts(service)
    states = [state for _, state in packages.values()]
    if entitlement_id:
        state = packages[entitlement_id][1]
        cost = check_redeemable(state, facts, booking.resource_id, booking.starts_at, booking.ends_at, zone, now)
    else:
        state, cost = choose_entitlement(states, facts, booking.resource_id, booking.starts_at, booking.ends_at,
                                         zone, now)
    entry = redemption_entry(state, service.id, cost, booking_id=booking.id, at=now)
    row, _ = packages[state.id]
    write_entry(session, row, entry, actor)
    # Later sessions in the same request see this redemption in the balance.
    packages[state.id] = (row, replace(state, entries=state.entries + (entry,)))
    booking.entitlement_id, booking.redeemed_quantity = state.id, cost


def _lock_booking(session: Session, shop_id: int, booking_id: int) -> Booking:
    booking = session.scalar(select(Booking).where(Booking.id == booking_id, Booking.shop_id == shop_id)
                             .with_for_update())
    if booking is None:
        raise NotFound(f"no booking {booking_id} in this shop")
    return booking


def cancel_booking(session: Session, shop_id: int, booking_id: int, *, actor: str, now: datetime) -> Booking:
    """Cancel one session: credit back before the cutoff, the plan's late-cancel rule after it."""
    booking = _lock_booking(session, shop_id, booking_id)
    if booking.status not in ("confirmed", "held"):
        raise InvalidTransition(f"a {booking.status} booking can't be cancelled")
    if booking.entitlement_id:
        entitlement = lock_entitlement(session, shop_id, booking.entitlement_id)
        entry = cancellation_entry(entitlement_state(session, entitlement), Decimal(booking.redeemed_quantity),
                                   booking.starts_at, now, booking_settings(session, shop_id).cancel_cutoff_hours,
                                   service_id=booking.service_id, booking_id=booking.id)
        write_entry(session, entitlement, entry, actor)
    booking.status, booking.cancelled_at = "cancelled", now
    return booking


def mark_no_show(session: Session, shop_id: int, booking_id: int, *, actor: str, now: datetime) -> Booking:
    """The customer did not come: the plan's no-show rule decides (forfeit by default)."""
    booking = _lock_booking(session, shop_id, booking_id)
    if booking.status != "confirmed" or booking.starts_at > now:
        raise InvalidTransition("only a confirmed session that has started can be marked a no-show")
    if booking.entitlement_id:
        entitlement = lock_entitlement(session, shop_id, booking.entitlement_id)
        entry = no_show_entry(entitlement_state(session, entitlement), Decimal(booking.redeemed_quantity),
                              service_id=booking.service_id, booking_id=booking.id, at=now)
        write_entry(session, entitlement, entry, actor)
    booking.status = "no_show"
    return booking


def mark_completed(session: Session, shop_id: int, booking_id: int, *, actor: str, now: datetime) -> Booking:
    booking = _lock_booking(session, shop_id, booking_id)
    if booking.status != "confirmed" or booking.starts_at > now:
        raise InvalidTransition("only a confirmed session that has started can be completed")
    booking.status = "completed"
    return booking


def reschedule_booking(session: Session, shop_id: int, booking_id: int, starts_at: datetime, *, actor: str,
                       now: datetime, resource_id: int | None = None) -> Booking:
    """Move a session, keeping its credit (no second charge), within the reschedule cutoff."""
    current = session.get(Booking, booking_id)
    if current is None or current.shop_id != shop_id:
        raise NotFound(f"no booking {booking_id} in this shop")
    resources = _lock_resources(session, shop_id, {current.resource_id, resource_id or current.resource_id})
    release_lapsed_holds(session, now, resource_ids=resources)
    booking = _lock_booking(session, shop_id, booking_id)
    settings = booking_settings(session, shop_id)
    staff = actor.startswith("staff")
    if booking.status != "confirmed":
        raise InvalidTransition(f"a {booking.status} booking can't be rescheduled")
    if not staff and now >= booking.starts_at - timedelta(hours=settings.reschedule_cutoff_hours):
        raise CutoffPassed(f"sessions can be moved until {settings.reschedule_cutoff_hours} hours before they start")
    service = _load_service(session, shop_id, booking.service_id)
    resource = resources[resource_id or booking.resource_id]
    _performs(resource, service)
    _require_slot(session, resource, service, settings, starts_at, now, staff=staff, exclude=booking.id)
    if booking.entitlement_id:
        _check_package_allows(session, shop_id, booking, service, resource.id, starts_at, settings)
    duration = booking.ends_at - booking.starts_at
    booking.resource_id, booking.starts_at, booking.ends_at = resource.id, starts_at, starts_at + duration
    booking.blocked_start = starts_at - timedelta(minutes=service.buffer_before_minutes)
    booking.blocked_end = booking.ends_at + timedelta(minutes=service.buffer_after_minutes)
    _flush_or_slot_taken(session)
    return booking


def _check_package_allows(session, shop_id, booking, service, resource_id, starts_at, settings) -> None:
    # The credit is already paid: check the package's rules for the new time, not its balance.
    state = entitlement_state(session, lock_entitlement(session, shop_id, booking.entitlement_id))
    ends_at = starts_at + (booking.ends_at - booking.starts_at)
    if not state.terms.windows.allows(starts_at, ends_at, ZoneInfo(settings.timezone)) \
            or not state.is_valid_at(starts_at):
        raise OutsidePackageWindow("the package can't be used at that time")
    if state.terms.resource_id not in (None, resource_id):
        raise NotEligible("the package is limited to another provider")


def available_slots(session: Session, shop_id: int, service_id: int, resource_id: int | None,
                    start: datetime, end: datetime, now: datetime, *, staff: bool = False) -> dict[int, list[Slot]]:
    """Open slots per resource that performs the service (or just the one asked for)."""
    if end <= start:
        raise ValidationFailed("`to` must be after `from`", field="to")
    if end - start > timedelta(days=62):
        raise ValidationFailed("ask for at most 62 days at a time", field="to")
    service = _load_service(session, shop_id, service_id)
    settings = booking_settings(session, shop_id)
    query = select(Resource).where(Resource.shop_id == shop_id, Resource.archived_at.is_(None))
    if resource_id is not None:
        query = query.where(Resource.id == resource_id)
    resources = [r for r in session.scalars(query.order_by(Resource.id)) if service.id in {s.id for s in r.services}]
    if resource_id is not None and not resources:
        raise NotFound(f"no resource {resource_id} performing this service in this shop")
    return {r.id: resource_slots(session, r, service, settings, start, end, now, staff=staff) for r in resources}


@dataclass(frozen=True)
class PackageOption:
    """Whether one of the customer's packages could pay for a session, and what it would cost or why not."""

    entitlement_id: int
    cost: Decimal | None
    refusal: BookingError | None


def package_options(session: Session, shop_id: int, customer: Customer, service_id: int, resource_id: int,
                    starts_at: datetime, now: datetime) -> list[PackageOption]:
    """Each active package of the customer, with the cost of this session on it or the reason it can't pay:
    the front desk lists the ones that can, with "Use", before anything is booked. The same check the
    booking itself runs (check_redeemable), so "Use" never offers what booking then refuses for the package."""
    service = _load_service(session, shop_id, service_id)
    facts, zone = service_facts(service), ZoneInfo(booking_settings(session, shop_id).timezone)
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    rows = session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id,
                                                     Entitlement.customer_id == customer.id,
                                                     Entitlement.status == "active").order_by(Entitlement.id)).all()
    options = []
    for row in rows:
        try:
            cost = check_redeemable(entitlement_state(session, row), facts, resource_id, starts_at, ends_at, zone,
                                    now)
            options.append(PackageOption(row.id, cost, None))
        except BookingError as refused:
            options.append(PackageOption(row.id, None, refused))
    return options


def pay_with_package(session: Session, shop_id: int, booking_id: int, *, entitlement_id: int | None, actor: str,
                     now: datetime) -> Booking:
    """Pay an unpaid booking from a package the customer holds (or has just bought): the redemption names the
    booking, so cancelling it later follows the package's rules as if it had been paid from the start."""
    booking = _lock_booking(session, shop_id, booking_id)
    if booking.entitlement_id is not None:
        raise InvalidTransition("this booking is already paid from a package")
    if booking.source == "paid_checkout":
        raise InvalidTransition("this booking was paid at checkout")
    if booking.status not in ("confirmed", "completed"):
        raise InvalidTransition(f"a {booking.status} booking can't be paid from a package")
    service = session.get(Service, booking.service_id)
    zone = ZoneInfo(booking_settings(session, shop_id).timezone)
    packages = _candidate_packages(session, shop_id, booking.customer_id, entitlement_id)
    _redeem(session, packages, service, booking, zone, now, actor, entitlement_id)
    booking.source = "package"
    return booking


def no_show_outcome(session: Session, booking: Booking) -> str:
    """What marking this booking a no-show would do, as `mark_no_show` does it: "restore", "forfeit" or
    "unpaid"."""
    if booking.entitlement_id is None:
        return "unpaid"
    state = entitlement_state(session, session.get(Entitlement, booking.entitlement_id))
    entry = no_show_entry(state, Decimal(booking.redeemed_quantity or 0))
    return "restore" if entry.kind == "restore" else "forfeit"
