"""Bookings a change to a resource would strand: confirmed sessions no longer inside its open time, or of a
service it no longer performs. A merchant either sees them first (409) or forces the change, and each
stranded booking goes on the attention list so nobody arrives to a closed door."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import BookingsAffected
from booking.models import Resource
from booking.records import ActivityLog, Booking
from booking.bookings import open_time
from booking.rules.availability import merge

LIVE = ("confirmed", "held")


def stranded_bookings(session: Session, resource: Resource, zone: ZoneInfo, now: datetime) -> list[Booking]:
    """The resource's future live bookings that its open time or its services no longer cover."""
    upcoming = list(session.scalars(select(Booking).where(
        Booking.resource_id == resource.id, Booking.status.in_(LIVE), Booking.ends_at > now)
        .order_by(Booking.starts_at, Booking.id)))
    if not upcoming:
        return []
    performed = {service.id for service in resource.services}
    hours = merge(open_time(resource, zone, upcoming[0].starts_at - timedelta(days=1),
                            max(b.ends_at for b in upcoming) + timedelta(days=1)))
    return [b for b in upcoming if b.service_id not in performed or not any(
        i.start <= b.starts_at and b.ends_at <= i.end for i in hours)]


def refuse_or_flag(session: Session, shop_id: int, stranded: list[Booking], *, force: bool, actor: str) -> None:
    """Without force, a 409 listing the bookings; with it, each goes on the attention list."""
    if not stranded:
        return
    if not force:
        raise BookingsAffected([b.id for b in stranded])
    for booking in stranded:
        session.add(ActivityLog(shop_id=shop_id, actor=actor, action="booking_stranded", subject_type="booking",
                                subject_id=booking.id, attention=True,
                                reason="the resource's hours or services changed; this booking is outside them",
                                before={"starts_at": booking.starts_at.isoformat(),
                                        "resource_id": booking.resource_id}))
