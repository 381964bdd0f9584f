"""Booking from the customer's page: pick a service their package covers, a day in the month grid, one or more
free times (up to what the package still holds), review, confirm once. All are booked or none.

A picked time travels as "<resource id>@<unix seconds>" in the query string until the confirming POST, which
carries the session's CSRF token. Notice and horizon apply: the customer is the actor.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import redirect, render_template, request, url_for
from babel import Locale
from babel.dates import format_date
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

import db
from booking import bookings, holds, notifications, self_service
from booking.accounts import booking_settings
from booking.bookings import SessionRequest
from booking.errors import BookingError, SlotUnavailable
from booking.models import Resource
from booking.pages import sessions
from booking.pages.customer import bp, local_day, local_time, owe_email, refusal_reason, signed_in_or_404
from db import utcnow

_PICK = re.compile(r"([0-9]{1,9})@([0-9]{9,11})")


def parse_picks(values: list[str]) -> list[tuple[int, datetime]] | None:
    """The picked (resource id, start) pairs, in order and without repeats; None if any is malformed."""
    picks = []
    for value in values[:self_service.MAX_SESSIONS_AT_ONCE + 1]:
        matched = _PICK.fullmatch(value)
        if matched is None:
            return None
        pick = (int(matched.group(1)), datetime.fromtimestamp(int(matched.group(2)), timezone.utc))
        if pick not in picks:
            picks.append(pick)
    return picks


def pick_value(resource_id: int, start: datetime) -> str:
    return f"{resource_id}@{int(start.timestamp())}"


def _limit(bookable) -> int:
    """How many sessions may be picked: what the package holds for the service, at most the per-step cap."""
    if bookable.left is None:
        return self_service.MAX_SESSIONS_AT_ONCE
    return max(0, min(int(bookable.left), self_service.MAX_SESSIONS_AT_ONCE))


@dataclass(frozen=True)
class Choosing:
    """Where a customer is in booking a service: who, which service they may book, what they picked."""

    shop: object
    customer: object
    bookable: self_service.Bookable
    picks: list


def _choosing(service_id: int, picked: list[str], *, form: bool = False) -> tuple[Choosing | None, object]:
    """The signed-in customer's bookable service and picks, or (None, the page to answer instead). A form's
    CSRF token is checked first, before anything else is looked at."""
    shop, customer, refused = signed_in_or_404()
    if refused:
        return None, refused
    if form:
        sessions.check_csrf()
    bookable = self_service.bookable_service(db.session(), shop.id, customer, service_id, utcnow())
    picks = parse_picks(picked)
    if bookable is None or picks is None:
        return None, redirect(url_for("booking.home"), 303)
    return Choosing(shop, customer, bookable, picks), None


@bp.get("/book/services/<int:service_id>")
def choose_time(service_id: int):
    """The month grid, the chosen day's free times, and what is picked so far."""
    choosing, answer = _choosing(service_id, request.args.getlist("pick"))
    if choosing is None:
        return answer
    session, now, shop, bookable, picks = db.session(), utcnow(), choosing.shop, choosing.bookable, choosing.picks
    view = month_view(session, shop.id, service_id, now, request.args.get("month"), request.args.get("day"))
    picked = [pick_value(r, s) for r, s in picks]
    return render_template(
        "booking/choose_time.html", shop=shop, bookable=bookable, picks=picks, limit=_limit(bookable),
        picked_values=picked, pick_value=pick_value,
        times_values={pick_value(t.resource_id, t.start) for t in view["times"]},
        month_url=lambda m: url_for("booking.choose_time", service_id=service_id, month=m.strftime("%Y-%m"),
                                    pick=picked),
        day_url=lambda d: url_for("booking.choose_time", service_id=service_id, month=view["month"].strftime("%Y-%m"),
                                  day=d.isoformat(), pick=picked), **view)


def month_view(session, shop_id: int, service_id: int, now: datetime, month_arg: str | None,
               day_arg: str | None) -> dict:
    """What the month grid and the chosen day's times show: free times by customer rules, within the horizon."""
    settings = booking_settings(session, shop_id)
    today = now.astimezone(_zone_of(settings)).date()
    month = _month_arg(month_arg, today)
    days_in_month = calendar.monthrange(month.year, month.month)[1]
    free = self_service.free_times(session, shop_id, service_id, month, days_in_month, now)
    day = _day_arg(day_arg, month, days_in_month) or next(iter(sorted(free)), None)
    last_bookable_day = today + timedelta(days=settings.horizon_days)
    times = free.get(day, []) if day else []
    return {"month": month, "weeks": _weeks(month), "free": free, "day": day, "times": times, "today": today,
            "previous_month": _shift(month, -1) if month > today.replace(day=1) else None,
            "next_month": _shift(month, 1) if _shift(month, 1) <= last_bookable_day else None,
            "several_staff": len({t.resource_id for day_times in free.values() for t in day_times}) > 1,
            "month_title": format_date(month, "LLLL y", locale=str(get_locale())), "day_label": day_label,
            "weekday_names": _weekday_names(), "zone": settings.timezone}


