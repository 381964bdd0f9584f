"""POST /webhooks: verify the signature on the raw body, check the payload, persist the event, answer 200.

The request never talks to Redis: the worker's dispatcher (webhooks/dispatcher.py) hands stored events to rq,
woken by the NOTIFY this insert sends. With no Redis configured (the embedded default) the event is processed
right here, after it is stored."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

import db
from db import utcnow
from shopify_app.signatures import InvalidSignature, verify_webhook
from webhooks.models import EventStatus, WebhookEvent
from endpoints import json_input
from shopify_app.shop_domain import CANONICAL_SHOP
from webhooks.payloads import UnusablePayload, check_payload, without_codes
from webhooks.dispatcher import notify
from webhooks.queue import get_queue

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)

MAX_BODY_BYTES = 1024 * 1024
PROCESS_EVENT = "webhooks.jobs.process_event"


class MalformedDelivery(Exception):
    """A correctly signed delivery we cannot store; `field` names the header or body part."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Delivery:
    shop_domain: str
    topic: str
    event_id: str
    webhook_id: str | None
    api_version: str | None
    triggered_at: datetime | None
    payload: dict


@bp.post("/webhooks")
def receive():
    """Shopify's single webhook endpoint for every topic (see shopify.app.toml)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return _error(413, "body_too_large", "webhook body exceeds 1 MiB")
    body = _body_within_limit()
    if body is None:
        return _error(413, "body_too_large", "webhook body exceeds 1 MiB")
    try:
        # The signature is checked on the raw bytes before anything is parsed or stored.
        verify_webhook(body, _header("Hmac-Sha256"), current_app.config["PACKBOOK"].webhook_secrets)
        delivery = parse_delivery(body)
    except InvalidSignature:
        return _error(401, "invalid_signature", "webhook signature does not match")
    except MalformedDelivery as exc:
        return _error(400, "malformed_delivery", str(exc), field=exc.field)
    event_id = store_event(delivery)
    if event_id is None:
        return jsonify(status="duplicate"), 200
    queue = get_queue()
    if queue.inline:
        queue.enqueue(PROCESS_EVENT, event_id)  # runs now; a failure is recorded on the event for the sweep
    return jsonify(status="accepted"), 200


def _body_within_limit() -> bytes | None:
    """The raw body, or None when it is over the limit however it is framed. A chunked body has no
    Content-Length: werkzeug's stream stops at MAX_CONTENT_LENGTH and raises on the byte after it."""
    try:
        body = request.stream.read(MAX_BODY_BYTES + 1)
        over = len(body) > MAX_BODY_BYTES or (len(body) == MAX_BODY_BYTES and request.stream.read(1))
    except RequestEntityTooLarge:
        return None
    return None if over else body


def _header(name: str) -> str | None:
    # Header names are case-insensitive; the newer "Events" deliveries drop the X- prefix.
    return request.headers.get(f"X-Shopify-{name}") or request.headers.get(f"Shopify-{name}")


def parse_delivery(body: bytes) -> Delivery:
    """Turn a verified request into a Delivery, or raise MalformedDelivery naming the bad part."""
    topic = _checked_header("Topic", _TOPIC, "a topic such as orders/paid")
    shop = _checked_header("Shop-Domain", CANONICAL_SHOP, "a shop domain such as example.myshopify.com")
    webhook_id = _checked_header("Webhook-Id", _TOKEN, "an id of up to 255 characters", required=False)
    event_id = _checked_header("Event-Id", _TOKEN, "an id of up to 255 characters", required=False) or webhook_id
    if not event_id:
        raise MalformedDelivery("X-Shopify-Event-Id", "X-Shopify-Event-Id (or X-Shopify-Webhook-Id) is missing")
    api_version = _checked_header("API-Version", _API_VERSION, "a version such as 2026-10", required=False)
    payload = _parse_payload(body)
    try:
        check_payload(topic, payload)
    except UnusablePayload as exc:
        raise MalformedDelivery(exc.field, exc.message) from None
    return Delivery(shop, topic, event_id, webhook_id, api_version,
                    _parse_triggered_at(_header("Triggered-At")), without_codes(topic, payload))


# Each header is taken exactly as Shopify sends it and no other way: nothing is normalised into shape, so
# "localhost", "https://x.myshopify.com" or "x.myshopify.com/admin" are refused rather than guessed at.
# Every length fits its column.
_TOPIC = re.compile(r"[a-z0-9_]{1,48}/[a-z0-9_]{1,48}")
_TOKEN = re.compile(r"[A-Za-z0-9._:/+=-]{1,255}")
_API_VERSION = re.compile(r"[0-9]{4}-[0-9]{2}|unstable")


def _checked_header(name: str, pattern: re.Pattern, says: str, *, required: bool = True) -> str | None:
    value = _header(name)
    if value is None and not required:
        return None
    if value is None or not pattern.fullmatch(value):
        raise MalformedDelivery(f"X-Shopify-{name}", f"X-Shopify-{name} must be {says}")
    return value


def _parse_payload(body: bytes) -> dict:
    try:
        # Python ints keep full precision: Shopify ids exceed 2^53.
        payload = json_input.parse(body)
    except json_input.RefusedJson as exc:
        raise MalformedDelivery("body", str(exc)) from None
    if not isinstance(payload, dict):
        raise MalformedDelivery("body", "body must be a JSON object")
    # A customer's note may hold NUL, which PostgreSQL's JSON column cannot store: keep the rest of the text.
    return json_input.without_nul(payload) if b"\\u0000" in body else payload


def _parse_triggered_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        # Shopify sends nanoseconds ("...18:00:27.877041743Z"); Python keeps microseconds.
        head, _, frac = value.rstrip("Z").partition(".")
        stamp = datetime.fromisoformat(head + (f".{frac[:6]}" if frac else "") + "+00:00")
    except ValueError:
        raise MalformedDelivery("X-Shopify-Triggered-At", "X-Shopify-Triggered-At is not an ISO 8601 time") from None
    return stamp


def store_event(delivery: Delivery) -> int | None:
    """Insert the event once, pending; a repeat of (shop, event id) inserts nothing and returns None."""
    session = db.session()
    values = dict(shop_domain=delivery.shop_domain, topic=delivery.topic, event_id=delivery.event_id,
                  webhook_id=delivery.webhook_id, api_version=delivery.api_version,
                  triggered_at=delivery.triggered_at, received_at=utcnow(), payload=delivery.payload,
                  status=EventStatus.PENDING.value, attempts=0, enqueued_at=None)
    statement = _INSERT_ONCE[session.bind.dialect.name]  # config allows only these two
    new_id = session.execute(statement, values).scalar_one_or_none()
    if new_id is not None:
        notify(session)  # delivered with the commit: a dispatcher wakes once the row is visible
    session.commit()
    return new_id


# Built once: the hot path only binds values. ON CONFLICT DO NOTHING keeps concurrent
# duplicates from raising or aborting a transaction; RETURNING tells a new row from a repeat.
_EVENTS = WebhookEvent.__table__
_INSERT_ONCE = {
    "postgresql": pg_insert(_EVENTS).on_conflict_do_nothing(index_elements=["shop_domain", "event_id"])
    .returning(_EVENTS.c.id),
    "sqlite": sqlite_insert(_EVENTS).on_conflict_do_nothing(index_elements=["shop_domain", "event_id"])
    .returning(_EVENTS.c.id),
}


def _error(status: int, code: str, message: str, field: str | None = None) -> Response:
    body = {"error": message, "code": code}
    if field:
        body["field"] = field
    return jsonify(body), status
