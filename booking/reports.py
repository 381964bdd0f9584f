"""The admin's reports over a date range in the shop's zone: what is still owed (liability), redemptions over time,
how much of each resource's open time was booked (utilisation), and no-show and late-cancel rates.

Each reads; none writes. Liability adds up the packages' running sums (`entitlements.balance`, `granted`, kept by
accounts.write_entry) instead of replaying ledgers, so it answers in one grouped query for 100,000 packages
(bench/reports.py). PostgreSQL groups by local month or day in SQL; SQLite, the embedded default for small
shops, has no time zones, so the same rows are grouped here, in Python, with the same rounding.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Interval as IntervalType, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from booking.accounts import plain
from booking.bookings import open_time
from booking.errors import ValidationFailed
from booking.models import Resource, Service
from booking.records import OCCUPYING_STATUSES, Booking, Entitlement, LedgerEntry
from booking.rules.availability import local_midnight
from booking.rules.intervals import Interval, intersect, merge

MAX_DAYS = 731  # two years, a leap day included
CENT = Decimal("0.01")
DUE_STATUSES = ("confirmed", "completed", "no_show")  # a session that took place, or should have


@dataclass(frozen=True)
class Period:
    """Local days [first, end) in the shop's zone: `end` is the day after the last one."""

    first: date
    end: date
    zone: ZoneInfo

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def stop(self) -> datetime:
        return local_midnight(self.end, self.zone)

    @property
    def bucket(self) -> str:
        """How redemptions are grouped: by day up to a month, by week up to half a year, then by month."""
        days = (self.end - self.first).days
        return "day" if days <= 31 else "week" if days <= 183 else "month"

    def bucket_starts(self) -> list[date]:
        """The first day of every bucket the range touches, in order (for a chart's axis)."""
        starts, day = [], _period_of(self.first, self)
        while day < self.end:
            starts.append(day)
            day = next_month(day) if self.bucket == "month" else day + timedelta(days=7 if self.bucket == "week" else 1)
        return starts


def report_period(first: date | None, end: date | None, zone: ZoneInfo, now: datetime) -> Period:
    """The range asked for: `from` defaults to the first of this month, `to` to the first of the month after
    `from`. `to` is after `from`, and two years at most later."""
    first = first or now.astimezone(zone).date().replace(day=1)
    end = end or next_month(first)
    if end <= first:
        raise ValidationFailed("`to` must be after `from`", field="to")
    if (end - first).days > MAX_DAYS:
        raise ValidationFailed(f"a report covers at most {MAX_DAYS} days", field="to")
    return Period(first, end, zone)


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


# --- liability -------------------------------------------------------------------------------------------------


def live(now: datetime):
    """Active packages still valid now: one past its end counts as expired before the expiry job marks it."""
    return (Entitlement.status == "active") & or_(Entitlement.expires_at.is_(None), Entitlement.expires_at > now)


def value_of(price_paid: Decimal | None, balance: Decimal, granted: Decimal) -> Decimal:
    """What the customer paid for the part still owed: price paid × left ÷ granted, to the cent (half up, as
    PostgreSQL's round() does, so both databases agree)."""
    if price_paid is None or not granted:
        return Decimal(0)
    return (Decimal(price_paid) * Decimal(balance) / Decimal(granted)).quantize(CENT, ROUND_HALF_UP)


