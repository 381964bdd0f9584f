"""Availability: range algebra, wall-clock hours in real zones, and exact slot lists on fixed clocks."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.rules.availability import (
    HoursException,
    Interval,
    Occupancy,
    Slot,
    SlotRequest,
    WeeklyHours,
    compute_slots,
    intersect,
    local_windows,
    merge,
    overlaps,
    subtract,
    working_intervals,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
# A fixed clock well before every day used below, so notice and horizon only bite where a test sets them.
NOW = datetime(2026, 1, 1, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(text: str, zone: ZoneInfo = UTC) -> datetime:
    """'2026-03-29 09:00' read on the wall clock of `zone` (fold=0)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def span(start: str, end: str, zone: ZoneInfo = UTC) -> Interval:
    return Interval(at(start, zone), at(end, zone))


def open_between(hours: WeeklyHours, zone: ZoneInfo, first: str, last: str, exceptions=()) -> list[Interval]:
    """Working intervals from local midnight of `first` to local midnight of `last`."""
    return working_intervals(hours, list(exceptions), zone, at(f"{first} 00:00", zone), at(f"{last} 00:00", zone))


MORNING = [span("2026-01-05 09:00", "2026-01-05 12:00")]


def make_request(**overrides) -> SlotRequest:
    fields = dict(
        duration=timedelta(minutes=60), buffer_before=timedelta(0), buffer_after=timedelta(0), capacity=1,
        service_id=1, step=timedelta(minutes=30), min_notice=timedelta(0), horizon=timedelta(days=365),
    )
    return SlotRequest(**(fields | overrides))


def make_booking(start: str, end: str, zone: ZoneInfo = UTC, **overrides) -> Occupancy:
    return Occupancy(at(start, zone), at(end, zone), **overrides)


def hours_of(slots: list[Slot], zone: ZoneInfo = UTC) -> list[str]:
    return [slot.start.astimezone(zone).strftime("%H:%M") for slot in slots]


def local_starts(slots: list[Slot], zone: ZoneInfo) -> list[str]:
    return [slot.to_json(zone)["start"] for slot in slots]


def slots_for(open_time, occupied=(), zone=UTC, now=NOW, windows=None, **request) -> list[Slot]:
    return compute_slots(open_time, list(occupied), make_request(**request), now=now, zone=zone, windows=windows)


# --- intervals -----------------------------------------------------------------------------------


def test_interval_rejects_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        Interval(datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 10, tzinfo=UTC))


def test_interval_rejects_an_end_before_its_start():
    with pytest.raises(ValueError, match="before start"):
        span("2026-01-05 10:00", "2026-01-05 09:00")


def test_interval_is_stored_in_utc_so_fold_and_offset_cannot_confuse_comparisons():
    interval = span("2026-10-25 01:30", "2026-10-25 02:30", LONDON)  # 01:30 is the BST reading (fold=0)
    assert interval.start == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert interval.start.tzinfo is UTC
    assert interval.duration == timedelta(hours=2)


def test_touching_intervals_do_not_overlap_but_contained_ones_do():
    outer = span("2026-01-05 09:00", "2026-01-05 12:00")
    assert not overlaps(outer, span("2026-01-05 12:00", "2026-01-05 13:00"))
    assert overlaps(outer, span("2026-01-05 10:00", "2026-01-05 11:00"))
    assert not overlaps(outer, span("2026-01-05 10:00", "2026-01-05 10:00"))  # empty


def test_merge_sorts_and_coalesces_overlapping_and_touching_intervals_and_drops_empty_ones():
    merged = merge([
        span("2026-01-05 13:00", "2026-01-05 14:00"),
        span("2026-01-05 09:00", "2026-01-05 10:00"),
        span("2026-01-05 10:00", "2026-01-05 11:00"),  # touches
        span("2026-01-05 10:30", "2026-01-05 10:45"),  # contained
        span("2026-01-05 12:00", "2026-01-05 12:00"),  # empty
    ])
    assert merged == [span("2026-01-05 09:00", "2026-01-05 11:00"), span("2026-01-05 13:00", "2026-01-05 14:00")]


