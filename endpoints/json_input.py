"""Reading JSON a client or Shopify sent, strictly: what Python's parser would accept but no store or handler
can use is refused with a reason, before anything else sees it.

Refused: invalid UTF-8; `NaN`, `Infinity` and numbers that overflow to them (`1e999`); integers longer than
MAX_DIGITS (Python refuses past 4,300 digits with a ValueError; no real value is near that); nesting deeper than
MAX_DEPTH (the parser would recurse until it failed); lone UTF-16 surrogates (`"\\ud800"`), which are not text and
which PostgreSQL's JSON columns refuse. NUL characters are text JSON may carry (a customer's order note can)
but PostgreSQL's JSON columns cannot store; `without_nul` removes them where the value is kept.
"""
from __future__ import annotations

import json
import math

MAX_DEPTH = 64
MAX_DIGITS = 40  # Shopify's ids have at most 19; amounts arrive as strings


class RefusedJson(ValueError):
    """Not JSON this app accepts; the message says why, without quoting the input."""


def _constant(name: str):
    raise RefusedJson(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise RefusedJson("a number is too large")
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise RefusedJson(f"a number has more than {MAX_DIGITS} digits")
    return int(text)


def parse(raw: bytes | str) -> object:
    """The JSON value in `raw`, or RefusedJson saying what is wrong with it."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RefusedJson:
        raise
    except UnicodeDecodeError:
        raise RefusedJson("the body is not UTF-8") from None
    except RecursionError:
        raise RefusedJson(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise RefusedJson("the body is not valid JSON") from None
    _check(value)
    return value


def _check(value: object) -> None:
    # Breadth-first with an explicit stack: no recursion, however the value is shaped.
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise RefusedJson(f"the body nests deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RefusedJson("a string holds a lone UTF-16 surrogate, which is not text") from None


def without_nul(value: object) -> object:
    """`value` with every NUL character removed from its strings and keys (for storing in a JSON column)."""
    if isinstance(value, str):
        return value.replace("\x00", "") if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(key): without_nul(child) for key, child in value.items()}
    if isinstance(value, list):
        return [without_nul(child) for child in value]
    return value
