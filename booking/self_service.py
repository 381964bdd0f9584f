"""What a customer sees and does on their own booking pages: the services they can book with what they hold,
the free times of a month, their bookings, and what cancelling one would do to their package.

The pages hold no booking rule of their own: booking and cancelling go through booking/bookings.py exactly as
the admin's do, with the customer as the actor (so notice and horizon apply).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from booking.accounts import booking_settings, entitlement_state, entitlement_states
from booking.bookings import available_slots
from booking.memberships import is_member
from booking.models import Plan, Resource, Service
from booking.records import Booking, Customer, Entitlement, Membership
from booking.rules.ledger import EntitlementState, cancellation_entry

MAX_SESSIONS_AT_ONCE = 10


@dataclass(frozen=True)
class Bookable:
    service: Service
    left: Decimal | None  # sessions (or units) the best package still holds for it; None: unlimited or member access
    package_title: str | None
    checkout: bool = False  # no package covers it: the customer pays for it at Shopify checkout
    unit: str = "sessions"  # the covering package's unit: sessions, minutes or money
    currency: str | None = None


def usable_packages(session: Session, shop_id: int, customer: Customer, now: datetime) -> list[EntitlementState]:
    """The customer's active, unexpired packages with something left."""
    rows = session.scalars(select(Entitlement).where(
        Entitlement.shop_id == shop_id, Entitlement.customer_id == customer.id, Entitlement.status == "active")
        .order_by(Entitlement.id)).all()
    states = entitlement_states(session, [row.id for row in rows])
    return [state for state in states.values()
            if (state.expires_at is None or state.expires_at > now) and (state.remaining is None or state.remaining > 0)]


def bookable_services(session: Session, shop_id: int, customer: Customer, now: datetime) -> list[Bookable]:
    """Services the customer can book now: those a usable package covers, and members-only ones their
    membership opens. A service appears once, with what the package expiring first still holds for it."""
    packages = sorted(usable_packages(session, shop_id, customer, now),
                      key=lambda s: (s.expires_at is None, s.expires_at or datetime.max.replace(tzinfo=now.tzinfo)))
    services = session.scalars(select(Service).where(Service.shop_id == shop_id, Service.archived_at.is_(None))
                               .order_by(Service.name)).all()
    found = []
    for service in services:
        covering = next((p for p in packages if p.terms.covers(service.id)), None)
        member = service.members_only and is_member(session, shop_id, customer.id, now, service.id)
        if service.members_only and not member:
            continue
        if covering is not None:
            found.append(Bookable(service, covering.remaining_for(service.id), covering.terms.title,
                                  unit=covering.terms.ledger_unit, currency=covering.terms.currency))
        elif member:
            found.append(Bookable(service, None, None))
        elif service.shopify_variant_id and service.price is not None:
            found.append(Bookable(service, None, None, checkout=True))
    return found


def bookable_service(session: Session, shop_id: int, customer: Customer, service_id: int,
                     now: datetime) -> Bookable | None:
    return next((b for b in bookable_services(session, shop_id, customer, now) if b.service.id == service_id), None)


@dataclass(frozen=True)
class FreeTime:
    start: datetime  # UTC
    resource_id: int
    resource_name: str


def free_times(session: Session, shop_id: int, service_id: int, first_day: date, days: int,
               now: datetime) -> dict[date, list[FreeTime]]:
    """Free times per local day over `days` days, by customer rules (notice and horizon apply), earliest first.
    A time several staff can take is offered once per person, so the customer may choose who."""
    zone = ZoneInfo(booking_settings(session, shop_id).timezone)
    start = datetime.combine(first_day, time(0), tzinfo=zone)
    end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=zone)
    names = dict(session.execute(select(Resource.id, Resource.name).where(Resource.shop_id == shop_id)).all())
    by_day: dict[date, list[FreeTime]] = {}
    for resource_id, slots in available_slots(session, shop_id, service_id, None, start, end, now).items():
        for slot in slots:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(
                FreeTime(slot.start, resource_id, names.get(resource_id, "")))
    for times in by_day.values():
        times.sort(key=lambda t: (t.start, t.resource_name))
    return by_day


def names(session: Session, shop_id: int) -> dict[str, dict[int, str]]:
    """The shop's service and resource names by id, each read in one query."""
    return {"services": dict(session.execute(select(Service.id, Service.name).where(Service.shop_id == shop_id)).all()),
            "resources": dict(session.execute(select(Resource.id, Resource.name)
                                              .where(Resource.shop_id == shop_id)).all())}


@dataclass(frozen=True)
class MembershipView:
    title: str
    status: str            # active | paused | cancelled | expired
    renews: bool           # billed per period (a subscription); False: bought once, or a tag
    until: datetime | None # the end of the paid period; None: open-ended (a customer tag)
    period_count: int      # a period is period_count period_units: 1 month, 2 weeks
    period_unit: str
    allowance: EntitlementState | None  # this period's package, if the plan gives one


def memberships_of(session: Session, shop_id: int, customer: Customer, now: datetime) -> list[MembershipView]:
    """The customer's memberships that still give access (or did recently), with this period's allowance."""
    rows = session.execute(select(Membership, Plan.title).outerjoin(Plan, Plan.id == Membership.plan_id).where(
        Membership.shop_id == shop_id, Membership.customer_id == customer.id,
        or_(Membership.paid_through.is_(None), Membership.paid_through > now - timedelta(days=30)))
        .order_by(Membership.id)).all()
    found = []
    for membership, title in rows:
        current = session.scalar(select(Entitlement).where(
            Entitlement.membership_id == membership.id, Entitlement.starts_at <= now,
            or_(Entitlement.expires_at.is_(None), Entitlement.expires_at > now)).order_by(Entitlement.starts_at.desc()))
        found.append(MembershipView(title or "", membership.status, membership.source == "subscription",
                                    membership.paid_through, membership.period_count, membership.period_unit,
                                    entitlement_state(session, current) if current else None))
    return found


def customer_bookings(session: Session, shop_id: int, customer: Customer) -> list[Booking]:
    """The customer's bookings, soonest first (cancelled ones included: the page shows them apart)."""
    return list(session.scalars(select(Booking).where(Booking.shop_id == shop_id, Booking.customer_id == customer.id)
                                .order_by(Booking.starts_at, Booking.id)))


def own_booking(session: Session, shop_id: int, customer: Customer, booking_id: int) -> Booking | None:
    return session.scalar(select(Booking).where(Booking.id == booking_id, Booking.shop_id == shop_id,
                                                Booking.customer_id == customer.id))


def can_move(session: Session, shop_id: int, booking: Booking, now: datetime) -> bool:
    """Whether the customer may still move this session (the shop's reschedule cutoff has not passed)."""
    cutoff = timedelta(hours=booking_settings(session, shop_id).reschedule_cutoff_hours)
    return booking.status == "confirmed" and now < booking.starts_at - cutoff


def cancel_outcome(session: Session, shop_id: int, booking: Booking, now: datetime) -> str:
    """What cancelling this booking now would do, as `cancel_booking` will do it: "restore" (the session goes
    back), "forfeit" (a late cancellation under a forfeit rule: it counts as used), or "unpaid"."""
    if booking.entitlement_id is None:
        return "unpaid"
    state = entitlement_state(session, session.get(Entitlement, booking.entitlement_id))
    # The very rule cancel_booking applies, asked in advance: the page can never promise otherwise.
    entry = cancellation_entry(state, Decimal(booking.redeemed_quantity or 0), booking.starts_at, now,
                               booking_settings(session, shop_id).cancel_cutoff_hours)
    return "restore" if entry.kind == "restore" else "forfeit"
