"""What a package plan grants, when it may be used and when it lapses. Pure: no I/O, no clock.

A customer's package keeps the terms it was bought under, so `PlanTerms` is an immutable
snapshot that round-trips through JSON exactly and is stored on each entitlement.
"""
from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from booking.errors import NotEligible

Unit = Literal["sessions", "minutes", "money", "unlimited"]
LedgerUnit = Literal["sessions", "minutes", "money"]
Rule = Literal["forfeit", "restore"]
UNITS: tuple[str, ...] = ("sessions", "minutes", "money", "unlimited")
RULES: tuple[str, ...] = ("forfeit", "restore")
SNAPSHOT_VERSION = 1
_TICK = timedelta(microseconds=1)  # sessions are half-open: the last instant inside is end - 1µs


def _require_aware(moment: datetime, name: str) -> None:
    # A naive datetime would silently be read in the server's zone, not the shop's.
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


def end_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant after `day` in `zone` (UTC), so "valid through `day`" means `t < end_of_local_day(day)`."""
    # DST days have 23 or 25 hours: step by calendar date, never by 24h. Where midnight falls
    # in a DST gap, fold=0 resolves it to the moment the clocks jump, which is still the day's first instant.
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(timezone.utc)


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic, clamped to the month's length: Jan 31 + 1 month -> Feb 28/29."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month_index + 1)[1]
    return date(year, month_index + 1, min(day.day, last))


@dataclass(frozen=True)
class Validity:
    """How long a package lasts. It lapses at the END of its last local day in the shop's zone."""

    kind: Literal["days", "months", "fixed_date", "never"]
    value: int | None = None
    fixed_date: date | None = None

    def __post_init__(self):
        needs_value = self.kind in ("days", "months")
        if needs_value and (not isinstance(self.value, int) or self.value < 1):
            raise ValueError(f"{self.kind} validity needs a positive value")
        misplaced_value = not needs_value and self.value is not None
        if (self.kind == "fixed_date") != (self.fixed_date is not None) or misplaced_value:
            raise ValueError(f"inconsistent {self.kind} validity")

    def last_day(self, purchased_at: datetime, zone: ZoneInfo) -> date | None:
        """The last local date on which the package is valid (None: never expires)."""
        if self.kind in ("never", "fixed_date"):
            return self.fixed_date
        _require_aware(purchased_at, "purchased_at")
        bought_on = purchased_at.astimezone(zone).date()
        if self.kind == "days":
            return bought_on + timedelta(days=self.value)
        return add_months(bought_on, self.value)

    def expires_at(self, purchased_at: datetime, zone: ZoneInfo) -> datetime | None:
        """The UTC instant it stops being valid: the end of the local day N days/months after the purchase date."""
        # Counting from the local purchase DATE gives the rest of the purchase day free: 30 days
        # bought at 15:00 on Mar 1 are valid through Mar 31, which is what customers expect to read.
        day = self.last_day(purchased_at, zone)
        return None if day is None else end_of_local_day(day, zone)


@dataclass(frozen=True)
class Windows:
    """When a package may be used, in the shop's local wall-clock time. None means "no restriction".

    Weekdays are 0=Monday..6=Sunday (`date.weekday()`); time ranges are [start, end) within one day;
    the date range is inclusive; when both a range and fixed dates are set, a date must satisfy both.
    """

    weekdays: frozenset[int] | None = None
    times: tuple[tuple[time, time], ...] | None = None
    date_from: date | None = None
    date_to: date | None = None
    dates: frozenset[date] | None = None

    @property
    def is_unrestricted(self) -> bool:
        return all(value is None for value in (self.weekdays, self.times, self.date_from, self.date_to, self.dates))

    def allows(self, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """True when the whole session [start, end) lies inside the windows."""
        _require_aware(start, "start")
        _require_aware(end, "end")
        if end <= start:
            raise ValueError("a session must end after it starts")
        first, last = start.astimezone(zone), (end - _TICK).astimezone(zone)
        days = (first.date() + timedelta(days=n) for n in range((last.date() - first.date()).days + 1))
        return all(self._allows_day(day) for day in days) and self._allows_times(first, last)

    def _allows_day(self, day: date) -> bool:
        return ((self.weekdays is None or day.weekday() in self.weekdays)
                and (self.date_from is None or day >= self.date_from)
                and (self.date_to is None or day <= self.date_to)
                and (self.dates is None or day in self.dates))

    def _allows_times(self, first: datetime, last: datetime) -> bool:
        # A session that starts inside a range but runs past its end is refused: it must fit whole.
        if self.times is None:
            return True
        if first.date() != last.date():
            return False
        # `last` is the session's final instant, so "ends by closing" is `last < closes`.
        return any(opens <= first.time() and last.time() < closes for opens, closes in self.times)


@dataclass(frozen=True)
class ServiceFacts:
    """What the ledger needs to know about a service to price a redemption."""

    id: int
    duration_minutes: int
    price: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True)
