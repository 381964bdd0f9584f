"""rq jobs: one handler per topic. Each loads the event and shop and calls one use case."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from booking.models import BookingSettings
from db import describe_error, get_db, traceback_lines, utcnow
from shopify_app.models import Shop
from webhooks import compliance, memberships, orders, shops
from webhooks.models import EventStatus, WebhookEvent
from webhooks.queue import SWEEP_INTERVAL, get_queue

log = logging.getLogger(__name__)

Handler = Callable[[Session, Shop, WebhookEvent], EventStatus]

# Compliance and uninstall topics arrive after the shop has uninstalled (shop/redact comes
# 48 hours later), so they run for any known shop; every other topic needs an installed one.
HANDLERS: dict[str, Handler] = {
    "app/uninstalled": shops.handle_uninstalled,
    "app/scopes_update": shops.handle_scopes_update,
    "customers/data_request": compliance.handle_data_request,
    "customers/redact": compliance.handle_customer_redact,
    "shop/redact": compliance.handle_shop_redact,
    "orders/create": orders.handle_order_created,
    "orders/updated": orders.handle_order_created,
    "orders/paid": orders.handle_order_paid,
    "orders/cancelled": orders.handle_order_cancelled,
    "refunds/create": orders.handle_refund,
    "gift_cards/create": orders.handle_gift_card,
    "gift_cards/update": orders.handle_gift_card,
    "subscription_contracts/create": memberships.handle_contract_started,
    "subscription_contracts/activate": memberships.handle_contract_started,
    "subscription_billing_attempts/success": memberships.handle_billing_success,
    "subscription_contracts/pause": memberships.handle_contract_stopped,
    "subscription_contracts/cancel": memberships.handle_contract_stopped,
    "subscription_contracts/expire": memberships.handle_contract_stopped,
    "subscription_contracts/fail": memberships.handle_contract_failed,
    "customers/update": memberships.handle_customer_update,
}
RUN_FOR_UNINSTALLED_SHOPS = {"app/uninstalled", "customers/data_request", "customers/redact", "shop/redact"}
FINAL_STATUSES = {EventStatus.DONE.value, EventStatus.SKIPPED.value, EventStatus.UNHANDLED.value}


class EventFailed(Exception):
    """Raised so rq retries; the event row already records the error."""


def process_event(event_id: int) -> str:
    """Process one stored webhook event exactly once, however often it is delivered or enqueued."""
    database = get_db()
    try:
        with database.transaction() as session:
            return _process_locked(session, event_id)
    except Exception as exc:
        _record_failure(event_id, exc)
        # Logged and raised without the error's own text or chain: a database error's text can quote the row.
        log.error("webhook event %s failed: %s\n%s", event_id, describe_error(exc), traceback_lines(exc))
        raise EventFailed(f"webhook event {event_id} failed: {type(exc).__name__}") from None


# The row lock serializes two workers that got the same event (sweep + retry, say). The shop and
# its booking settings come in the same round trip, unlocked. Built once: a job only binds the id.
_EVENT_AND_SHOP = (select(WebhookEvent, Shop, BookingSettings)
                   .outerjoin(Shop, Shop.domain == WebhookEvent.shop_domain)
                   .outerjoin(BookingSettings, BookingSettings.shop_id == Shop.id)
                   .where(WebhookEvent.id == bindparam("event_id")).with_for_update(of=WebhookEvent))


def _process_locked(session: Session, event_id: int) -> str:
    found = session.execute(_EVENT_AND_SHOP, {"event_id": event_id}).first()
    if found is None:
        log.warning("webhook event %s no longer exists (shop redacted?)", event_id)
        return "missing"
    # Holding `settings` keeps it in the session's identity map, so a handler's booking_settings()
    # needs no query of its own.
    event, shop, settings = found
    if event.status in FINAL_STATUSES:
        return event.status
    status = _dispatch(session, event, shop)
    event.status = status.value
    event.attempts += 1
    event.processed_at = utcnow()
    event.last_error = None
    return status.value


def _dispatch(session: Session, event: WebhookEvent, shop: Shop | None) -> EventStatus:
    handler = HANDLERS.get(event.topic)
    if handler is None:
        return EventStatus.UNHANDLED  # kept, not dropped: a later release may replay it
    if shop is None or (not shop.is_installed and event.topic not in RUN_FOR_UNINSTALLED_SHOPS):
        log.info("skipping %s for %s: shop unknown or uninstalled", event.topic, event.shop_domain)
        return EventStatus.SKIPPED
    return handler(session, shop, event)


def _record_failure(event_id: int, exc: Exception) -> None:
    with get_db().transaction() as session:
        event = session.get(WebhookEvent, event_id)
        if event is not None:
            event.status = EventStatus.FAILED.value
            event.attempts += 1
            event.last_error = describe_error(exc)


def sweep(now: datetime | None = None) -> int:
    """Hand every pending event to the queue, after putting back those whose job was lost; returns how many
    went out. The worker's dispatcher does this continuously; this is the same pass, on demand. Inline (no
    Redis), each pending event is run here and now."""
    from webhooks.dispatcher import PROCESS_EVENT, dispatch_all, recover_lost

    queue = get_queue()
    if queue.inline:
        with get_db().transaction() as session:
            pending = session.scalars(select(WebhookEvent.id).where(
                WebhookEvent.status == EventStatus.PENDING.value).order_by(WebhookEvent.id)).all()
        for event_id in pending:
            queue.enqueue(PROCESS_EVENT, event_id)
        return len(pending)
    recover_lost(queue, now)
    return dispatch_all(queue)


EXPIRY_INTERVAL = 15 * 60


def periodic_sweep() -> None:
    """A worker's maintenance tasks; Redis locks keep N workers from all doing the same one."""
    queue = get_queue()
    if queue.acquire_lock("sweep", ttl=SWEEP_INTERVAL - 5):
        count = sweep()
        if count:
            log.info("sweep re-enqueued %d webhook events", count)
    if queue.acquire_lock("expire-packages", ttl=EXPIRY_INTERVAL):
        expire_packages()
    if queue.acquire_lock("reminders", ttl=SWEEP_INTERVAL - 5):
        ask_due_emails()
        release_lapsed_holds()
    minutes = current_app.config["PACKBOOK"].reconcile_minutes
    if minutes and not queue.inline and queue.acquire_lock("reconcile", ttl=minutes * 60):
        from webhooks.reconcile import schedule_reconciliation

        log.info("scheduled reconciliation for %d shops", schedule_reconciliation())