def test_intersect_of_touching_intervals_is_empty_and_of_contained_is_the_inner_one():
    day = [span("2026-01-05 09:00", "2026-01-05 12:00")]
    assert intersect(day, [span("2026-01-05 12:00", "2026-01-05 13:00")]) == []
    inner = [span("2026-01-05 10:00", "2026-01-05 11:00")]
    assert intersect(day, inner) == inner
    assert intersect(day, []) == [] and intersect([], day) == []


def test_subtract_splits_around_a_contained_hole_and_ignores_touching_ones():
    day = [span("2026-01-05 09:00", "2026-01-05 12:00")]
    holes = [span("2026-01-05 10:00", "2026-01-05 11:00"), span("2026-01-05 12:00", "2026-01-05 13:00")]
    assert subtract(day, holes) == [
        span("2026-01-05 09:00", "2026-01-05 10:00"), span("2026-01-05 11:00", "2026-01-05 12:00"),
    ]
    assert subtract(day, [span("2026-01-05 08:00", "2026-01-05 12:00")]) == []
    assert subtract(day, []) == day


def test_subtract_lets_one_cut_span_several_intervals():
    pieces = [span("2026-01-05 09:00", "2026-01-05 10:00"), span("2026-01-05 11:00", "2026-01-05 12:00")]
    assert subtract(pieces, [span("2026-01-05 09:30", "2026-01-05 11:30")]) == [
        span("2026-01-05 09:00", "2026-01-05 09:30"), span("2026-01-05 11:30", "2026-01-05 12:00"),
    ]


BASE = datetime(2026, 1, 5, tzinfo=UTC)
minute_ranges = st.lists(
    st.tuples(st.integers(0, 40), st.integers(0, 10)).map(
        lambda p: Interval(BASE + p[0] * MIN, BASE + (p[0] + p[1]) * MIN)
    ),
    max_size=6,
)


