"""Plan terms: validity, booking windows, cost per unit, the JSON snapshot and API validation."""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from booking.errors import NotEligible
from booking.rules.plans import (
    PlanTerms, ServiceFacts, Validity, Windows, add_months, cost_of, end_of_local_day, granted_quantity,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def make_terms(**overrides) -> PlanTerms:
    fields = {"title": "5x massage", "unit": "sessions", "quantity": Decimal(5), "service_ids": frozenset({1})}
    return PlanTerms(**{**fields, **overrides})


def make_service(**overrides) -> ServiceFacts:
    fields = {"id": 1, "duration_minutes": 60, "price": Decimal("80.00"), "currency": "EUR"}
    return ServiceFacts(**{**fields, **overrides})


# --- validity ---

def test_days_validity_runs_to_the_end_of_the_local_day_n_days_after_purchase():
    expires = Validity("days", 30).expires_at(berlin(2025, 3, 1, 15, 0), BERLIN)
    assert expires == berlin(2025, 4, 1, 0, 0)
    assert expires == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)  # CEST by then


def test_days_validity_counts_from_the_purchase_date_in_the_shop_zone_not_utc():
    bought = datetime(2025, 1, 1, 23, 30, tzinfo=UTC)  # already Jan 2 in Berlin
    assert Validity("days", 1).expires_at(bought, BERLIN) == berlin(2025, 1, 4, 0, 0)


@pytest.mark.parametrize("bought, months, last_day", [
    (date(2025, 1, 31), 1, date(2025, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2025, 3, 31), 1, date(2025, 4, 30)),
    (date(2025, 11, 15), 3, date(2026, 2, 15)),
    (date(2025, 12, 31), 12, date(2026, 12, 31)),
])
def test_month_validity_uses_calendar_months_clamped_to_the_month_end(bought, months, last_day):
    assert add_months(bought, months) == last_day
    expires = Validity("months", months).expires_at(datetime.combine(bought, time(12), BERLIN), BERLIN)
    assert expires == end_of_local_day(last_day, BERLIN)


def test_fixed_date_validity_ends_with_that_local_date():
    validity = Validity("fixed_date", fixed_date=date(2025, 12, 31))
    assert validity.expires_at(berlin(2025, 6, 1, 9, 0), BERLIN) == datetime(2025, 12, 31, 23, 0, tzinfo=UTC)


def test_never_validity_has_no_expiry():
    assert Validity("never").expires_at(berlin(2025, 6, 1, 9, 0), BERLIN) is None


def test_end_of_day_follows_dst_days_of_23_and_25_hours():
    spring = end_of_local_day(date(2025, 3, 9), NEW_YORK) - end_of_local_day(date(2025, 3, 8), NEW_YORK)
    autumn = end_of_local_day(date(2025, 11, 2), NEW_YORK) - end_of_local_day(date(2025, 11, 1), NEW_YORK)
    assert (spring, autumn) == (timedelta(hours=23), timedelta(hours=25))
    assert end_of_local_day(date(2025, 3, 9), NEW_YORK) == datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


def test_end_of_day_where_local_midnight_does_not_exist_is_the_moment_clocks_jump():
    santiago = ZoneInfo("America/Santiago")  # 2024-09-08 00:00 was skipped
    assert end_of_local_day(date(2024, 9, 7), santiago) == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)


def test_validity_refuses_a_naive_purchase_time():
    with pytest.raises(ValueError):
        Validity("days", 3).expires_at(datetime(2025, 1, 1, 12, 0), BERLIN)


# --- windows ---

MORNINGS = Windows(times=((time(10), time(13)),))


def test_weekday_window_allows_only_listed_local_weekdays():
    weekdays = Windows(weekdays=frozenset({0, 1, 2, 3, 4}))
    assert weekdays.allows(berlin(2025, 6, 6, 10), berlin(2025, 6, 6, 11), BERLIN)  # Friday
    assert not weekdays.allows(berlin(2025, 6, 7, 10), berlin(2025, 6, 7, 11), BERLIN)  # Saturday


def test_weekday_is_read_in_the_shop_zone():
    weekdays = Windows(weekdays=frozenset({5}))  # Saturday
    start = datetime(2025, 6, 6, 22, 30, tzinfo=UTC)  # Saturday 00:30 in Berlin, Friday in UTC
    assert weekdays.allows(start, start + timedelta(hours=1), BERLIN)


def test_time_window_allows_a_session_that_fits_including_one_ending_at_closing():
    assert MORNINGS.allows(berlin(2025, 6, 2, 10), berlin(2025, 6, 2, 11), BERLIN)
    assert MORNINGS.allows(berlin(2025, 6, 2, 12), berlin(2025, 6, 2, 13), BERLIN)


def test_time_window_refuses_a_session_that_starts_inside_but_ends_outside():
    assert not MORNINGS.allows(berlin(2025, 6, 2, 12, 30), berlin(2025, 6, 2, 13, 30), BERLIN)


def test_time_window_refuses_a_session_that_starts_before_opening():
    assert not MORNINGS.allows(berlin(2025, 6, 2, 9, 30), berlin(2025, 6, 2, 10, 30), BERLIN)