def liability(session: Session, shop_id: int, zone: ZoneInfo, now: datetime) -> list[dict]:
    """What live packages still owe in sessions, minutes and money, per plan, unit, currency and expiry month
    (the month of the last valid day, in the shop's zone), valued at the price paid. Unlimited passes owe no
    countable quantity and are left out."""
    owing = (Entitlement.shop_id == shop_id, live(now), Entitlement.unit != "unlimited", Entitlement.balance > 0)
    title = Entitlement.terms["title"].as_string()
    lines: dict[tuple, dict] = {}
    if session.get_bind().dialect.name == "postgresql":
        last_moment = Entitlement.expires_at - literal(timedelta(microseconds=1), IntervalType())
        month = func.coalesce(func.to_char(func.timezone(zone.key, last_moment), "YYYY-MM"), "never")
        value = case((and_(Entitlement.granted > 0, Entitlement.price_paid.is_not(None)),
                      func.round(Entitlement.price_paid * Entitlement.balance / Entitlement.granted, 2)), else_=0)
        keys = (title, Entitlement.unit, month, Entitlement.currency)
        for *key, count, owed, valued in session.execute(
                select(*keys, func.count(), func.sum(Entitlement.balance), func.sum(value))
                .where(*owing).group_by(*keys)):
            _add(lines, tuple(key), count, owed, valued)
    else:
        for key_title, unit, expires_at, currency, price, balance, granted in session.execute(
                select(title, Entitlement.unit, Entitlement.expires_at, Entitlement.currency,
                       Entitlement.price_paid, Entitlement.balance, Entitlement.granted).where(*owing)):
            _add(lines, (key_title, unit, expiry_month(expires_at, zone), currency), 1, balance,
                 value_of(price, balance, granted))
    return [{**line, "owed": plain(line["owed"]), "value": f"{line['value']:.2f}"}
            for line in sorted(lines.values(), key=lambda l: (l["expires"], l["plan"], l["unit"], l["currency"] or ""))]


def expiry_month(expires_at: datetime | None, zone: ZoneInfo) -> str:
    """YYYY-MM of the last valid day (expires_at is the first instant after it), or "never"."""
    if expires_at is None:
        return "never"
    return (expires_at - timedelta(microseconds=1)).astimezone(zone).strftime("%Y-%m")


def _add(lines: dict, key: tuple, count: int, owed, valued) -> None:
    plan, unit, month, currency = key
    line = lines.setdefault(key, {"plan": plan, "unit": unit, "expires": month, "packages": 0, "owed": Decimal(0),
                                  "value": Decimal(0), "currency": currency})
    line["packages"] += count
    line["owed"] += Decimal(owed)
    line["value"] += Decimal(valued or 0)


# --- redemptions -----------------------------------------------------------------------------------------------


def redemptions(session: Session, shop_id: int, period: Period) -> list[dict]:
    """Package redemptions per period (day, week or month) and package unit, by when the ledger wrote them:
    redeemed sessions, those given back (cancelled in time, or undone by a manager), the net, and the quantity
    used net of give-backs (forfeit penalties included), as a package's "used" counts it. A give-back is counted
    when it happened, so a closed period never changes."""
    when = _period_expr(session, LedgerEntry.created_at, period)
    keys = (when, Entitlement.unit, LedgerEntry.kind)
    rows: dict[tuple, dict] = {}
    for at, unit, kind, count, quantity in session.execute(
            select(*keys, func.count(), func.sum(LedgerEntry.quantity))
            .join(Entitlement, Entitlement.id == LedgerEntry.entitlement_id)
            .where(LedgerEntry.shop_id == shop_id, LedgerEntry.created_at >= period.start,
                   LedgerEntry.created_at < period.stop, LedgerEntry.kind.in_(("redeem", "restore", "undo", "forfeit")))
            .group_by(*keys)):
        day = _period_of(at, period)
        row = rows.setdefault((day, unit), {"period": day.isoformat(), "unit": unit, "redeemed": 0, "given_back": 0,
                                            "used": Decimal(0)})
        if kind == "redeem":
            row["redeemed"] += count
        elif kind in ("restore", "undo"):
            row["given_back"] += count
        row["used"] -= Decimal(quantity)
    return [{**row, "net": row["redeemed"] - row["given_back"], "used": plain(row["used"])}
            for _, row in sorted(rows.items())]


def _period_expr(session: Session, instant, period: Period):
    """PostgreSQL: the local day, week (from Monday) or month the instant falls in. Elsewhere the instant itself,
    for _period_of to place."""
    if session.get_bind().dialect.name != "postgresql":
        return instant
    return func.date(func.date_trunc(period.bucket, func.timezone(period.zone.key, instant)))


