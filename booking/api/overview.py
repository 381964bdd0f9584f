"""/api/overview: the owner's home page in one call: today's and tomorrow's bookings, what is owed, what expires
this month, open attention items and the setup checklist."""
from __future__ import annotations

from datetime import timedelta

from flask import g, jsonify
from pydantic import Field
from sqlalchemy import func, select

import db
from booking import overview
from booking.accounts import shop_zone
from booking.api import bp, utc_now
from booking.api.bookings import BookingOut, booking_json, preload
from booking.api.customers import Amount
from booking.records import OCCUPYING_STATUSES, ActivityLog, Booking
from booking.rules.availability import local_midnight
from endpoints import declare
from endpoints.models import Answer
from shopify_app.auth import shop_required

DAY_LISTED = 100  # a front desk's busiest day; the calendar has the rest


class Owed(Answer):
    sessions: str
    minutes: str
    money: list[Amount] = Field(description="Credit still owed, per currency")
    value: list[Amount] = Field(description="What everything owed is worth at the price paid")


class Day(Answer):
    date: str
    count: int
    bookings: list[BookingOut] = Field(description=f"In time order (at most {DAY_LISTED})")


class ExpiringCustomer(Answer):
    shopify_customer_id: int | None
    name: str


class ExpiringPackage(Answer):
    id: int
    title: str | None
    unit: str | None
    left: str | None = Field(description="Null when unlimited")
    currency: str | None
    last_day: str
    customer: ExpiringCustomer


class Expiring(Answer):
    count: int
    packages: list[ExpiringPackage] = Field(description=f"The first {overview.EXPIRING_LISTED}, soonest first")


class Step(Answer):
    key: str
    label: str
    done: bool
    page: str


class Overview(Answer):
    timezone: str
    today: Day
    tomorrow: Day
    owed: Owed
    expiring_this_month: Expiring
    attention_open: int = Field(description="Open items in /api/attention")
    setup: list[Step]


@bp.get("/overview")
@shop_required
@declare("reports", answer=Overview, says="The home page's figures")
def home_overview():
    """Today's and tomorrow's bookings, liability, packages expiring this month, attention, setup."""
    session, now = db.session(), utc_now()
    zone = shop_zone(session, g.shop.id)
    today = now.astimezone(zone).date()
    return jsonify(
        timezone=zone.key, today=_day(session, today, zone), tomorrow=_day(session, today + timedelta(days=1), zone),
        owed=overview.owed(session, g.shop.id, now),
        expiring_this_month=overview.expiring_this_month(session, g.shop.id, now),
        attention_open=session.scalar(select(func.count()).select_from(ActivityLog).where(
            ActivityLog.shop_id == g.shop.id, ActivityLog.attention.is_(True), ActivityLog.resolved_at.is_(None))),
        setup=[step.__dict__ for step in overview.setup_checklist(session, g.shop.id)])


def _day(session, day, zone) -> dict:
    start, end = local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone)
    taking_place = (Booking.shop_id == g.shop.id) & Booking.status.in_(OCCUPYING_STATUSES) \
        & (Booking.starts_at >= start) & (Booking.starts_at < end)
    count = session.scalar(select(func.count()).select_from(Booking).where(taking_place)) or 0
    rows = session.scalars(select(Booking).where(taking_place).order_by(Booking.starts_at, Booking.id)
                           .limit(DAY_LISTED)).all()
    progress, _loaded = preload(session, rows)
    return {"date": day.isoformat(), "count": count,
            "bookings": [booking_json(session, row, zone, progress) for row in rows]}
