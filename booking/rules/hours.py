"""Wall-clock opening hours in the shop's zone, turned into UTC intervals. Pure.

Wall-clock times are read in the shop's zone, and DST days have 23 or 25 hours:
- A time that does not exist (the spring-forward gap) moves forward to the first instant after the
  gap: 01:30 on London's 2026-03-29 reads as 02:00 BST. RFC 5545 would add the gap's length instead
  (02:30 BST), but that can put a span's start after its end (01:30-02:15); ours never goes backwards.
- A time that happens twice (the fall-back fold) means its first occurrence (fold=0).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

from booking.rules.intervals import Interval, intersect, merge, normalize_range, subtract

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
Span = tuple[time, time]


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
        normalize_range(self)
        if self.kind not in ("closed", "open"):
            raise ValueError(f"kind must be 'closed' or 'open', got {self.kind!r}")


def _wall_toas_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
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
            out.append(Interval(_wall_toas_utc(day, opens, zone), _wall_toas_utc(last, closes, zone)))
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
