"""Availability as pure functions over time ranges (after cal.com's scheduling library).

Open time is working hours plus extra hours minus time off; bookable time is open time intersected
with a service's or package's windows; slots are cut from that and checked against existing bookings
and live holds. Everything inside is UTC: only `working_intervals`, `local_windows` and
`Slot.to_json` look at the shop's zone.

Wall-clock times are read in the shop's zone, and DST days have 23 or 25 hours:
- A time that does not exist (the spring-forward gap) moves forward to the first instant after the
  gap: 01:30 on London's 2026-03-29 reads as 02:00 BST. RFC 5545 would add the gap's length instead
  (02:30 BST), but that can put a span's start after its end (01:30-02:15); ours never goes backwards.
- A time that happens twice (the fall-back fold) means its first occurrence (fold=0).
"""
from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

ZERO = timedelta(0)
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
Span = tuple[time, time]


def _utc(value: datetime, name: str) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value  # the hot path: everything past the edges is already UTC
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    # Arithmetic and comparison within one ZoneInfo ignore fold and offset changes; UTC has neither.
    return value.astimezone(UTC)


def _store_utc_range(obj: object) -> None:
    start, end = _utc(obj.start, "start"), _utc(obj.end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    object.__setattr__(obj, "start", start)
    object.__setattr__(obj, "end", end)


@dataclass(frozen=True, order=True)
class Interval:
    """A half-open range [start, end) of instants, stored in UTC."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _store_utc_range(self)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def overlaps(a: Interval, b: Interval) -> bool:
    """Whether a and b share an instant; touching ranges and empty ones never do."""
    return max(a.start, b.start) < min(a.end, b.end)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping and touching intervals coalesced, empty ones dropped."""
    merged: list[Interval] = []
    for interval in sorted(intervals):  # Timsort is linear on input that is already sorted
        if interval.start == interval.end:
            continue
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(merged[-1].start, interval.end)
        else:
            merged.append(interval)
    return merged


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time covered by both a and b, merged."""
    a, b = merge(a), merge(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i].start, b[j].start), min(a[i].end, b[j].end)
        if start < end:
            out.append(Interval(start, end))
        if a[i].end < b[j].end:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    """The time covered by a and not by b, merged."""
    cuts, out, j = merge(b), [], 0
    for interval in merge(a):
        start = interval.start
        while j < len(cuts) and cuts[j].end <= start:
            j += 1
        k = j  # a cut may also reach into the next interval, so j stays put
        while k < len(cuts) and cuts[k].start < interval.end:
            if cuts[k].start > start:
                out.append(Interval(start, cuts[k].start))
            start = max(start, cuts[k].end)
            k += 1
        if start < interval.end:
            out.append(Interval(start, interval.end))
    return out


# --- wall-clock hours --------------------------------------------------------------------------


def _check_span(day: int, span: object) -> Span:
    opens, closes = span
    for value in (opens, closes):
        # Minute precision keeps to_json/from_json lossless; a zone on a time of day means nothing.
        if not isinstance(value, time) or value.tzinfo or value.second or value.microsecond:
            raise ValueError(f"{DAY_NAMES[day]}: {value!r} is not a whole-minute time of day")
    return opens, closes


@dataclass(frozen=True)
class WeeklyHours:
    """Opening hours by weekday (0=Monday..6=Sunday) in the shop's wall-clock time.

    A span whose end is not after its start runs past midnight into the next day: (22:00, 02:00)
    is four hours and (09:00, 09:00) twenty-four. A day without spans is closed.
    """

    days: Mapping[int, Sequence[Span]]

    def __post_init__(self) -> None:
        days = {}
        for day, spans in sorted(self.days.items()):
            if day not in range(7):
                raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {day!r}")
            if spans:
                days[day] = tuple(_check_span(day, span) for span in spans)
        object.__setattr__(self, "days", MappingProxyType(days))

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> WeeklyHours:
        """Parse {"mon": [["09:00", "17:00"]], ...}; a missing day is closed."""
        if not isinstance(data, Mapping):
            raise ValueError(f"opening hours must be an object keyed by day, got {data!r}")
        days = {}
        for name, spans in data.items():
            if name not in DAY_NAMES:
                raise ValueError(f"unknown day {name!r}: expected one of {', '.join(DAY_NAMES)}")
            if isinstance(spans, str) or not isinstance(spans, Sequence):
                raise ValueError(f"{name}: expected a list of [start, end] pairs, got {spans!r}")
            days[DAY_NAMES.index(name)] = [_parse_span(name, pair) for pair in spans]
        return cls(days)

    def to_json(self) -> dict[str, list[list[str]]]:
        return {
            DAY_NAMES[day]: [[opens.strftime("%H:%M"), closes.strftime("%H:%M")] for opens, closes in spans]
            for day, spans in self.days.items()
        }


def _parse_span(day: str, pair: object) -> Span:
    if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
        raise ValueError(f"{day}: expected [start, end], got {pair!r}")
    return _parse_hhmm(day, pair[0]), _parse_hhmm(day, pair[1])


def _parse_hhmm(day: str, text: object) -> time:
    match = _HHMM.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{day}: {text!r} is not a time of day as HH:MM (00:00-23:59)")
    return time(int(match[1]), int(match[2]))


@dataclass(frozen=True)
class HoursException:
    """Dated time off ("closed") or extra hours ("open") for one resource."""

    start: datetime
    end: datetime
    kind: Literal["closed", "open"]

    def __post_init__(self) -> None:
        _store_utc_range(self)
        if self.kind not in ("closed", "open"):
            raise ValueError(f"kind must be 'closed' or 'open', got {self.kind!r}")


def _wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant the shop's clock reads `at` on `day` (DST rules in the module docstring)."""
    wall = datetime.combine(day, at)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)  # fold=0: the first of two readings
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    return _end_of_gap(wall, zone)


