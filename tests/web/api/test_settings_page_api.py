"""What the admin's Settings page adds to /api/settings: the emails' sender name, reply-to address and languages
(checked by name), a test email sent by the normal path (recorded once, delivered by a real SMTP server or to the
outbox), the booking link to paste into Shopify's order confirmation with a preview that really opens the
customer's page, and the shop's languages deciding what its customer pages speak."""
from __future__ import annotations

import dataclasses
import email
import time
from datetime import datetime, timedelta, timezone
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from booking.models import BookingSettings
from booking.notifications import ask_due
from booking.jobs import build
from booking.records import Booking, Customer, Order, OutgoingEmail
from booking.setup import TEST_EMAIL
from tests.integration.test_emails import Inbox
from tests.support.api import bearer
from tests.support.booking import give_package, make_spa
from tests.support.factories import make_shop
from tests.support.services import free_port
from tests.web.test_customer_pages import CONFIRMATION, _order

ORDER_ID = 820982911946154508


@pytest.fixture
def inbox(app, monkeypatch):
    """A real SMTP server on loopback (aiosmtpd), and the app pointed at it."""
    from aiosmtpd.controller import Controller

    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "PACKBOOK", dataclasses.replace(
        app.config["PACKBOOK"], smtp_url=f"smtp://127.0.0.1:{controller.port}",
        mail_from="Packbook <bookings@calm-spa.example>"))
    yield received
    controller.stop()


def _settings(client, shop) -> dict:
    response = client.get("/api/settings", headers=bearer(shop.domain))
    assert response.status_code == 200
    return response.get_json()


def _patch(client, shop, body):
    return client.patch("/api/settings", headers=bearer(shop.domain), json=body)


# --- the new fields ---

def test_sender_name_reply_to_and_languages_are_saved_and_read_back(client, db_session):
    shop = make_shop(db_session)
    before = _settings(client, shop)
    assert (before["mail_from_name"], before["reply_to"], before["languages"]) == (None, None, ["en", "zh_Hans_CN"])
    assert before["test_email_sent_at"] is None and before["order_link_opened_at"] is None

    response = _patch(client, shop, {"mail_from_name": "  Calm Spa  ", "reply_to": "desk@calm-spa.example",
                                     "languages": ["zh_Hans_CN", "en"]})
    assert response.status_code == 200, response.get_json()
    after = _settings(client, shop)
    assert (after["mail_from_name"], after["reply_to"], after["languages"]) == (
        "Calm Spa", "desk@calm-spa.example", ["zh_Hans_CN", "en"])
    assert after["sender"] == "Calm Spa <bookings@localhost>"  # MAIL_FROM keeps the address

    _patch(client, shop, {"mail_from_name": "", "reply_to": None})
    cleared = _settings(client, shop)
    assert (cleared["mail_from_name"], cleared["reply_to"], cleared["sender"]) == (
        None, None, "Packbook <bookings@localhost>")


@pytest.mark.parametrize("body, field", [
    ({"mail_from_name": "x" * 101}, "mail_from_name"),
    ({"mail_from_name": "Calm Spa\nBcc: everyone@example.com"}, "mail_from_name"),
    ({"mail_from_name": 5}, "mail_from_name"),
    ({"reply_to": "not an address"}, "reply_to"),
    ({"reply_to": "desk@calm-spa.example\r\nBcc: x@example.com"}, "reply_to"),
    ({"reply_to": "desk@localhost"}, "reply_to"),
    ({"languages": []}, "languages"),
    ({"languages": None}, "languages"),
    ({"languages": "en"}, "languages"),
    ({"languages": ["en", "fr"]}, "languages"),
    ({"languages": ["en", "en"]}, "languages"),
    ({"mail_from_name": "Fine", "languages": ["zh_Hans_CN", "zh_Hans_CN"]}, "languages"),
])
def test_bad_new_fields_are_refused_by_name_and_change_nothing(client, db_session, body, field):
    shop = make_shop(db_session)
    response = _patch(client, shop, body)
    assert (response.status_code, response.get_json()["field"]) == (422, field), response.get_json()
    after = _settings(client, shop)
    assert (after["mail_from_name"], after["reply_to"], after["languages"]) == (None, None, ["en", "zh_Hans_CN"])


# --- a test email ---

def _messages_to(inbox, address: str) -> list:
    deadline = time.monotonic() + 10
    while not [m for m in inbox.messages if m["To"] == address] and time.monotonic() < deadline:
        time.sleep(0.05)
    return [m for m in inbox.messages if m["To"] == address]


def _send_test(client, shop, to="owner@calm-spa.example"):
    response = client.post("/api/settings/test-email", headers=bearer(shop.domain), json={"to": to})
    answer = response.get_json()
    response.close()  # a server closes it once sent: without Redis, that is when owed emails go out
    return response.status_code, answer


