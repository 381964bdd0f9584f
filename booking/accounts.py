"""Use cases on customers' packages: assign, read, adjust, revoke, expire. Each owns no transaction;
the request or job that calls it commits."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.errors import InvalidTransition, ManagersOnly, NotFound, ValidationFailed
from booking.rules.ledger import (
    EntitlementState, Entry, adjustment_entry, expiry_entry, grant_entries, validity_end,
)
from booking.models import BookingSettings, Plan
from booking.rules.plans import PlanTerms
from booking.records import ActivityLog, Customer, Entitlement, LedgerEntry
from shopify_app.models import Shop


def booking_settings(session: Session, shop_id: int) -> BookingSettings:
    """The shop's booking rules, created on first use with the shop's own time zone."""
    settings = session.get(BookingSettings, shop_id)
    if settings is None:
        shop = session.get(Shop, shop_id)
        settings = BookingSettings(shop_id=shop_id, timezone=(shop.iana_timezone if shop else None) or "UTC")
        session.add(settings)
        session.flush()
    return settings


def shop_zone(session: Session, shop_id: int) -> ZoneInfo:
    return ZoneInfo(booking_settings(session, shop_id).timezone)


def customer_by_shopify_id(session: Session, shop_id: int, shopify_customer_id: int) -> Customer:
    """The shop's customer with this Shopify id (staff naming a new one go through customers.staff_customer)."""
    customer = session.scalar(select(Customer).where(
        Customer.shop_id == shop_id, Customer.shopify_customer_id == shopify_customer_id))
    if customer is None:
        raise NotFound(f"no customer {shopify_customer_id} in this shop")
    return customer


def entitlement_state(session: Session, entitlement: Entitlement) -> EntitlementState:
    """The pure view of a package: its frozen terms plus every ledger entry, in order."""
    rows = session.scalars(select(LedgerEntry).where(LedgerEntry.entitlement_id == entitlement.id)
                           .order_by(LedgerEntry.id))
    return _state(entitlement, rows)


def entitlement_states(session: Session, entitlement_ids) -> dict[int, EntitlementState]:
    """Many packages' states in two queries (a list of bookings names many packages)."""
    ids = set(entitlement_ids)
    if not ids:
        return {}
    # Plain rows, not ORM objects: a busy week names hundreds of packages and their ledgers, and the states
    # are only read (bench/admin_api.py).
    by_package: dict[int, list] = {i: [] for i in ids}
    for row in session.execute(select(*_ENTRY_COLUMNS).where(LedgerEntry.entitlement_id.in_(ids))
                               .order_by(LedgerEntry.id)):
        by_package[row.entitlement_id].append(row)
    return {e.id: _state(e, by_package[e.id]) for e in session.execute(select(*_PACKAGE_COLUMNS)
                                                                        .where(Entitlement.id.in_(ids)))}


_ENTRY_COLUMNS = (LedgerEntry.entitlement_id, LedgerEntry.kind, LedgerEntry.quantity, LedgerEntry.unit,
                  LedgerEntry.service_id, LedgerEntry.booking_id, LedgerEntry.created_at, LedgerEntry.reason)
_PACKAGE_COLUMNS = (Entitlement.id, Entitlement.terms, Entitlement.starts_at, Entitlement.expires_at,
                    Entitlement.status)


def _state(entitlement: Entitlement, rows) -> EntitlementState:
    entries = tuple(Entry(r.kind, Decimal(r.quantity), r.unit, service_id=r.service_id, booking_id=r.booking_id,
                          at=r.created_at, reason=r.reason) for r in rows)
    return EntitlementState(id=entitlement.id, terms=PlanTerms.from_json(entitlement.terms),
                            starts_at=entitlement.starts_at, expires_at=entitlement.expires_at,
                            status=entitlement.status, entries=entries)


def plain(quantity: Decimal | None) -> str | None:
    """A quantity as people write it: 4, 2.5, 80 (not 4.00 or 8E+1)."""
    return None if quantity is None else format(Decimal(quantity).normalize(), "f")


def write_entry(session: Session, entitlement: Entitlement, entry: Entry, actor: str) -> LedgerEntry:
    row = LedgerEntry(shop_id=entitlement.shop_id, entitlement_id=entitlement.id, kind=entry.kind,
                      quantity=entry.quantity, unit=entry.unit, service_id=entry.service_id,
                      booking_id=entry.booking_id, actor=actor, reason=entry.reason)
    session.add(row)
    # The running sums move with every entry (callers hold the package's row lock, or have just made it).
    entitlement.balance = Decimal(entitlement.balance or 0) + Decimal(entry.quantity)
    if entry.kind == "grant":
        entitlement.granted = Decimal(entitlement.granted or 0) + Decimal(entry.quantity)
    return row


