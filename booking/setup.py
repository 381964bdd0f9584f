"""Setting a shop up for customers: the booking link to paste into Shopify's order confirmation, a preview of the
customer's page, the languages customers are offered, who emails come from, and a test message.

Like the other use cases, none of these owns a transaction: the request or job that calls it commits.
"""
from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.utils import parseaddr

from babel import Locale
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from booking.accounts import booking_settings
from booking.models import BookingSettings
from booking.records import Customer, Order, OutgoingEmail
from booking.rules.links import CustomerLink, sign_customer_link
from db import insert_skipping_duplicates
from shopify_app.models import Shop

# What ships translated (booking/pages/translations); a shop offers some of them, its first is its default.
LANGUAGES = ("en", "zh_Hans_CN")

# Shopify's Liquid has these values when the order confirmation renders; README "The customer's side".
SNIPPET = ('<a href="{app_url}/book?shop={{{{ shop.permanent_domain }}}}&order={{{{ id }}}}'
           '&c={{{{ confirmation_number }}}}">Book your sessions</a>')
WHERE_TO_PASTE = (
    "In Shopify admin, open Settings, then Notifications.",
    "Under Customer notifications, open Order confirmation and choose Edit code.",
    "Paste the snippet where the email should offer booking, for example just below the order summary.",
    "Save. Confirmations from then on carry the link; Packbook notes the first time a customer opens one.",
)

TEST_EMAIL = "test_email"  # an outgoing email's kind
TEST_EMAIL_EVERY_SECONDS = 60  # one test per address in each such window, however often it is asked


# --- languages ---

def offered_languages(settings: BookingSettings | None) -> list[str]:
    """The languages the shop's customer pages and emails speak, its default first (every one until it chooses)."""
    chosen = [code for code in (settings.languages or []) if code in LANGUAGES] if settings else []
    return chosen or list(LANGUAGES)


def shop_languages(session: Session, *, shop_id: int | None = None, domain: str | None = None) -> list[str]:
    """offered_languages of a shop named by id or domain, in one small query (every customer page asks)."""
    query = select(BookingSettings.languages)
    if shop_id is not None:
        query = query.where(BookingSettings.shop_id == shop_id)
    else:
        query = query.join(Shop, Shop.id == BookingSettings.shop_id).where(Shop.domain == domain)
    chosen = session.scalar(query)
    return offered_languages(BookingSettings(languages=chosen) if chosen else None)


def speaks(locale: str, offered: list[str]) -> bool:
    """Whether `locale` ("en_GB", "zh_Hans_CN") is one of the offered languages (English keeps its region)."""
    return locale.split("_")[0] in {code.split("_")[0] for code in offered}


def pick_language(candidates, offered: list[str]) -> str:
    """The first candidate locale (None for one nobody asked for) the shop offers, else its default."""
    return next((locale for locale in candidates if locale and speaks(locale, offered)), offered[0])


def language_choices() -> list[dict]:
    """Every language Packbook can offer, named in English and in itself."""
    return [{"code": code, "name": Locale.parse(code).get_display_name("en"),
             "native_name": Locale.parse(code).get_display_name(code)} for code in LANGUAGES]


# --- who emails come from ---

def sender(settings: BookingSettings, mail_from: str) -> Address:
    """The From of the shop's emails: MAIL_FROM's address, under the shop's own sender name when it has one."""
    name, address = parseaddr(mail_from)
    return Address(display_name=settings.mail_from_name or name, addr_spec=address)


# --- a test message ---

def ask_test_email(session: Session, shop_id: int, to: str, now: datetime) -> OutgoingEmail:
    """Record a test message to `to`, sent by a job like every email; asked again within a minute, the same one."""
    window = int(now.timestamp()) // TEST_EMAIL_EVERY_SECONDS
    key = f"test:{to.lower()}:{window}"[:200]
    row = session.scalar(insert_skipping_duplicates(session, OutgoingEmail, ("shop_id", "kind", "subject_key")), {
        "shop_id": shop_id, "kind": TEST_EMAIL, "subject_key": key, "recipient": to,
        "locale": "en", "status": "pending", "attempts": 0,  # for the merchant: English, like the admin
        "data": {}, "created_at": now})
    return row or session.scalar(select(OutgoingEmail).where(
        OutgoingEmail.shop_id == shop_id, OutgoingEmail.kind == TEST_EMAIL, OutgoingEmail.subject_key == key))


def latest_test_email(session: Session, shop_id: int) -> OutgoingEmail | None:
    return session.scalar(select(OutgoingEmail).where(OutgoingEmail.shop_id == shop_id,
                                                      OutgoingEmail.kind == TEST_EMAIL)
                          .order_by(OutgoingEmail.id.desc()).limit(1))


def note_test_email_sent(session: Session, shop_id: int, when: datetime) -> None:
    """The setup checklist's "a test email went out": set when the job has handed it over, not when asked."""
    booking_settings(session, shop_id).test_email_sent_at = when


# --- the booking link ---

def note_order_link_opened(session: Session, shop_id: int, now: datetime) -> None:
    """The first valid order link opened tells the checklist the snippet is in place. One UPDATE that matches
    nothing once it is set: no row is read, and no lock is taken after the first time."""
    session.execute(update(BookingSettings).where(BookingSettings.shop_id == shop_id,
                                                  BookingSettings.order_link_opened_at.is_(None))
                    .values(order_link_opened_at=now))


def booking_link(session: Session, shop: Shop, *, app_url: str, secret_key: str) -> dict:
    """The snippet for the order confirmation, where to paste it, and a signed link to the customer's page of the
    shop's latest order (None when Packbook has no order with a customer yet)."""
    link = {"snippet": SNIPPET.format(app_url=app_url), "app_url": app_url, "where": list(WHERE_TO_PASTE),
            "preview_url": None, "preview_order": None,
            "order_link_opened_at": booking_settings(session, shop.id).order_link_opened_at}
    latest = _latest_order(session, shop.id)
    if latest is not None:
        order, customer = latest
        signed = sign_customer_link(secret_key, CustomerLink(
            shop.domain, str(customer.shopify_customer_id) if customer.shopify_customer_id else None, customer.email))
        # A sign-in link, not the order link: opening the preview must not count as the snippet being pasted.
        link.update(preview_url=f"{app_url}/c/{signed}",
                    preview_order={"name": order.name, "created_at": order.created_at})
    return link


def _latest_order(session: Session, shop_id: int) -> tuple[Order, Customer] | None:
    # Shopify's order ids grow with time: the newest is the last in the (shop, order id) index, however many
    # orders the shop has (an order reconciled late still sorts where Shopify placed it).
    row = session.execute(select(Order, Customer).join(Customer, Customer.id == Order.customer_id).where(
        Order.shop_id == shop_id, Customer.shop_id == shop_id, Customer.redacted_at.is_(None),
        (Customer.shopify_customer_id.is_not(None)) | (Customer.email.is_not(None)))
        .order_by(Order.shopify_order_id.desc()).limit(1)).first()
    return None if row is None else (row[0], row[1])
