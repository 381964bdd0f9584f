"""The customer's side, server-rendered: in from the order email's link, book several sessions at once, see
what is left, cancel with the policy stated first, take a calendar file. Everything through the real pages."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import responses
from icalendar import Calendar
from sqlalchemy import func, select

from booking.records import Booking, Order
from tests.support.booking import give_package, make_spa
from tests.support.factories import make_shop

LONDON = ZoneInfo("Europe/London")
CONFIRMATION = "XK7Q2M9PZ"


def _order(db_session, spa, *, order_id=820982911946154508, confirmation=CONFIRMATION, customer=True):
    db_session.add(Order(shop_id=spa.shop.id, shopify_order_id=order_id, name="#1001",
                         confirmation_number=confirmation, customer_id=spa.customer.id if customer else None,
                         lines=[], granted_at=datetime.now(timezone.utc)))
    db_session.flush()


def _signed_in(client, db_session, **plan):
    spa = make_spa(db_session, plan=plan or None)
    package = give_package(db_session, spa)
    _order(db_session, spa)
    response = client.get("/book", query_string={"shop": spa.shop.domain, "order": 820982911946154508,
                                                 "c": CONFIRMATION})
    assert response.status_code == 303 and response.headers["Location"].endswith("/book/home")
    return spa, package


def _monday(weeks: int = 3) -> date:
    day = datetime.now(LONDON).date() + timedelta(weeks=weeks)
    return day - timedelta(days=day.weekday())


def _pick(spa, day: date, hour: int) -> str:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)
    return f"{spa.resource.id}@{int(start.timestamp())}"


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_the_order_email_link_starts_a_session_and_leaves_the_address_bar(client, db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    _order(db_session, spa)
    response = client.get("/book", query_string={"shop": spa.shop.domain, "order": 820982911946154508,
                                                 "c": CONFIRMATION})
    assert response.status_code == 303 and response.headers["Location"].endswith("/book/home")
    cookie = response.headers["Set-Cookie"]
    assert "packbook_customer=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/book/home").get_data(as_text=True)
    assert "Massage" in home and "5 of 5 left" in home and "Choose a time" in home


@pytest.mark.parametrize("query", [
    {"order": 820982911946154508, "c": "WRONG"},          # tampered confirmation number
    {"order": 820982911946154508, "c": CONFIRMATION.lower()},
    {"order": "8209829119461545081234", "c": CONFIRMATION},  # not an order id
    {"order": 820982911946154508},                        # no confirmation number
    {"order": 820982911946154508, "c": "x" * 51},
])
def test_a_wrong_or_tampered_link_is_a_plain_404_and_starts_no_session(client, db_session, query):
    spa = make_spa(db_session)
    _order(db_session, spa)
    response = client.get("/book", query_string={"shop": spa.shop.domain, **query})
    assert response.status_code == 404 and "This link is not valid" in response.get_data(as_text=True)
    assert "packbook_customer=;" in response.headers.get("Set-Cookie", "")  # any earlier session is ended
    assert client.get("/book/home").status_code == 404


def _shopify_says(shop, node=None, *, status=200):
    """Shopify's Admin API answering the order lookup for `shop` (node None: no such order)."""
    mock = responses.RequestsMock(assert_all_requests_are_fired=False)
    url = f"https://{shop.domain}/admin/api/2026-10/graphql.json"
    if status != 200:
        mock.add(responses.POST, url, status=status, body="unavailable")
    else:
        mock.add(responses.POST, url, json={"data": {"order": node}})
    return mock


def test_a_link_for_an_order_not_processed_yet_says_it_is_being_prepared(client, db_session):
    spa = make_spa(db_session)
    with _shopify_says(spa.shop, status=503):  # Shopify cannot be asked either: wait for the webhook
        response = client.get("/book", query_string={"shop": spa.shop.domain, "order": 111, "c": CONFIRMATION})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preparing your booking" in html and "preparing.js" in html
    assert 'http-equiv="refresh"' not in html  # a timed refresh is an accessibility failure (WCAG 2.2.1)
    assert "packbook_customer" not in response.headers.get("Set-Cookie", "")


def test_link_attempts_are_rate_limited_per_client(client, db_session):
    spa = make_spa(db_session)
    with _shopify_says(spa.shop, None):
        answers = [client.get("/book", query_string={"shop": spa.shop.domain, "order": n, "c": "guess"}).status_code
                   for n in range(1, 23)]
    assert answers[:20] == [404] * 20 and answers[20:] == [429, 429]


def test_a_link_that_beats_the_webhook_is_checked_with_shopify(client, db_session):
    """The email arrived first: Shopify confirms the order and its number, and the customer is let in now."""
    spa = make_spa(db_session)
    node = {"id": "gid://shopify/Order/4242", "confirmationNumber": CONFIRMATION, "email": "ana@example.com",
            "customer": {"id": "gid://shopify/Customer/7001", "defaultEmailAddress": {"emailAddress": "ana@example.com"}}}
    query = {"shop": spa.shop.domain, "order": 4242, "c": CONFIRMATION}
    with _shopify_says(spa.shop, node):
        wrong = client.get("/book", query_string={**query, "c": "WRONG1234"})
        assert wrong.status_code == 404
        response = client.get("/book", query_string=query)
    assert response.status_code == 303 and response.headers["Location"].endswith("/book/home?waiting=1")
    home = client.get("/book/home?waiting=1").get_data(as_text=True)
    assert 'id="waiting"' in home and "ana@example.com" in home
    with _shopify_says(spa.shop, None):
        assert client.get("/book", query_string={**query, "order": 4243}).status_code == 404


