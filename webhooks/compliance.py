"""Mandatory privacy topics: export a customer's data, redact a customer, delete a shop."""
from __future__ import annotations

from typing import Any, Iterator

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from booking.privacy import export_customer, redact_customer
from db import utcnow
from shopify_app.models import Shop
from webhooks.models import EventStatus, PrivacyRequest, WebhookEvent

# Keys whose values identify a person, wherever they appear in a stored payload.
PERSONAL_KEYS = frozenset({
    "email", "contact_email", "phone", "first_name", "last_name", "company", "note",
    "billing_address", "shipping_address", "addresses", "default_address", "address1",
    "address2", "city", "zip", "latitude", "longitude", "browser_ip", "client_details",
    "customer_locale", "landing_site", "referring_site", "name_on_card", "recipient",
    "note_attributes", "properties",
})
REDACTED = "[redacted]"


def handle_data_request(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """Build a JSON export of everything stored about the customer, for the merchant to download."""
    subject = _Subject.from_payload(event.payload)
    export = {
        "shop": shop.domain,
        "generated_at": utcnow().isoformat(),
        "customer": {"id": subject.customer_id, "email": subject.email},
        "webhook_events": [_export_event(e) for e in _events_about(session, shop, subject, event)],
        "booking_records": export_customer(session, shop.id, subject.customer_id, subject.email),
    }
    session.add(PrivacyRequest(
        shop_id=shop.id, kind="data_request", customer_id=subject.customer_id, export=export,
        shopify_request_id=_str((event.payload.get("data_request") or {}).get("id")),
        summary={"webhook_events": len(export["webhook_events"]),
                 "booking_records": len(export["booking_records"])}))
    event.payload = scrub(event.payload)
    return EventStatus.DONE


def handle_customer_redact(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """Erase the customer's personal data, keeping the non-personal rows accounting needs."""
    subject = _Subject.from_payload(event.payload)
    redacted = 0
    for stored in list(_events_about(session, shop, subject, event)):
        stored.payload = scrub(stored.payload)
        redacted += 1
    for earlier in session.scalars(select(PrivacyRequest).where(
            PrivacyRequest.shop_id == shop.id, PrivacyRequest.customer_id == subject.customer_id,
            PrivacyRequest.export.is_not(None))):
        earlier.export = None  # an earlier export is itself a copy of the personal data
    customers = redact_customer(session, shop.id, subject.customer_id, subject.email)
    session.add(PrivacyRequest(shop_id=shop.id, kind="redact", customer_id=subject.customer_id,
                               summary={"webhook_events": redacted, "customers": customers}))
    event.payload = scrub(event.payload)
    return EventStatus.DONE


def handle_shop_redact(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """Delete everything Packbook stores about the shop (sent 48 hours after uninstall)."""
    if shop.is_installed:
        return EventStatus.SKIPPED  # reinstalled since: Shopify would not have sent it
    session.execute(delete(WebhookEvent).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.id != event.id))
    session.delete(shop)  # shop-owned tables cascade from shops.id
    return EventStatus.DONE


class _Subject:
    def __init__(self, customer_id: str | None, email: str | None, order_ids: set[str]):
        self.customer_id, self.email, self.order_ids = customer_id, email, order_ids

    @classmethod
    def from_payload(cls, payload: dict) -> "_Subject":
        customer = payload.get("customer") or {}
        orders = payload.get("orders_requested") or payload.get("orders_to_redact") or []
        email = (customer.get("email") or "").strip().lower() or None
        return cls(_str(customer.get("id")), email, {str(o) for o in orders})

    def concerns(self, payload: dict) -> bool:
        customer = payload.get("customer") if isinstance(payload.get("customer"), dict) else {}
        ids = {_str(customer.get("id")), _str(payload.get("customer_id"))}
        emails = {(payload.get(k) or "").strip().lower() for k in ("email", "contact_email")}
        emails.add((customer.get("email") or "").strip().lower())
        return (self.customer_id in ids and self.customer_id is not None) \
            or (self.email is not None and self.email in emails) \
            or _str(payload.get("id")) in self.order_ids or _str(payload.get("order_id")) in self.order_ids


def _events_about(session: Session, shop: Shop, subject: _Subject, current: WebhookEvent) -> Iterator[WebhookEvent]:
    # Payloads are JSON of varied shapes, so matching happens here rather than in SQL; it
    # streams in batches because a shop may have many events. Compliance requests are rare.
    query = select(WebhookEvent).where(
        WebhookEvent.shop_domain == shop.domain, WebhookEvent.id != current.id,
        WebhookEvent.topic.not_in(("customers/data_request", "customers/redact", "shop/redact")),
    ).order_by(WebhookEvent.id).execution_options(yield_per=500)
    for stored in session.scalars(query):
        if subject.concerns(stored.payload or {}):
            yield stored


def _export_event(event: WebhookEvent) -> dict:
    return {"topic": event.topic, "received_at": event.received_at.isoformat(), "payload": event.payload}


def scrub(value: Any) -> Any:
    """A copy of a payload with personal values replaced; ids and amounts are kept."""
    if isinstance(value, dict):
        return {k: (REDACTED if k in PERSONAL_KEYS and v not in (None, "", [], {}) else scrub(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def _str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