def release_lapsed_holds(now: datetime | None = None, *, shop_id: int | None = None) -> int:
    """Checkout holds whose time ran out become expired, everywhere or in one shop (bookings also release them
    as they go)."""
    from booking.bookings import release_lapsed_holds as release
    from booking.models import Resource

    with get_db().transaction() as session:
        resource_ids = None if shop_id is None else session.scalars(
            select(Resource.id).where(Resource.shop_id == shop_id)).all()
        return release(session, now or utcnow(), resource_ids=resource_ids)


def ask_due_emails(now: datetime | None = None, *, shop_id: int | None = None) -> int:
    """Reminders and expiry warnings that are due (everywhere or in one shop); the dispatcher then sends them
    like any other email."""
    from booking.notifications import ask_due

    with get_db().transaction() as session:
        count = ask_due(session, now or utcnow(), shop_id=shop_id)
    if count:
        log.info("asked for %d reminder and expiry emails", count)
    return count


def expire_packages(now: datetime | None = None, *, shop_id: int | None = None) -> int:
    """Write `expire` entries for what is left on lapsed packages, and grant tag memberships' new periods
    (everywhere or in one shop)."""
    from booking.accounts import expire_lapsed
    from booking.memberships import grant_due_periods

    with get_db().transaction() as session:
        count = expire_lapsed(session, now or utcnow(), shop_id=shop_id)
        grant_due_periods(session, now or utcnow(), shop_id=shop_id)
    if count:
        log.info("expired %d lapsed packages", count)
    return count