def minutes(intervals: list[Interval]) -> set[int]:
    return {m for i in intervals for m in range((i.start - BASE) // MIN, (i.end - BASE) // MIN)}


def is_normal(intervals: list[Interval]) -> bool:
    """Sorted, non-empty, with a real gap between neighbours."""
    return all(i.start < i.end for i in intervals) and all(a.end < b.start for a, b in zip(intervals, intervals[1:]))


@settings(max_examples=150, deadline=None)
@given(minute_ranges, minute_ranges)
def test_range_algebra_matches_a_minute_set_model(a, b):
    for result, expected in (
        (merge(a), minutes(a)),
        (intersect(a, b), minutes(a) & minutes(b)),
        (subtract(a, b), minutes(a) - minutes(b)),
    ):
        assert minutes(result) == expected
        assert is_normal(result)


# --- weekly hours --------------------------------------------------------------------------------


def test_weekly_hours_round_trip_through_json_with_missing_days_closed():
    data = {"mon": [["09:00", "12:00"], ["13:00", "17:00"]], "sun": [["22:00", "02:00"]]}
    hours = WeeklyHours.from_json(data)
    assert dict(hours.days) == {0: ((time(9), time(12)), (time(13), time(17))), 6: ((time(22), time(2)),)}
    assert hours.to_json() == data


@pytest.mark.parametrize("data, message", [
    ({"funday": [["09:00", "17:00"]]}, "unknown day 'funday'"),
    ({"tue": [["09:00", "25:00"]]}, "tue: '25:00' is not a time of day"),
    ({"wed": [["9am", "17:00"]]}, "wed: '9am' is not a time of day"),
    ({"thu": [["09:00"]]}, r"thu: expected \[start, end\], got \['09:00'\]"),
    ({"fri": "09:00-17:00"}, "fri: expected a list of"),
    ({"sat": [[900, "17:00"]]}, "sat: 900 is not a time of day"),
])
def test_weekly_hours_from_json_names_the_bad_day_and_value(data, message):
    with pytest.raises(ValueError, match=message):
        WeeklyHours.from_json(data)


# --- working intervals ---------------------------------------------------------------------------


def test_working_intervals_follow_the_wall_clock_when_the_offset_changes_overnight():
    hours = WeeklyHours.from_json({"sat": [["09:00", "17:00"]], "sun": [["09:00", "17:00"]]})
    open_time = open_between(hours, LONDON, "2026-03-28", "2026-03-30")
    # Saturday in GMT, Sunday in BST: 8 hours each, an hour apart in UTC.
    assert open_time == [span("2026-03-28 09:00", "2026-03-28 17:00"), span("2026-03-29 08:00", "2026-03-29 16:00")]


def test_spring_forward_hours_across_the_gap_last_two_hours():
    hours = WeeklyHours.from_json({"sun": [["00:30", "03:30"]]})
    open_time = open_between(hours, LONDON, "2026-03-29", "2026-03-30")
    assert open_time == [span("2026-03-29 00:30", "2026-03-29 02:30")]  # 00:30 GMT to 03:30 BST


def test_spring_forward_opening_time_inside_the_gap_moves_to_the_end_of_the_gap():
    hours = WeeklyHours.from_json({"sun": [["01:30", "03:00"]]})
    open_time = open_between(hours, LONDON, "2026-03-29", "2026-03-30")
    assert open_time == [span("2026-03-29 01:00", "2026-03-29 02:00")]  # 02:00 BST, not 02:30 BST


def test_spring_forward_span_wholly_inside_the_gap_is_empty():
    hours = WeeklyHours.from_json({"sun": [["01:10", "01:50"]]})
    assert open_between(hours, LONDON, "2026-03-29", "2026-03-30") == []


def test_fall_back_hours_across_the_fold_include_the_repeated_hour():
    hours = WeeklyHours.from_json({"sun": [["00:30", "02:30"]]})
    open_time = open_between(hours, LONDON, "2026-10-25", "2026-10-26")
    assert open_time == [span("2026-10-24 23:30", "2026-10-25 02:30")]  # 00:30 BST to 02:30 GMT: 3 hours


def test_fall_back_ambiguous_opening_time_means_its_first_occurrence():
    hours = WeeklyHours.from_json({"sun": [["01:30", "03:00"]]})
    open_time = open_between(hours, LONDON, "2026-10-25", "2026-10-26")
    assert open_time == [span("2026-10-25 00:30", "2026-10-25 03:00")]  # 01:30 BST, not 01:30 GMT


def test_overnight_hours_run_from_sunday_into_monday():
    hours = WeeklyHours.from_json({"sun": [["22:00", "02:00"]], "mon": [["22:00", "02:00"]]})
    open_time = open_between(hours, NEW_YORK, "2026-01-05", "2026-01-06")
    # Monday's range starts with the tail of Sunday night and ends where the query does.
    assert open_time == [
        span("2026-01-05 00:00", "2026-01-05 02:00", NEW_YORK), span("2026-01-05 22:00", "2026-01-06 00:00", NEW_YORK),
    ]


def test_time_off_is_subtracted_and_extra_hours_are_added_but_time_off_wins():
    hours = WeeklyHours.from_json({"mon": [["09:00", "17:00"]]})
    exceptions = [
        HoursException(at("2026-01-05 12:00"), at("2026-01-05 13:00"), "closed"),
        HoursException(at("2026-01-05 17:00"), at("2026-01-05 19:00"), "open"),
        HoursException(at("2026-01-10 10:00"), at("2026-01-10 12:00"), "open"),  # a Saturday
        HoursException(at("2026-01-10 11:00"), at("2026-01-10 11:30"), "closed"),
    ]
    open_time = working_intervals(hours, exceptions, UTC, at("2026-01-05 00:00"), at("2026-01-12 00:00"))
    assert open_time == [
        span("2026-01-05 09:00", "2026-01-05 12:00"), span("2026-01-05 13:00", "2026-01-05 19:00"),
        span("2026-01-10 10:00", "2026-01-10 11:00"), span("2026-01-10 11:30", "2026-01-10 12:00"),
    ]


def test_hours_exception_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        HoursException(at("2026-01-05 12:00"), at("2026-01-05 13:00"), "holiday")


# --- local windows -------------------------------------------------------------------------------


def test_local_windows_by_weekday_and_time_of_day():
    windows = local_windows(
        KOLKATA, at("2026-01-05 00:00", KOLKATA), at("2026-01-12 00:00", KOLKATA),
        weekdays={0, 2}, times=[(time(9), time(12))],
    )
    assert windows == [
        span("2026-01-05 09:00", "2026-01-05 12:00", KOLKATA), span("2026-01-07 09:00", "2026-01-07 12:00", KOLKATA),
    ]


def test_local_windows_date_range_includes_both_end_dates_whole():
    windows = local_windows(
        LONDON, at("2026-01-01 00:00", LONDON), at("2026-02-01 00:00", LONDON),
        date_from=date(2026, 1, 10), date_to=date(2026, 1, 12),
    )
    assert windows == [span("2026-01-10 00:00", "2026-01-13 00:00", LONDON)]


def test_local_windows_on_fixed_dates_keep_dst_days_23_and_25_hours_long():
    windows = local_windows(
        LONDON, at("2026-03-01 00:00", LONDON), at("2026-11-01 00:00", LONDON),
        dates={date(2026, 3, 29), date(2026, 10, 25)},
    )
    assert windows == [
        span("2026-03-29 00:00", "2026-03-30 00:00", LONDON), span("2026-10-25 00:00", "2026-10-26 00:00", LONDON),
    ]
    assert [w.duration for w in windows] == [timedelta(hours=23), timedelta(hours=25)]


def test_local_windows_require_every_given_dimension():
    windows = local_windows(
        UTC, at("2026-01-01 00:00"), at("2026-02-01 00:00"),
        weekdays={5}, date_from=date(2026, 1, 5), date_to=date(2026, 1, 9),  # no Saturday in Mon-Fri
    )
    assert windows == []


def test_package_windows_intersected_with_working_hours_limit_the_slots():
    hours = WeeklyHours.from_json({day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed")})
    week = (at("2026-01-05 00:00", NEW_YORK), at("2026-01-12 00:00", NEW_YORK))
    open_time = working_intervals(hours, [], NEW_YORK, *week)
    windows = local_windows(NEW_YORK, *week, weekdays={1, 3}, times=[(time(16), time(20))])  # Tue, Thu evenings
    slots = slots_for(open_time, zone=NEW_YORK, windows=windows, step=timedelta(minutes=60))
    assert local_starts(slots, NEW_YORK) == ["2026-01-06T16:00:00-05:00"]


# --- slots ---------------------------------------------------------------------------------------


def test_plain_morning_offers_every_half_hour_that_fits_an_hour():
    slots = slots_for([span("2026-01-05 09:00", "2026-01-05 12:00")])
    assert [(s.start, s.end, s.remaining) for s in slots] == [
        (at("2026-01-05 09:00"), at("2026-01-05 10:00"), 1),
        (at("2026-01-05 09:30"), at("2026-01-05 10:30"), 1),
        (at("2026-01-05 10:00"), at("2026-01-05 11:00"), 1),
        (at("2026-01-05 10:30"), at("2026-01-05 11:30"), 1),
        (at("2026-01-05 11:00"), at("2026-01-05 12:00"), 1),
    ]


def test_a_booking_blocks_every_slot_overlapping_it():
    slots = slots_for(MORNING, [make_booking("2026-01-05 10:00", "2026-01-05 11:00")])
    assert hours_of(slots) == ["09:00", "11:00"]


def test_a_live_hold_blocks_like_a_booking():
    hold = make_booking("2026-01-05 09:00", "2026-01-05 09:30", service_id=None)
    assert hours_of(slots_for(MORNING, [hold])) == ["09:30", "10:00", "10:30", "11:00"]


def test_a_bookings_after_buffer_blocks_a_start_right_after_it():
    booking = make_booking("2026-01-05 10:00", "2026-01-05 11:00", buffer_after=timedelta(minutes=15))
    slots = slots_for([span("2026-01-05 09:00", "2026-01-05 13:00")], [booking], step=timedelta(minutes=15))
    assert hours_of(slots) == ["09:00", "11:15", "11:30", "11:45", "12:00"]


def test_the_requested_services_buffers_keep_it_away_from_a_bare_booking():
    booking = make_booking("2026-01-05 10:00", "2026-01-05 11:00")
    slots = slots_for(
        [span("2026-01-05 08:00", "2026-01-05 13:00")], [booking], step=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15), buffer_after=timedelta(minutes=15),
    )
    assert hours_of(slots) == ["08:00", "08:15", "08:30", "08:45", "11:15", "11:30", "11:45", "12:00"]


def test_facing_buffers_do_not_add_up():
    booking = make_booking("2026-01-05 10:00", "2026-01-05 11:00", buffer_after=timedelta(minutes=15))
    slots = slots_for(
        [span("2026-01-05 11:00", "2026-01-05 13:00")], [booking], step=timedelta(minutes=15),
        buffer_before=timedelta(minutes=15),
    )
    assert hours_of(slots) == ["11:15", "11:30", "11:45", "12:00"]


def test_buffers_may_stick_out_of_open_time():
    slots = slots_for(
        [span("2026-01-05 09:00", "2026-01-05 11:00")], step=timedelta(minutes=60),
        buffer_before=timedelta(minutes=30), buffer_after=timedelta(minutes=30),
    )
    assert hours_of(slots) == ["09:00", "10:00"]


def test_minimum_notice_moves_the_first_slot_to_the_next_grid_point():
    now = at("2026-01-05 08:50")
    slots = slots_for(MORNING, now=now, min_notice=timedelta(hours=1))
    assert hours_of(slots) == ["10:00", "10:30", "11:00"]


def test_horizon_includes_a_start_exactly_at_its_edge():
    now = at("2026-01-05 08:00")
    slots = slots_for(MORNING, now=now, horizon=timedelta(hours=2))
    assert hours_of(slots) == ["09:00", "09:30", "10:00"]


def test_time_off_keeps_the_days_grid():
    # Slots run on the grid from the day's opening, so a customer sees the same times whatever the gaps.
    hours = WeeklyHours.from_json({"mon": [["09:00", "12:00"]]})
    time_off = [HoursException(at("2026-01-05 10:00"), at("2026-01-05 10:15"), "closed")]
    open_time = open_between(hours, UTC, "2026-01-05", "2026-01-06", time_off)
    assert hours_of(slots_for(open_time)) == ["09:00", "10:30", "11:00"]


def test_the_grid_does_not_depend_on_the_window_asked_for():
    hours = WeeklyHours.from_json({"mon": [["09:00", "12:00"]]})
    whole_day = open_between(hours, UTC, "2026-01-05", "2026-01-06")
    clipped = [i for i in slots_for(whole_day) if i.start >= at("2026-01-05 10:10")]
    assert hours_of(clipped) == ["10:30", "11:00"]


def test_a_late_opening_day_starts_its_own_grid():
    # Each local day's grid starts at that day's first opening; a 09:10 opening gives 09:10, 09:40, ...
    hours = WeeklyHours.from_json({"mon": [["09:10", "11:10"]], "tue": [["09:00", "10:00"]]})
    open_time = open_between(hours, UTC, "2026-01-05", "2026-01-07")
    assert hours_of(slots_for(open_time)) == ["09:10", "09:40", "10:10", "09:00"]


def test_extra_hours_open_a_closed_saturday():
    hours = WeeklyHours.from_json({"mon": [["09:00", "12:00"]]})
    extra = [HoursException(at("2026-01-10 10:00", LONDON), at("2026-01-10 12:00", LONDON), "open")]
    open_time = open_between(hours, LONDON, "2026-01-10", "2026-01-11", extra)
    assert local_starts(slots_for(open_time), LONDON) == [
        "2026-01-10T10:00:00+00:00", "2026-01-10T10:30:00+00:00", "2026-01-10T11:00:00+00:00",
    ]


def test_spring_forward_slots_jump_the_missing_hour():
    hours = WeeklyHours.from_json({"sun": [["00:30", "03:30"]]})
    open_time = open_between(hours, LONDON, "2026-03-29", "2026-03-30")
    assert local_starts(slots_for(open_time), LONDON) == [
        "2026-03-29T00:30:00+00:00", "2026-03-29T02:00:00+01:00", "2026-03-29T02:30:00+01:00",
    ]


def test_nine_to_five_keeps_local_times_when_the_offset_changes():
    hours = WeeklyHours.from_json({"sat": [["09:00", "17:00"]], "sun": [["09:00", "17:00"]]})
    open_time = open_between(hours, LONDON, "2026-03-28", "2026-03-30")
    slots = slots_for(open_time, step=timedelta(minutes=60))
    assert local_starts(slots, LONDON) == (
        [f"2026-03-28T{hour:02}:00:00+00:00" for hour in range(9, 17)]
        + [f"2026-03-29T{hour:02}:00:00+01:00" for hour in range(9, 17)]
    )


def test_fall_back_slots_offer_the_repeated_hour_twice():
    hours = WeeklyHours.from_json({"sun": [["00:30", "02:30"]]})
    open_time = open_between(hours, LONDON, "2026-10-25", "2026-10-26")
    slots = slots_for(open_time)
    assert local_starts(slots, LONDON) == [
        "2026-10-25T00:30:00+01:00", "2026-10-25T01:00:00+01:00", "2026-10-25T01:30:00+01:00",
        "2026-10-25T01:00:00+00:00", "2026-10-25T01:30:00+00:00",
    ]
    assert slots[-1].to_json(LONDON)["end"] == "2026-10-25T02:30:00+00:00"


def test_half_hour_offset_zone_slots_carry_their_offset():
    hours = WeeklyHours.from_json({"mon": [["09:00", "11:00"]]})
    open_time = open_between(hours, KOLKATA, "2026-01-05", "2026-01-06")
    slots = slots_for(open_time)
    assert slots[0].start == datetime(2026, 1, 5, 3, 30, tzinfo=UTC) and slots[0].start.utcoffset() == timedelta(0)
    assert [s.to_json(KOLKATA) for s in slots] == [
        {"start": "2026-01-05T09:00:00+05:30", "end": "2026-01-05T10:00:00+05:30", "remaining": 1},
        {"start": "2026-01-05T09:30:00+05:30", "end": "2026-01-05T10:30:00+05:30", "remaining": 1},
        {"start": "2026-01-05T10:00:00+05:30", "end": "2026-01-05T11:00:00+05:30", "remaining": 1},
    ]


def test_overnight_shift_offers_slots_on_both_sides_of_midnight():
    hours = WeeklyHours.from_json({"sun": [["22:00", "02:00"]]})
    open_time = open_between(hours, NEW_YORK, "2026-01-04", "2026-01-06")
    slots = slots_for(open_time, zone=NEW_YORK)
    assert local_starts(slots, NEW_YORK) == [
        "2026-01-04T22:00:00-05:00", "2026-01-04T22:30:00-05:00", "2026-01-04T23:00:00-05:00",
        "2026-01-04T23:30:00-05:00", "2026-01-05T00:00:00-05:00", "2026-01-05T00:30:00-05:00",
        "2026-01-05T01:00:00-05:00",
    ]


def seat(start: str, end: str, **overrides) -> Occupancy:
    return make_booking(start, end, **({"service_id": 1} | overrides))


def class_slots(occupied, **request) -> list[tuple[str, int]]:
    slots = slots_for(MORNING, occupied, capacity=3, step=timedelta(minutes=60), **request)
    return [(hour, slot.remaining) for hour, slot in zip(hours_of(slots), slots)]


def test_class_with_two_of_three_seats_taken_has_one_left():
    taken = [seat("2026-01-05 10:00", "2026-01-05 11:00"), seat("2026-01-05 10:00", "2026-01-05 11:00")]
    assert class_slots(taken) == [("09:00", 3), ("10:00", 1), ("11:00", 3)]


def test_full_class_is_not_offered():
    taken = [seat("2026-01-05 10:00", "2026-01-05 11:00", seats=2), seat("2026-01-05 10:00", "2026-01-05 11:00")]
    assert class_slots(taken) == [("09:00", 3), ("11:00", 3)]


def test_another_service_overlapping_a_class_blocks_it_despite_free_seats():
    other = seat("2026-01-05 10:30", "2026-01-05 11:00", service_id=2)
    occupied = [seat("2026-01-05 10:00", "2026-01-05 11:00"), other]
    assert class_slots(occupied) == [("09:00", 3), ("11:00", 3)]


def test_the_same_service_at_another_start_blocks_an_overlapping_class_session():
    taken = [seat("2026-01-05 10:00", "2026-01-05 11:00")]
    slots = slots_for(MORNING, taken, capacity=3)
    assert [(h, s.remaining) for h, s in zip(hours_of(slots), slots)] == [("09:00", 3), ("10:00", 2), ("11:00", 3)]


def test_a_seat_with_the_same_start_but_another_length_is_not_the_same_class():
    longer = [seat("2026-01-05 10:00", "2026-01-05 10:30")]  # booked before the class was lengthened
    assert class_slots(longer) == [("09:00", 3), ("11:00", 3)]


def test_capacity_one_means_one_booking_per_slot():
    taken = [seat("2026-01-05 10:00", "2026-01-05 11:00")]
    assert hours_of(slots_for(MORNING, taken, step=timedelta(minutes=60))) == ["09:00", "11:00"]


def test_compute_slots_rejects_a_naive_now():
    with pytest.raises(ValueError, match="now"):
        slots_for(MORNING, now=datetime(2026, 1, 1))


# --- the sweep against a brute-force reading of the rules ----------------------------------------


def brute_force(open_time, occupied, request, now) -> list[tuple[datetime, int]]:
    """compute_slots' docstring, read literally: every occupancy checked against every candidate."""
    out = []
    for interval in merge(open_time):
        start = interval.start
        while start + request.duration <= interval.end:
            session = Interval(start, start + request.duration)
            reach = Interval(start - request.buffer_before, session.end + request.buffer_after)
            seats, blocked = request.capacity, False
            for o in occupied:
                same_service = request.service_id is not None and o.service_id == request.service_id
                if same_service and (o.start, o.end) == (session.start, session.end):
                    seats -= o.seats
                elif overlaps(reach, o.session) or overlaps(session, o.blocked):
                    blocked = True
            if not blocked and seats > 0 and now + request.min_notice <= start <= now + request.horizon:
                out.append((start, seats))
            start += request.step
    return out


small = st.integers(0, 4).map(lambda n: n * 15 * MIN)
occupancies = st.builds(
    lambda at_, length, before, after, service, seats: Occupancy(
        BASE + at_ * 15 * MIN, BASE + (at_ + length) * 15 * MIN, before, after, service, seats,
    ),
    st.integers(0, 40), st.integers(0, 8), small, small, st.sampled_from([None, 1, 2]), st.integers(1, 2),
)


@settings(max_examples=150, deadline=None)
@given(
    open_time=st.lists(st.tuples(st.integers(0, 40), st.integers(1, 16)).map(
        lambda p: Interval(BASE + p[0] * 15 * MIN, BASE + (p[0] + p[1]) * 15 * MIN)), max_size=3),
    occupied=st.lists(occupancies, max_size=8),
    duration=st.integers(1, 4).map(lambda n: n * 15 * MIN),
    before=small, after=small, capacity=st.integers(1, 3),
    notice=st.integers(0, 3 * 60).map(lambda n: n * MIN),
)
def test_compute_slots_agrees_with_a_brute_force_check(open_time, occupied, duration, before, after, capacity, notice):
    request = make_request(
        duration=duration, buffer_before=before, buffer_after=after, capacity=capacity,
        step=timedelta(minutes=15), min_notice=notice, horizon=timedelta(hours=8),
    )
    slots = compute_slots(open_time, occupied, request, now=BASE, zone=UTC)
    assert [(s.start, s.remaining) for s in slots] == brute_force(open_time, occupied, request, BASE)