def _period_of(value: date | datetime, period: Period) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(period.zone).date()
    elif isinstance(value, str):  # SQLite's date() answers text
        value = date.fromisoformat(value)
    if period.bucket == "week":
        return value - timedelta(days=value.weekday())
    return value.replace(day=1) if period.bucket == "month" else value


# --- utilisation -----------------------------------------------------------------------------------------------


def utilisation(session: Session, shop_id: int, period: Period) -> list[dict]:
    """Per resource: its open hours in the range (weekly hours plus extra hours, less time off) and the hours its
    bookings occupy (sessions that hold its time; simultaneous places in one class count once)."""
    start, stop = period.start, period.stop
    resources = session.scalars(select(Resource).where(
        Resource.shop_id == shop_id, or_(Resource.archived_at.is_(None), Resource.archived_at > start))
        .order_by(Resource.name, Resource.id)).all()
    booked: dict[int, list[Interval]] = defaultdict(list)
    for resource_id, starts_at, ends_at in session.execute(
            select(Booking.resource_id, Booking.starts_at, Booking.ends_at).where(
                Booking.shop_id == shop_id, Booking.status.in_(OCCUPYING_STATUSES),
                Booking.starts_at < stop, Booking.ends_at > start)):
        booked[resource_id].append(Interval(starts_at, ends_at))
    window = [Interval(start, stop)]
    rows = []
    for resource in resources:
        open_hours = _hours(open_time(resource, period.zone, start, stop))
        booked_hours = _hours(intersect(merge(booked[resource.id]), window))
        rows.append({"resource_id": resource.id, "resource": resource.name, "open_hours": plain(open_hours),
                     "booked_hours": plain(booked_hours), "utilisation": _share(booked_hours, open_hours)})
    return rows


def _hours(intervals: list[Interval]) -> Decimal:
    seconds = sum(int(i.duration.total_seconds()) for i in intervals)
    return (Decimal(seconds) / 3600).quantize(CENT, ROUND_HALF_UP)


def _share(part, whole) -> str | None:
    """part / whole as a percentage with one decimal ("37.5"), or None when there is nothing to divide by."""
    if not whole:
        return None
    return plain((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP))


# --- no-shows and late cancellations ---------------------------------------------------------------------------


def attendance(session: Session, shop_id: int, period: Period, now: datetime) -> list[dict]:
    """No-show and late-cancel rates by service and by member of staff (resource), over the sessions due in the
    range: those that started by now (confirmed, completed or no-show; a session still to come is not due yet)
    plus late cancellations. A late cancellation is a cancelled booking whose package kept the session (a forfeit
    entry in its ledger, as the customer summary counts it); one cancelled in time was never due."""
    forfeited = exists().where(LedgerEntry.booking_id == Booking.id, LedgerEntry.kind == "forfeit")
    late = and_(Booking.status == "cancelled", forfeited)
    counts = (func.count(), func.sum(case((Booking.status == "no_show", 1), else_=0)),
              func.sum(case((late, 1), else_=0)))
    due = (Booking.shop_id == shop_id, Booking.starts_at >= period.start, Booking.starts_at < period.stop,
           or_(and_(Booking.status.in_(DUE_STATUSES), Booking.starts_at < now), late))
    rows = []
    for group, column, model in (("service", Booking.service_id, Service), ("staff", Booking.resource_id, Resource)):
        found = session.execute(select(column, model.name, *counts).join(model, model.id == column).where(*due)
                                .group_by(column, model.name).order_by(model.name, column)).all()
        rows += [_rates(group, name, total, no_shows, late_cancels) for _, name, total, no_shows, late_cancels in found]
        if found:
            rows.append(_rates(group, "All", *(sum(int(r[i] or 0) for r in found) for i in (2, 3, 4))))
    return rows


def _rates(group: str, name: str, due: int, no_shows, late_cancels) -> dict:
    no_shows, late_cancels = int(no_shows or 0), int(late_cancels or 0)
    return {"group": group, "name": name, "due": due, "no_shows": no_shows, "late_cancels": late_cancels,
            "no_show_rate": _share(no_shows, due), "late_cancel_rate": _share(late_cancels, due)}
