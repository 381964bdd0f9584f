"""JSON API for the booking domain (session-token auth, always scoped to the token's shop)."""
from __future__ import annotations

from flask import Blueprint, jsonify

import db
from booking.errors import BookingError

bp = Blueprint("booking_api", __name__, url_prefix="/api")


@bp.errorhandler(BookingError)
def booking_error(error: BookingError):
    """Domain errors become 404/409/422 with {error, code, field?}; nothing was changed."""
    db.session().rollback()
    return jsonify(error.as_body()), error.status
