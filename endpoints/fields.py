"""The value types bodies and query strings are declared with.

Each parses one JSON value (or query-string text) strictly enough that a type confusion is refused (`true` is
never a number, `2.5` never a count), bounds it to what the database can store, says in a sentence what it
wants, and documents itself in the OpenAPI document. A string of digits is accepted for an id or a count on
purpose: Shopify ids exceed 2^53, so careful clients send them as text.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from endpoints.errors import OWN

MAX_ID = 2**63 - 1  # PostgreSQL's bigint
MAX_SMALL_ID = 2**31 - 1  # PostgreSQL's integer
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # dates outside are typos, and overflow on arithmetic
MAX_AMOUNT = Decimal("9999999999.99")  # Numeric(12, 2), the narrowest amount column
_DIGITS = re.compile(r"[0-9]{1,19}")
# NUL and lone surrogates: PostgreSQL's text refuses them, and no person types them.
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def refuse(predicate: str) -> PydanticCustomError:
    """An error whose message completes "{field} ...", e.g. refuse("must be true or false")."""
    return PydanticCustomError(OWN, predicate)


def value_type(python_type, parse, schema: dict):
    """A declared type: `parse` takes the raw value and returns the parsed one or raises refuse(...)."""
    return Annotated[python_type, PlainValidator(parse), WithJsonSchema(schema)]


# --- whole numbers and ids ---

def _whole(value: Any, *, digits: bool = False) -> int | None:
    # A count is a JSON number ("2" is refused: a form that sends text has a bug worth seeing); an id may
    # also come as its digits, since Shopify ids exceed 2^53.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if digits and isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    return None


def whole(minimum: int, maximum: int, *, digits: bool = False, **schema):
    """A whole number in [minimum, maximum]; `digits` also takes its digits as text (query strings)."""
    def parse(value):
        number = _whole(value, digits=digits)
        if number is None or not minimum <= number <= maximum:
            raise refuse(f"must be a whole number from {minimum} to {maximum}")
        return number
    return value_type(int, parse, {"type": "integer", "minimum": minimum, "maximum": maximum, **schema})


def id_type(maximum: int, fmt: str):
    """A positive id up to `maximum`: what the column that holds it can store (a larger one would be a 500)."""
    def parse(value):
        number = _whole(value, digits=True)
        if number is None or not 0 < number <= maximum:
            raise refuse("must be a positive whole number (an id)")
        return number
    return value_type(int, parse, {"type": "integer", "format": fmt, "minimum": 1, "maximum": maximum})


Id = id_type(MAX_ID, "int64")  # rows keyed by bigint, and Shopify's own ids
SmallId = id_type(MAX_SMALL_ID, "int32")  # what merchants configure: services, resources, plans


# --- decimals ---

def decimal(minimum: Decimal, maximum: Decimal, *, places: int = 2, what: str = "a number", **schema):
    """A decimal number, from a JSON number or a string, with at most `places` decimals, in [minimum, maximum]."""
    def parse(value):
        number = _decimal(value)
        if number is None or not minimum <= number <= maximum or number != round(number, places):
            raise refuse(f"must be {what} from {minimum} to {maximum}, with at most {places} decimals")
        return number
    sign, decimals = ("" if minimum >= 0 else "-?"), (f"(\\.[0-9]{{1,{places}}})?" if places else "")
    described = {"anyOf": [{"type": "number", "minimum": float(minimum), "maximum": float(maximum)},
                           {"type": "string", "pattern": f"^{sign}[0-9]+{decimals}$"}],
                 "description": f"{what.capitalize()}; a decimal string such as \"4\" or \"80.50\" keeps it exact"}
    return value_type(Decimal, parse, {**described, **schema})


def _decimal(value) -> Decimal | None:
    if isinstance(value, Decimal):  # already parsed (a PATCH merged over stored values)
        return value if value.is_finite() else None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)) or len(str(value)) > 40:
        return None
    try:
        # str() first: a JSON float's repr is what the client typed, never its binary expansion.
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


Money = decimal(Decimal(0), MAX_AMOUNT, what="an amount")


# --- text ---

def text(max_length: int, *, min_length: int = 1, strip: bool = True, **schema):
    """Text a person typed: stripped, of min_length to max_length characters, storable in PostgreSQL."""
    def parse(value):
        if not isinstance(value, str):
            raise refuse("must be text")
        if _UNSTORABLE.search(value):
            raise refuse("must be plain text, without NUL or unpaired surrogate characters")
        value = value.strip() if strip else value
        if not min_length <= len(value) <= max_length:
            size = f"at most {max_length}" if min_length == 0 else f"{min_length} to {max_length}"
            raise refuse(f"must be text of {size} characters")
        return value
    return value_type(str, parse, {"type": "string", "minLength": min_length, "maxLength": max_length, **schema})


def _currency(value):
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise refuse("must be a three-letter currency code such as GBP")
    return value.upper()


Currency = value_type(str, _currency, {"type": "string", "pattern": "^[A-Za-z]{3}$", "example": "GBP"})


def _flag(value):
    if not isinstance(value, bool):
        raise refuse("must be true or false")
    return value


Flag = value_type(bool, _flag, {"type": "boolean"})


def _query_flag(value):
    # Query strings are text; a JSON body's flag is a real boolean (Flag).
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("1", "true", "0", "false", ""):
        return value.lower() in ("1", "true")
    raise refuse("must be true or false")


QueryFlag = value_type(bool, _query_flag, {"type": "boolean"})


# --- dates and times ---

def _in_range(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise refuse(f"must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")


def _day(value):
    if isinstance(value, date) and not isinstance(value, datetime):  # already parsed
        _in_range(value)
        return value
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise refuse("must be a date like 2026-12-01")
    _in_range(day)
    return day


Day = value_type(date, _day, {"type": "string", "format": "date", "example": "2026-12-01"})


def _instant(value):
    """An ISO 8601 date-time WITH an offset (a naive time would be read in the server's zone), as UTC."""
    if isinstance(value, datetime) and value.utcoffset() is not None:  # already parsed
        _in_range(value.date())
        return value.astimezone(timezone.utc)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) and 16 <= len(value) <= 40 else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise refuse("must be a date-time with an offset, like 2026-12-01T10:00:00+01:00")
    _in_range(moment.date())
    return moment.astimezone(timezone.utc)


