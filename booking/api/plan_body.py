"""A plan's body, declared once: its fields, their bounds and the rules between them (a fixed-services plan counts
sessions, one validity at a time, a membership's allowance is sessions or unlimited, ...).

Whether the ids a plan names are the shop's own is the use case's business (plan_catalog): that needs the
database.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from booking.plan_catalog import PlanChoice
from booking.rules.plans import PlanTerms, Validity, Windows
from endpoints import InvalidInput
from endpoints.declare import validate
from endpoints.fields import Currency, Day, Flag, SmallId, decimal, parse_time_of_day, refuse, text, value_type, whole
from endpoints.models import Body, patch_of

VALIDITY_FIELDS = ("validity_days", "validity_months", "expires_on")
MAX_QUANTITY = Decimal("9999999999.99")  # what a ledger entry can hold
# "mon" or "monday" (any case) -> 0, matching date.weekday(). Spelled out: calendar.day_name follows the locale.
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {name: i for i, full in enumerate(_FULL_DAYS) for name in (full[:3], full)}


def _weekday(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:  # already parsed
        return value
    day = WEEKDAYS.get(value.strip().lower()) if isinstance(value, str) else None
    if day is None:
        raise refuse("must be a day: mon, tue, wed, thu, fri, sat or sun")
    return day


def _time_range(value):
    if isinstance(value, tuple):  # already parsed
        value = list(value)
    if not isinstance(value, list) or len(value) != 2:
        raise refuse('must be a time range such as ["10:00", "13:00"]')
    opens, closes = (parse_time_of_day(part) for part in value)
    if closes <= opens:
        raise refuse("must end after it starts, within one day, in shop time")
    return opens, closes


Weekday = value_type(int, _weekday, {"type": "string", "example": "mon",
                                     "description": "mon..sun, or the day's full English name"})
TimeRange = value_type(tuple, _time_range, {"type": "array", "minItems": 2, "maxItems": 2, "example": ["10:00", "13:00"],
                                            "items": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}})


class WindowsInput(Body):
    """When a package may be used, in shop time; a key left out does not restrict."""

    weekdays: list[Weekday] | None = Field(None, min_length=1, max_length=7)
    times: list[TimeRange] | None = Field(None, min_length=1, max_length=24)
    date_from: Day | None = None
    date_to: Day | None = None
    dates: list[Day] | None = Field(None, min_length=1, max_length=1000)

    @field_validator("date_to")
    @classmethod
    def _not_before_from(cls, date_to: date | None, info: ValidationInfo) -> date | None:
        date_from = info.data.get("date_from")
        if date_to and date_from and date_to < date_from:
            raise refuse("must not be before date_from")
        return date_to

    @model_validator(mode="after")
    def _some_day_allowed(self) -> WindowsInput:
        """Windows that allow no date at all would make a plan nobody can use."""
        days = set(self.dates or ())
        if self.date_from and self.date_to and (self.date_to - self.date_from).days < 7:
            span = {self.date_from + timedelta(days=n) for n in range((self.date_to - self.date_from).days + 1)}
            days = days & span if self.dates else span
        elif self.dates and (self.date_from or self.date_to):
            days = {d for d in days if (not self.date_from or d >= self.date_from)
                    and (not self.date_to or d <= self.date_to)}
            if not days:
                raise InvalidInput("windows.dates", "none of windows.dates lies between date_from and date_to")
        if days and self.weekdays is not None and not any(d.weekday() in self.weekdays for d in days):
            raise InvalidInput("windows.weekdays", "no allowed date falls on these weekdays")
        return self

    def windows(self) -> Windows:
        return Windows(weekdays=None if self.weekdays is None else frozenset(self.weekdays),
                       times=None if self.times is None else tuple(self.times),
                       date_from=self.date_from, date_to=self.date_to,
                       dates=None if self.dates is None else frozenset(self.dates))


class FixedService(Body):
    """One service of a fixed mix and how many sessions of it the plan grants."""

    service_id: SmallId
    quantity: whole(1, 1000)


Quantity = decimal(Decimal(0), MAX_QUANTITY, what="an amount or count")


class PlanInput(Body):
    """A plan: what it grants, for which services, for how long and when; validated as a whole."""

    title: text(200)
    unit: Literal["sessions", "minutes", "money", "unlimited"] | None = Field(
        None, description="Required unless fixed_services is given (then sessions)")
    kind: Literal["package", "prepaid_balance", "membership"] = Field(
        "package", description="prepaid_balance: a Shopify gift-card product (unit money), Shopify holds the "
                               "balance; membership: access for a period (validity) with an allowance per period")
    quantity: Quantity | None = Field(None, description="What the plan grants; left out for unlimited and "
                                                        "fixed-service plans")
    currency: Currency | None = Field(None, description="Required for money plans")
    service_ids: list[SmallId] | None = Field(None, min_length=1, max_length=500,
                                         description="The services it pays for; null or absent = any service")
    fixed_services: list[FixedService] | None = Field(None, min_length=1, max_length=100)
    resource_id: SmallId | None = Field(None, description="Only with this resource")
    validity_days: whole(1, 36500) | None = None
    validity_months: whole(1, 1200) | None = None
    expires_on: Day | None = Field(None, description="Set at most one of validity_days, validity_months, "
                                                     "expires_on")
    windows: WindowsInput | None = None
    late_cancel: Literal["forfeit", "restore"] | None = Field(None, description="Default forfeit")
    no_show: Literal["forfeit", "restore"] | None = Field(None, description="Default forfeit")
    not_for_sale: Flag = Field(False, description="Only staff can assign it")
    member_tag: text(255, min_length=0) | None = Field(
        None, description="Membership plans: a customer tag that makes a member (e.g. member-gold)")
    unlocks_service_ids: list[SmallId] | None = Field(
        None, max_length=500, description="Membership plans: the members-only services a member may book; "
                                          "null or absent = every members-only service")

    model_config = {"json_schema_extra": {"example": {
        "title": "5x massage", "unit": "sessions", "quantity": 5, "service_ids": [1]}}}

    @model_validator(mode="after")
    def _consistent(self) -> PlanInput:
        _check_fixed(self)
        _check_quantity(self)
        _check_kind(self)
        given = [name for name in VALIDITY_FIELDS if getattr(self, name) is not None]
        if len(given) > 1:
            raise InvalidInput(given[1], f"choose one of {', '.join(VALIDITY_FIELDS)}")
        return self

    @property
    def effective_unit(self) -> str:
        return "sessions" if self.fixed_services is not None and self.unit is None else self.unit

    def choice(self) -> PlanChoice:
        return PlanChoice(terms=self.terms(), kind=self.kind, not_for_sale=self.not_for_sale,
                          member_tag=self.member_tag or None,
                          unlocks_service_ids=_tuple(self.unlocks_service_ids),
                          listed_service_ids=None if self.fixed_services else _tuple(self.service_ids))

    def terms(self) -> PlanTerms:
        fixed = None if self.fixed_services is None else tuple((f.service_id, f.quantity) for f in self.fixed_services)
        return PlanTerms(
            title=self.title, unit=self.effective_unit, quantity=self._quantity(fixed),
            currency=self.currency if self.effective_unit == "money" else None,
            service_ids=frozenset(sid for sid, _ in fixed) if fixed else
            (None if self.service_ids is None else frozenset(self.service_ids)),
            fixed_services=fixed, resource_id=self.resource_id, validity=self._validity(),
            windows=self.windows.windows() if self.windows else Windows(),
            late_cancel=self.late_cancel or "forfeit", no_show=self.no_show or "forfeit")

    def _quantity(self, fixed) -> Decimal:
        if fixed is not None:
            return Decimal(sum(count for _, count in fixed))
        return Decimal(0) if self.effective_unit == "unlimited" else self.quantity

    def _validity(self) -> Validity:
        if self.expires_on is not None:
            return Validity("fixed_date", fixed_date=self.expires_on)
        if self.validity_days is not None:
            return Validity("days", self.validity_days)
        if self.validity_months is not None:
            return Validity("months", self.validity_months)
        return Validity("never")


def _tuple(ids: list[int] | None) -> tuple[int, ...] | None:
    return None if ids is None else tuple(ids)


def _check_fixed(plan: PlanInput) -> None:
    if plan.fixed_services is None:
        if plan.unit is None:
            raise InvalidInput("unit", "unit must be one of sessions, minutes, money, unlimited")
        return
    if plan.unit not in (None, "sessions"):
        raise InvalidInput("unit", 'a plan with fixed services counts sessions; use unit "sessions"')
    if plan.service_ids is not None:
        raise InvalidInput("service_ids", "list a fixed plan's services in fixed_services only")
    seen = set()
    for i, item in enumerate(plan.fixed_services):
        if item.service_id in seen:
            raise InvalidInput(f"fixed_services[{i}].service_id", f"service {item.service_id} is listed twice")
        seen.add(item.service_id)


def _check_quantity(plan: PlanInput) -> None:
    unit = plan.effective_unit
    if unit == "unlimited" or plan.fixed_services is not None:
        implied = Decimal(0) if plan.fixed_services is None else Decimal(sum(f.quantity for f in plan.fixed_services))
        if plan.quantity is not None and plan.quantity != implied:
            what = "an unlimited plan has no quantity" if plan.fixed_services is None \
                else f"the fixed services add up to {implied}"
            raise InvalidInput("quantity", f"{what}; leave quantity out")
        return
    if plan.quantity is None:
        raise InvalidInput("quantity", f"say how many {unit} the plan grants")
    if plan.quantity <= 0:
        raise InvalidInput("quantity", "quantity must be more than zero")
    if unit != "money" and plan.quantity != plan.quantity.to_integral_value():
        raise InvalidInput("quantity", f"quantity must be a whole number of {unit}")
    if unit == "money" and plan.currency is None:
        raise InvalidInput("currency", "a money plan needs a three-letter currency code such as EUR")


def _check_kind(plan: PlanInput) -> None:
    unit = plan.effective_unit
    if plan.kind == "prepaid_balance" and unit != "money":
        raise InvalidInput("unit", "a prepaid balance is an amount of money: use unit money")
    if plan.kind == "membership" and unit not in ("sessions", "unlimited"):
        raise InvalidInput("unit", "a membership's allowance per period is sessions or unlimited")
    if plan.kind != "membership":
        if plan.member_tag:
            raise InvalidInput("member_tag", "member_tag is for membership plans only")
        if plan.unlocks_service_ids is not None:
            raise InvalidInput("unlocks_service_ids", "unlocks_service_ids is for membership plans only")


PlanPatch = patch_of(PlanInput, "PlanPatch", "The fields to change; a key sent replaces the current value and null "
                                            "clears it; setting one validity field clears the others.")


def terms_from_body(body: dict) -> PlanTerms:
    """A plan's terms from an API-shaped dict (the demo and the tests build plans this way)."""
    return validate(PlanInput, body).terms()
