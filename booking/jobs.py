"""Jobs of the booking domain that run outside any request: sending the emails booking/notifications.py asked
for. The worker's dispatcher hands pending ones to rq (webhooks/dispatcher.py); without Redis the app sends them
once the response is closed (app.py). Each is sent once: the row is locked while sending and marked sent."""
from __future__ import annotations

import logging
from email.message import EmailMessage
from zoneinfo import ZoneInfo
from email.utils import formataddr, make_msgid

from flask import current_app, g, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

import mail
from booking.accounts import booking_settings, describe_package
from booking import self_service, setup
from booking.calendar_files import booking_calendar
from booking.records import Booking, Entitlement, OutgoingEmail
from booking.rules.links import DEFAULT_MAX_AGE, CustomerLink, sign_customer_link
from db import describe_error, get_db, utcnow
from shopify_app.models import Shop

log = logging.getLogger(__name__)
SEND_EMAIL = "booking.jobs.send_email"
MAX_ATTEMPTS = 8


class EmailFailed(Exception):
    """Raised so rq retries; the row keeps the reason."""


def send_email(email_id: int) -> str:
    """Build and send one outgoing email, unless it was sent already."""
    database = get_db()
    try:
        with database.transaction() as session:
            row = session.scalar(select(OutgoingEmail).where(OutgoingEmail.id == email_id).with_for_update())
            if row is None or row.status == "sent":
                return "nothing to send"
            message = build(session, row)
            mail.send(message, name=f"{row.kind}-{row.id}")
            row.status, row.sent_at, row.attempts, row.last_error = "sent", utcnow(), row.attempts + 1, None
            if row.kind == setup.TEST_EMAIL:
                setup.note_test_email_sent(session, row.shop_id, row.sent_at)
            return "sent"
    except Exception as exc:
        with database.transaction() as session:
            row = session.get(OutgoingEmail, email_id)
            if row is not None:
                row.attempts += 1
                row.last_error = describe_error(exc)
                # Still owed: rq retries the job (or, without Redis, the next send_pending pass does).
                row.status = "failed" if row.attempts >= MAX_ATTEMPTS else "queued"
        log.error("email %s not sent: %s", email_id, describe_error(exc))
        raise EmailFailed(f"email {email_id} not sent") from None


def send_pending(limit: int = 50) -> int:
    """Send what is pending now, one by one (the embedded default's way, with no worker)."""
    with get_db().transaction() as session:
        ids = session.scalars(select(OutgoingEmail.id).where(OutgoingEmail.status.in_(("pending", "queued")))
                              .order_by(OutgoingEmail.id).limit(limit)).all()
    sent = 0
    for email_id in ids:
        try:
            sent += send_email(email_id) == "sent"
        except EmailFailed:
            pass  # kept pending with its reason; the next pass tries again
    return sent


def build(session, row: OutgoingEmail) -> EmailMessage:
    """The message for `row`, in its language (if the shop still offers it): plain text and HTML (and a calendar
    file for bookings), from the shop's sender name, replies going where the shop asked."""
    shop, settings = session.get(Shop, row.shop_id), booking_settings(session, row.shop_id)
    with force_locale(setup.pick_language([row.locale], setup.offered_languages(settings))):
        message = _compose(session, shop, row)
    message["From"] = setup.sender(settings, current_app.config["PACKBOOK"].mail_from)
    if settings.reply_to:
        message["Reply-To"] = settings.reply_to
    return message


def _compose(session, shop: Shop, row: OutgoingEmail) -> EmailMessage:
    if row.kind == "sign_in":
        return _sign_in(shop, row)
    if row.kind == "expiring_soon":
        return _expiring_soon(session, shop, row)
    if row.kind == setup.TEST_EMAIL:
        return _test_message(session, shop, row)
    return _booking_message(session, shop, row)


