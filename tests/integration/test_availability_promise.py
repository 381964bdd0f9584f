"""What availability offers, booking accepts, and what it does not offer, booking refuses with a reason.

Random opening hours (some past midnight), time off and extra hours, buffers, class sizes, notice, slot
intervals, zones (DST days, +05:30, +10:30/+11) and query windows, through the real use cases and database.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking import accounts, bookings
from booking.bookings import SessionRequest
from booking.errors import BookingError, SlotUnavailable, TimeNotOffered
from booking.models import ResourceException
from booking.rules.availability import local_midnight
from tests.support.booking import make_spa

ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
# Windows that hold a DST change in London (Mar 28, Oct 31 2027), New York (Mar 14, Nov 7) or Lord Howe (Apr 4).
FIRST_DAYS = ["2027-03-13", "2027-03-27", "2027-04-03", "2027-10-30", "2027-11-06", "2027-06-15"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

quarter_hours = st.integers(0, 95).map(lambda q: f"{q // 4:02d}:{q % 4 * 15:02d}")
span = st.tuples(quarter_hours, quarter_hours).filter(lambda pair: pair[0] != pair[1]).map(list)
day_hours = st.one_of(st.just([]), st.lists(span, min_size=1, max_size=2), st.just([["09:00", "17:00"]]))
weekly = st.fixed_dictionaries({day: day_hours for day in DAYS}).map(lambda hours: {d: s for d, s in hours.items() if s})


@st.composite
def shops(draw):
    first_day = datetime.fromisoformat(draw(st.sampled_from(FIRST_DAYS)))
    return {
        "zone": draw(st.sampled_from(ZONES)), "first_day": first_day.date(), "hours": draw(weekly),
        "service": {"duration_minutes": draw(st.sampled_from([15, 30, 45, 60, 90])),
                    "buffer_before_minutes": draw(st.sampled_from([0, 5, 15])),
                    "buffer_after_minutes": draw(st.sampled_from([0, 10, 30])),
                    "capacity": draw(st.sampled_from([1, 1, 2]))},
        "settings": {"slot_interval_minutes": draw(st.sampled_from([5, 15, 20, 30, 45, 60])),
                     "min_notice_minutes": draw(st.sampled_from([0, 90, 1440])),
                     "horizon_days": draw(st.sampled_from([2, 5, 60]))},
        # (day offset, start minute of day, length in minutes, kind)
        "exceptions": draw(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1439), st.integers(15, 600),
                                              st.sampled_from(["closed", "open"])), max_size=2)),
        "staff": draw(st.booleans()),
        "now": draw(st.integers(-30 * 60, 20 * 60)),  # minutes from the first day's midnight
        "booked": draw(st.lists(st.integers(0, 10_000), max_size=3)),  # which offered slots to take first
        # The query window: a start anywhere in the first days (not on any grid), and a length.
        "window": (draw(st.integers(0, 3 * 24 * 60 - 1)), draw(st.integers(60, 3 * 24 * 60))),
        "probes": draw(st.lists(st.integers(0, 10_000), min_size=4, max_size=8)),
    }


def _spa(session, shop):
    spa = make_spa(session, service=shop["service"])
    spa.resource.weekly_hours = shop["hours"]
    zone = ZoneInfo(shop["zone"])
    for offset, minute, length, kind in shop["exceptions"]:
        start = local_midnight(shop["first_day"] + timedelta(days=offset), zone) + timedelta(minutes=minute)
        spa.resource.exceptions.append(ResourceException(starts_at=start, ends_at=start + timedelta(minutes=length),
                                                         kind=kind))
    rules = accounts.booking_settings(session, spa.shop.id)
    rules.timezone, rules.reschedule_cutoff_hours = shop["zone"], 0
    for name, value in shop["settings"].items():
        setattr(rules, name, value)
    session.flush()
    return spa, zone


def _offered(session, spa, start, end, now, staff):
    found = bookings.available_slots(session, spa.shop.id, spa.service.id, spa.resource.id, start, end, now,
                                     staff=staff)
    return found[spa.resource.id]


def _book(session, spa, starts_at, now, actor):
    return bookings.book_sessions(session, spa.shop.id, spa.customer,
                                  [SessionRequest(spa.service.id, spa.resource.id, starts_at)],
                                  actor=actor, now=now, use_package=False)[0]


def _attempt(session, action) -> BookingError | None:
    """Run `action` in a savepoint that is always undone; the refusal, if any."""
    savepoint = session.begin_nested()
    try:
        action()
        return None
    except BookingError as refusal:
        return refusal
    finally:
        savepoint.rollback()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(shop=shops())
def test_every_offered_time_can_be_booked_and_rescheduled_to_and_no_other(db_session, shop):
    outer = db_session.begin_nested()
    try:
        _check_the_promise(db_session, shop)
    finally:
        outer.rollback()
        db_session.expunge_all()  # SQLite reuses rolled-back ids: no row of this example may linger


def _check_the_promise(session, shop):
    spa, zone = _spa(session, shop)
    now = local_midnight(shop["first_day"], zone) + timedelta(minutes=shop["now"])
    actor = "staff:1" if shop["staff"] else "customer:7001"
    start = local_midnight(shop["first_day"], zone) + timedelta(minutes=shop["window"][0])
    end = start + timedelta(minutes=shop["window"][1])
    taken = _take_some(session, spa, now, actor, shop["booked"], start, end)

    offered = _offered(session, spa, start, end, now, shop["staff"])
    whole_days = _offered(session, spa, local_midnight(start.astimezone(zone).date(), zone), end, now, shop["staff"])
    assert offered == [slot for slot in whole_days if slot.start >= start], "the grid moved with the window"

    for slot in offered:
        refusal = _attempt(session, lambda: _book(session, spa, slot.start, now, actor))
        assert refusal is None, (slot, refusal and refusal.code)

    duration = timedelta(minutes=shop["service"]["duration_minutes"])
    offered_starts = {slot.start for slot in offered}
    for probe in _probes(shop, start, end, duration) + taken:
        if probe not in offered_starts:
            refusal = _attempt(session, lambda: _book(session, spa, probe, now, actor))
            assert isinstance(refusal, (TimeNotOffered, SlotUnavailable)), (probe, refusal)
    _check_rescheduling(session, spa, offered, _probes(shop, start, end, duration), now, actor)


def _take_some(session, spa, now, actor, picks, start, end) -> list[datetime]:
    """Book a few offered slots first, so other bookings, buffers and classes are in the way."""
    taken = []
    for pick in picks:
        offered = _offered(session, spa, start, end, now, actor.startswith("staff"))
        if offered:
            taken.append(_book(session, spa, offered[pick % len(offered)].start, now, actor).starts_at)
    return taken


def _probes(shop, start, end, duration):
    """Times inside the window whose session also ends inside it, on 5-minute marks and off them."""
    room = int((end - duration - start).total_seconds() // 60)
    if room < 0:
        return []
    return [start + timedelta(minutes=probe % (room + 1)) for probe in shop["probes"]]


def _check_rescheduling(session, spa, offered, probes, now, actor):
    movable = [slot for slot in offered if slot.start > now]  # a session under way can't be moved
    if not movable:
        return
    moving = _book(session, spa, movable[-1].start, now, actor)
    offered_starts = {slot.start for slot in offered}
    for target in [slot.start for slot in offered[:5]] + probes:
        refusal = _attempt(session, lambda: bookings.reschedule_booking(
            session, spa.shop.id, moving.id, target, actor="staff:1" if actor.startswith("staff") else actor,
            now=now))
        if target in offered_starts:
            assert refusal is None, (target, refusal and refusal.code)
        elif target != moving.starts_at:
            assert isinstance(refusal, (TimeNotOffered, SlotUnavailable)), (target, refusal)


def test_a_query_from_ten_past_offers_the_shops_grid_not_its_own(db_session):
    # The reported case: availability from 10:10 listed 10:10, 10:40, ... and booking 10:10 was refused.
    spa = make_spa(db_session)
    now = datetime(2026, 11, 30, 8, tzinfo=timezone.utc)
    day = datetime(2026, 12, 3, tzinfo=timezone.utc)
    accounts.booking_settings(db_session, spa.shop.id).slot_interval_minutes = 30
    offered = _offered(db_session, spa, day + timedelta(hours=10, minutes=10), day + timedelta(hours=13), now, True)
    assert [s.start.time() for s in offered] == [time(10, 30), time(11), time(11, 30), time(12)]
    assert _attempt(db_session, lambda: _book(db_session, spa, offered[0].start, now, "staff:1")) is None
    refusal = _attempt(db_session, lambda: _book(db_session, spa, day + timedelta(hours=10, minutes=10), now,
                                                 "staff:1"))
    assert refusal.code == "off_grid"


def test_facing_buffers_do_not_add_up_on_either_database(db_session):
    # Found by the property test on PostgreSQL: its exclusion constraint compared blocked ranges, so a slot
    # availability offered (the larger facing buffer wins) was refused at the database.
    spa = make_spa(db_session, service={"duration_minutes": 15, "buffer_before_minutes": 5,
                                        "buffer_after_minutes": 10})
    rules = accounts.booking_settings(db_session, spa.shop.id)
    rules.slot_interval_minutes, rules.min_notice_minutes = 5, 0
    now, day = datetime(2026, 11, 30, 8, tzinfo=timezone.utc), datetime(2026, 12, 3, tzinfo=timezone.utc)
    _book(db_session, spa, day + timedelta(hours=10), now, "staff:1")
    offered = [s.start for s in _offered(db_session, spa, day + timedelta(hours=10), day + timedelta(hours=11),
                                         now, True)]
    assert offered[0] == day + timedelta(hours=10, minutes=25)  # 10:15 + the larger buffer (10 min)
    assert _book(db_session, spa, offered[0], now, "staff:1").starts_at == offered[0]
