"""Shop life-cycle topics: app/uninstalled and app/scopes_update."""
from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from shopify_app.models import Shop
from webhooks.models import EventStatus, WebhookEvent

log = logging.getLogger(__name__)


def event_time(event: WebhookEvent):
    """When Shopify says the event happened; retries carry the original payload and time."""
    return event.triggered_at or event.received_at


def handle_uninstalled(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """Mark the shop uninstalled and delete its tokens; repeats and stale deliveries are no-ops."""
    at = event_time(event)
    if shop.installed_at is not None and at < shop.installed_at:
        # Delivered late, after the merchant reinstalled: it must not undo the new install.
        log.info("ignoring stale app/uninstalled for %s", shop.domain)
        return EventStatus.SKIPPED
    if shop.uninstalled_at is None:
        shop.uninstalled_at = at
    shop.forget_tokens()
    return EventStatus.DONE


def handle_scopes_update(session: Session, shop: Shop, event: WebhookEvent) -> EventStatus:
    """Record the scopes the merchant has now granted."""
    current = event.payload.get("current")
    if not isinstance(current, list):
        raise ValueError("app/scopes_update payload has no 'current' list")
    shop.scopes = ",".join(sorted(str(s) for s in current))
    return EventStatus.DONE
