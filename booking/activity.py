"""Reading the activity log: a package's history, and the shop's attention list (what a merchant must look at:
credit refunded after it was used, a membership whose billing failed, a booking stranded outside its resource's
hours, a paid order line that could not be granted) until someone marks each item handled; and the whole log,
filtered and paged, for the admin's Activity and health page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from booking.errors import InvalidTransition, NotFound, ValidationFailed
from booking.records import ActivityLog, Booking, Customer, Entitlement, Order

MAX_LISTED = 200
MAX_NOTE = 2000
PAGE = 50
# Every action the use cases write to the log (the admin's "What" filter offers these).
KINDS = ("assign", "adjust", "revoke", "refund", "undo_redemption", "billing_failed", "line_not_granted",
         "paid_hold_not_booked", "booking_stranded")


@dataclass(frozen=True)
class Item:
    """An activity row with the package, booking and customer it concerns, as the merchant reads them."""

    row: ActivityLog
    package_id: int | None
    package_title: str | None
    customer: Customer | None
    booking: Booking | None = None
    order: Order | None = None


def attention_list(session: Session, shop_id: int, *, include_resolved: bool = False) -> list[Item]:
    """Open items, newest first (handled ones too when asked), at most MAX_LISTED."""
    query = _items(shop_id).where(ActivityLog.attention.is_(True))
    if not include_resolved:
        query = query.where(ActivityLog.resolved_at.is_(None))
    return _read(session, query.order_by(ActivityLog.created_at.desc(), ActivityLog.id.desc()).limit(MAX_LISTED))


def package_activity(session: Session, shop_id: int, entitlement_id: int) -> list[Item]:
    """Everything that happened to one package, oldest first."""
    return _read(session, _items(shop_id).where(ActivityLog.subject_type == "entitlement",
                                                ActivityLog.subject_id == entitlement_id)
                 .order_by(ActivityLog.created_at, ActivityLog.id))


def resolve(session: Session, shop_id: int, item_id: int, *, note, actor: str, now: datetime) -> Item:
    """Mark an attention item handled, with an optional note; it leaves the list but stays in the log."""
    if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
        raise ValidationFailed(f"note is text of up to {MAX_NOTE} characters", field="note")
    found = _read(session, _items(shop_id).where(ActivityLog.id == item_id, ActivityLog.attention.is_(True))
                  .with_for_update(of=ActivityLog))
    if not found:
        raise NotFound(f"no attention item {item_id} in this shop")
    row = found[0].row
    if row.resolved_at is not None:
        raise InvalidTransition(f"attention item {item_id} was already marked handled by {row.resolved_by}")
    row.resolved_at, row.resolved_by, row.resolution_note = now, actor, (note or "").strip() or None
    session.flush()
    return found[0]


@dataclass(frozen=True)
class LogFilter:
    """Which rows of the log to read; each given filter narrows it."""

    customer_id: int | None = None  # Shopify's customer id
    entitlement_id: int | None = None  # a package, or a booking it paid for
    actor: str | None = None  # "staff" (everyone on staff), or one exactly ("staff:42", "system:refund")
    kind: str | None = None  # one of KINDS


def log_page(session: Session, shop_id: int, filters: LogFilter, *, before: int | None = None,
             size: int = PAGE) -> tuple[list[Item], int | None]:
    """A page of the shop's activity log, newest first, and the id to read the next (older) page before."""
    if filters.kind is not None and filters.kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}", field="kind")
    query = _items(shop_id)
    if filters.customer_id is not None:
        query = query.where(Customer.shopify_customer_id == filters.customer_id)
    if filters.entitlement_id is not None:
        query = query.where(Entitlement.id == filters.entitlement_id)
    if filters.actor:
        query = query.where(or_(ActivityLog.actor == filters.actor,
                                ActivityLog.actor.startswith(filters.actor + ":", autoescape=True)))
    if filters.kind is not None:
        query = query.where(ActivityLog.action == filters.kind)
    if before is not None:
        query = query.where(ActivityLog.id < before)
    items = _read(session, query.order_by(ActivityLog.id.desc()).limit(size + 1))
    return items[:size], (items[size - 1].row.id if len(items) > size else None)


SUBJECTS = ("entitlement", "booking", "order")


def _items(shop_id: int):
    # A row is about a package, a booking (and through it, the package that paid for it, if any), or an
    # order (a paid line that could not be granted).
    about_booking = ActivityLog.subject_type == "booking"
    return (select(ActivityLog, Entitlement.id, Entitlement.terms, Customer, Booking, Order)
            .outerjoin(Booking, and_(about_booking, Booking.id == ActivityLog.subject_id))
            .outerjoin(Order, and_(ActivityLog.subject_type == "order", Order.id == ActivityLog.subject_id,
                                   Order.shop_id == shop_id))
            .outerjoin(Entitlement, or_(and_(ActivityLog.subject_type == "entitlement",
                                             Entitlement.id == ActivityLog.subject_id),
                                        and_(about_booking, Entitlement.id == Booking.entitlement_id)))
            .outerjoin(Customer, Customer.id == func.coalesce(Booking.customer_id, Entitlement.customer_id,
                                                              Order.customer_id))
            .where(ActivityLog.shop_id == shop_id, ActivityLog.subject_type.in_(SUBJECTS)))


def _read(session: Session, query) -> list[Item]:
    return [Item(row, package_id, (terms or {}).get("title"), customer, booking, order)
            for row, package_id, terms, customer, booking, order in session.execute(query)]