def test_book_two_sessions_at_once_then_cancel_one_and_see_what_is_left(client, db_session):
    spa, package = _signed_in(client, db_session)
    monday = _monday()
    page = client.get(f"/book/services/{spa.service.id}", query_string={"month": monday.strftime("%Y-%m"),
                                                                        "day": monday.isoformat()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "times free" in html
    picks = [_pick(spa, monday, 10), _pick(spa, monday, 14)]
    assert all(f'value="{p}"' in html for p in picks)
    review = client.get(f"/book/services/{spa.service.id}/review", query_string={"pick": picks})
    assert review.status_code == 200 and "Book 2 sessions" in review.get_data(as_text=True)
    booked = client.post(f"/book/services/{spa.service.id}/confirm",
                         data={"pick": picks, "csrf_token": _csrf(review.get_data(as_text=True))})
    assert booked.status_code == 303
    listing = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "2 sessions booked." in listing and listing.count("data-booking=") == 2
    assert "3 of 5 left" in client.get("/book/home").get_data(as_text=True)

    first = db_session.scalars(select(Booking).where(Booking.customer_id == spa.customer.id)
                               .order_by(Booking.starts_at)).first()
    ask = client.get(f"/book/bookings/{first.id}/cancel").get_data(as_text=True)
    assert "Cancelling now gives the session back to 5x massage." in ask
    done = client.post(f"/book/bookings/{first.id}/cancel", data={"csrf_token": _csrf(ask)})
    assert done.status_code == 303
    assert "4 of 5 left" in client.get("/book/home").get_data(as_text=True)


def test_a_late_cancellation_under_a_forfeit_rule_is_stated_and_counts_as_used(client, db_session):
    spa, package = _signed_in(client, db_session, late_cancel="forfeit")
    booking = _book_directly(db_session, spa, datetime.now(timezone.utc) + timedelta(hours=30))
    from booking.accounts import booking_settings
    booking_settings(db_session, spa.shop.id).cancel_cutoff_hours = 48
    db_session.flush()
    ask = client.get(f"/book/bookings/{booking.id}/cancel").get_data(as_text=True)
    assert "Late cancellation: this session will count as used." in ask
    assert client.post(f"/book/bookings/{booking.id}/cancel", data={"csrf_token": _csrf(ask)}).status_code == 303
    assert "4 of 5 left" in client.get("/book/home").get_data(as_text=True)


def _book_directly(db_session, spa, around: datetime) -> Booking:
    """A session booked by staff on the next weekday hour after `around` (staff skip notice)."""
    from booking import bookings
    from booking.bookings import SessionRequest
    start = around.astimezone(LONDON).replace(minute=0, second=0, microsecond=0)
    while start.weekday() > 4 or not 9 <= start.hour < 16:
        start += timedelta(hours=1)
    [booking] = bookings.book_sessions(db_session, spa.shop.id, spa.customer,
                                       [SessionRequest(spa.service.id, spa.resource.id, start)],
                                       actor="staff:1", now=datetime.now(timezone.utc))
    db_session.flush()
    return booking


def test_a_form_without_its_csrf_token_changes_nothing(client, db_session):
    spa, _package = _signed_in(client, db_session)
    monday = _monday()
    for token in ("", "forged-token"):
        response = client.post(f"/book/services/{spa.service.id}/confirm",
                               data={"pick": [_pick(spa, monday, 10)], "csrf_token": token})
        assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Booking)
                             .where(Booking.customer_id == spa.customer.id)) == 0


def test_a_taken_time_is_named_and_nothing_of_the_group_is_booked(client, db_session):
    spa, _package = _signed_in(client, db_session)
    monday = _monday()
    taken = datetime(monday.year, monday.month, monday.day, 14, tzinfo=LONDON)
    _book_directly(db_session, spa, taken)  # someone else's booking in the meantime (same customer is fine here)
    picks = [_pick(spa, monday, 10), _pick(spa, monday, 14)]
    review = client.get(f"/book/services/{spa.service.id}/review", query_string={"pick": picks})
    response = client.post(f"/book/services/{spa.service.id}/confirm",
                           data={"pick": picks, "csrf_token": _csrf(review.get_data(as_text=True))})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "was just taken" in html
    assert re.search(r"(14:00|2:00\s?PM)", html), "the refusal names the time that was taken"
    assert db_session.scalar(select(func.count()).select_from(Booking).where(
        Booking.customer_id == spa.customer.id, Booking.status == "confirmed")) == 1  # only the staff one


