"""Booking emails through a real SMTP server (aiosmtpd on loopback): one message per group of sessions with a
calendar file holding one VEVENT each, a cancellation with the same UID and a higher SEQUENCE, in the
customer's language; each message sent once however often its job runs; without SMTP, the outbox."""
from __future__ import annotations

import dataclasses
import email
import re
import time
from datetime import datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import select

from booking import notifications
from booking.calendar_files import booking_uid
from booking.jobs import send_email, send_pending
from booking.records import Booking, OutgoingEmail
from tests.support.services import free_port
from tests.web.test_customer_pages import _csrf, _monday, _pick, _signed_in

LONDON = ZoneInfo("Europe/London")


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"



@pytest.fixture
def inbox(app, monkeypatch):
    """A real SMTP server on loopback, and the app pointed at it."""
    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "PACKBOOK",
                        dataclasses.replace(app.config["PACKBOOK"], smtp_url=f"smtp://127.0.0.1:{port}",
                                            mail_from="Calm Spa <bookings@calm-spa.example>"))
    yield received
    controller.stop()


def _wait_for(inbox: Inbox, count: int) -> list:
    deadline = time.monotonic() + 10
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return inbox.messages


def _calendar(message) -> tuple[str, Calendar]:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_param("method"), Calendar.from_ical(part.get_content())


def _book_two(client, spa, **headers):
    monday = _monday()
    picks = [_pick(spa, monday, 10), _pick(spa, monday, 14)]
    review = client.get(f"/book/services/{spa.service.id}/review", query_string={"pick": picks}, **headers)
    response = client.post(f"/book/services/{spa.service.id}/confirm", **headers,
                           data={"pick": picks, "csrf_token": _csrf(review.get_data(as_text=True))})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    response.close()  # a server closes it once sent; that is when the owed emails go out


def test_booking_two_sessions_sends_one_confirmation_with_a_calendar_entry_each(client, db_session, inbox):
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    [message] = _wait_for(inbox, 1)
    assert message["To"] == "ana@example.com" and "Calm Spa" in message["From"]
    assert message["Subject"].startswith("Booked: 2 sessions at")
    text = message.get_body(("plain",)).get_content()
    assert text.count("/c/") == 2 and "next=/book/bookings/" in text and "Europe/London" in text
    assert "<a href=" in message.get_body(("html",)).get_content()
    method, calendar = _calendar(message)
    events = calendar.walk("VEVENT")
    booked = db_session.scalars(select(Booking).where(Booking.customer_id == spa.customer.id)
                                .order_by(Booking.starts_at)).all()
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST" and len(events) == 2
    assert [e.decoded("DTSTART") for e in events] == [b.starts_at for b in booked]
    assert {str(e["UID"]) for e in events} == {booking_uid(spa.shop, b) for b in booked}
    assert all(e["DTSTART"].params["TZID"] == "Europe/London" for e in events)


def test_cancelling_sends_the_same_uid_with_a_higher_sequence(client, db_session, inbox):
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    _wait_for(inbox, 1)
    first = db_session.scalars(select(Booking).where(Booking.customer_id == spa.customer.id)
                               .order_by(Booking.starts_at)).first()
    ask = client.get(f"/book/bookings/{first.id}/cancel").get_data(as_text=True)
    done = client.post(f"/book/bookings/{first.id}/cancel", data={"csrf_token": _csrf(ask)})
    assert done.status_code == 303
    done.close()
    cancelled = _wait_for(inbox, 2)[1]
    assert cancelled["Subject"].startswith("Cancelled:")
    method, calendar = _calendar(cancelled)
    [event] = calendar.walk("VEVENT")
    assert method == "CANCEL" == str(calendar["METHOD"]) and str(event["UID"]) == booking_uid(spa.shop, first)
    assert int(event["SEQUENCE"]) == 1 and str(event["STATUS"]) == "CANCELLED"


def test_each_message_is_sent_once_however_often_it_is_asked_for_or_its_job_runs(app, client, db_session, inbox):
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    _wait_for(inbox, 1)
    booked = db_session.scalars(select(Booking).where(Booking.customer_id == spa.customer.id)).all()
    again = notifications.booking_confirmation(db_session, spa.shop.id, spa.customer, booked, "en")
    assert again is None  # the same group asked for again: no second row
    [row] = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id)).all()
    assert row.status == "sent" and row.attempts == 1
    with app.app_context():
        assert send_email(row.id) == "nothing to send" and send_pending() == 0
    time.sleep(0.3)
    assert len(inbox.messages) == 1


def test_the_confirmation_speaks_the_customers_language(client, db_session, inbox):
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa, headers={"Accept-Language": "zh-CN"})
    [message] = _wait_for(inbox, 1)
    assert "已预约" in message["Subject"] and "年" in message.get_body(("plain",)).get_content()


