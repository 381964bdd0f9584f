"""The declared value types: what each accepts, what it refuses, and that a refusal is a sentence naming the field
and never the value sent."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, ValidationError

from endpoints import InvalidInput
from endpoints.declare import digits_up_to
from endpoints.fields import (Currency, Day, Flag, Id, Instant, InstantOrDay, Money, QueryFlag, shopify_id, text,
                              whole)
from endpoints.models import Body, patch_of

SECRET = "gcard-SECRET-CODE-1234"


class Sample(Body):
    count: whole(1, 10) | None = None
    id: Id | None = None
    amount: Money | None = None
    name: text(20) | None = None
    currency: Currency | None = None
    flag: Flag | None = None
    query_flag: QueryFlag | None = None
    day: Day | None = None
    at: Instant | None = None
    when: InstantOrDay | None = None
    variant: shopify_id("ProductVariant") | None = None
    ids: list[Id] | None = Field(None, min_length=1, max_length=3)


ACCEPTED = [
    ("count", 3, 3), ("count", 3.0, 3), ("id", 7001, 7001), ("id", "9007199254740993", 9007199254740993),
    ("amount", "79.50", Decimal("79.50")), ("amount", 80, Decimal(80)), ("amount", 79.5, Decimal("79.5")),
    ("name", "  Anna  ", "Anna"), ("currency", "gbp", "GBP"), ("flag", False, False),
    ("query_flag", "true", True), ("query_flag", "0", False), ("day", "2026-12-01", date(2026, 12, 1)),
    ("at", "2026-12-01T10:00:00+01:00", datetime(2026, 12, 1, 9, tzinfo=timezone.utc)),
    ("when", "2026-12-01", date(2026, 12, 1)), ("variant", "gid://shopify/ProductVariant/0123", "123"),
    ("variant", 44012345678901, "44012345678901"), ("ids", ["1", 2], [1, 2]),
]

REFUSED = [
    ("count", True), ("count", "3"), ("count", 2.5), ("count", 0), ("count", 11),
    ("id", 0), ("id", -1), ("id", True), ("id", 2**63), ("id", "12a"), ("id", " 12"), ("id", 1.5), ("id", [1]),
    ("amount", -1), ("amount", "12.345"), ("amount", "NaN"), ("amount", "Infinity"), ("amount", float("nan")),
    ("amount", 1e999), ("amount", True), ("amount", "1" * 50), ("amount", "10000000000"),
    ("name", ""), ("name", "   "), ("name", "x" * 21), ("name", "a\x00b"), ("name", "\ud800"), ("name", 5),
    ("currency", "EURO"), ("currency", "€UR"), ("flag", "yes"), ("flag", 1), ("query_flag", "maybe"),
    ("day", "31/12/2025"), ("day", "9999-12-31"), ("day", "1999-12-31"), ("day", 20261201),
    ("at", "2026-12-03T10:00:00"), ("at", "9999-12-31T23:00:00-05:00"), ("at", 1764583200), ("at", "next monday"),
    ("when", "2026-13-01"), ("when", "0001-01-01T00:00:00+14:00"),
    ("variant", "gid://shopify/Product/123"), ("variant", 12.0), ("variant", "0"), ("variant", True),
    ("ids", []), ("ids", [1, 2, 3, 4]), ("ids", [1, "two"]), ("ids", "1,2"),
]


@pytest.mark.parametrize(("field", "value", "parsed"), ACCEPTED, ids=[f"{f}={v!r}"[:40] for f, v, _ in ACCEPTED])
def test_accepted_values_parse_to_domain_values(field, value, parsed):
    assert getattr(Sample.model_validate({field: value}), field) == parsed


@pytest.mark.parametrize(("field", "value"), REFUSED, ids=[f"{f}={v!r}"[:40] for f, v in REFUSED])
def test_refused_values_name_the_field_in_a_sentence_without_the_value(field, value):
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({field: value})
    error = InvalidInput.from_pydantic(caught.value)
    assert error.field.split("[")[0] == field
    assert error.message.startswith(error.field + " ")
    assert not any(raw in error.message for raw in ("Input should", "Value error", "validation error", "type="))
    if isinstance(value, str) and len(value) > 3:
        assert value not in error.message


def test_a_secret_sent_in_the_wrong_field_is_never_repeated():
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"count": SECRET, SECRET: 1})
    assert SECRET not in InvalidInput.from_pydantic(caught.value).message


def test_a_patch_keeps_the_bounds_and_tells_unset_from_null():
    Patch = patch_of(Sample, "SamplePatch", "Change some fields.")
    assert Patch.model_validate({}).given() == {}
    assert Patch.model_validate({"amount": None}).given() == {"amount": None}
    with pytest.raises(ValidationError):
        Patch.model_validate({"count": 11})
    assert "default" not in Patch.model_json_schema()["properties"]["count"]


def test_a_field_without_a_name_is_named_as_the_whole_input():
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"": 1})
    error = InvalidInput.from_pydantic(caught.value, root="query")
    assert (error.field, error.message) == ("query", "query has a field without a name")


@given(maximum=st.integers(1, 2**63), near=st.integers(-12, 12), anywhere=st.integers(-10, 2**64))
def test_an_id_route_matches_exactly_the_numbers_its_column_can_hold(maximum, near, anywhere):
    pattern = re.compile(digits_up_to(maximum))
    for number in (maximum + near, anywhere, near):
        assert bool(pattern.fullmatch(str(number))) == (1 <= number <= maximum), number
        assert pattern.fullmatch("0" + str(abs(number))) is None  # one spelling per id
