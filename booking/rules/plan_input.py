"""Reading a plan from the admin API body into PlanTerms. Pure; each reader names the exact field it refuses."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

from booking.errors import ValidationFailed
from booking.rules.plans import RULES, UNITS, PlanTerms, Rule, Unit, Validity, Windows


def terms_from_api(body: dict) -> PlanTerms:
    """Validate an admin API body such as {"title": "5x massage", "unit": "sessions", "quantity": 5}."""
    if not isinstance(body, dict):
        raise ValidationFailed("send the plan as a JSON object", field="body")
    fixed = _parse_fixed_services(body.get("fixed_services"))
    unit = _parse_unit(body.get("unit"), fixed)
    return PlanTerms(
        title=_parse_title(body.get("title")), unit=unit,
        quantity=_parse_quantity(body.get("quantity"), unit, fixed),
        currency=_parse_currency(body.get("currency"), unit),
        service_ids=_parse_service_ids(body.get("service_ids"), fixed), fixed_services=fixed,
        resource_id=_optional_id(body.get("resource_id"), "resource_id"),
        validity=_parse_validity(body), windows=_parse_windows(body.get("windows")),
        late_cancel=_parse_rule(body, "late_cancel"), no_show=_parse_rule(body, "no_show"),
    )


# "mon" or "monday" -> 0, matching date.weekday(). Spelled out: calendar.day_name follows the locale.
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WEEKDAYS = {name: i for i, full in enumerate(_DAY_NAMES) for name in (full[:3], full)}
VALIDITY_FIELDS = ("validity_days", "validity_months", "expires_on")
WINDOW_FIELDS = ("weekdays", "times", "date_from", "date_to", "dates")


def _decimal(value, name: str) -> Decimal:
    # JSON numbers arrive as int or float; str(float) is the shortest repr, i.e. what the client typed.
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValidationFailed(f"{name} must be a number", field=name)
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise ValidationFailed(f"{name} must be a number, not {value!r}", field=name) from None
    if not number.is_finite():
        raise ValidationFailed(f"{name} must be a finite number", field=name)
    return number


def _positive_int(value, name: str) -> int:
    number = _decimal(value, name)
    if number != number.to_integral_value() or number < 1:
        raise ValidationFailed(f"{name} must be a whole number of at least 1", field=name)
    return int(number)


def _optional_id(value, name: str) -> int | None:
    return None if value is None else _positive_int(value, name)


def _list(value, name: str) -> list:
    if not isinstance(value, list) or not value:
        raise ValidationFailed(f"{name} must be a non-empty list", field=name)
    return value


def _iso_date(value, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{name} must be a date like 2025-06-30", field=name) from None


def _parse_title(value) -> str:
    title = value.strip() if isinstance(value, str) else ""
    if not title or len(title) > 255:
        raise ValidationFailed("give the plan a title of at most 255 characters", field="title")
    return title


def _parse_unit(value, fixed) -> Unit:
    if fixed is not None and value in (None, "sessions"):
        return "sessions"
    if fixed is not None:
        raise ValidationFailed("a plan with fixed services counts sessions; use unit \"sessions\"", field="unit")
    if value not in UNITS:
        raise ValidationFailed(f"unit must be one of {', '.join(UNITS)}", field="unit")
    return value


def _parse_quantity(value, unit: Unit, fixed) -> Decimal:
    if unit == "unlimited" or fixed is not None:
        implied = Decimal(0) if fixed is None else Decimal(sum(count for _, count in fixed))
        if value is not None and _decimal(value, "quantity") != implied:
            what = "an unlimited plan has no quantity" if fixed is None else f"the fixed services add up to {implied}"
            raise ValidationFailed(f"{what}; leave quantity out", field="quantity")
        return implied
    if value is None:
        raise ValidationFailed(f"say how many {unit} the plan grants", field="quantity")
    if unit == "money":
        amount = _decimal(value, "quantity")
        if amount <= 0:
            raise ValidationFailed("the amount must be more than zero", field="quantity")
        return amount
    return Decimal(_positive_int(value, "quantity"))


def _parse_currency(value, unit: Unit) -> str | None:
    # Forms send the shop currency with every plan; it only means something for money plans.
    if unit != "money":
        return None
    if not isinstance(value, str) or len(value) != 3 or not value.isalpha() or not value.isascii():
        raise ValidationFailed("a money plan needs a three-letter currency code such as EUR", field="currency")
    return value.upper()


def _parse_service_ids(value, fixed) -> frozenset[int] | None:
    if fixed is not None:
        if value is not None:
            raise ValidationFailed("list a fixed plan's services in fixed_services only", field="service_ids")
        return frozenset(sid for sid, _ in fixed)
    if value is None:
        return None
    ids = _list(value, "service_ids")
    return frozenset(_positive_int(sid, f"service_ids[{i}]") for i, sid in enumerate(ids))


def _parse_fixed_services(value) -> tuple[tuple[int, int], ...] | None:
    if value is None:
        return None
    pairs: list[tuple[int, int]] = []
    for i, item in enumerate(_list(value, "fixed_services")):
        if not isinstance(item, dict):
            raise ValidationFailed("each fixed service is {service_id, quantity}", field=f"fixed_services[{i}]")
        sid = _positive_int(item.get("service_id"), f"fixed_services[{i}].service_id")
        if sid in dict(pairs):
            raise ValidationFailed(f"service {sid} is listed twice", field=f"fixed_services[{i}].service_id")
        pairs.append((sid, _positive_int(item.get("quantity"), f"fixed_services[{i}].quantity")))
    return tuple(pairs)


def _parse_validity(body: dict) -> Validity:
    given = [name for name in VALIDITY_FIELDS if body.get(name) is not None]
    if len(given) > 1:
        raise ValidationFailed(f"choose one of {', '.join(VALIDITY_FIELDS)}", field=given[1])
    if not given:
        return Validity("never")
    name = given[0]
    if name == "expires_on":
        return Validity("fixed_date", fixed_date=_iso_date(body[name], name))
    return Validity("days" if name == "validity_days" else "months", _positive_int(body[name], name))


def _parse_rule(body: dict, name: str) -> Rule:
    value = body.get(name) or "forfeit"
    if value not in RULES:
        raise ValidationFailed(f"{name} must be \"forfeit\" or \"restore\"", field=name)
    return value


def _parse_windows(value) -> Windows:
    if value is None:
        return Windows()
    if not isinstance(value, dict):
        raise ValidationFailed("windows must be an object", field="windows")
    for key in value:
        if key not in WINDOW_FIELDS:  # a typo here would silently leave the plan unrestricted
            raise ValidationFailed(f"unknown window setting {key!r}", field=f"windows.{key}")
    get = value.get
    date_from = None if get("date_from") is None else _iso_date(get("date_from"), "windows.date_from")
    date_to = None if get("date_to") is None else _iso_date(get("date_to"), "windows.date_to")
    if date_from and date_to and date_to < date_from:
        raise ValidationFailed("the date range ends before it starts", field="windows.date_to")
    return Windows(
        weekdays=None if get("weekdays") is None else _parse_weekdays(get("weekdays")),
        times=None if get("times") is None else _parse_times(get("times")),
        date_from=date_from, date_to=date_to,
        dates=None if get("dates") is None else frozenset(
            _iso_date(day, f"windows.dates[{i}]") for i, day in enumerate(_list(get("dates"), "windows.dates"))),
    )


def _parse_weekdays(value) -> frozenset[int]:
    days = set()
    for i, name in enumerate(_list(value, "windows.weekdays")):
        day = WEEKDAYS.get(name.strip().lower()) if isinstance(name, str) else None
        if day is None:
            raise ValidationFailed("weekdays are mon, tue, wed, thu, fri, sat, sun", field=f"windows.weekdays[{i}]")
        days.add(day)
    return frozenset(days)


def _parse_times(value) -> tuple[tuple[time, time], ...]:
    ranges = []
    for i, pair in enumerate(_list(value, "windows.times")):
        name = f"windows.times[{i}]"
        try:
            opens, closes = (time.fromisoformat(part) for part in pair)
        except (TypeError, ValueError):
            raise ValidationFailed("a time range is [\"10:00\", \"13:00\"]", field=name) from None
        if opens.tzinfo or closes.tzinfo or closes <= opens:
            raise ValidationFailed("a time range must end after it starts, within one day, in shop time", field=name)
        ranges.append((opens, closes))
    return tuple(ranges)