def test_an_unreachable_smtp_server_keeps_the_message_owed_with_its_reason(client, db_session, app, monkeypatch):
    monkeypatch.setitem(app.config, "PACKBOOK", dataclasses.replace(app.config["PACKBOOK"],
                                                                    smtp_url=f"smtp://user:secret@127.0.0.1:{free_port()}"))
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    [row] = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id)).all()
    db_session.refresh(row)
    assert row.status == "queued" and row.attempts == 1 and "SMTP" in row.last_error
    assert "secret" not in row.last_error


def test_without_smtp_messages_land_in_the_outbox(client, db_session, app, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    [written] = list((tmp_path / "outbox").glob("*.eml"))
    message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
    assert message["Subject"].startswith("Booked: 2 sessions") and message["To"] == "ana@example.com"


def test_with_redis_the_dispatcher_hands_the_email_to_a_worker(rq_app, committed_shops, monkeypatch):
    """No request sends mail when a worker exists: the dispatcher queues the row and the worker sends it."""
    from tests.support.booking import make_spa
    from webhooks.dispatcher import dispatch_emails
    from webhooks.queue import run_worker

    received = Inbox()
    port = free_port()
    controller = Controller(received, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(rq_app.config, "PACKBOOK", dataclasses.replace(rq_app.config["PACKBOOK"],
                                                                       smtp_url=f"smtp://127.0.0.1:{port}"))
    try:
        with rq_app.extensions["packbook.db"].transaction() as session:
            spa = make_spa(session)
            from booking import bookings
            from booking.bookings import SessionRequest
            monday = _monday()
            start = datetime(monday.year, monday.month, monday.day, 11, tzinfo=LONDON)
            booked = bookings.book_sessions(session, spa.shop.id, spa.customer,
                                            [SessionRequest(spa.service.id, spa.resource.id, start)],
                                            actor="staff:1", now=datetime.now(LONDON), use_package=False)
            email_id = notifications.booking_confirmation(session, spa.shop.id, spa.customer, booked, "en")
            shop = spa.shop.domain
        committed_shops.append(shop)
        queue = rq_app.extensions["packbook.queue"]
        with rq_app.app_context():
            assert dispatch_emails(queue) >= 1
            run_worker(rq_app, lambda: None, burst=True)
        assert len(_wait_for(received, 1)) == 1
        with rq_app.extensions["packbook.db"].transaction() as session:
            assert session.get(OutgoingEmail, email_id).status == "sent"
    finally:
        controller.stop()


def _login_form(client, shop):
    page = client.get("/book/login", query_string={"shop": shop.domain})
    assert page.status_code == 200
    return re.search(r'name="form_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_a_known_address_gets_one_working_sign_in_link_and_an_unknown_one_the_same_answer(app, db_session, inbox):
    from tests.support.booking import give_package, make_spa
    spa = make_spa(db_session)
    give_package(db_session, spa)
    db_session.flush()
    client = app.test_client()
    answers = []
    for address in ("Ana@Example.com", "nobody@example.com", "ana@example.com"):
        token = _login_form(client, spa.shop)
        response = client.post("/book/login", query_string={"shop": spa.shop.domain},
                               data={"email": address, "form_token": token})
        response.close()
        answers.append((response.status_code, re.sub(r"\s+", " ", response.get_data(as_text=True))))
    assert len({a for a in answers}) == 1 and answers[0][0] == 200  # the same page for all three
    messages = _wait_for(inbox, 1)
    time.sleep(0.3)
    assert len(messages) == 1, "one email per address in each ten minutes; none to an unknown address"
    [message] = messages
    assert message["To"] == "ana@example.com" and "sign-in link" in message["Subject"]
    link = re.search(r"https?://\S+/c/\S+", message.get_body(("plain",)).get_content()).group(0)
    fresh = app.test_client()
    opened = fresh.get(link.split("packbook.test", 1)[1])
    assert opened.status_code == 303
    home = fresh.get("/book/home").get_data(as_text=True)
    assert "5 of 5 left" in home, re.sub(r"\s+", " ", home)[-900:]


def test_the_sign_in_form_refuses_a_post_without_its_own_token(app, db_session, inbox):
    from tests.support.booking import make_spa
    spa = make_spa(db_session)
    client = app.test_client()
    _login_form(client, spa.shop)
    forged = client.post("/book/login", query_string={"shop": spa.shop.domain},
                         data={"email": "ana@example.com", "form_token": "0" * 64})
    assert forged.status_code == 400
    assert app.test_client().get("/book/login", query_string={"shop": "nope.myshopify.com"}).status_code == 404
    assert db_session.scalar(select(OutgoingEmail.id).where(OutgoingEmail.shop_id == spa.shop.id)) is None


def test_the_manage_link_in_a_confirmation_opens_that_booking_for_that_customer(app, client, db_session, inbox):
    spa, _package = _signed_in(client, db_session)
    _book_two(client, spa)
    [message] = _wait_for(inbox, 1)
    links = re.findall(r"https?://\S+/c/\S+", message.get_body(("plain",)).get_content())
    fresh = app.test_client()
    opened = fresh.get(links[0].split("packbook.test", 1)[1])
    assert opened.status_code == 303 and re.search(r"/book/bookings/\d+$", opened.headers["Location"])
    page = fresh.get(opened.headers["Location"]).get_data(as_text=True)
    assert "gives the session back" in page and "/move" in page and "/cancel" in page and ".ics" in page


def test_reminders_and_expiry_warnings_are_asked_once_when_due_and_sent(app, db_session, inbox):
    from booking import notifications as owed
    from booking.accounts import assign_plan, booking_settings
    from db import utcnow
    from tests.support.booking import make_plan, make_spa

    spa = make_spa(db_session)
    booking_settings(db_session, spa.shop.id).reminder_hours = 96  # the next weekday session is always inside
    now = utcnow()
    lapsing = make_plan(db_session, spa.shop, title="3x sauna", quantity=3, service_ids=[spa.service.id],
                        validity_days=5)
    package = assign_plan(db_session, spa.shop.id, spa.customer, lapsing.id, actor="staff:1", now=now)
    fresh = make_plan(db_session, spa.shop, title="10x yoga", quantity=10, service_ids=[spa.service.id],
                      validity_days=60)
    assign_plan(db_session, spa.shop.id, spa.customer, fresh.id, actor="staff:1", now=now)
    near = _staff_booking(db_session, spa, now + timedelta(hours=2))
    _staff_booking(db_session, spa, now + timedelta(days=10))  # too far for a reminder yet
    with app.app_context():
        # Every shop's due messages are asked for (other tests' shops may have some on a shared database).
        assert owed.ask_due(db_session, now) >= 2
        assert owed.ask_due(db_session, now + timedelta(minutes=1)) == 0
        rows = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id)
                                  .order_by(OutgoingEmail.kind)).all()
        assert [(r.kind, r.subject_key) for r in rows] == [("booking_reminder", f"booking:{near.id}"),
                                                          ("expiring_soon", f"package:{package.id}")]
        db_session.flush()
        assert [send_email(r.id) for r in rows] == ["sent", "sent"]
    subjects = sorted(m["Subject"] for m in _wait_for(inbox, 2))
    assert subjects[0] == "3x sauna expires soon" and subjects[1].startswith("Reminder: your session")


def _staff_booking(db_session, spa, around):
    from booking import bookings
    from booking.bookings import SessionRequest
    start = around.astimezone(LONDON).replace(minute=0, second=0, microsecond=0)
    while start.weekday() > 4 or not 9 <= start.hour < 16:
        start += timedelta(hours=1)
    [booking] = bookings.book_sessions(db_session, spa.shop.id, spa.customer,
                                       [SessionRequest(spa.service.id, spa.resource.id, start)],
                                       actor="staff:1", now=around - timedelta(days=1), use_package=False)
    db_session.flush()
    return booking


def test_moving_a_session_updates_the_same_calendar_entry_and_a_later_cancel_supersedes_it(app, client, db_session,
                                                                                         inbox):
    from tests.web.test_customer_pages import _book_directly
    spa, _package = _signed_in(client, db_session)
    monday = _monday()
    booking = _book_directly(db_session, spa, datetime(monday.year, monday.month, monday.day, 10, tzinfo=LONDON))
    page = client.get(f"/book/bookings/{booking.id}/move", query_string={"month": monday.strftime("%Y-%m"),
                                                                         "day": monday.isoformat()})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Moving keeps the session paid from your package" in html
    new_time = _pick(spa, monday, 15)
    assert f'value="{new_time}"' in html
    moved = client.post(f"/book/bookings/{booking.id}/move", data={"pick": new_time, "csrf_token": _csrf(html)})
    assert moved.status_code == 303
    moved.close()
    db_session.refresh(booking)
    assert booking.starts_at.astimezone(LONDON).hour == 15
    [message] = _wait_for(inbox, 1)
    method, calendar = _calendar(message)
    [event] = calendar.walk("VEVENT")
    assert message["Subject"].startswith("Moved:") and method == "REQUEST"
    assert str(event["UID"]) == booking_uid(spa.shop, booking) and int(event["SEQUENCE"]) == 1
    assert event.decoded("DTSTART") == booking.starts_at
    ask = client.get(f"/book/bookings/{booking.id}/cancel").get_data(as_text=True)
    done = client.post(f"/book/bookings/{booking.id}/cancel", data={"csrf_token": _csrf(ask)})
    done.close()
    _method, cancelled = _calendar(_wait_for(inbox, 2)[1])
    assert int(cancelled.walk("VEVENT")[0]["SEQUENCE"]) == 2  # higher than the move's, so calendars drop it


def test_a_session_inside_the_reschedule_cutoff_cannot_be_moved_by_the_customer(client, db_session):
    from tests.web.test_customer_pages import _book_directly
    spa, _package = _signed_in(client, db_session)
    soon = _book_directly(db_session, spa, datetime.now(LONDON) + timedelta(hours=3))
    from booking.accounts import booking_settings
    booking_settings(db_session, spa.shop.id).reschedule_cutoff_hours = 24 * 7
    db_session.flush()
    page = client.get(f"/book/bookings/{soon.id}/move").get_data(as_text=True)
    assert 'id="too-late"' in page and "confirm-move" not in page
