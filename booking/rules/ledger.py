"""The credit ledger: balances derived from append-only entries, and which package pays for a session. Pure.

Representation (signed quantities in the plan's ledger unit; a balance is always a sum, never a counter):
- grant +q (one per service for fixed plans), redeem -cost, restore +cost (undoes a redeem),
  adjust ±delta (merchant, with a reason), expire -whatever was left, revoke -whatever was left.
- forfeit: a late cancel or no-show under the "forfeit" rule writes a forfeit entry of quantity 0 for the
  booking. The redeem already took the credit; the marker records that it was lost rather than attended,
  without taking it twice. A forfeit with a non-zero quantity would be an extra penalty and counts as used.
- used = -(redeem + restore + forfeit), i.e. redeemed minus restored plus forfeited, so it never
  counts a cancelled booking and never counts a forfeited one twice.
- undo +cost: a manager reverses a redemption made by mistake (the wrong package, the wrong customer). It names
  the booking like a restore does, but it is its own kind so every surface can say "undone by a manager" rather
  than "cancelled in time". Used goes down; the total does not change. An adjust is the other correction: it
  changes the total ("4 of 11 used") for goodwill and is never tied to a booking.
- used = -(redeem + restore + forfeit + undo), i.e. redeemed minus restored and undone plus forfeited.
- unlimited plans write the same entries with quantity 0, so bookings stay linked to the package.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Iterable, Literal
from zoneinfo import ZoneInfo

from booking.errors import (
    BookingError, EntitlementExpired, InsufficientCredit, InvalidTransition, NotEligible, OutsidePackageWindow,
    ValidationFailed,
)
from booking.rules.plans import LedgerUnit, PlanTerms, ServiceFacts, cost_of, end_of_local_day

EntryKind = Literal["grant", "redeem", "restore", "forfeit", "adjust", "expire", "revoke", "undo"]
ENTRY_KINDS: tuple[str, ...] = EntryKind.__args__
_USAGE_KINDS = ("redeem", "restore", "forfeit", "undo")


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    quantity: Decimal
    unit: LedgerUnit
    service_id: int | None = None
    booking_id: int | None = None
    at: datetime | None = None
    reason: str | None = None  # required on adjust entries, shown to the merchant in the history


def balance(entries: Iterable[Entry]) -> Decimal:
    """The sum of the signed quantities: the only definition of "what's left"."""
    return sum((entry.quantity for entry in entries), Decimal(0))


def _fmt(quantity: Decimal) -> str:
    return str(int(quantity)) if quantity == quantity.to_integral_value() else str(quantity)


@dataclass(frozen=True)
class EntitlementState:
    """One customer's package: frozen terms plus its ledger. Everything else is derived."""

    id: int
    terms: PlanTerms
    starts_at: datetime
    expires_at: datetime | None
    status: Literal["active", "expired", "revoked"]
    entries: tuple[Entry, ...]

    def _sum(self, *kinds: str) -> Decimal:
        return balance(entry for entry in self.entries if entry.kind in kinds)

    @property
    def granted(self) -> Decimal:
        return self._sum("grant")

    @property
    def adjusted(self) -> Decimal:
        return self._sum("adjust")

    @property
    def used(self) -> Decimal:
        return -self._sum(*_USAGE_KINDS)

    @property
    def remaining(self) -> Decimal | None:
        """What's left to book with; None means unlimited."""
        return None if self.terms.unit == "unlimited" else balance(self.entries)

    def remaining_for(self, service_id: int) -> Decimal | None:
        """For fixed plans, that service's count; otherwise the shared pool."""
        if not self.terms.is_fixed:
            return self.remaining
        own = balance(entry for entry in self.entries if entry.service_id == service_id)
        # Expire/revoke entries close the whole package without naming a service: never exceed the total.
        return min(own, self.remaining)

    @property
    def bookings_held(self) -> int:
        """Redemptions not given back by a restore or an undo; the only measure of use unlimited plans have."""
        kinds = [entry.kind for entry in self.entries]
        return kinds.count("redeem") - kinds.count("restore") - kinds.count("undo")

    def redemption_stands(self, booking_id: int) -> bool:
        """The booking's redemption still counts as used: redeemed, and neither restored nor undone."""
        kinds = [entry.kind for entry in self.entries if entry.booking_id == booking_id]
        return kinds.count("redeem") > kinds.count("restore") + kinds.count("undo")

    @property
    def progress_label(self) -> str:
        """ "3 of 5 used"; the total includes the merchant's adjustments so it agrees with what's left."""
        unit = self.terms.unit
        if unit == "unlimited":
            return f"{self.bookings_held} used, unlimited"
        suffix = {"sessions": "", "minutes": " minutes", "money": f" {self.terms.currency}"}[unit]
        return f"{_fmt(self.used)} of {_fmt(self.granted + self.adjusted)}{suffix} used"

    def is_valid_at(self, moment: datetime) -> bool:
        return self.starts_at <= moment and (self.expires_at is None or moment < self.expires_at)

    def expires_in_days(self, now: datetime, zone: ZoneInfo | None = None) -> int | None:
        """Whole days until the last valid day (0 = expires today); None when it never expires.

        With `zone` the count is in local calendar days, exact across 23- and 25-hour DST days.
        """
        if self.expires_at is None:
            return None
        if zone is None:
            return max(0, (self.expires_at - now).days)
        last_day = (self.expires_at - timedelta(microseconds=1)).astimezone(zone).date()
        return max(0, (last_day - now.astimezone(zone).date()).days)


