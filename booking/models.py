"""What merchants configure: booking settings, services, resources (staff, rooms) and plans."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric, String, Table, Column,
                        Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from db import Base, JSONType, UTCDateTime, utcnow

# Shop-owned rows cascade from shops.id, so shop/redact deletes them with the shop.
SHOP_FK = dict(ondelete="CASCADE")

resource_services = Table(
    "resource_services", Base.metadata,
    Column("resource_id", ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


class BookingSettings(Base):
    """Per-shop booking rules; the time zone starts as the shop's own, taken from Shopify."""

    __tablename__ = "booking_settings"

    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    slot_interval_minutes: Mapped[int] = mapped_column(Integer, default=30)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=120)
    horizon_days: Mapped[int] = mapped_column(Integer, default=60)
    cancel_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    reschedule_cutoff_hours: Mapped[int] = mapped_column(Integer, default=24)
    hold_minutes: Mapped[int] = mapped_column(Integer, default=15)
    # Grant on orders/create when the order is already paid then, instead of waiting for orders/paid.
    grant_on_create: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false())
    # Units one order line may grant unattended; a larger line is held for the merchant (a typo or an attack
    # would otherwise make thousands of packages in one job).
    max_units_per_line: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    # Hours before a session that its reminder email goes out; 0: no reminders.
    reminder_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # Shopify staff user ids (the session token's `sub`) who may undo a redemption and name managers.
    # Empty until someone names the first; Shopify's own app permissions decide who opens the app at all.
    manager_user_ids: Mapped[list | None] = mapped_column(JSONType, default=list)
    # Emails: the sender's name customers see, and where their replies go (MAIL_FROM stays the address).
    mail_from_name: Mapped[str | None] = mapped_column(String(100))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    # Languages the customer pages and emails offer; the first is used when nothing else decides.
    languages: Mapped[list | None] = mapped_column(JSONType)
    # The setup checklist's facts that leave no other trace.
    order_link_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a booking link from an order email
    test_email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Service(Base):
    __tablename__ = "services"
    __table_args__ = (CheckConstraint("capacity >= 1", name="capacity_positive"),
                      CheckConstraint("duration_minutes > 0", name="duration_positive"),
                      Index("ix_services_shop_id", "shop_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    name: Mapped[str] = mapped_column(String(200))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    buffer_before_minutes: Mapped[int] = mapped_column(Integer, default=0)
    buffer_after_minutes: Mapped[int] = mapped_column(Integer, default=0)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    price: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str | None] = mapped_column(String(3))
    shopify_variant_id: Mapped[str | None] = mapped_column(String(100))
    members_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Archived rather than deleted: past bookings and ledger entries still refer to it.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Resource(Base):
    """A member of staff or a room, with weekly hours and the services it can perform."""

    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_shop_id", "shop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    name: Mapped[str] = mapped_column(String(200))
    weekly_hours: Mapped[dict] = mapped_column(JSONType, default=dict)  # {"mon": [["09:00","17:00"]], ...}
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    services: Mapped[list[Service]] = relationship(secondary=resource_services, lazy="selectin")
    exceptions: Mapped[list["ResourceException"]] = relationship(
        back_populates="resource", cascade="all, delete-orphan", lazy="selectin")


class ResourceException(Base):
    """Dated time off ("closed") or extra hours ("open") for one resource."""

    __tablename__ = "resource_exceptions"
    __table_args__ = (CheckConstraint("kind IN ('closed', 'open')", name="kind_known"),
                      CheckConstraint("ends_at > starts_at", name="ends_after_start"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    resource: Mapped[Resource] = relationship(back_populates="exceptions")


class Plan(Base):
    """A package merchants sell. `terms` is the current PlanTerms JSON; purchases snapshot it."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_shop_id", "shop_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    title: Mapped[str] = mapped_column(String(200))
    # "package": sessions/minutes/money/unlimited kept in Packbook's ledger. "prepaid_balance": a
    # Shopify gift-card product; Shopify holds the balance and Packbook links the card to the buyer.
    kind: Mapped[str] = mapped_column(String(20), default="package", server_default="package")
    # Membership plans only: a customer tag (set by another membership app) that makes a member.
    member_tag: Mapped[str | None] = mapped_column(String(255))
    # Membership plans only: the members-only services this membership opens (a list of service ids);
    # None opens every members-only service in the shop.
    unlocks_service_ids: Mapped[list | None] = mapped_column(JSONType)
    terms: Mapped[dict] = mapped_column(JSONType)
    not_for_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    variants: Mapped[list["PlanVariant"]] = relationship(back_populates="plan", cascade="all, delete-orphan")
    selling_plans: Mapped[list["PlanSellingPlan"]] = relationship(back_populates="plan",
                                                                  cascade="all, delete-orphan")

    def unlocks(self, service_id: int) -> bool:
        """Whether a membership of this plan opens a members-only service."""
        return self.unlocks_service_ids is None or service_id in self.unlocks_service_ids


class PlanVariant(Base):
    """A Shopify product variant that grants a plan; one variant maps to at most one plan."""

    __tablename__ = "plan_variants"
    __table_args__ = (UniqueConstraint("shop_id", "variant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[str] = mapped_column(String(100))  # numeric id as text: ids exceed 2^53
    units_per_item: Mapped[int] = mapped_column(Integer, default=1)
    # The variant's product, recorded when mapped, so a subscription contract for another variant or
    # a later edit of the same product can still find its membership plan. None on older mappings.
    product_id: Mapped[str | None] = mapped_column(String(100))
    plan: Mapped[Plan] = relationship(back_populates="variants")


class PlanSellingPlan(Base):
    """A Shopify selling plan (a subscription option such as "Monthly") whose contracts start a membership plan."""

    __tablename__ = "plan_selling_plans"
    __table_args__ = (UniqueConstraint("shop_id", "selling_plan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", **SHOP_FK))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    selling_plan_id: Mapped[str] = mapped_column(String(100))  # numeric id as text
    name: Mapped[str | None] = mapped_column(String(255))  # as Shopify named it when mapped
    plan: Mapped[Plan] = relationship(back_populates="selling_plans")