@bp.get("/book/services/<int:service_id>/review")
def review(service_id: int):
    choosing, answer = _choosing(service_id, request.args.getlist("pick"))
    if choosing is None:
        return answer
    if not choosing.picks:
        return redirect(url_for("booking.choose_time", service_id=service_id), 303)
    return _review_page(choosing.shop, choosing.bookable, choosing.picks, error=None)


@bp.post("/book/services/<int:service_id>/confirm")
def confirm(service_id: int):
    """Book every picked time in one step, or none; a refusal names the time it concerns."""
    choosing, answer = _choosing(service_id, request.form.getlist("pick"), form=True)
    if choosing is None:
        return answer
    session, now = db.session(), utcnow()
    shop, customer, bookable, picks = choosing.shop, choosing.customer, choosing.bookable, choosing.picks
    if not picks:
        return redirect(url_for("booking.home"), 303)
    if len(picks) > _limit(bookable):
        return _review_page(shop, bookable, picks, error=_("Your package holds %(n)d more sessions for this "
                                                          "service: remove some times.", n=_limit(bookable))), 409
    requests = [SessionRequest(service_id, resource_id, start) for resource_id, start in picks]
    if bookable.checkout:
        return _hold_and_checkout(shop, customer, bookable, picks, requests, now)
    try:
        booked = bookings.book_sessions(session, shop.id, customer, requests, actor=f"customer:{customer.id}",
                                        now=now, source="customer")
    except BookingError as exc:
        session.rollback()
        return _review_page(shop, bookable, picks, error=_refusal(exc)), exc.status
    owe_email(notifications.booking_confirmation(session, shop.id, customer, booked, str(get_locale())))
    session.commit()
    return redirect(url_for("booking.my_bookings", booked=",".join(str(b.id) for b in booked)), 303)


def _hold_and_checkout(shop, customer, bookable, picks, requests, now):
    """Hold the times and send the customer to Shopify checkout for the service, the hold's reference with them."""
    session = db.session()
    try:
        reference, held = holds.hold_for_checkout(session, shop.id, customer, requests, now=now)
    except BookingError as exc:
        session.rollback()
        return _review_page(shop, bookable, picks, error=_refusal(exc)), exc.status
    session.commit()
    return redirect(holds.checkout_url(shop.domain, bookable.service.shopify_variant_id, len(held), reference), 303)


def _review_page(shop, bookable, picks, *, error):
    names = {r.id: r.name for r in db.session().query(Resource).filter(Resource.shop_id == shop.id)}
    ordered = sorted(picks, key=lambda p: p[1])
    hold_minutes = booking_settings(db.session(), shop.id).hold_minutes
    return render_template("booking/review.html", shop=shop, bookable=bookable, picks=ordered, names=names,
                           hold_minutes=hold_minutes,
                           picks_values=[pick_value(r, s) for r, s in ordered], pick_value=pick_value, error=error,
                           limit=_limit(bookable))


def _refusal(exc: BookingError) -> str:
    """What went wrong, in the customer's words, naming the session when one of several was refused."""
    when = exc.session_start
    if isinstance(exc, SlotUnavailable) and when is not None:
        return _("%(day)s at %(time)s was just taken. Choose another time; nothing was booked.",
                 day=local_day(when, "medium"), time=local_time(when))
    if when is not None:
        return _("%(day)s at %(time)s: %(reason)s. Nothing was booked.", day=local_day(when, "medium"),
                 time=local_time(when), reason=refusal_reason(exc))
    reason = refusal_reason(exc)
    return _("%(reason)s. Nothing was booked.", reason=reason[:1].upper() + reason[1:])


def day_label(day: date, free_count: int) -> str:
    """A day as the grid reads it aloud: the full date and how many times are free."""
    return ngettext("%(day)s, %(num)d time free", "%(day)s, %(num)d times free", free_count,
                    day=format_date(day, "full", locale=str(get_locale())))


def _weekday_names() -> list[tuple[str, str]]:
    """(short, full) names Monday to Sunday, in the reader's language."""
    names = Locale.parse(str(get_locale())).days["format"]
    return [(names["abbreviated"][i], names["wide"][i]) for i in range(7)]


def _zone_of(settings):
    return ZoneInfo(settings.timezone)


def _month_arg(value: str | None, today: date) -> date:
    first = today.replace(day=1)
    if value and re.fullmatch(r"20[0-9]{2}-(0[1-9]|1[0-2])", value):
        asked = date(int(value[:4]), int(value[5:]), 1)
        return max(asked, first)
    return first


def _day_arg(value: str | None, month: date, days_in_month: int) -> date | None:
    if value and re.fullmatch(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}", value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return None
        if day.replace(day=1) == month:
            return day
    return None


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _weeks(month: date) -> list[list[date | None]]:
    """The month as weeks of seven days, Monday first, blanks outside the month."""
    return [[day if day.month == month.month else None for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)]