def validity_end(expires_at: datetime, zone: ZoneInfo) -> str:
    """When a package stops being valid, the one way every surface says it.

    Packages bought for N days or months lapse at the end of a local day: "through 2026-12-31".
    Membership periods end at the instant they began, a period later: "until 2027-01-01 10:00", so a
    10:00 session that day is plainly after it (a bare date would suggest the whole day is covered).
    """
    last_day = (expires_at - timedelta(microseconds=1)).astimezone(zone).date()
    if expires_at == end_of_local_day(last_day, zone):  # exact even where midnight falls in a DST gap
        return f"through {last_day.isoformat()}"
    return f"until {expires_at.astimezone(zone).strftime('%Y-%m-%d %H:%M')}"


def _check_covers(ent: EntitlementState, service: ServiceFacts, resource_id: int | None) -> Decimal:
    terms = ent.terms
    if not terms.covers(service.id):
        raise NotEligible(f"“{terms.title}” doesn't cover this service")
    if terms.resource_id is not None and resource_id != terms.resource_id:
        raise NotEligible(f"“{terms.title}” can only be used with its named provider")
    return cost_of(terms, service)


def _check_valid(ent: EntitlementState, session_start: datetime, zone: ZoneInfo, now: datetime) -> None:
    title = ent.terms.title
    if ent.status == "revoked":
        raise EntitlementExpired(f"“{title}” was revoked")
    if ent.status == "expired" or (ent.expires_at is not None and ent.expires_at <= now):
        raise EntitlementExpired(f"“{title}” has expired")
    if ent.expires_at is not None and ent.expires_at <= session_start:
        # Valid today is not enough: the package must still be valid when the session starts.
        raise EntitlementExpired(f"“{title}” is valid {validity_end(ent.expires_at, zone)}, before this session")
    if session_start < ent.starts_at:
        raise OutsidePackageWindow(f"“{title}” can't be used for sessions before it starts")


def _check_credit(ent: EntitlementState, service: ServiceFacts, cost: Decimal) -> None:
    left = ent.remaining_for(service.id)
    if left is not None and left < cost:
        unit = ent.terms.ledger_unit
        where = " for this service" if ent.terms.is_fixed else ""
        raise InsufficientCredit(f"“{ent.terms.title}” has {_fmt(left)} {unit} left{where}; this needs {_fmt(cost)}")


