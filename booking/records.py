"""What customers own and do: customers, entitlements, the append-only ledger, bookings, activity."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from db import Base, BigId, JSONType, UTCDateTime, utcnow
import booking.models  # noqa: F401  (the tables these rows refer to)

SHOP_FK = dict(ondelete="CASCADE")
BOOKING_STATUSES = ("held", "confirmed", "completed", "cancelled", "no_show", "expired")
# States that occupy the resource's time; cancelled and lapsed holds free it.
OCCUPYING_STATUSES = ("held", "confirmed", "completed", "no_show")


class Customer(Base):
    """A shop's customer: keyed by Shopify customer id, or by email for a guest checkout."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_customer_id"),
                      Index("ix_customers_shop_id_email", "shop_id", "email"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    shopify_customer_id: Mapped[int | None] = mapped_column(BigInteger)  # ids exceed 2^53
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entitlement(Base):
    """A customer's package, with the plan terms frozen at purchase or assignment."""

    __tablename__ = "entitlements"
    __table_args__ = (
        # Shopify delivers at least once: one entitlement per unit of an order line, ever.
        UniqueConstraint("shop_id", "order_id", "line_item_id", "unit_index"),
        # A membership's allowance is granted once per period.
        UniqueConstraint("membership_id", "starts_at"),
        CheckConstraint("status IN ('active', 'expired', 'revoked')", name="status_known"),
        Index("ix_entitlements_customer_id_status", "customer_id", "status"),
        Index("ix_entitlements_shop_id_status_expires_at", "shop_id", "status", "expires_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    terms: Mapped[dict] = mapped_column(JSONType)
    source: Mapped[str] = mapped_column(String(20))  # order | staff
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    line_item_id: Mapped[int | None] = mapped_column(BigInteger)
    unit_index: Mapped[int | None] = mapped_column(Integer)
    price_paid: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    membership_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Running sums of the ledger, kept by accounts.write_entry (the one way entries are written): what is left
    # and what was granted. Reports over a shop's 100,000 packages add these up instead of replaying a million
    # entries; the ledger stays the truth (tests check the two agree).
    unit: Mapped[str | None] = mapped_column(String(10))  # the terms' unit (sessions ... unlimited), for reports
    balance: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0), server_default="0")
    granted: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0), server_default="0")


class LedgerEntry(Base):
    """One append-only change to an entitlement's balance; balances are sums of these."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("kind IN ('grant', 'redeem', 'restore', 'forfeit', 'adjust', 'expire', 'revoke', 'undo')",
                        name="kind_known"),
        Index("ix_ledger_entries_entitlement_id", "entitlement_id"),
        # Reports read a shop's entries by date (redemptions over time) and by booking (late cancellations).
        Index("ix_ledger_entries_shop_id_created_at", "shop_id", "created_at"),
        Index("ix_ledger_entries_booking_id", "booking_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlements.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    unit: Mapped[str] = mapped_column(String(10))
    service_id: Mapped[int | None] = mapped_column(Integer)
    booking_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(100))  # system | staff:<user id> | customer:<id>
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Booking(Base):
    """A session on a resource. Never deleted: cancellation is a state the credit depends on."""

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("status IN ('held', 'confirmed', 'completed', 'cancelled', 'no_show', 'expired')",
                        name="status_known"),
        Index("ix_bookings_resource_id_starts_at", "resource_id", "starts_at"),
        Index("ix_bookings_customer_id_starts_at", "customer_id", "starts_at"),
        Index("ix_bookings_shop_id_starts_at", "shop_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The session plus its buffers: what the PostgreSQL exclusion constraint compares.
    blocked_start: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_end: Mapped[datetime] = mapped_column(UTCDateTime)
    exclusive: Mapped[bool] = mapped_column(Boolean, default=True)  # capacity-1 service
    status: Mapped[str] = mapped_column(String(10), default="confirmed")
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    group_id: Mapped[str | None] = mapped_column(String(36), index=True)
    source: Mapped[str] = mapped_column(String(20))  # package | membership | paid_checkout | staff
    entitlement_id: Mapped[int | None] = mapped_column(ForeignKey("entitlements.id", ondelete="SET NULL"))
    redeemed_quantity: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    created_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ActivityLog(Base):
    """Who did what to a customer's packages and bookings, why, and what changed."""

    __tablename__ = "activity_log"
    __table_args__ = (Index("ix_activity_log_shop_id_created_at", "shop_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str | None] = mapped_column(Text)
    before: Mapped[dict | None] = mapped_column(JSONType)
    after: Mapped[dict | None] = mapped_column(JSONType)
    attention: Mapped[bool] = mapped_column(Boolean, default=False)  # shown in the admin's attention list
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An attention item leaves the list once a merchant marks it handled; the row itself stays.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100))
    resolution_note: Mapped[str | None] = mapped_column(Text)


