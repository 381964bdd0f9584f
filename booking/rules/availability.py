"""Availability as pure functions over time ranges (after cal.com's scheduling library).

Open time is working hours plus extra hours minus time off (booking.hours); bookable time is open
time intersected with a service's or package's windows; slots are cut from that and checked against
existing bookings and live holds. Everything here is UTC: only `working_intervals`, `local_windows`
and `Slot.to_json` look at the shop's zone. The range types and hours are re-exported so callers
import availability from one place.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from booking.rules.hours import DAY_NAMES, HoursException, WeeklyHours, local_windows, working_intervals
from booking.rules.intervals import Interval, as_utc, intersect, merge, normalize_range, overlaps, subtract

__all__ = ["DAY_NAMES", "HoursException", "Interval", "Occupancy", "Slot", "SlotRequest", "WeeklyHours",
           "compute_slots", "day_anchors", "intersect", "local_midnight", "local_windows", "merge", "on_grid",
           "overlaps", "subtract", "working_intervals"]

ZERO = timedelta(0)


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
        normalize_range(self)
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

    - Starts sit on the shop's grid: each local day's grid starts at that day's first open instant
      (local midnight when open time runs on from the day before) and steps by `request.step` in
      absolute time, so the repeated hour of a fall-back day is offered twice and a spring-forward
      day has no phantom hour. The grid never depends on the window asked for, provided `open_time`
      covers every local day it touches from that day's midnight.
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
    open_time = merge(open_time)
    bookable = open_time if windows is None else intersect(open_time, windows)
    now = as_utc(now, "now")
    sweep = _Sweep(occupied)
    slots = []
    anchors = day_anchors(open_time, zone)
    for start in _candidate_starts(bookable, anchors, request, now + request.min_notice, now + request.horizon, zone):
        remaining = _remaining_seats(start, request, sweep)
        if remaining > 0:
            slots.append(Slot(start, start + request.duration, remaining))
    return slots


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant a local day begins, in UTC (a midnight lost to DST resolves to when the clocks jump)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def day_anchors(open_time: Sequence[Interval], zone: ZoneInfo) -> dict[date, datetime]:
    """Each local day's first open instant: where that day's slot grid starts."""
    anchors: dict[date, datetime] = {}
    for interval in open_time:
        day = interval.start.astimezone(zone).date()
        while (day_start := local_midnight(day, zone)) < interval.end:
            anchors.setdefault(day, max(interval.start, day_start))
            day += timedelta(days=1)
    return anchors


def on_grid(start: datetime, anchors: dict[date, datetime], step: timedelta, zone: ZoneInfo) -> bool:
    anchor = anchors.get(start.astimezone(zone).date())
    return anchor is not None and start >= anchor and (start - anchor) % step == ZERO


def _candidate_starts(bookable: Sequence[Interval], anchors: dict[date, datetime], request: SlotRequest,
                      earliest: datetime, latest: datetime, zone: ZoneInfo) -> Iterator[datetime]:
    step, duration = request.step, request.duration
    for interval in bookable:
        day = interval.start.astimezone(zone).date()
        while (day_start := local_midnight(day, zone)) < interval.end:
            next_day = day + timedelta(days=1)
            day_end, anchor = min(local_midnight(next_day, zone), interval.end), anchors.get(day)
            first = max(interval.start, day_start, earliest)
            if anchor is not None and first < day_end:
                # The first grid point at or after `first`, keeping the day's grid where it is.
                start = anchor + max(0, -((anchor - first) // step)) * step
                while start < day_end and start + duration <= interval.end:
                    if start > latest:
                        return
                    yield start
                    start += step
            day = next_day


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


def why_not_offered(start: datetime, open_time: Sequence[Interval], request: SlotRequest, *, now: datetime,
                    zone: ZoneInfo) -> str | None:
    """Why compute_slots would not offer `start`, checked in the order a person would give the reasons:
    in_the_past, short_notice, beyond_horizon, closed, outside_hours or off_grid. None means the time is
    on offer in principle, so something occupies it. `open_time` covers start's local day from midnight."""
    open_time = merge(open_time)
    now = as_utc(now, "now")
    if start < now:
        return "in_the_past"
    if start < now + request.min_notice:
        return "short_notice"
    if start > now + request.horizon:
        return "beyond_horizon"
    day = start.astimezone(zone).date()
    day_span = Interval(local_midnight(day, zone), local_midnight(day + timedelta(days=1), zone))
    if not intersect(open_time, [day_span]):
        return "closed"
    if not any(i.start <= start and start + request.duration <= i.end for i in open_time):
        return "outside_hours"
    if not on_grid(start, day_anchors(open_time, zone), request.step, zone):
        return "off_grid"
    return None