def check_redeemable(ent: EntitlementState, service: ServiceFacts, resource_id: int | None,
                     session_start: datetime, session_end: datetime, zone: ZoneInfo, now: datetime) -> Decimal:
    """The cost of booking this session on this package, or the BookingError saying why not.

    The checks run coverage -> validity -> windows -> credit, so the error names the furthest
    rule the package got to, which `choose_entitlement` uses to pick the most helpful one.
    """
    cost = _check_covers(ent, service, resource_id)
    _check_valid(ent, session_start, zone, now)
    if not ent.terms.windows.allows(session_start, session_end, zone):
        raise OutsidePackageWindow(f"“{ent.terms.title}” can't be used at this day or time")
    _check_credit(ent, service, cost)
    return cost


def can_redeem(ent: EntitlementState, service: ServiceFacts, resource_id: int | None,
               session_start: datetime, session_end: datetime, zone: ZoneInfo, now: datetime) -> bool:
    try:
        check_redeemable(ent, service, resource_id, session_start, session_end, zone, now)
    except BookingError:
        return False
    return True


# Most helpful first: "top up" beats "pick another time" beats "expired" beats "wrong service",
# because it comes from the package that got furthest through the checks.
_HELPFULNESS = (InsufficientCredit, OutsidePackageWindow, EntitlementExpired, NotEligible)


def _helpfulness(error: BookingError) -> int:
    return next((-i for i, kind in enumerate(_HELPFULNESS) if isinstance(error, kind)), -len(_HELPFULNESS))


def _expiry_order(ent: EntitlementState) -> tuple:
    # Use the credit that lapses first; never-expiring packages last; ties by id for a stable choice.
    return (ent.expires_at is None, ent.expires_at or datetime.max, ent.id)


def choose_entitlement(candidates: Iterable[EntitlementState], service: ServiceFacts, resource_id: int | None,
                       session_start: datetime, session_end: datetime, zone: ZoneInfo,
                       now: datetime) -> tuple[EntitlementState, Decimal]:
    """The package that expires first among those that can pay for this session, with its cost."""
    errors: list[BookingError] = []
    for ent in sorted(candidates, key=_expiry_order):
        try:
            return ent, check_redeemable(ent, service, resource_id, session_start, session_end, zone, now)
        except BookingError as error:
            errors.append(error)
    if not errors:
        raise InsufficientCredit("you have no package to book this with")
    raise max(errors, key=_helpfulness)


def grant_entries(terms: PlanTerms, *, at: datetime | None = None) -> tuple[Entry, ...]:
    """What a purchase writes: one grant per fixed service (so counts stay per service), else one grant."""
    if terms.is_fixed:
        return tuple(Entry("grant", Decimal(count), "sessions", service_id=sid, at=at)
                     for sid, count in terms.fixed_services)
    quantity = Decimal(0) if terms.unit == "unlimited" else terms.quantity
    return (Entry("grant", quantity, terms.ledger_unit, at=at),)


def redemption_entry(ent: EntitlementState, service_id: int, cost: Decimal, *,
                     booking_id: int | None = None, at: datetime | None = None) -> Entry:
    """The redeem entry for a cost returned by `check_redeemable`."""
    return Entry("redeem", -cost, ent.terms.ledger_unit, service_id=service_id, booking_id=booking_id, at=at)


def _give_back_or_forfeit(ent: EntitlementState, rule: str, redeemed_quantity: Decimal,
                          service_id: int | None, booking_id: int | None, at: datetime | None) -> Entry:
    if redeemed_quantity < 0:
        raise ValueError("redeemed_quantity is the positive cost that was redeemed")
    if ent.status != "active":
        rule = "forfeit"  # credit never flows back into a revoked or expired package
    quantity = redeemed_quantity if rule == "restore" else Decimal(0)  # see the module docstring on forfeits
    kind = "restore" if rule == "restore" else "forfeit"
    return Entry(kind, quantity, ent.terms.ledger_unit, service_id=service_id, booking_id=booking_id, at=at)