def log_activity(session: Session, shop_id: int, actor: str, action: str, subject: Entitlement, *,
                 reason: str | None = None, before: dict | None = None, after: dict | None = None,
                 attention: bool = False) -> None:
    session.add(ActivityLog(shop_id=shop_id, actor=actor, action=action, subject_type="entitlement",
                            subject_id=subject.id, reason=reason, before=before, after=after, attention=attention))


def assign_plan(session: Session, shop_id: int, customer: Customer, plan_id: int, *, actor: str,
                now: datetime) -> Entitlement:
    """Give a customer a plan by hand (including not-for-sale plans), with today's terms frozen."""
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, Plan.shop_id == shop_id,
                                             Plan.archived_at.is_(None)))
    if plan is None:
        raise NotFound(f"no plan {plan_id} in this shop")
    terms = PlanTerms.from_json(plan.terms)
    entitlement = Entitlement(shop_id=shop_id, customer_id=customer.id, plan_id=plan.id, terms=terms.to_json(),
                              unit=terms.unit, source="staff", starts_at=now, status="active",
                              expires_at=terms.validity.expires_at(now, shop_zone(session, shop_id)))
    session.add(entitlement)
    session.flush()
    for entry in grant_entries(terms):
        write_entry(session, entitlement, entry, actor)
    log_activity(session, shop_id, actor, "assign", entitlement, after={"plan_id": plan.id, "title": terms.title})
    return entitlement


def lock_entitlement(session: Session, shop_id: int, entitlement_id: int) -> Entitlement:
    """Load one of the shop's packages with a row lock, so concurrent changes queue up."""
    entitlement = session.scalar(select(Entitlement).where(
        Entitlement.id == entitlement_id, Entitlement.shop_id == shop_id).with_for_update())
    if entitlement is None:
        raise NotFound(f"no package {entitlement_id} in this shop")
    return entitlement


def adjust(session: Session, shop_id: int, entitlement_id: int, delta: Decimal, reason: str, *, actor: str,
           service_id: int | None = None) -> LedgerEntry:
    """A manager's correction up or down, with a required reason, kept in the activity log."""
    entitlement = lock_entitlement(session, shop_id, entitlement_id)
    if entitlement.status != "active":
        raise InvalidTransition(f"an {entitlement.status} package can't be adjusted")
    state = entitlement_state(session, entitlement)
    entry = adjustment_entry(state, Decimal(delta), state.terms.ledger_unit, reason, service_id=service_id)
    row = write_entry(session, entitlement, entry, actor)
    after = replace(state, entries=state.entries + (entry,))
    log_activity(session, shop_id, actor, "adjust", entitlement, reason=entry.reason,
                 before={"remaining": plain(state.remaining)}, after={"remaining": plain(after.remaining)})
    return row


def revoke(session: Session, shop_id: int, entitlement_id: int, reason: str, *, actor: str) -> Entitlement:
    """Take back what is left of a package (e.g. goodwill reversed); what was used stays used."""
    entitlement = lock_entitlement(session, shop_id, entitlement_id)
    if entitlement.status != "active":
        raise InvalidTransition(f"this package is already {entitlement.status}")
    state = entitlement_state(session, entitlement)
    left = state.remaining
    if left:
        write_entry(session, entitlement, Entry("revoke", -left, state.terms.ledger_unit, reason=reason), actor)
    before = {"status": entitlement.status, "remaining": plain(left)}
    entitlement.status = "revoked"
    log_activity(session, shop_id, actor, "revoke", entitlement, reason=reason, before=before,
                 after={"status": "revoked", "remaining": "0"})
    return entitlement


def expire_lapsed(session: Session, now: datetime, *, shop_id: int | None = None) -> int:
    """Write `expire` entries for what is left on lapsed packages and mark them expired."""
    query = select(Entitlement).where(Entitlement.status == "active", Entitlement.expires_at <= now)
    if shop_id is not None:
        query = query.where(Entitlement.shop_id == shop_id)
    count = 0
    for entitlement in session.scalars(query.with_for_update(skip_locked=True)).all():
        entry = expiry_entry(entitlement_state(session, entitlement), now)
        if entry is not None:
            write_entry(session, entitlement, entry, "system")
        entitlement.status = "expired"
        count += 1
    return count


