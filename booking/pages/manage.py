"""The customer's bookings: upcoming and past, each with the package it used; cancelling one with the policy
stated before confirming; a calendar file per session."""
from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select

import db
from booking import bookings, notifications, self_service
from booking.calendar_files import booking_calendar
from booking.errors import BookingError
from booking.pages import sessions
from booking.accounts import booking_settings
from booking.pages.book import month_view, parse_picks, pick_value
from booking.pages.customer import bp, is_upcoming, owe_email, refusal_reason, signed_in_or_404
from booking.records import Entitlement
from db import utcnow


@bp.get("/book/bookings")
def my_bookings():
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session, now = db.session(), utcnow()
    rows = self_service.customer_bookings(session, shop.id, customer)
    just_booked = {int(i) for i in request.args.get("booked", "").split(",") if i.isdigit()}
    return render_template("booking/my_bookings.html", shop=shop, upcoming=[b for b in rows if is_upcoming(b, now)],
                           past=[b for b in reversed(rows) if not is_upcoming(b, now)][:50],
                           just_booked=just_booked, cancelled=request.args.get("cancelled"),
                           moved=request.args.get("moved"),
                           **_labels(session, shop.id, rows))


def _labels(session, shop_id: int, rows) -> dict:
    """Names of the services, resources and packages the rows mention, each read once."""
    found = self_service.names(session, shop_id)
    services, resources = found["services"], found["resources"]
    package_ids = {b.entitlement_id for b in rows if b.entitlement_id}
    packages = {e.id: (e.terms or {}).get("title") for e in session.scalars(
        select(Entitlement).where(Entitlement.id.in_(package_ids)))} if package_ids else {}
    return {"service_names": services, "resource_names": resources, "package_titles": packages}


@bp.get("/book/bookings/<int:booking_id>")
def booking_page(booking_id: int):
    """One session: when, with whom, the package it used, and what can still be done with it."""
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session, now = db.session(), utcnow()
    booking = self_service.own_booking(session, shop.id, customer, booking_id)
    if booking is None:
        return redirect(url_for("booking.my_bookings"), 303)
    upcoming = is_upcoming(booking, now)
    return render_template("booking/booking.html", shop=shop, booking=booking, upcoming=upcoming,
                           movable=upcoming and self_service.can_move(session, shop.id, booking, now),
                           outcome=self_service.cancel_outcome(session, shop.id, booking, now) if upcoming else None,
                           **_labels(session, shop.id, [booking]))


@bp.route("/book/bookings/<int:booking_id>/cancel", methods=["GET", "POST"])
def cancel(booking_id: int):
    """GET states what cancelling now would do to the package; POST (with the CSRF token) does it."""
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session, now = db.session(), utcnow()
    booking = self_service.own_booking(session, shop.id, customer, booking_id)
    if booking is None or not is_upcoming(booking, now):
        return redirect(url_for("booking.my_bookings"), 303)
    error = None
    if request.method == "POST":
        sessions.check_csrf()
        try:
            bookings.cancel_booking(session, shop.id, booking.id, actor=f"customer:{customer.id}", now=now)
        except BookingError as exc:
            session.rollback()
            error = refusal_reason(exc).capitalize()
        else:
            owe_email(notifications.booking_cancelled(session, shop.id, customer, booking, str(get_locale())))
            session.commit()
            return redirect(url_for("booking.my_bookings", cancelled=booking.id), 303)
    return render_template("booking/cancel.html", shop=shop, booking=booking, error=error,
                           outcome=self_service.cancel_outcome(session, shop.id, booking, now),
                           **_labels(session, shop.id, [booking]))


@bp.get("/book/bookings/<int:booking_id>.ics")
def calendar_file(booking_id: int):
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session = db.session()
    booking = self_service.own_booking(session, shop.id, customer, booking_id)
    if booking is None:
        return redirect(url_for("booking.my_bookings"), 303)
    response = make_response(booking_calendar(session, shop, [booking]))
    response.headers["Content-Type"] = "text/calendar; charset=utf-8; method=PUBLISH"
    response.headers["Content-Disposition"] = f'attachment; filename="booking-{booking.id}.ics"'
    return response


@bp.route("/book/bookings/<int:booking_id>/move", methods=["GET", "POST"])
def move(booking_id: int):
    """Choose a new time for one session (GET), then move it (POST, with the CSRF token). The package's
    session goes with it; moving is possible until the shop's reschedule cutoff."""
    shop, customer, refused = signed_in_or_404()
    if refused:
        return refused
    session, now = db.session(), utcnow()
    booking = self_service.own_booking(session, shop.id, customer, booking_id)
    if booking is None or not is_upcoming(booking, now) or booking.status != "confirmed":
        return redirect(url_for("booking.my_bookings"), 303)
    error = None
    if request.method == "POST":
        sessions.check_csrf()
        picks = parse_picks(request.form.getlist("pick"))
        if not picks or len(picks) != 1:
            error = _("Choose one new time.")
        else:
            [(resource_id, starts_at)] = picks
            try:
                moved = bookings.reschedule_booking(session, shop.id, booking.id, starts_at, now=now,
                                                    actor=f"customer:{customer.id}", resource_id=resource_id)
            except BookingError as exc:
                session.rollback()
                error = refusal_reason(exc).capitalize()
            else:
                owe_email(notifications.booking_moved(session, shop.id, customer, moved, str(get_locale())))
                session.commit()
                return redirect(url_for("booking.my_bookings", moved=booking.id), 303)
        booking = self_service.own_booking(session, shop.id, customer, booking_id)
    view = month_view(session, shop.id, booking.service_id, now, request.args.get("month"), request.args.get("day"))
    return render_template(
        "booking/move.html", shop=shop, booking=booking, error=error, pick_value=pick_value,
        cutoff_hours=booking_settings(session, shop.id).reschedule_cutoff_hours,
        movable=self_service.can_move(session, shop.id, booking, now),
        month_url=lambda m: url_for("booking.move", booking_id=booking.id, month=m.strftime("%Y-%m")),
        day_url=lambda d: url_for("booking.move", booking_id=booking.id, month=view["month"].strftime("%Y-%m"),
                                  day=d.isoformat()),
        **view, **_labels(session, shop.id, [booking]))