class PlanTerms:
    """A plan's terms as sold. `service_ids` None = any service; fixed plans also set it to their services."""

    title: str
    unit: Unit
    quantity: Decimal
    currency: str | None = None
    service_ids: frozenset[int] | None = None
    fixed_services: tuple[tuple[int, int], ...] | None = None
    resource_id: int | None = None
    validity: Validity = field(default_factory=lambda: Validity("never"))
    windows: Windows = field(default_factory=Windows)
    late_cancel: Rule = "forfeit"
    no_show: Rule = "forfeit"

    @property
    def ledger_unit(self) -> LedgerUnit:
        # Unlimited plans still write (zero-quantity) entries, so they need a unit for them.
        return "sessions" if self.unit == "unlimited" else self.unit

    @property
    def is_fixed(self) -> bool:
        return self.fixed_services is not None

    def fixed_count(self, service_id: int) -> int:
        return dict(self.fixed_services or ()).get(service_id, 0)

    def covers(self, service_id: int) -> bool:
        return self.service_ids is None or service_id in self.service_ids

    def dates_within(self, first: date, last: date) -> bool:
        """Whether every calendar date the plan names (expiry, usable dates) lies in [first, last]."""
        windows = self.windows
        days = [self.validity.fixed_date, windows.date_from, windows.date_to, *(windows.dates or ())]
        return all(first <= day <= last for day in days if day is not None)

    def to_json(self) -> dict:
        """A JSON-ready dict (Decimal as string, sets as sorted lists) for the entitlement's snapshot column."""
        return {
            "v": SNAPSHOT_VERSION, "title": self.title, "unit": self.unit, "quantity": str(self.quantity),
            "currency": self.currency, "service_ids": _sorted_or_none(self.service_ids),
            "fixed_services": None if self.fixed_services is None else [list(pair) for pair in self.fixed_services],
            "resource_id": self.resource_id, "validity": _validity_to_json(self.validity),
            "windows": _windows_to_json(self.windows), "late_cancel": self.late_cancel, "no_show": self.no_show,
        }

    @classmethod
    def from_json(cls, data: dict | str) -> PlanTerms:
        """Rebuild the exact terms from `to_json()` output (or its `json.dumps` text)."""
        data = json.loads(data) if isinstance(data, str) else data
        if data.get("v") != SNAPSHOT_VERSION:
            raise ValueError(f"unknown plan terms snapshot version {data.get('v')!r}")
        fixed = data["fixed_services"]
        return cls(
            title=data["title"], unit=data["unit"], quantity=Decimal(data["quantity"]), currency=data["currency"],
            service_ids=_frozenset_or_none(data["service_ids"]),
            fixed_services=None if fixed is None else tuple((sid, count) for sid, count in fixed),
            resource_id=data["resource_id"], validity=_validity_from_json(data["validity"]),
            windows=_windows_from_json(data["windows"]), late_cancel=data["late_cancel"], no_show=data["no_show"],
        )


def _sorted_or_none(values) -> list | None:
    return None if values is None else sorted(values)


def _frozenset_or_none(values, convert=lambda value: value) -> frozenset | None:
    return None if values is None else frozenset(convert(value) for value in values)


def _validity_to_json(validity: Validity) -> dict:
    fixed = validity.fixed_date
    return {"kind": validity.kind, "value": validity.value, "fixed_date": fixed and fixed.isoformat()}


def _validity_from_json(data: dict) -> Validity:
    fixed = data["fixed_date"]
    return Validity(data["kind"], data["value"], fixed and date.fromisoformat(fixed))


def _windows_to_json(windows: Windows) -> dict:
    return {
        "weekdays": _sorted_or_none(windows.weekdays),
        "times": None if windows.times is None else [[a.isoformat(), b.isoformat()] for a, b in windows.times],
        "date_from": windows.date_from and windows.date_from.isoformat(),
        "date_to": windows.date_to and windows.date_to.isoformat(),
        "dates": None if windows.dates is None else [day.isoformat() for day in sorted(windows.dates)],
    }


def _windows_from_json(data: dict) -> Windows:
    times = data["times"]
    return Windows(
        weekdays=_frozenset_or_none(data["weekdays"]),
        times=None if times is None else tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in times),
        date_from=data["date_from"] and date.fromisoformat(data["date_from"]),
        date_to=data["date_to"] and date.fromisoformat(data["date_to"]),
        dates=_frozenset_or_none(data["dates"], date.fromisoformat),
    )


def cost_of(terms: PlanTerms, service: ServiceFacts) -> Decimal:
    """What one session of `service` takes from a package on these terms, in the plan's ledger unit."""
    if terms.unit == "sessions":
        return Decimal(1)
    if terms.unit == "minutes":
        return Decimal(service.duration_minutes)
    if terms.unit == "unlimited":
        return Decimal(0)
    if service.price is None:
        raise NotEligible(f"“{terms.title}” pays in money, but this service has no price")
    if service.currency != terms.currency:
        raise NotEligible(f"“{terms.title}” holds {terms.currency}, but this service is priced in {service.currency}")
    return service.price


def granted_quantity(terms: PlanTerms) -> Decimal:
    """What a purchase grants: the fixed counts summed (in sessions) for fixed plans; 0 for unlimited."""
    if terms.is_fixed:
        return Decimal(sum(count for _, count in terms.fixed_services))
    return Decimal(0) if terms.unit == "unlimited" else terms.quantity