Instant = value_type(datetime, _instant, {"type": "string", "format": "date-time",
                                          "example": "2026-12-01T10:00:00+01:00",
                                          "description": "ISO 8601 with its offset"})


def _instant_or_day(value):
    if isinstance(value, str) and len(value) == 10:
        try:
            return _day(value)
        except PydanticCustomError:
            raise refuse("must be a date like 2026-12-01 or a date-time with an offset, between "
                         f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}") from None
    return _instant(value)


# A date means that day's local midnight in the shop's zone; the view resolves it (it knows the zone).
InstantOrDay = value_type(datetime | date, _instant_or_day, {
    "type": "string", "example": "2027-03-01",
    "description": "ISO 8601 date-time with an offset, or a date (local midnight in the shop's zone)"})

_HHMM = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")


def parse_time_of_day(value) -> time:
    if isinstance(value, time) and value.tzinfo is None:  # already parsed
        return value
    match = _HHMM.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise refuse("must be a time of day as HH:MM, from 00:00 to 23:59")
    return time(int(match[1]), int(match[2]))


TimeOfDay = value_type(time, parse_time_of_day, {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                            "example": "09:00"})


def absent(**kwargs):
    """A field a PATCH may leave out: unset is not the same as null, so the schema shows no default."""
    return Field(default=None, json_schema_extra=_without_default, **kwargs)


def _without_default(schema: dict) -> None:
    schema.pop("default", None)


def shopify_id(kind: str):
    """A Shopify id given as a number, its digits or its gid (gid://shopify/<kind>/123), parsed to its digits.

    Ids exceed 2^53, so they stay text; one spelling per id ("0123" is "123")."""
    prefix = f"gid://shopify/{kind}/"

    def parse(value):
        digits = value[len(prefix):] if isinstance(value, str) and value.startswith(prefix) else value
        if isinstance(digits, int) and not isinstance(digits, bool):
            digits = str(digits)
        if not (isinstance(digits, str) and _DIGITS.fullmatch(digits) and 0 < int(digits) <= MAX_ID):
            raise refuse(f"must be a Shopify {kind} id such as 123 or {prefix}123")
        return str(int(digits))
    return value_type(str, parse, {"anyOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID},
                                             {"type": "string", "pattern": f"^({re.escape(prefix)})?[0-9]{{1,19}}$"}],
                                   "description": f"Numeric id, its string, or the GraphQL gid ({prefix}123); "
                                                  "ids exceed 2^53, so prefer strings",
                                   "example": f"{prefix}44012345678901"})
