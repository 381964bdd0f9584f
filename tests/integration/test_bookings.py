"""Booking use cases against a real database: book, cancel, reschedule, no-show, adjust, expire."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from booking import accounts, bookings, reports
from booking.errors import (CutoffPassed, InsufficientCredit, InvalidTransition, OutsidePackageWindow,
                            SlotUnavailable, ValidationFailed)
from booking.records import ActivityLog, LedgerEntry
from booking.bookings import SessionRequest
from tests.support.booking import NOW, at, give_package, make_plan, make_spa


def remaining(session, entitlement):
    return accounts.entitlement_state(session, entitlement).remaining


def book(session, spa, *starts, **kw):
    requests = [SessionRequest(spa.service.id, spa.resource.id, s) for s in starts]
    return bookings.book_sessions(session, spa.shop.id, spa.customer, requests, actor=kw.pop("actor", "customer:7001"),
                                  now=kw.pop("now", NOW), **kw)


def test_booking_redeems_one_session_and_shows_progress(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    [booking] = book(db_session, spa, at(2, 10))
    state = accounts.entitlement_state(db_session, package)
    assert (booking.status, booking.entitlement_id, booking.redeemed_quantity) == ("confirmed", package.id, 1)
    assert state.remaining == 4 and state.progress_label == "1 of 5 used"


def test_several_sessions_in_one_step_share_a_group_and_fail_together(db_session):
    spa = make_spa(db_session, plan={"quantity": 2})
    package = give_package(db_session, spa)
    db_session.commit()  # as the assigning request would
    with pytest.raises(InsufficientCredit):
        book(db_session, spa, at(2, 10), at(3, 10), at(4, 10))
    db_session.rollback()
    assert remaining(db_session, package) == 2
    first, second = book(db_session, spa, at(2, 10), at(3, 10))
    assert first.group_id and first.group_id == second.group_id
    assert remaining(db_session, package) == 0


def test_a_taken_slot_is_refused_with_slot_unavailable(db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    book(db_session, spa, at(2, 10))
    with pytest.raises(SlotUnavailable, match="slot no longer available"):
        book(db_session, spa, at(2, 10, 30))


def test_cancel_before_cutoff_restores_the_session(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    [booking] = book(db_session, spa, at(3, 10))
    bookings.cancel_booking(db_session, spa.shop.id, booking.id, actor="customer:7001", now=NOW)
    assert booking.status == "cancelled" and remaining(db_session, package) == 5
    # The slot is free again.
    assert book(db_session, spa, at(3, 10))[0].status == "confirmed"


def test_late_cancel_forfeits_under_the_default_rule_and_restores_under_restore(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    [booking] = book(db_session, spa, at(1, 15))
    bookings.cancel_booking(db_session, spa.shop.id, booking.id, actor="customer:7001", now=NOW)
    assert remaining(db_session, package) == 4
    lenient = make_plan(db_session, spa.shop, title="Lenient", service_ids=[spa.service.id], late_cancel="restore")
    package2 = give_package(db_session, spa, lenient)
    [booking2] = book(db_session, spa, at(1, 16), entitlement_id=package2.id)
    bookings.cancel_booking(db_session, spa.shop.id, booking2.id, actor="customer:7001", now=NOW)
    assert remaining(db_session, package2) == 5


def test_cancelling_twice_is_refused(db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    [booking] = book(db_session, spa, at(3, 10))
    bookings.cancel_booking(db_session, spa.shop.id, booking.id, actor="staff:1", now=NOW)
    with pytest.raises(InvalidTransition):
        bookings.cancel_booking(db_session, spa.shop.id, booking.id, actor="staff:1", now=NOW)


def test_reschedule_keeps_the_credit_and_frees_the_old_slot(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    [booking] = book(db_session, spa, at(3, 10))
    bookings.reschedule_booking(db_session, spa.shop.id, booking.id, at(4, 11), actor="customer:7001", now=NOW)
    assert (booking.starts_at, booking.ends_at) == (at(4, 11), at(4, 12))
    assert remaining(db_session, package) == 4
    redeems = db_session.scalars(select(LedgerEntry.kind).where(LedgerEntry.entitlement_id == package.id)).all()
    assert sorted(redeems) == ["grant", "redeem"]
    assert book(db_session, spa, at(3, 10))[0].status == "confirmed"


def test_reschedule_inside_the_cutoff_is_refused_for_customers(db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    [booking] = book(db_session, spa, at(1, 15))
    with pytest.raises(CutoffPassed):
        bookings.reschedule_booking(db_session, spa.shop.id, booking.id, at(4, 11), actor="customer:7001", now=NOW)


def test_no_show_forfeits_and_a_manager_adjustment_reverses_it(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    [booking] = book(db_session, spa, at(2, 10))
    bookings.mark_no_show(db_session, spa.shop.id, booking.id, actor="staff:1", now=at(2, 11))
    assert booking.status == "no_show" and remaining(db_session, package) == 4
    accounts.adjust(db_session, spa.shop.id, package.id, Decimal(1), "client was ill", actor="staff:2")
    assert remaining(db_session, package) == 5
    log = db_session.scalar(select(ActivityLog).where(ActivityLog.action == "adjust",
                                                      ActivityLog.subject_id == package.id))
    assert (log.reason, log.before, log.after) == ("client was ill", {"remaining": "4"}, {"remaining": "5"})


def test_adjustment_needs_a_reason_and_cannot_go_negative(db_session):
    spa = make_spa(db_session)
    package = give_package(db_session, spa)
    with pytest.raises(ValidationFailed) as error:
        accounts.adjust(db_session, spa.shop.id, package.id, Decimal(-1), "  ", actor="staff:1")
    assert error.value.field == "reason"
    with pytest.raises(InsufficientCredit):
        accounts.adjust(db_session, spa.shop.id, package.id, Decimal(-6), "typo", actor="staff:1")


def test_expiry_job_writes_off_what_is_left(db_session):
    spa = make_spa(db_session, plan={"validity_days": 7})
    package = give_package(db_session, spa)
    book(db_session, spa, at(2, 10))
    assert accounts.expire_lapsed(db_session, NOW + timedelta(days=6), shop_id=spa.shop.id) == 0
    assert accounts.expire_lapsed(db_session, NOW + timedelta(days=8), shop_id=spa.shop.id) == 1
    assert package.status == "expired" and remaining(db_session, package) == 0


def test_package_window_is_enforced(db_session):
    spa = make_spa(db_session, plan={"windows": {"times": [["10:00", "13:00"]]}})
    give_package(db_session, spa)
    with pytest.raises(OutsidePackageWindow):
        book(db_session, spa, at(2, 14))
    assert book(db_session, spa, at(2, 11))[0].status == "confirmed"


def test_staff_booking_without_a_package(db_session):
    spa = make_spa(db_session)
    [booking] = book(db_session, spa, at(1, 9), actor="staff:1", use_package=False)
    assert (booking.source, booking.entitlement_id) == ("staff", None)


def test_class_takes_bookings_until_full(db_session):
    spa = make_spa(db_session, service={"name": "Yoga", "capacity": 2}, plan={"quantity": 10})
    give_package(db_session, spa)
    other = spa.customer.__class__(shop_id=spa.shop.id, shopify_customer_id=7002, email="b@example.com")
    db_session.add(other)
    db_session.flush()
    spa2 = type(spa)(spa.shop, spa.service, spa.resource, spa.plan, other)
    give_package(db_session, spa2)
    book(db_session, spa, at(2, 10))
    book(db_session, spa2, at(2, 10))
    third = type(spa)(spa.shop, spa.service, spa.resource, spa.plan, spa.customer)
    with pytest.raises(SlotUnavailable):
        book(db_session, third, at(2, 10))


def test_availability_lists_open_slots_and_hides_taken_ones(db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    book(db_session, spa, at(2, 10))
    slots = bookings.available_slots(db_session, spa.shop.id, spa.service.id, None, at(2, 0), at(3, 0), NOW)
    starts = [s.start.hour * 60 + s.start.minute for s in slots[spa.resource.id]]
    # 09:00..16:00 every 30 minutes, less the three starts (09:30, 10:00, 10:30) overlapping 10:00-11:00.
    assert starts == [540] + list(range(660, 961, 30))


def test_liability_counts_what_is_still_owed_per_plan_and_expiry_month(db_session):
    spa = make_spa(db_session, plan={"validity_days": 30})
    package = give_package(db_session, spa)
    package.price_paid, package.currency = Decimal("250.00"), "GBP"
    book(db_session, spa, at(2, 10))
    [line] = reports.liability(db_session, spa.shop.id, ZoneInfo("Europe/London"), NOW)
    assert line == {"plan": "5x massage", "unit": "sessions", "expires": "2026-12", "packages": 1,
                    "owed": "4", "value": "200.00", "currency": "GBP"}


def test_expire_packages_job_runs_across_shops(app, db_session):
    from webhooks.jobs import expire_packages

    spa = make_spa(db_session, plan={"validity_days": 1})
    package = give_package(db_session, spa)
    db_session.commit()
    with app.app_context():
        assert expire_packages(NOW + timedelta(days=3)) >= 1
    db_session.refresh(package)
    assert package.status == "expired"