class Order(Base):
    """A Shopify order as Packbook saw it: enough to find it from the booking link and to grant once."""

    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("shop_id", "shopify_order_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    shopify_order_id: Mapped[int] = mapped_column(BigInteger)  # ids exceed 2^53
    name: Mapped[str | None] = mapped_column(String(50))
    confirmation_number: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(320))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="SET NULL"))
    financial_status: Mapped[str | None] = mapped_column(String(30))
    lines: Mapped[list] = mapped_column(JSONType, default=list)  # [{line_item_id, variant_id, quantity, plan_id}]
    shopify_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OrderRefund(Base):
    """A refund or cancellation, kept even when it arrives before the order is paid, applied once."""

    __tablename__ = "order_refunds"
    __table_args__ = (UniqueConstraint("shop_id", "refund_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    shopify_order_id: Mapped[int] = mapped_column(BigInteger, index=True)
    refund_key: Mapped[str] = mapped_column(String(100))  # the refund id, or "cancel:<order id>"
    quantities: Mapped[dict] = mapped_column(JSONType)  # {line item id: quantity}, or {"*": "all"}
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrepaidBalance(Base):
    """A prepaid balance bought as a gift-card product: one per purchased unit, linked to its card."""

    __tablename__ = "prepaid_balances"
    __table_args__ = (UniqueConstraint("shop_id", "order_id", "line_item_id", "unit_index"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    order_id: Mapped[int] = mapped_column(BigInteger)
    line_item_id: Mapped[int] = mapped_column(BigInteger)
    unit_index: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    gift_card_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GiftCard(Base):
    """What Shopify last told us about a gift card. Never the full code: only its last characters."""

    __tablename__ = "gift_cards"
    __table_args__ = (UniqueConstraint("shop_id", "gift_card_id"),
                      Index("ix_gift_cards_shop_id_order_id", "shop_id", "order_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    gift_card_id: Mapped[int] = mapped_column(BigInteger)
    order_id: Mapped[int | None] = mapped_column(BigInteger)
    line_item_id: Mapped[int | None] = mapped_column(BigInteger)
    last_characters: Mapped[str | None] = mapped_column(String(8))
    balance: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    expires_on: Mapped[date | None] = mapped_column(Date)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    balance_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shopify_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """Access for a period, from a purchase, a Shopify subscription contract or a customer tag."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("shop_id", "source", "source_ref"),
                      Index("ix_memberships_customer_id", "customer_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(20))  # order | subscription | tag
    source_ref: Mapped[str] = mapped_column(String(100))  # order line unit, contract id, or tag
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | paused | cancelled | expired
    period_unit: Mapped[str] = mapped_column(String(6))  # day | week | month | year
    period_count: Mapped[int] = mapped_column(Integer, default=1)
    paid_through: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: open-ended (tag)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a billing attempt failed
    last_billing_key: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class OutgoingEmail(Base):
    """A message Packbook owes someone, sent once: (shop, kind, key) is unique, so a retried job or a second
    worker finds it sent. `data` holds the ids the message is built from, never its text."""

    __tablename__ = "outgoing_emails"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "subject_key"),
                      Index("ix_outgoing_emails_status_created_at", "status", "created_at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    kind: Mapped[str] = mapped_column(String(30))  # booking_confirmation | booking_cancelled | ...
    subject_key: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(320))
    locale: Mapped[str] = mapped_column(String(20), default="en")
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