def test_time_window_is_wall_clock_time_in_the_shop_zone():
    start = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 CEST
    assert MORNINGS.allows(start, start + timedelta(hours=1), BERLIN)
    assert not MORNINGS.allows(start, start + timedelta(hours=1), ZoneInfo("UTC"))


def test_time_window_needs_the_session_to_fit_in_one_of_several_ranges():
    split = Windows(times=((time(10), time(12)), (time(14), time(18))))
    assert split.allows(berlin(2025, 6, 2, 15), berlin(2025, 6, 2, 16), BERLIN)
    assert not split.allows(berlin(2025, 6, 2, 11), berlin(2025, 6, 2, 15), BERLIN)


def test_session_crossing_midnight_is_outside_time_windows_and_needs_both_days_allowed():
    evenings = Windows(times=((time(18), time(23, 59)),))
    assert not evenings.allows(berlin(2025, 6, 2, 23), berlin(2025, 6, 3, 0, 30), BERLIN)
    friday_only = Windows(weekdays=frozenset({4}))
    assert not friday_only.allows(berlin(2025, 6, 6, 23), berlin(2025, 6, 7, 0, 30), BERLIN)
    assert friday_only.allows(berlin(2025, 6, 6, 23), berlin(2025, 6, 7, 0, 0), BERLIN)  # ends at midnight


def test_date_range_is_inclusive_at_both_ends():
    summer = Windows(date_from=date(2025, 6, 1), date_to=date(2025, 8, 31))
    inside = [(berlin(2025, 6, 1, 9), berlin(2025, 6, 1, 10)), (berlin(2025, 8, 31, 20), berlin(2025, 8, 31, 21))]
    outside = [(berlin(2025, 5, 31, 9), berlin(2025, 5, 31, 10)), (berlin(2025, 9, 1, 9), berlin(2025, 9, 1, 10))]
    assert all(summer.allows(s, e, BERLIN) for s, e in inside)
    assert not any(summer.allows(s, e, BERLIN) for s, e in outside)


def test_fixed_dates_allow_only_those_local_dates():
    open_days = Windows(dates=frozenset({date(2025, 12, 20), date(2025, 12, 27)}))
    assert open_days.allows(berlin(2025, 12, 20, 10), berlin(2025, 12, 20, 11), BERLIN)
    assert not open_days.allows(berlin(2025, 12, 21, 10), berlin(2025, 12, 21, 11), BERLIN)


def test_unrestricted_windows_allow_any_session():
    assert Windows().is_unrestricted and not MORNINGS.is_unrestricted
    assert Windows().allows(berlin(2025, 6, 8, 3), berlin(2025, 6, 8, 4), BERLIN)


# --- cost ---

@pytest.mark.parametrize("unit, expected", [
    ("sessions", Decimal(1)), ("minutes", Decimal(90)), ("money", Decimal("120.50")), ("unlimited", Decimal(0)),
])
def test_cost_of_a_session_depends_on_the_plan_unit(unit, expected):
    terms = make_terms(unit=unit, currency="EUR" if unit == "money" else None)
    assert cost_of(terms, make_service(duration_minutes=90, price=Decimal("120.50"))) == expected


def test_money_plan_refuses_a_service_priced_in_another_currency():
    with pytest.raises(NotEligible, match="USD"):
        cost_of(make_terms(unit="money", quantity=Decimal(200), currency="EUR"), make_service(currency="USD"))


def test_money_plan_refuses_a_service_without_a_price():
    with pytest.raises(NotEligible):
        cost_of(make_terms(unit="money", quantity=Decimal(200), currency="EUR"), make_service(price=None))


def test_granted_quantity_sums_fixed_counts_and_is_zero_for_unlimited():
    fixed = make_terms(fixed_services=((1, 1), (2, 2)), quantity=Decimal(3), service_ids=frozenset({1, 2}))
    assert granted_quantity(fixed) == 3
    assert granted_quantity(make_terms(unit="unlimited", quantity=Decimal(0))) == 0
    assert granted_quantity(make_terms(unit="minutes", quantity=Decimal(300))) == 300


# --- JSON snapshot ---

def test_terms_round_trip_exactly_through_json_text():
    terms = make_terms(
        title="Summer money pass", unit="money", quantity=Decimal("149.90"), currency="EUR", resource_id=7,
        service_ids=frozenset({1, 2}), validity=Validity("fixed_date", fixed_date=date(2025, 9, 30)),
        windows=Windows(frozenset({0, 2}), ((time(10), time(13)), (time(15, 30), time(18))),
                        date(2025, 6, 1), date(2025, 9, 30), frozenset({date(2025, 6, 7)})),
        late_cancel="restore", no_show="restore",
    )
    restored = PlanTerms.from_json(json.dumps(terms.to_json()))
    assert restored == terms
    assert str(restored.quantity) == "149.90"


def test_fixed_plan_terms_round_trip_through_json():
    terms = make_terms(fixed_services=((4, 1), (9, 2)), quantity=Decimal(3), service_ids=frozenset({4, 9}),
                       validity=Validity("months", 6))
    assert PlanTerms.from_json(json.loads(json.dumps(terms.to_json()))) == terms


def test_snapshot_from_an_unknown_version_is_refused():
    data = make_terms().to_json() | {"v": 99}
    with pytest.raises(ValueError, match="99"):
        PlanTerms.from_json(data)
