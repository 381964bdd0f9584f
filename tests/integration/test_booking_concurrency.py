"""No double booking and no over-redemption, whatever the timing: 50 threads released together."""
from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from booking import bookings
from booking.errors import BookingError
from booking.records import Booking, Customer
from booking.bookings import SessionRequest
from tests.support.booking import NOW, at, give_package, make_spa

THREADS = 50


@pytest.fixture
def widen_the_race(monkeypatch):
    # Sleep between the availability check and the write, so unsafe code would overlap.
    monkeypatch.setattr(bookings, "_between_check_and_write", lambda: time.sleep(0.02))


def committed_spa(app, committed_shops, **kw):
    database = app.extensions["packbook.db"]
    with database.transaction() as session:
        spa = make_spa(session, **kw)
        package = give_package(session, spa)
        ids = dict(shop=spa.shop.id, service=spa.service.id, resource=spa.resource.id,
                   customer=spa.customer.id, package=package.id)
        committed_shops.append(spa.shop.domain)
    return ids


def race(app, ids, starts_for) -> Counter:
    """Run THREADS bookings released together; count outcomes by result code."""
    database, barrier, outcomes = app.extensions["packbook.db"], threading.Barrier(THREADS), Counter()

    def attempt(index):
        barrier.wait()
        try:
            with database.transaction() as session:
                customer = session.get(Customer, ids["customer"])
                request = SessionRequest(ids["service"], ids["resource"], starts_for(index))
                bookings.book_sessions(session, ids["shop"], customer, [request], actor="customer:7001", now=NOW)
            outcomes["booked"] += 1
        except BookingError as error:
            outcomes[error.code] += 1

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def bookings_on(app, resource_id) -> list[Booking]:
    with app.extensions["packbook.db"].transaction() as session:
        return list(session.scalars(select(Booking).where(Booking.resource_id == resource_id)))


def test_fifty_requests_for_one_slot_book_it_exactly_once(app, committed_shops, widen_the_race):
    ids = committed_spa(app, committed_shops, plan={"quantity": 100})
    outcomes = race(app, ids, lambda i: at(2, 10))
    assert outcomes == Counter(booked=1, slot_unavailable=THREADS - 1)
    assert len(bookings_on(app, ids["resource"])) == 1


def test_fifty_requests_against_a_five_session_package_redeem_exactly_five(app, committed_shops, widen_the_race):
    ids = committed_spa(app, committed_shops)
    # Fifty distinct, non-overlapping hourly slots over the coming weekdays.
    days = [d for d in range(2, 20) if at(d, 9).weekday() < 5]
    slots = [at(day, hour) for day in days for hour in range(9, 17)][:THREADS]
    outcomes = race(app, ids, lambda i: slots[i])
    assert outcomes == Counter(booked=5, insufficient_credit=THREADS - 5)
    assert len(bookings_on(app, ids["resource"])) == 5


def test_the_database_itself_backs_the_no_double_booking_rule(app, db_session):
    """PostgreSQL: an exclusion constraint. SQLite: every transaction holds the write lock from BEGIN."""
    if db_session.bind.dialect.name == "sqlite":
        assert_sqlite_write_lock_is_taken_at_begin(app, db_session)
    else:
        assert_postgresql_refuses_overlaps_without_the_lock(db_session)


def assert_sqlite_write_lock_is_taken_at_begin(app, db_session):
    import sqlite3

    db_session.connection()  # begins the transaction; nothing has been written yet
    path = app.extensions["packbook.db"].engine.url.database
    other = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        other.close()


def assert_postgresql_refuses_overlaps_without_the_lock(db_session):
    spa = make_spa(db_session)
    base = dict(shop_id=spa.shop.id, service_id=spa.service.id, resource_id=spa.resource.id,
                customer_id=spa.customer.id, exclusive=True, status="confirmed", source="staff")
    db_session.add(Booking(starts_at=at(2, 10), ends_at=at(2, 11), blocked_start=at(2, 10),
                           blocked_end=at(2, 11), **base))
    db_session.flush()
    with pytest.raises(IntegrityError, match="ex_bookings_no_overlap"):
        with db_session.begin_nested():
            db_session.add(Booking(starts_at=at(2, 10, 30), ends_at=at(2, 11, 30), blocked_start=at(2, 10, 30),
                                   blocked_end=at(2, 11, 30), **base))
            db_session.flush()
    # A cancelled booking does not hold the slot.
    db_session.add(Booking(starts_at=at(2, 12), ends_at=at(2, 13), blocked_start=at(2, 12),
                           blocked_end=at(2, 13), **{**base, "status": "cancelled"}))
    db_session.add(Booking(starts_at=at(2, 12), ends_at=at(2, 13), blocked_start=at(2, 12),
                           blocked_end=at(2, 13), **base))
    db_session.flush()
    assert db_session.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.resource_id == spa.resource.id)) == 3