def cancellation_entry(ent: EntitlementState, redeemed_quantity: Decimal, session_start: datetime,
                       now: datetime, cutoff_hours: int | float, *, service_id: int | None = None,
                       booking_id: int | None = None) -> Entry:
    """Restore before the cutoff; at or after it, the plan's late-cancel rule decides."""
    if cutoff_hours < 0:
        raise ValueError("cutoff_hours can't be negative")
    on_time = now < session_start - timedelta(hours=cutoff_hours)
    rule = "restore" if on_time else ent.terms.late_cancel
    return _give_back_or_forfeit(ent, rule, redeemed_quantity, service_id, booking_id, now)


def no_show_entry(ent: EntitlementState, redeemed_quantity: Decimal, *, service_id: int | None = None,
                  booking_id: int | None = None, at: datetime | None = None) -> Entry:
    """Per the plan's no-show rule (forfeit unless the merchant chose restore)."""
    return _give_back_or_forfeit(ent, ent.terms.no_show, redeemed_quantity, service_id, booking_id, at)


def undo_entry(ent: EntitlementState, booking_id: int, redeemed_quantity: Decimal, service_id: int | None,
               reason: str, *, at: datetime | None = None) -> Entry:
    """A manager reverses the booking's redemption: the credit comes back, "used" goes down, the total stays.

    Refused when there is nothing to reverse (never redeemed, or already restored or undone) and when the
    package no longer holds usable credit: a revoked or expired package never gains credit back.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("say why the redemption is being undone", field="reason")
    if not ent.redemption_stands(booking_id):
        raise InvalidTransition("this booking's redemption was already given back (cancelled in time or undone)")
    if ent.status != "active" or (ent.expires_at is not None and at is not None and ent.expires_at <= at):
        raise InvalidTransition(f"“{ent.terms.title}” is {'revoked' if ent.status == 'revoked' else 'expired'}: "
                                "credit can't go back into it; adjust another package instead")
    return Entry("undo", redeemed_quantity, ent.terms.ledger_unit, service_id=service_id, booking_id=booking_id,
                 at=at, reason=reason.strip())


def expiry_entry(ent: EntitlementState, now: datetime) -> Entry | None:
    """Write off what's left once the package has lapsed; None when there is nothing to write off."""
    if ent.expires_at is None or ent.expires_at > now or ent.terms.unit == "unlimited":
        return None
    left = ent.remaining
    return Entry("expire", -left, ent.terms.ledger_unit, at=now) if left > 0 else None


def adjustment_entry(ent: EntitlementState, delta: Decimal, unit: LedgerUnit, reason: str, *,
                     service_id: int | None = None, at: datetime | None = None) -> Entry:
    """A merchant's correction. It needs a reason, and may not take the balance below zero."""
    # Takes the entitlement (beyond the signature) because the no-negative rule needs its balance.
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationFailed("say why the balance is being adjusted", field="reason")
    if ent.terms.unit == "unlimited" or delta == 0:
        raise ValidationFailed("the adjustment must change a limited balance", field="delta")
    if unit != ent.terms.ledger_unit:
        raise ValidationFailed(f"this package counts {ent.terms.ledger_unit}, not {unit}", field="unit")
    if unit != "money" and delta != delta.to_integral_value():
        raise ValidationFailed(f"this package counts whole {unit}: adjust it by a whole number", field="delta")
    if ent.terms.is_fixed and ent.terms.fixed_count(service_id) == 0:
        raise ValidationFailed("say which of the package's services to adjust", field="service_id")
    if not ent.terms.is_fixed and service_id is not None:
        # A shared pool has no per-service count: a service id here would only be stored, unchecked.
        raise ValidationFailed("this package's credit is not counted per service; leave service_id out",
                               field="service_id")
    left = ent.remaining_for(service_id)
    if left + delta < 0:
        raise InsufficientCredit(f"only {_fmt(left)} {unit} left; the balance can't go below zero")
    return Entry("adjust", delta, unit, service_id=service_id, at=at, reason=reason.strip())
