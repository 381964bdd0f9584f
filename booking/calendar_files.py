"""Calendar files (.ics, RFC 5545) for booked sessions, built with icalendar.

Each session is one VEVENT with a UID that never changes for that booking, so a calendar that imported it
updates or removes the same entry when a later file (a reschedule, a cancellation) carries a higher SEQUENCE.
Times carry the shop's own zone (TZID) with its VTIMEZONE, so the event lands at the right hour anywhere.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from sqlalchemy.orm import Session

from booking.accounts import booking_settings
from booking.models import Resource, Service
from booking.records import Booking
from shopify_app.models import Shop

PRODID = "-//Packbook//Bookings//EN"


def booking_uid(shop: Shop, booking: Booking) -> str:
    """Stable per booking and shop; reveals neither (a name-based UUID)."""
    return f"{uuid.uuid5(uuid.NAMESPACE_URL, f'https://{shop.domain}/bookings/{booking.id}')}@packbook"


def booking_calendar(session: Session, shop: Shop, rows: list[Booking], *, method: str = "PUBLISH",
                     sequence: int = 0) -> bytes:
    """One calendar holding a VEVENT per booking. METHOD CANCEL marks the events cancelled."""
    zone = ZoneInfo(booking_settings(session, shop.id).timezone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for booking in rows:
        calendar.add_component(_event(session, shop, booking, zone, method, sequence))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _event(session: Session, shop: Shop, booking: Booking, zone: ZoneInfo, method: str, sequence: int) -> Event:
    service, resource = session.get(Service, booking.service_id), session.get(Resource, booking.resource_id)
    event = Event()
    event.add("uid", booking_uid(shop, booking))
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("dtstart", booking.starts_at.astimezone(zone))
    event.add("dtend", booking.ends_at.astimezone(zone))
    event.add("sequence", sequence)
    event.add("summary", f"{service.name} with {resource.name}" if resource else service.name)
    event.add("location", shop.name or shop.domain)
    event.add("status", "CANCELLED" if method == "CANCEL" or booking.status == "cancelled" else "CONFIRMED")
    return event
