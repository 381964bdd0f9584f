"""The credit ledger: derived balances, which package pays, cancellation, no-show, expiry and adjustments."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from booking.errors import (
    EntitlementExpired, InsufficientCredit, NotEligible, OutsidePackageWindow, ValidationFailed,
)
from booking.rules.ledger import (
    EntitlementState, Entry, adjustment_entry, balance, can_redeem, cancellation_entry, check_redeemable,
    choose_entitlement, expiry_entry, grant_entries, no_show_entry, redemption_entry, validity_end,
)
from booking.rules.plans import PlanTerms, ServiceFacts, Windows, end_of_local_day

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2025, 6, 2, 6, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
SWEDISH, THAI, FACIAL = 1, 2, 3


def make_terms(**overrides) -> PlanTerms:
    fields = {"title": "5x massage", "unit": "sessions", "quantity": Decimal(5), "service_ids": frozenset({SWEDISH})}
    return PlanTerms(**{**fields, **overrides})


def make_service(**overrides) -> ServiceFacts:
    fields = {"id": SWEDISH, "duration_minutes": 60, "price": Decimal("80.00"), "currency": "EUR"}
    return ServiceFacts(**{**fields, **overrides})


def make_entitlement(terms: PlanTerms | None = None, **overrides) -> EntitlementState:
    terms = terms or make_terms()
    fields = {"id": 1, "terms": terms, "starts_at": NOW - timedelta(days=1), "expires_at": NOW + timedelta(days=30),
              "status": "active", "entries": grant_entries(terms, at=NOW - timedelta(days=1))}
    return EntitlementState(**{**fields, **overrides})


def session(hours_ahead: float = 24, minutes: int = 60) -> tuple[datetime, datetime]:
    start = NOW + timedelta(hours=hours_ahead)
    return start, start + timedelta(minutes=minutes)


def redeem(ent: EntitlementState, service: ServiceFacts, hours_ahead: float = 24, resource_id=None):
    start, end = session(hours_ahead, service.duration_minutes)
    cost = check_redeemable(ent, service, resource_id, start, end, BERLIN, NOW)
    return append(ent, redemption_entry(ent, service.id, cost, booking_id=len(ent.entries), at=NOW))


def append(ent: EntitlementState, *entries: Entry) -> EntitlementState:
    return replace(ent, entries=ent.entries + entries)


def check(ent, service=None, hours_ahead=24, resource_id=None, now=NOW):
    service = service or make_service()
    start, end = session(hours_ahead, service.duration_minutes)
    return check_redeemable(ent, service, resource_id, start, end, BERLIN, now)


def choose(candidates, service=None, hours_ahead=24):
    service = service or make_service()
    start, end = session(hours_ahead, service.duration_minutes)
    return choose_entitlement(candidates, service, None, start, end, BERLIN, NOW)


# --- derived balances ---

def test_remaining_is_the_sum_of_entries_and_progress_reads_used_of_granted():
    ent = make_entitlement()
    for _ in range(3):
        ent = redeem(ent, make_service())
    assert (ent.granted, ent.used, ent.remaining) == (5, 3, 2)
    assert ent.remaining == balance(ent.entries)
    assert ent.progress_label == "3 of 5 used"


def test_used_ignores_a_restored_booking_and_counts_a_forfeited_one_once():
    ent = redeem(redeem(make_entitlement(), make_service()), make_service())
    ent = append(ent, Entry("restore", Decimal(1), "sessions", SWEDISH, booking_id=1),
                 Entry("forfeit", Decimal(0), "sessions", SWEDISH, booking_id=2))
    assert (ent.used, ent.remaining) == (1, 4)


def test_progress_total_includes_adjustments_so_it_agrees_with_what_is_left():
    ent = redeem(make_entitlement(), make_service())
    ent = append(ent, adjustment_entry(ent, Decimal(2), "sessions", "goodwill for a noisy room"))
    assert (ent.progress_label, ent.remaining) == ("1 of 7 used", 6)


def test_progress_label_names_minutes_and_currency_and_unlimited_counts_bookings():
    minutes = redeem(make_entitlement(make_terms(unit="minutes", quantity=Decimal(300))), make_service())
    money = redeem(make_entitlement(make_terms(unit="money", quantity=Decimal("200.00"), currency="EUR")),
                   make_service())
    unlimited = redeem(make_entitlement(make_terms(unit="unlimited", quantity=Decimal(0))), make_service())
    assert minutes.progress_label == "60 of 300 minutes used"
    assert money.progress_label == "80 of 200 EUR used"
    assert (unlimited.progress_label, unlimited.remaining) == ("1 used, unlimited", None)


def test_expires_in_days_counts_whole_days_to_the_last_valid_day():
    ent = make_entitlement(expires_at=datetime(2025, 6, 8, 22, 0, tzinfo=UTC))  # end of Jun 8 in Berlin
    assert ent.expires_in_days(NOW) == 6
    assert ent.expires_in_days(NOW, BERLIN) == 6
    assert ent.expires_in_days(NOW + timedelta(days=30)) == 0
    assert make_entitlement(expires_at=None).expires_in_days(NOW) is None


def test_expires_in_days_in_the_shop_zone_is_exact_across_a_25_hour_day():
    new_york = ZoneInfo("America/New_York")
    now = datetime(2025, 11, 1, 0, 30, tzinfo=new_york)
    ent = make_entitlement(expires_at=datetime(2025, 11, 7, 0, 0, tzinfo=new_york))  # last day Nov 6
    assert ent.expires_in_days(now, new_york) == 5


# --- redeemability ---

@pytest.mark.parametrize("unit, currency, cost", [
    ("sessions", None, Decimal(1)), ("minutes", None, Decimal(60)), ("money", "EUR", Decimal("80.00")),
    ("unlimited", None, Decimal(0)),
])
def test_check_redeemable_returns_the_cost_in_the_plan_unit(unit, currency, cost):
    ent = make_entitlement(make_terms(unit=unit, currency=currency, quantity=Decimal(500)))
    assert check(ent) == cost


def test_a_service_outside_the_plan_is_not_eligible():
    with pytest.raises(NotEligible):
        check(make_entitlement(), make_service(id=FACIAL))


def test_money_plan_with_a_service_in_another_currency_is_not_eligible():
    ent = make_entitlement(make_terms(unit="money", quantity=Decimal(200), currency="EUR", service_ids=None))
    with pytest.raises(NotEligible, match="USD"):
        check(ent, make_service(currency="USD"))


def test_provider_restriction_allows_only_that_resource():
    ent = make_entitlement(make_terms(resource_id=7))
    assert check(ent, resource_id=7) == 1
    for other in (8, None):
        with pytest.raises(NotEligible, match="provider"):
            check(ent, resource_id=other)


def test_session_outside_the_booking_windows_is_refused():
    ent = make_entitlement(make_terms(windows=Windows(times=((time(10), time(13)),))))
    assert check(ent, hours_ahead=24 + 2) == 1  # Tuesday 10:00 Berlin
    with pytest.raises(OutsidePackageWindow):
        check(ent, hours_ahead=24 + 6.5)  # 14:30


def test_package_valid_now_but_expired_at_session_time_is_refused():
    ent = make_entitlement(expires_at=NOW + timedelta(days=2))
    with pytest.raises(EntitlementExpired, match="before this session"):
        check(ent, hours_ahead=72)


def test_expired_or_revoked_package_is_refused_even_for_a_session_it_would_cover():
    for ent in (make_entitlement(status="revoked"), make_entitlement(status="expired"),
                make_entitlement(expires_at=NOW)):
        with pytest.raises(EntitlementExpired):
            check(ent)


def test_not_enough_credit_is_refused():
    ent = make_entitlement(make_terms(unit="minutes", quantity=Decimal(45)))
    with pytest.raises(InsufficientCredit, match="45 minutes left"):
        check(ent)


def test_unlimited_plan_has_no_balance_limit_but_keeps_windows_and_validity():
    weekdays = Windows(weekdays=frozenset({0, 1, 2, 3, 4}))
    ent = make_entitlement(make_terms(unit="unlimited", quantity=Decimal(0), windows=weekdays),
                           expires_at=NOW + timedelta(days=10))
    for _ in range(20):
        ent = redeem(ent, make_service())
    assert ent.remaining is None and all(entry.quantity == 0 for entry in ent.entries)
    assert not can_redeem(ent, make_service(), None, *session(24 * 5), BERLIN, NOW)  # Saturday
    with pytest.raises(EntitlementExpired):
        check(ent, hours_ahead=24 * 11)


# --- fixed plans ---

FIXED = make_terms(title="Swedish + 2 Thai", fixed_services=((SWEDISH, 1), (THAI, 2)), quantity=Decimal(3),
                   service_ids=frozenset({SWEDISH, THAI}))
THAI_SERVICE = make_service(id=THAI, duration_minutes=90)


def test_fixed_plan_thai_redemption_uses_a_thai_count():
    ent = redeem(make_entitlement(FIXED), THAI_SERVICE)
    assert (ent.remaining_for(THAI), ent.remaining_for(SWEDISH), ent.remaining) == (1, 1, 2)


def test_fixed_plan_third_thai_is_insufficient_even_though_a_swedish_count_remains():
    ent = redeem(redeem(make_entitlement(FIXED), THAI_SERVICE), THAI_SERVICE)
    with pytest.raises(InsufficientCredit, match="for this service"):
        check(ent, THAI_SERVICE)
    assert check(ent, make_service()) == 1


def test_fixed_plan_refuses_a_service_it_does_not_list():
    with pytest.raises(NotEligible):
        check(make_entitlement(FIXED), make_service(id=FACIAL))


def test_fixed_plan_grants_one_entry_per_service():
    assert [(e.service_id, e.quantity) for e in grant_entries(FIXED)] == [(SWEDISH, 1), (THAI, 2)]


# --- choosing the package ---

def test_choice_takes_the_package_that_expires_first():
    late = make_entitlement(id=1, expires_at=NOW + timedelta(days=60))
    soon = make_entitlement(id=2, expires_at=NOW + timedelta(days=5))
    never = make_entitlement(id=3, expires_at=None)
    chosen, cost = choose([never, late, soon])
    assert (chosen.id, cost) == (2, 1)


def test_choice_uses_never_expiring_packages_last_and_breaks_ties_by_lowest_id():
    never_low, never_high = make_entitlement(id=4, expires_at=None), make_entitlement(id=9, expires_at=None)
    assert choose([never_high, never_low])[0].id == 4
    dated = make_entitlement(id=12, expires_at=NOW + timedelta(days=400))
    assert choose([never_low, dated])[0].id == 12


def test_choice_skips_a_package_that_expires_before_the_session():
    soon = make_entitlement(id=1, expires_at=NOW + timedelta(days=2))
    later = make_entitlement(id=2, expires_at=NOW + timedelta(days=20))
    assert choose([soon, later], hours_ahead=24 * 3)[0].id == 2


def test_choice_skips_packages_without_credit_or_for_other_services():
    empty = redeem(make_entitlement(make_terms(quantity=Decimal(1)), id=1, expires_at=NOW + timedelta(days=1)),
                   make_service(), hours_ahead=2)
    facials = make_entitlement(make_terms(service_ids=frozenset({FACIAL})), id=2, expires_at=NOW + timedelta(days=2))
    spare = make_entitlement(id=3, expires_at=NOW + timedelta(days=9))
    assert choose([spare, facials, empty], hours_ahead=2)[0].id == 3


def test_choice_prefers_insufficient_credit_over_window_over_not_eligible_when_none_can_pay():
    no_credit = redeem(make_entitlement(make_terms(quantity=Decimal(1)), id=3), make_service())
    mornings = make_entitlement(make_terms(windows=Windows(times=((time(6), time(7)),))), id=2)
    facials = make_entitlement(make_terms(service_ids=frozenset({FACIAL})), id=1)
    with pytest.raises(InsufficientCredit):
        choose([facials, mornings, no_credit])
    with pytest.raises(OutsidePackageWindow):
        choose([facials, mornings])
    with pytest.raises(NotEligible):
        choose([facials])


def test_choice_with_no_packages_asks_for_credit():
    with pytest.raises(InsufficientCredit):
        choose([])


# --- cancellation, no-show, expiry ---

@pytest.mark.parametrize("rule", ["forfeit", "restore"])
def test_cancel_before_the_cutoff_restores_the_session_under_either_rule(rule):
    ent = make_entitlement(make_terms(late_cancel=rule))
    entry = cancellation_entry(ent, Decimal(1), NOW + timedelta(hours=25), NOW, 24, service_id=SWEDISH,
                               booking_id=7)
    assert entry == Entry("restore", Decimal(1), "sessions", SWEDISH, 7, NOW)


def test_late_cancel_under_forfeit_records_a_zero_forfeit_so_the_session_stays_used():
    ent = redeem(make_entitlement(make_terms(late_cancel="forfeit")), make_service())
    entry = cancellation_entry(ent, Decimal(1), NOW + timedelta(hours=23), NOW, 24, booking_id=4)
    assert (entry.kind, entry.quantity, entry.booking_id) == ("forfeit", 0, 4)
    assert (append(ent, entry).used, append(ent, entry).remaining) == (1, 4)


def test_late_cancel_under_restore_gives_the_session_back():
    ent = redeem(make_entitlement(make_terms(late_cancel="restore")), make_service())
    entry = cancellation_entry(ent, Decimal(1), NOW + timedelta(hours=1), NOW, 24)
    assert (entry.kind, append(ent, entry).remaining) == ("restore", 5)


def test_cancel_exactly_at_the_cutoff_is_late():
    entry = cancellation_entry(make_entitlement(), Decimal(1), NOW + timedelta(hours=24), NOW, 24)
    assert entry.kind == "forfeit"


def test_no_show_forfeits_by_default_and_restores_when_the_plan_says_so():
    assert no_show_entry(make_entitlement(), Decimal(1)).kind == "forfeit"
    lenient = make_entitlement(make_terms(no_show="restore"))
    assert no_show_entry(lenient, Decimal(60), booking_id=3) == Entry("restore", Decimal(60), "sessions", None, 3)


def test_expiry_writes_off_what_is_left_once_the_package_has_lapsed():
    ent = redeem(make_entitlement(expires_at=NOW + timedelta(days=3)), make_service())
    assert expiry_entry(ent, NOW + timedelta(days=2)) is None
    entry = expiry_entry(ent, NOW + timedelta(days=3))
    assert (entry.kind, entry.quantity) == ("expire", -4)
    assert append(ent, entry).remaining == 0


def test_expiry_writes_nothing_when_nothing_is_left_or_the_plan_is_unlimited_or_never_expires():
    used_up = redeem(make_entitlement(make_terms(quantity=Decimal(1))), make_service())
    unlimited = make_entitlement(make_terms(unit="unlimited", quantity=Decimal(0)))
    later = NOW + timedelta(days=40)
    assert expiry_entry(used_up, later) is expiry_entry(unlimited, later) is None
    assert expiry_entry(make_entitlement(expires_at=None), later) is None


def test_expiry_of_a_fixed_plan_closes_every_service_count():
    ent = make_entitlement(FIXED)
    ent = append(ent, expiry_entry(ent, ent.expires_at))
    assert (ent.remaining, ent.remaining_for(THAI), ent.remaining_for(SWEDISH)) == (0, 0, 0)


# --- adjustments ---

def test_adjustment_adds_or_removes_credit_with_its_reason():
    ent = make_entitlement()
    added = adjustment_entry(ent, Decimal(2), "sessions", "  birthday gift ", at=NOW)
    removed = adjustment_entry(ent, Decimal(-5), "sessions", "sold by mistake")
    assert (added.quantity, added.reason, append(ent, added, removed).remaining) == (2, "birthday gift", 2)


def test_adjustment_needs_a_reason():
    with pytest.raises(ValidationFailed) as caught:
        adjustment_entry(make_entitlement(), Decimal(1), "sessions", "  ")
    assert caught.value.field == "reason"


def test_adjustment_may_not_take_the_balance_below_zero():
    with pytest.raises(InsufficientCredit):
        adjustment_entry(make_entitlement(), Decimal(-6), "sessions", "typo")


@pytest.mark.parametrize("ent, unit, service_id, field", [
    (make_entitlement(), "minutes", None, "unit"),
    (make_entitlement(FIXED), "sessions", None, "service_id"),
    (make_entitlement(make_terms(unit="unlimited", quantity=Decimal(0))), "sessions", None, "delta"),
])
def test_adjustment_refuses_the_wrong_unit_a_missing_fixed_service_or_an_unlimited_plan(ent, unit, service_id, field):
    with pytest.raises(ValidationFailed) as caught:
        adjustment_entry(ent, Decimal(1), unit, "fix", service_id=service_id)
    assert caught.value.field == field


def test_adjustment_on_a_fixed_plan_changes_that_service_count():
    ent = make_entitlement(FIXED)
    ent = append(ent, adjustment_entry(ent, Decimal(-2), "sessions", "Thai therapist left", service_id=THAI))
    assert (ent.remaining_for(THAI), ent.remaining_for(SWEDISH)) == (0, 1)


# --- properties: random operation sequences through the real functions ---

SERVICES = {
    SWEDISH: make_service(),
    THAI: make_service(id=THAI, duration_minutes=30, price=Decimal("45.50")),
    FACIAL: make_service(id=FACIAL, duration_minutes=90, price=Decimal("120"), currency="USD"),
}
PLANS = [
    make_terms(service_ids=None),
    make_terms(unit="minutes", quantity=Decimal(300), service_ids=frozenset({SWEDISH, THAI})),
    make_terms(unit="money", quantity=Decimal("250.00"), currency="EUR", service_ids=None),
    FIXED,
    make_terms(unit="unlimited", quantity=Decimal(0), windows=Windows(weekdays=frozenset(range(5)))),
    make_terms(quantity=Decimal(3), windows=Windows(times=((time(9), time(18)),))),
]
CUTOFF_HOURS = 24
rules = st.sampled_from(["forfeit", "restore"])
plans = st.builds(lambda terms, late, no_show: replace(terms, late_cancel=late, no_show=no_show),
                  st.sampled_from(PLANS), rules, rules)
operations = st.lists(st.one_of(
    st.tuples(st.just("grant")),
    st.tuples(st.just("redeem"), st.sampled_from(sorted(SERVICES)), st.integers(1, 24 * 40)),
    st.tuples(st.just("cancel"), st.integers(0, 9), st.integers(0, 72)),
    st.tuples(st.just("no_show"), st.integers(0, 9)),
    st.tuples(st.just("adjust"), st.integers(-4, 4), st.sampled_from(sorted(SERVICES))),
    st.tuples(st.just("expire")),
), max_size=30)


class Simulator:
    """Applies operations the way the services layer would: ask the pure functions, append what they return."""

    def __init__(self, terms: PlanTerms):
        self.ent = make_entitlement(terms)
        self.now, self.open = NOW, []  # open bookings: (booking_id, service_id, cost, start)

    def write(self, entry: Entry | None) -> None:
        if entry is not None:
            self.ent = append(self.ent, entry)

    def apply(self, op: tuple) -> None:
        getattr(self, op[0])(*op[1:])

    def grant(self):
        for entry in grant_entries(self.ent.terms, at=self.now):
            self.write(entry)

    def redeem(self, service_id, hours_ahead):
        service, start = SERVICES[service_id], self.now + timedelta(hours=hours_ahead)
        end = start + timedelta(minutes=service.duration_minutes)
        try:
            cost = check_redeemable(self.ent, service, None, start, end, BERLIN, self.now)
        except (InsufficientCredit, OutsidePackageWindow, NotEligible, EntitlementExpired):
            return
        self.write(redemption_entry(self.ent, service_id, cost, booking_id=len(self.ent.entries)))
        self.open.append((len(self.ent.entries) - 1, service_id, cost, start))

    def cancel(self, index, hours_before):
        if self.open:
            booking_id, service_id, cost, start = self.open.pop(index % len(self.open))
            self.now = max(self.now, start - timedelta(hours=hours_before))  # time only moves forward
            self.write(cancellation_entry(self.ent, cost, start, self.now, CUTOFF_HOURS,
                                          service_id=service_id, booking_id=booking_id))

    def no_show(self, index):
        if self.open:
            booking_id, service_id, cost, start = self.open.pop(index % len(self.open))
            self.now = max(self.now, start + timedelta(hours=1))
            self.write(no_show_entry(self.ent, cost, service_id=service_id, booking_id=booking_id))

    def adjust(self, delta, service_id):
        service_id = service_id if self.ent.terms.is_fixed else None
        try:
            self.write(adjustment_entry(self.ent, Decimal(delta), self.ent.terms.ledger_unit, "test",
                                        service_id=service_id))
        except (InsufficientCredit, ValidationFailed):
            pass

    def expire(self):
        self.now = max(self.now, self.ent.expires_at)
        self.write(expiry_entry(self.ent, self.now))


def assert_ledger_consistent(ent: EntitlementState) -> None:
    total = Decimal(0)
    for entry in ent.entries:
        total += entry.quantity
    if ent.terms.unit == "unlimited":
        assert ent.remaining is None and total == 0
        return
    assert ent.remaining == total == balance(ent.entries)
    assert ent.remaining >= 0
    expired = balance(e for e in ent.entries if e.kind == "expire")
    assert ent.remaining == ent.granted + ent.adjusted - ent.used + expired
    for service_id, _ in ent.terms.fixed_services or ():
        assert ent.remaining_for(service_id) >= 0
        assert balance(e for e in ent.entries if e.service_id == service_id) >= 0


@settings(max_examples=150, deadline=None)
@given(plans, operations)
def test_random_ledger_histories_never_go_negative_and_balance_is_the_sum_of_entries(terms, ops):
    sim = Simulator(terms)
    for op in ops:
        sim.apply(op)
        assert_ledger_consistent(sim.ent)


@settings(max_examples=100, deadline=None)
@given(plans, st.lists(st.tuples(st.sampled_from(sorted(SERVICES)), st.integers(CUTOFF_HOURS + 1, 24 * 25)),
                       max_size=12))
def test_cancelling_every_booking_before_the_cutoff_restores_exactly_what_was_redeemed(terms, bookings):
    sim = Simulator(terms)
    before = sim.ent.remaining
    for service_id, hours_ahead in bookings:
        sim.redeem(service_id, hours_ahead)
    redeemed = -balance(e for e in sim.ent.entries if e.kind == "redeem")
    sim.open.sort(key=lambda booking: booking[3])  # soonest first, so moving time forward keeps each on time
    while sim.open:
        sim.cancel(0, hours_before=CUTOFF_HOURS + 1)
    restored = balance(e for e in sim.ent.entries if e.kind == "restore")
    assert restored == redeemed
    assert (sim.ent.remaining, sim.ent.used) == (before, 0)


@pytest.mark.parametrize(("unit", "quantity", "delta", "accepted"), [
    ("sessions", Decimal(5), Decimal("0.5"), False), ("sessions", Decimal(5), Decimal("-1.5"), False),
    ("sessions", Decimal(5), Decimal(1), True), ("minutes", Decimal(300), Decimal("7.5"), False),
    ("minutes", Decimal(300), Decimal(-30), True), ("money", Decimal(100), Decimal("12.50"), True),
])
def test_an_adjustment_follows_the_packages_unit(unit, quantity, delta, accepted):
    ent = make_entitlement(make_terms(unit=unit, quantity=quantity, currency="EUR" if unit == "money" else None))
    if accepted:
        assert adjustment_entry(ent, delta, unit, "correction").quantity == delta
    else:
        with pytest.raises(ValidationFailed) as refused:
            adjustment_entry(ent, delta, unit, "correction")
        assert refused.value.field == "delta"


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1),
                    timezones=st.sampled_from([ZoneInfo(z) for z in
                                               ("Europe/London", "America/Santiago", "Asia/Kolkata",
                                                "Pacific/Apia", "America/Havana", "UTC")])),
       st.booleans())
def test_validity_end_says_through_a_day_only_when_it_ends_at_that_days_end(moment, at_midnight):
    """"through D" exactly when the package lapses at the end of local day D (DST gaps included), else the time."""
    zone = moment.tzinfo
    if at_midnight:
        expires_at = end_of_local_day(moment.date(), zone)
        assert validity_end(expires_at, zone) == f"through {moment.date().isoformat()}"
    else:
        expires_at = moment.astimezone(timezone.utc)
        said = validity_end(expires_at, zone)
        last_day = (expires_at - timedelta(microseconds=1)).astimezone(zone).date()
        assert said.startswith("through") == (expires_at == end_of_local_day(last_day, zone))
        if said.startswith("until"):
            assert said == f"until {expires_at.astimezone(zone):%Y-%m-%d %H:%M}"