def packages_for(session: Session, shop_id: int, customer: Customer, now: datetime) -> list[dict]:
    """A customer's packages as people read them: what, how much is left, until when."""
    rows = session.scalars(select(Entitlement).where(Entitlement.shop_id == shop_id,
                                                     Entitlement.customer_id == customer.id)
                           .order_by(Entitlement.expires_at.is_(None), Entitlement.expires_at, Entitlement.id)).all()
    zone = shop_zone(session, shop_id)
    return [describe_package(session, row, zone, now) for row in rows]


def describe_package(session: Session, entitlement: Entitlement, zone: ZoneInfo, now: datetime) -> dict:
    """A package as people read it: what was granted, used and is left, and when it lapses."""
    state = entitlement_state(session, entitlement)
    limited = state.terms.unit != "unlimited"
    # The expiry job runs every few minutes: a package past its end reads as expired straight away.
    lapsed = entitlement.status == "active" and state.expires_at is not None and state.expires_at <= now
    return {
        "id": entitlement.id, "plan_id": entitlement.plan_id, "title": state.terms.title,
        "unit": state.terms.unit, "currency": state.terms.currency,
        "total": plain(state.granted + state.adjusted) if limited else None,
        "used": plain(state.used) if limited else str(state.bookings_held),
        "remaining": plain(state.remaining), "progress": state.progress_label,
        "starts_at": _local_iso(entitlement.starts_at, zone), "expires_at": _local_iso(entitlement.expires_at, zone),
        "valid_through": _last_day(entitlement.expires_at, zone),
        "validity": None if entitlement.expires_at is None else validity_end(entitlement.expires_at, zone),
        "expires_in_days": state.expires_in_days(now, zone),
        "status": "expired" if lapsed else entitlement.status, "source": entitlement.source,
    }


def _local_iso(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return None if moment is None else moment.astimezone(zone).isoformat()


def _last_day(expires_at: datetime | None, zone: ZoneInfo) -> str | None:
    # expires_at is the first instant after the last valid day; people read the day itself.
    return None if expires_at is None else (expires_at - timedelta(microseconds=1)).astimezone(zone).date().isoformat()


SETTING_LIMITS = {"slot_interval_minutes": (5, 240), "min_notice_minutes": (0, 60 * 24 * 30),
                  "horizon_days": (1, 730), "cancel_cutoff_hours": (0, 24 * 30),
                  "reschedule_cutoff_hours": (0, 24 * 30), "hold_minutes": (1, 120),
                  "max_units_per_line": (1, 10_000), "reminder_hours": (0, 24 * 7)}
SETTING_FIELDS = frozenset({"timezone", "grant_on_create", "manager_user_ids", "mail_from_name", "reply_to",
                            "languages", *SETTING_LIMITS})
MAX_MANAGERS = 50


def user_id_of(actor: str) -> int | None:
    """The Shopify staff user id in "staff:<id>", or None (no id: not a named person)."""
    kind, _, user = actor.partition(":")
    return int(user) if kind == "staff" and user.isdigit() else None


def require_manager(settings: BookingSettings, actor: str, doing: str) -> None:
    managers = settings.manager_user_ids or []
    if not managers:
        raise ManagersOnly(f"only a manager can {doing}; name the shop's managers first (settings: manager_user_ids)")
    if user_id_of(actor) not in managers:
        raise ManagersOnly(f"only a manager can {doing}")


def check_managers_change(settings: BookingSettings, actor: str) -> None:
    """Once a shop has managers, only one of them may change the list; the first list may be set by anyone
    who can open the app (Shopify's app permissions decide who that is)."""
    if settings.manager_user_ids:
        require_manager(settings, actor, "change who the managers are")


def update_booking_settings(session: Session, shop_id: int, changes: dict, *, actor: str = "system") -> BookingSettings:
    """Change the shop's booking rules; `changes` are validated values keyed by setting name."""
    settings = booking_settings(session, shop_id)
    if "manager_user_ids" in changes:
        check_managers_change(settings, actor)
        changes = {**changes, "manager_user_ids": sorted(set(changes["manager_user_ids"]))}
    for field, value in changes.items():
        if field not in SETTING_FIELDS:
            raise ValidationFailed(f"{field} is not a booking setting", field=field)
        setattr(settings, field, value)
    return settings


def settings_json(settings: BookingSettings) -> dict:
    return {"timezone": settings.timezone, "grant_on_create": bool(settings.grant_on_create),
            "manager_user_ids": list(settings.manager_user_ids or []),
            **{field: getattr(settings, field) for field in SETTING_LIMITS}}