def test_a_test_email_is_recorded_once_and_delivered_through_smtp(client, db_session, inbox):
    shop = make_shop(db_session, name="Calm Spa")
    _patch(client, shop, {"mail_from_name": "Calm Spa Bookings", "reply_to": "desk@calm-spa.example",
                          "languages": ["zh_Hans_CN", "en"]})
    status, answer = _send_test(client, shop)
    assert status == 202, answer
    assert (answer["to"], answer["via"], answer["sender"]) == (
        "owner@calm-spa.example", "smtp", "Calm Spa Bookings <bookings@calm-spa.example>")
    # The shared app may also send emails other tests left owed; this test reads only the ones to its address.
    [message] = _messages_to(inbox, "owner@calm-spa.example")
    assert message["To"] == "owner@calm-spa.example" and message["Subject"] == "Test email from Packbook for Calm Spa"
    assert message["From"] == "Calm Spa Bookings <bookings@calm-spa.example>"
    assert message["Reply-To"] == "desk@calm-spa.example"
    text = message.get_body(("plain",)).get_content()
    assert "Chinese (Simplified, China) (default), English" in text
    assert "<li>Their replies go to: desk@calm-spa.example</li>" in message.get_body(("html",)).get_content()

    again_status, again = _send_test(client, shop)  # a double click within the minute: the same message
    assert again_status == 202 and again["id"] == answer["id"] and again["status"] == "sent"
    rows = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == shop.id)).all()
    assert [(row.kind, row.status, row.attempts) for row in rows] == [(TEST_EMAIL, "sent", 1)]
    latest = client.get("/api/settings/test-email", headers=bearer(shop.domain)).get_json()["test_email"]
    assert (latest["id"], latest["status"], latest["error"]) == (answer["id"], "sent", None)
    assert _settings(client, shop)["test_email_sent_at"] is not None
    assert len(_messages_to(inbox, "owner@calm-spa.example")) == 1  # the double click sent nothing more


def test_without_smtp_the_test_email_is_written_to_the_outbox(app, client, db_session):
    shop = make_shop(db_session)
    status, answer = _send_test(client, shop, to="me@example.com")
    assert status == 202 and answer["via"] == "outbox"
    [path] = (Path(app.instance_path) / "outbox").glob(f"*-{TEST_EMAIL}-{answer['id']}.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == "me@example.com" and message["From"] == "Packbook <bookings@localhost>"
    path.unlink()
    assert _settings(client, shop)["test_email_sent_at"] is not None


def test_an_unreachable_mail_server_is_reported_and_the_checklist_stays_unticked(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "PACKBOOK", dataclasses.replace(app.config["PACKBOOK"],
                                                                    smtp_url=f"smtp://127.0.0.1:{free_port()}"))
    shop = make_shop(db_session)
    assert _send_test(client, shop)[0] == 202
    latest = client.get("/api/settings/test-email", headers=bearer(shop.domain)).get_json()["test_email"]
    assert latest["status"] == "queued" and latest["error"].startswith("MailNotSent: ")
    assert _settings(client, shop)["test_email_sent_at"] is None


@pytest.mark.parametrize("body", [{}, {"to": "nobody"}, {"to": "a@b.example", "cc": "x@y.example"}, {"to": None}])
def test_a_test_email_needs_one_address(client, db_session, body):
    shop = make_shop(db_session)
    response = client.post("/api/settings/test-email", headers=bearer(shop.domain), json=body)
    assert response.status_code == 422
    assert db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == shop.id)).all() == []


# --- the booking link ---

def test_the_booking_link_gives_the_snippet_and_where_to_paste_it(client, db_session):
    shop = make_shop(db_session)
    link = client.get("/api/settings/booking-link", headers=bearer(shop.domain)).get_json()
    assert link["snippet"] == (
        '<a href="https://packbook.test/book?shop={{ shop.permanent_domain }}&order={{ id }}'
        '&c={{ confirmation_number }}">Book your sessions</a>')
    assert link["app_url"] == "https://packbook.test"
    assert any("Notifications" in step for step in link["where"])
    assert any("Order confirmation" in step for step in link["where"])
    assert (link["preview_url"], link["preview_order"], link["order_link_opened_at"]) == (None, None, None)


