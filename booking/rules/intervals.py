"""Half-open time ranges in UTC and linear-time set operations on sorted lists of them. Pure."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


def as_utc(value: datetime, name: str) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is UTC:
        return value  # the hot path: everything past the edges is already UTC
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got {value!r}")
    # Arithmetic and comparison within one ZoneInfo ignore fold and offset changes; UTC has neither.
    return value.astimezone(UTC)


def normalize_range(obj: object) -> None:
    start, end = as_utc(obj.start, "start"), as_utc(obj.end, "end")
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
        normalize_range(self)

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