def _envelope(row: OutgoingEmail, subject: str, text: str, html: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"], message["To"] = subject, formataddr(("", row.recipient))
    message["Message-ID"] = make_msgid(domain="packbook")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _sign_in_token(shop: Shop, row: OutgoingEmail) -> str:
    """A signed link naming the customer the message is for (their Shopify id, else their guest email)."""
    shopify_id = row.data.get("shopify_customer_id")
    return sign_customer_link(current_app.config["SECRET_KEY"],
                              CustomerLink(shop.domain, str(shopify_id) if shopify_id else None, row.recipient))


def _sign_in(shop: Shop, row: OutgoingEmail) -> EmailMessage:
    token = _sign_in_token(shop, row)
    context = {"shop": shop, "url": f"{current_app.config['PACKBOOK'].shopify_app_url}/c/{token}",
               "days": DEFAULT_MAX_AGE // 86400}
    subject = _("Your sign-in link for %(shop)s", shop=shop.name or shop.domain)
    return _envelope(row, subject, render_template("emails/sign_in.txt", **context),
                     render_template("emails/sign_in.html", **context))


def _expiring_soon(session, shop: Shop, row: OutgoingEmail) -> EmailMessage:
    entitlement = session.get(Entitlement, row.data["entitlement_id"])
    zone = _zone(session, shop)
    package = describe_package(session, entitlement, zone, utcnow())
    context = {"shop": shop, "package": package, "expires_at": entitlement.expires_at,
               "url": f"{current_app.config['PACKBOOK'].shopify_app_url}/c/{_sign_in_token(shop, row)}"}
    subject = _("%(package)s expires soon", package=package["title"])
    return _envelope(row, subject, render_template("emails/expiring_soon.txt", **context),
                     render_template("emails/expiring_soon.html", **context))


def _test_message(session, shop: Shop, row: OutgoingEmail) -> EmailMessage:
    # For the merchant, in English like the admin; it shows the sender and languages customers get.
    settings = booking_settings(session, shop.id)
    context = {"shop": shop, "sender": setup.sender(settings, current_app.config["PACKBOOK"].mail_from),
               "reply_to": settings.reply_to, "languages": setup.offered_languages(settings),
               "choices": {choice["code"]: choice["name"] for choice in setup.language_choices()}}
    return _envelope(row, f"Test email from Packbook for {shop.name or shop.domain}",
                     render_template("emails/test.txt", **context), render_template("emails/test.html", **context))


def _booking_message(session, shop: Shop, row: OutgoingEmail) -> EmailMessage:
    rows = session.scalars(select(Booking).where(Booking.shop_id == row.shop_id,
                                                 Booking.id.in_(row.data.get("booking_ids", [])))
                           .order_by(Booking.starts_at)).all()
    cancelled, reminder, moved, lost = (row.kind == kind for kind in ("booking_cancelled", "booking_reminder",
                                                                        "booking_moved", "hold_not_booked"))
    context = {"shop": shop, "bookings": rows, "cancelled": cancelled or lost, "lost": lost, "reminder": reminder,
               "moved": moved,
               "zone": _zone(session, shop),
               "names": _names(session, shop.id), "manage_url": _manage_url(shop, row)}
    subject = (_("We could not keep your time at %(shop)s", shop=shop.name or shop.domain) if lost else
               _("Cancelled: your booking at %(shop)s", shop=shop.name or shop.domain) if cancelled else
               _("Reminder: your session at %(shop)s", shop=shop.name or shop.domain) if reminder else
               _("Moved: your session at %(shop)s", shop=shop.name or shop.domain) if moved else
               _("Booked: your session at %(shop)s", shop=shop.name or shop.domain) if len(rows) == 1 else
               _("Booked: %(num)d sessions at %(shop)s", num=len(rows), shop=shop.name or shop.domain))
    message = _envelope(row, subject, render_template("emails/booking.txt", **context),
                        render_template("emails/booking.html", **context))
    method = "CANCEL" if cancelled or lost else "REQUEST"
    # The same UID per booking and a higher SEQUENCE on cancellation: calendars update the entry they hold.
    ics = booking_calendar(session, shop, list(rows), method=method, sequence=row.data.get("sequence", 0))
    message.add_attachment(ics, maintype="text", subtype="calendar", filename="booking.ics",
                           params={"method": method})
    return message


def _zone(session, shop) -> ZoneInfo:
    zone = ZoneInfo(booking_settings(session, shop.id).timezone)
    g.shop_zone = zone  # the templates' local_day and local_time filters read it
    return zone


def _names(session, shop_id: int) -> dict:
    return self_service.names(session, shop_id)


def _manage_url(shop: Shop, row: OutgoingEmail):
    """A signed sign-in link per session that lands on its cancel-or-keep page."""
    base, token = current_app.config["PACKBOOK"].shopify_app_url, _sign_in_token(shop, row)

    def url(booking: Booking) -> str:
        return f"{base}/c/{token}?next=/book/bookings/{booking.id}"
    return url