def test_the_preview_opens_the_customer_page_of_the_latest_order(app, client, db_session):
    spa = make_spa(db_session)
    _order(db_session, spa)  # Ana's order, the earlier one: she holds nothing
    ben = Customer(shop_id=spa.shop.id, shopify_customer_id=7002, email="ben@example.com")
    db_session.add(ben)
    db_session.flush()
    give_package(db_session, dataclasses.replace(spa, customer=ben))
    _order(db_session, dataclasses.replace(spa, customer=ben), order_id=ORDER_ID + 1, confirmation="NEWER")
    _name_orders(db_session, spa.shop.id, newest=ORDER_ID + 1)

    link = client.get("/api/settings/booking-link", headers=bearer(spa.shop.domain)).get_json()
    assert link["preview_order"]["name"] == "#1002" and link["preview_url"].startswith("https://packbook.test/c/")
    visitor = app.test_client()  # the merchant's browser: no customer session yet
    opened = visitor.get(urlsplit(link["preview_url"]).path)
    assert opened.status_code == 303 and opened.headers["Location"].endswith("/book/home")
    home = visitor.get("/book/home").get_data(as_text=True)
    assert "5 of 5 left" in home  # Ben's page, the latest order's customer
    # A preview is not a customer opening the email's link: the checklist still waits for that.
    assert _settings(client, spa.shop)["order_link_opened_at"] is None


def _name_orders(db_session, shop_id: int, *, newest: int) -> None:
    for order in db_session.scalars(select(Order).where(Order.shop_id == shop_id)):
        order.name = "#1002" if order.shopify_order_id == newest else "#1001"
    db_session.flush()


def test_the_first_valid_order_link_opened_ticks_the_snippet_as_pasted(client, db_session):
    spa = make_spa(db_session)
    _order(db_session, spa)
    wrong = client.get("/book", query_string={"shop": spa.shop.domain, "order": ORDER_ID, "c": "WRONG"})
    assert wrong.status_code == 404 and _settings(client, spa.shop)["order_link_opened_at"] is None
    opened = client.get("/book", query_string={"shop": spa.shop.domain, "order": ORDER_ID, "c": CONFIRMATION})
    assert opened.status_code == 303
    first = _settings(client, spa.shop)["order_link_opened_at"]
    assert first is not None
    client.get("/book", query_string={"shop": spa.shop.domain, "order": ORDER_ID, "c": CONFIRMATION})
    assert _settings(client, spa.shop)["order_link_opened_at"] == first  # the first time, kept
    link = client.get("/api/settings/booking-link", headers=bearer(spa.shop.domain)).get_json()
    assert link["order_link_opened_at"] == first


# --- languages decide what the customer pages speak ---

def _page_language(client, path, accept: str | None, **query) -> str:
    headers = {"Accept-Language": accept} if accept else {}
    html = client.get(path, headers=headers, query_string=query).get_data(as_text=True)
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_the_shops_languages_decide_what_its_customer_pages_speak(client, db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    _order(db_session, spa)
    client.get("/book", query_string={"shop": spa.shop.domain, "order": ORDER_ID, "c": CONFIRMATION})
    assert _page_language(client, "/book/home", "zh-CN") == "zh-Hans-CN"  # every language until the shop chooses
    assert _page_language(client, "/book/home", None) == "en"

    assert _patch(client, spa.shop, {"languages": ["en"]}).status_code == 200
    assert _page_language(client, "/book/home", "zh-CN,zh;q=0.9") == "en"
    assert _page_language(client, "/book/home", "en-GB") == "en-GB"  # English keeps its region

    _patch(client, spa.shop, {"languages": ["zh_Hans_CN", "en"]})
    assert _page_language(client, "/book/home", None) == "zh-Hans-CN"  # nothing else decides: the default
    assert _page_language(client, "/book/home", "fr-FR") == "zh-Hans-CN"
    assert _page_language(client, "/book/home", "fr-FR, en;q=0.5") == "en"
    # Before any session, the link names the shop: the sign-in page speaks its languages too.
    fresh = client.application.test_client()
    assert _page_language(fresh, "/book/login", "en-US", shop=spa.shop.domain) == "en-US"
    _patch(client, spa.shop, {"languages": ["zh_Hans_CN"]})
    assert _page_language(fresh, "/book/login", "en-US", shop=spa.shop.domain) == "zh-Hans-CN"


def test_emails_speak_the_shops_languages(app, client, db_session):
    spa = make_spa(db_session)
    db_session.get(BookingSettings, spa.shop.id).languages = ["zh_Hans_CN", "en"]
    give_package(db_session, spa)
    starts = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    booking = Booking(shop_id=spa.shop.id, customer_id=spa.customer.id, service_id=spa.service.id,
                      resource_id=spa.resource.id, starts_at=starts, ends_at=starts + timedelta(hours=1),
                      blocked_start=starts, blocked_end=starts + timedelta(hours=1), status="confirmed",
                      source="package")
    db_session.add(booking)
    db_session.flush()
    # A reminder for a customer who has had no email from us yet: the shop's default language.
    ask_due(db_session, datetime.now(timezone.utc))
    [row] = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id)).all()
    assert (row.kind, row.locale) == ("booking_reminder", "zh_Hans_CN")
    # A message recorded in a language the shop no longer offers is written in its default.
    row.locale = "en_GB"
    db_session.get(BookingSettings, spa.shop.id).languages = ["zh_Hans_CN"]
    with app.test_request_context():
        message = build(db_session, row)
    assert message["Subject"].startswith("提醒")
