"""JSON API for the booking domain (session-token auth, always scoped to the token's shop).

One module per resource registers its routes on `bp`. Each route declares its body, query string and answer
once, with pydantic models (endpoints.declare): the declaration checks the request and describes the route in
/api/openapi.json. Views then call one use case, commit and present the outcome.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify

import db
from booking.errors import BookingError
from shopify_app.auth import staff_actor  # noqa: F401  (the views' actor, re-exported for booking.api.*)

bp = Blueprint("booking_api", __name__, url_prefix="/api")


@bp.errorhandler(BookingError)
def booking_error(error: BookingError):
    """Domain errors become 404/409/422 with {error, code, field?}; nothing was changed."""
    db.session().rollback()
    return jsonify(error.as_body()), error.status


def utc_now() -> datetime:
    """The one clock the views read; use cases take it as `now`."""
    return datetime.now(timezone.utc)


def local_instant(value: datetime | date, zone: ZoneInfo) -> datetime:
    """An instant as given, or a date meaning that day's local midnight in the shop's zone."""
    if isinstance(value, datetime):
        return value
    # A midnight lost to a DST jump resolves (fold=0) to the instant the clocks jump.
    return datetime.combine(value, time(0), tzinfo=zone).astimezone(timezone.utc)


def iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """An instant in the shop's zone, with its offset."""
    return None if moment is None else moment.astimezone(zone).isoformat()


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


# The route modules register on `bp`, so they are imported last.
from booking.api import (accounts, activity, bookings, customers, openapi, overview, plans, prepaid, redemptions,  # noqa: E402,F401
                         reports, resources, selling_plans, services, settings, variants)
