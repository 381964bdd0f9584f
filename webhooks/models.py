"""Webhook deliveries as received, the customer-privacy requests they carry, and reconciliations run on demand."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, BigId, JSONType, UTCDateTime, utcnow


class EventStatus(str, enum.Enum):
    PENDING = "pending"        # stored, not yet handed to a worker (e.g. Redis was down)
    QUEUED = "queued"          # handed to the queue
    PROCESSING = "processing"  # a worker has started it
    DONE = "done"
    FAILED = "failed"          # the last attempt raised; rq retries until its budget is spent
    SKIPPED = "skipped"        # nothing to do: unknown or uninstalled shop
    UNHANDLED = "unhandled"    # no handler for this topic yet; kept so it can be replayed later


class WebhookEvent(Base):
    __tablename__ = "webhook_events"
    __table_args__ = (
        # Shopify delivers at least once: the same event id for a shop is stored only once.
        UniqueConstraint("shop_domain", "event_id"),
        Index("ix_webhook_events_status_received_at", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_domain: Mapped[str] = mapped_column(String(255))
    topic: Mapped[str] = mapped_column(String(100))
    event_id: Mapped[str] = mapped_column(String(255))
    webhook_id: Mapped[str | None] = mapped_column(String(255))
    api_version: Mapped[str | None] = mapped_column(String(20))
    triggered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(20), default=EventStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<WebhookEvent {self.id} {self.shop_domain} {self.topic} {self.status}>"


class PrivacyRequest(Base):
    """A customers/data_request or customers/redact received from Shopify, and its outcome."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_shop_id_created_at", "shop_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # data_request | redact
    shopify_request_id: Mapped[str | None] = mapped_column(String(64))
    customer_id: Mapped[str | None] = mapped_column(String(64))
    # The export itself: what the merchant downloads and hands to the customer.
    export: Mapped[dict | None] = mapped_column(JSONType)
    summary: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReconcileRun(Base):
    """A reconciliation a merchant started from the admin, and how far it has got (the page polls it)."""

    __tablename__ = "reconcile_runs"
    __table_args__ = (Index("ix_reconcile_runs_shop_id_created_at", "shop_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    done: Mapped[int] = mapped_column(Integer, default=0)  # orders applied so far
    total: Mapped[int | None] = mapped_column(Integer)  # orders Shopify counted, once it has answered
    summary: Mapped[dict | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