def test_the_calendar_file_has_a_stable_uid_and_the_shops_zone(client, db_session):
    spa, _package = _signed_in(client, db_session)
    booking = _book_directly(db_session, spa, datetime.combine(_monday(), datetime.min.time(), LONDON)
                             + timedelta(hours=11))
    first = client.get(f"/book/bookings/{booking.id}.ics")
    assert first.status_code == 200 and first.headers["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(first.data).walk("VEVENT")
    again = Calendar.from_ical(client.get(f"/book/bookings/{booking.id}.ics").data).walk("VEVENT")[0]
    assert event["UID"] == again["UID"] and str(event["UID"]).endswith("@packbook")
    assert event.decoded("DTSTART") == booking.starts_at and event["DTSTART"].params["TZID"] == "Europe/London"
    assert b"BEGIN:VTIMEZONE" in first.data and "Massage" in str(event["SUMMARY"])


def test_a_session_sees_only_its_own_shop_and_customer(client, db_session):
    spa, _package = _signed_in(client, db_session)
    other = make_spa(db_session, shop=make_shop(db_session, iana_timezone="Europe/London"))
    give_package(db_session, other)
    theirs = _book_directly(db_session, other, datetime.combine(_monday(), datetime.min.time(), LONDON)
                            + timedelta(hours=11))
    for path in (f"/book/bookings/{theirs.id}", f"/book/bookings/{theirs.id}/cancel",
                 f"/book/bookings/{theirs.id}/move", f"/book/bookings/{theirs.id}.ics"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["Location"].endswith("/book/bookings")
    assert client.get(f"/book/services/{other.service.id}").headers["Location"].endswith("/book/home")


@pytest.mark.parametrize("asked", [{"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}},
                                   {"query_string": {"locale": "zh-CN"}}])
def test_the_pages_speak_simplified_chinese_when_asked(client, db_session, asked):
    spa, _package = _signed_in(client, db_session)
    _book_directly(db_session, spa, datetime.combine(_monday(), datetime.min.time(), LONDON) + timedelta(hours=11))
    home = client.get("/book/home", **asked).get_data(as_text=True)
    assert "<html lang=\"zh-Hans-CN\">" in home
    assert "我的课程包" in home and "剩余 4 / 5 次" in home and "即将到来" in home
    assert "年" in home and "月" in home  # the booked day, written the Chinese way by Babel
    english = client.get("/book/home", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)
    assert "Your packages" in english and '<html lang="en-GB">' in english


def test_each_package_says_what_it_covers_and_when_it_may_be_used(client, db_session):
    spa, _package = _signed_in(client, db_session, windows={"weekdays": ["mon", "tue", "wed"],
                                                             "times": [["09:00", "12:00"]]})
    home = client.get("/book/home").get_data(as_text=True)
    [terms] = re.findall(r"<span class=\"subdued\" data-terms>([^<]*)</span>", home)
    assert terms == "For Massage · on Mon, Tue, Wed · between 09:00-12:00"


def test_refusals_and_validity_read_in_the_customers_language(client, db_session):
    spa, _package = _signed_in(client, db_session, validity_days=30)
    monday = _monday()
    taken = datetime(monday.year, monday.month, monday.day, 14, tzinfo=LONDON)
    _book_directly(db_session, spa, taken)
    picks = [_pick(spa, monday, 14)]
    zh = {"Accept-Language": "zh-CN"}
    review = client.get(f"/book/services/{spa.service.id}/review", query_string={"pick": picks}, headers=zh)
    refused = client.post(f"/book/services/{spa.service.id}/confirm", headers=zh,
                          data={"pick": picks, "csrf_token": _csrf(review.get_data(as_text=True))})
    assert refused.status_code == 409 and "刚刚已被预约" in refused.get_data(as_text=True)
    home = client.get("/book/home", headers=zh).get_data(as_text=True)
    assert "有效期至" in home and "through" not in home


def test_a_member_sees_the_membership_its_period_and_this_periods_allowance(client, db_session):
    from booking import memberships
    from booking.api.plan_body import terms_from_body
    from booking.models import Plan

    spa, _package = _signed_in(client, db_session)
    terms = terms_from_body({"title": "Gold membership", "unit": "sessions", "quantity": 4,
                             "service_ids": [spa.service.id], "validity_months": 1})
    plan = Plan(shop_id=spa.shop.id, title=terms.title, terms=terms.to_json(), kind="membership")
    db_session.add(plan)
    db_session.flush()
    memberships.start(db_session, spa.shop.id, spa.customer, plan, source="subscription", ref="c-1",
                      now=datetime.now(timezone.utc) - timedelta(days=2), unit="month", count=1)
    db_session.flush()
    html = client.get("/book/home").get_data(as_text=True)
    section = html[html.index('id="memberships"'):html.index('id="packages-title"')]
    assert "Gold membership" in section and "every 1 month" in section
    assert "This period: 4 of 4 left" in section and "renews" in section


def test_credit_is_written_in_its_own_unit(client, db_session):
    spa, _package = _signed_in(client, db_session, unit="minutes", quantity=600)
    home = client.get("/book/home").get_data(as_text=True)
    assert "600 of 600 minutes left" in home and "600 minutes left in 5x massage" in home