def _end_of_gap(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after the spring-forward gap that swallows `wall`."""
    # Read with the offsets on either side of the gap, the wall time brackets the transition;
    # zoneinfo doesn't expose transitions, so bisect on whole seconds (they fall on whole seconds).
    lo = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    hi = int(wall.replace(tzinfo=zone, fold=0).timestamp())
    before = datetime.fromtimestamp(lo, zone).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, zone).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def _local_dates(zone: ZoneInfo, window: Interval) -> Iterator[date]:
    # From the day before: a span that starts yesterday evening may run into the window.
    day = window.start.astimezone(zone).date() - timedelta(days=1)
    while day <= window.end.astimezone(zone).date():
        yield day
        day += timedelta(days=1)


def _wall_spans(zone: ZoneInfo, days: Iterable[date], spans_on: Callable[[date], Iterable[Span]]) -> list[Interval]:
    out = []
    for day in days:
        for opens, closes in spans_on(day):
            last = day + timedelta(days=1) if closes <= opens else day
            out.append(Interval(_wall_to_utc(day, opens, zone), _wall_to_utc(last, closes, zone)))
    return merge(out)


def working_intervals(
    hours: WeeklyHours, exceptions: Sequence[HoursException], zone: ZoneInfo, start: datetime, end: datetime
) -> list[Interval]:
    """The resource's open time within [start, end), in UTC.

    Extra hours are added before time off is taken away, so time off wins where both apply.
    """
    window = Interval(start, end)
    weekly = _wall_spans(zone, _local_dates(zone, window), lambda day: hours.days.get(day.weekday(), ()))
    extra = [Interval(e.start, e.end) for e in exceptions if e.kind == "open"]
    time_off = [Interval(e.start, e.end) for e in exceptions if e.kind == "closed"]
    return intersect(subtract(weekly + extra, time_off), [window])


def local_windows(
    zone: ZoneInfo,
    start: datetime,
    end: datetime,
    *,
    weekdays: set[int] | None = None,
    times: Sequence[Span] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    dates: set[date] | None = None,
) -> list[Interval]:
    """A service's or package's booking windows within [start, end), in UTC.

    Each argument left as None doesn't restrict; the given ones must all hold for a local date.
    `times` follow WeeklyHours' midnight rule, and a span belongs to the date it starts on.
    """

    def allowed(day: date) -> bool:
        return (
            (weekdays is None or day.weekday() in weekdays)
            and (date_from is None or day >= date_from)
            and (date_to is None or day <= date_to)
            and (dates is None or day in dates)
        )

    # Midnight to midnight rather than 24 hours: a DST day is 23 or 25 hours long.
    spans = tuple(times) if times is not None else ((time(0), time(0)),)
    window = Interval(start, end)
    days = [day for day in _local_dates(zone, window) if allowed(day)]
    return intersect(_wall_spans(zone, days, lambda day: spans), [window])


# --- slots -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Occupancy:
    """An existing booking or a live hold on the resource."""

    start: datetime
    end: datetime
    buffer_before: timedelta = ZERO
    buffer_after: timedelta = ZERO
    service_id: int | None = None
    seats: int = 1

    def __post_init__(self) -> None:
        _store_utc_range(self)
        if self.buffer_before < ZERO or self.buffer_after < ZERO or self.seats < 1:
            raise ValueError(f"buffers must be >= 0 and seats >= 1: {self!r}")

    @property
    def session(self) -> Interval:
        return Interval(self.start, self.end)

    @property
    def blocked(self) -> Interval:
        return Interval(self.start - self.buffer_before, self.end + self.buffer_after)


@dataclass(frozen=True)
class SlotRequest:
    duration: timedelta
    buffer_before: timedelta
    buffer_after: timedelta
    capacity: int
    service_id: int | None
    step: timedelta
    min_notice: timedelta
    horizon: timedelta

    def __post_init__(self) -> None:
        if self.duration <= ZERO or self.step <= ZERO or self.capacity < 1:
            raise ValueError(f"duration and step must be > 0 and capacity >= 1: {self!r}")
        if self.buffer_before < ZERO or self.buffer_after < ZERO:
            raise ValueError(f"buffers must be >= 0: {self!r}")


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    remaining: int

    def to_json(self, zone: ZoneInfo) -> dict[str, object]:
        return {
            "start": self.start.astimezone(zone).isoformat(),
            "end": self.end.astimezone(zone).isoformat(),
            "remaining": self.remaining,
        }


def compute_slots(
    open_time: Sequence[Interval],
    occupied: Sequence[Occupancy],
    request: SlotRequest,
    *,
    now: datetime,
    zone: ZoneInfo,
    windows: Sequence[Interval] | None = None,
) -> list[Slot]:
    """The bookable slots, sorted by start, in UTC.

    - Starts sit on a grid anchored at the start of each bookable interval (open time intersected
      with `windows`), stepping by `request.step` in absolute time, so the repeated hour of a
      fall-back day is offered twice and a spring-forward day has no phantom hour.
    - The session [start, start + duration) lies inside bookable time; buffers may stick out,
      as they only keep bookings apart.
    - A booking blocks [start - buffer_before, end + buffer_after]. A candidate conflicts with an
      occupancy when its blocked range overlaps the occupancy's session, or its session overlaps the
      occupancy's blocked range: facing buffers don't add up, the larger one wins.
    - Classes: an occupancy of the same service with the same start and end is a seat in the same
      session; it doesn't block but takes `seats` of `capacity`. The slot is offered while seats
      remain. Any other overlapping occupancy blocks it, so capacity 1 means one booking per slot.
    - now + min_notice <= start <= now + horizon.

    `zone` isn't needed to compute (steps are absolute time); format the result with Slot.to_json.
    """
    bookable = merge(open_time) if windows is None else intersect(open_time, windows)
    now = _utc(now, "now")
    sweep = _Sweep(occupied)
    slots = []
    for start in _candidate_starts(bookable, request, now + request.min_notice, now + request.horizon):
        remaining = _remaining_seats(start, request, sweep)
        if remaining > 0:
            slots.append(Slot(start, start + request.duration, remaining))
    return slots


def _candidate_starts(
    bookable: Sequence[Interval], request: SlotRequest, earliest: datetime, latest: datetime
) -> Iterator[datetime]:
    for interval in bookable:
        # Skip to the first grid point at or after `earliest`, keeping the grid where it is.
        skip = max(0, -((interval.start - earliest) // request.step))
        start = interval.start + skip * request.step
        while start + request.duration <= interval.end:
            if start > latest:
                return
            yield start
            start += request.step


class _Sweep:
    """Occupancies sorted once, walked alongside candidate starts that only move forward."""

    def __init__(self, occupied: Iterable[Occupancy]) -> None:
        # Blocked ranges as plain datetimes, computed once: no Interval per candidate.
        self._pending = sorted(((o.start - o.buffer_before, o.end + o.buffer_after, o) for o in occupied),
                               key=lambda row: row[0])
        self._next = 0
        self._active: list = []  # a heap of (blocked end, order, blocked start, occupancy)

    def near(self, reach_start: datetime, reach_end: datetime) -> list:
        """Occupancies whose blocked range may overlap the reach; it never moves backwards."""
        pending, active = self._pending, self._active
        while self._next < len(pending) and pending[self._next][0] < reach_end:
            blocked_start, blocked_end, occupancy = pending[self._next]
            heapq.heappush(active, (blocked_end, self._next, blocked_start, occupancy))
            self._next += 1
        while active and active[0][0] <= reach_start:
            heapq.heappop(active)
        return active


def _remaining_seats(start: datetime, request: SlotRequest, sweep: _Sweep) -> int:
    """Seats left in the session at `start`; 0 when anything else is in the way."""
    end = start + request.duration
    reach_start, reach_end = start - request.buffer_before, end + request.buffer_after
    taken = 0
    # Raw datetimes, not Intervals: this runs for every candidate against every nearby booking.
    # max(a, c) < min(b, d) is "overlaps" in a form that never counts an empty range.
    for blocked_end, _, blocked_start, o in sweep.near(reach_start, reach_end):
        if _same_class(o, start, end, request.service_id):
            taken += o.seats
        elif max(reach_start, o.start) < min(reach_end, o.end) or max(start, blocked_start) < min(end, blocked_end):
            return 0
    return max(0, request.capacity - taken)


def _same_class(occupancy: Occupancy, start: datetime, end: datetime, service_id: int | None) -> bool:
    """A seat in the very same class session shares the slot instead of blocking it."""
    return service_id is not None and occupancy.service_id == service_id \
        and (occupancy.start, occupancy.end) == (start, end)
