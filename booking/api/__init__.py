"""JSON API for the booking domain (session-token auth, always scoped to the token's shop).

Views parse their input, call one use case, commit and present the outcome. The routes live in one
module per resource (catalog, accounts, bookings, ...), which register on this blueprint; the input
readers they share are here.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import Blueprint, jsonify, request

import db
from booking.api import openapi
from booking.errors import BookingError, ValidationFailed
from shopify_app.auth import verify_session_token
from shopify_app.session_tokens import InvalidSessionToken

bp = Blueprint("booking_api", __name__, url_prefix="/api")


@bp.errorhandler(BookingError)
def booking_error(error: BookingError):
    """Domain errors become 404/409/422 with {error, code, field?}; nothing was changed."""
    db.session().rollback()
    return jsonify(error.as_body()), error.status


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.0 description of /api; public, since it holds no shop's data."""
    return jsonify(openapi.document())


def utc_now() -> datetime:
    """The one clock the views read; use cases take it as `now`."""
    return datetime.now(timezone.utc)


def staff_actor() -> str:
    """Who is acting, for the ledger and activity log: "staff:<user id>" from the verified session token."""
    header = request.headers.get("Authorization", "")
    try:
        user_id = verify_session_token(header[7:].strip()).user_id
    except InvalidSessionToken:
        user_id = None
    return f"staff:{user_id}" if user_id else "staff"


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationFailed("send a JSON object with Content-Type: application/json", field="body")
    return body


def read_id(value, field: str, *, required: bool = True) -> int | None:
    """A positive integer id; Shopify ids exceed 2^53, so a string of digits is accepted too."""
    if value is None and not required:
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise ValidationFailed(f"{field} must be a positive whole number", field=field)
    return value


def query_id(name: str, *, required: bool = False) -> int | None:
    return read_id(request.args.get(name), name, required=required)


def read_decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip()) if isinstance(value, (int, float, str)) \
            and not isinstance(value, bool) else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationFailed(f"{field} must be a number", field=field)
    return number


def read_instant(value, field: str) -> datetime:
    """An ISO 8601 date-time WITH an offset: a naive time would be read in the server's zone."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed(f"{field} must be a date-time with an offset, like 2026-12-01T10:00:00+01:00",
                               field=field)
    return moment.astimezone(timezone.utc)


def read_instant_or_date(value, field: str, zone: ZoneInfo) -> datetime:
    """A date-time with an offset, or a date meaning that day's local midnight in the shop's zone."""
    if isinstance(value, str) and len(value) == 10:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise ValidationFailed(f"{field} must be a date like 2026-12-01 or a date-time with an offset",
                                   field=field) from None
        # A midnight lost to a DST jump resolves (fold=0) to the instant the clocks jump.
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)
    return read_instant(value, field)


def iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    """An instant in the shop's zone, with its offset."""
    return None if moment is None else moment.astimezone(zone).isoformat()


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


# The route modules register on `bp`, so they are imported last.
from booking.api import (accounts, activity, bookings, catalog, prepaid, selling_plans,  # noqa: E402,F401
                         settings, variants)
