"""A refused booking says why, with its own code: each reason a time is not offered is a different answer."""
from __future__ import annotations

import pytest

from booking import bookings
from booking.bookings import SessionRequest
from booking.errors import BookingError
from booking.models import Resource
from tests.support.booking import NOW, at, make_service, make_spa

# The spa: London, Monday to Friday 09:00-17:00, 60-minute sessions every 30 minutes, 2 h notice, 60 days ahead.
# NOW is Tuesday 1 December 2026, 08:00.
CASES = [
    ("in_the_past", lambda spa: [(spa.service, spa.resource, at(1, 7))]),
    ("short_notice", lambda spa: [(spa.service, spa.resource, at(1, 9))]),
    ("beyond_horizon", lambda spa: [(spa.service, spa.resource, at(1, 10).replace(year=2027, month=3))]),
    ("closed", lambda spa: [(spa.service, spa.resource, at(5, 10))]),  # a Saturday
    ("outside_hours", lambda spa: [(spa.service, spa.resource, at(2, 16, 30))]),
    ("off_grid", lambda spa: [(spa.service, spa.resource, at(2, 10, 10))]),
    ("duplicate_session", lambda spa: [(spa.service, spa.resource, at(2, 10))] * 2),
    ("not_performed", lambda spa: [(spa.other_service, spa.resource, at(2, 10))]),
    ("slot_unavailable", lambda spa: [(spa.service, spa.resource, at(2, 10)), (spa.service, spa.resource, at(2, 10, 30))]),
]


@pytest.fixture
def spa(db_session):
    spa = make_spa(db_session)
    spa.other_service = make_service(db_session, spa.shop, name="Thai massage")
    return spa


@pytest.mark.parametrize(("code", "sessions"), CASES, ids=[code for code, _ in CASES])
def test_each_refusal_has_its_own_code(db_session, spa, code, sessions):
    requests = [SessionRequest(service.id, resource.id, start) for service, resource, start in sessions(spa)]
    with pytest.raises(BookingError) as refused:
        bookings.book_sessions(db_session, spa.shop.id, spa.customer, requests, actor="customer:7001", now=NOW,
                               use_package=False)
    assert refused.value.code == code
    assert refused.value.status == (422 if code == "duplicate_session" else 409)


def test_rescheduling_to_someone_who_does_not_perform_the_service_is_refused(db_session, spa):
    other = Resource(shop_id=spa.shop.id, name="Ben", weekly_hours=spa.resource.weekly_hours)
    other.services = [spa.other_service]
    db_session.add(other)
    db_session.flush()
    [booking] = bookings.book_sessions(db_session, spa.shop.id, spa.customer,
                                       [SessionRequest(spa.service.id, spa.resource.id, at(3, 10))],
                                       actor="staff:1", now=NOW, use_package=False)
    with pytest.raises(BookingError) as refused:
        bookings.reschedule_booking(db_session, spa.shop.id, booking.id, at(3, 11), actor="staff:1", now=NOW,
                                    resource_id=other.id)
    assert refused.value.code == "not_performed"
    assert (booking.resource_id, booking.starts_at) == (spa.resource.id, at(3, 10))
