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
import re

MAX_DEPTH = 64
MAX_DIGITS = 40  # Shopify's ids have at most 19; amounts arrive as strings


class RefusedJson(ValueError):
    """Not JSON this app accepts; the message says why, without quoting the input."""


def _constant(name: str):
    raise RefusedJson(f"{name} is not a JSON number")


_TOO_BIG = 10 ** MAX_DIGITS
# A lone surrogate can only arrive as a \\uD800-\\uDFFF escape; without one in the raw text no string needs checking.
_SURROGATE_ESCAPE = re.compile(r"\\[uU][dD][89abcdefABCDEF]")


def parse(raw: bytes | str) -> object:
    """The JSON value in `raw`, or RefusedJson saying what is wrong with it."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        # Numbers are parsed by the C scanner (a Python hook per number costs more than the parse) and checked
        # in the one walk below; integers past Python's 4,300-digit limit fail here as invalid JSON.
        value = json.loads(text, parse_constant=_constant)
    except RefusedJson:
        raise
    except UnicodeDecodeError:
        raise RefusedJson("the body is not UTF-8") from None
    except RecursionError:
        raise RefusedJson(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError:
        raise RefusedJson("the body is not valid JSON") from None
    _check(value, texts=bool(_SURROGATE_ESCAPE.search(text)))
    return value


def _check(value: object, *, texts: bool) -> None:
    # Depth-first with an explicit stack: no recursion, however the value is shaped.
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        kind = type(item)
        if kind is dict:
            if depth >= MAX_DEPTH:
                raise RefusedJson(f"the body nests deeper than {MAX_DEPTH} levels")
            if texts:
                for key in item:
                    _check_text(key)
            pending.extend((child, depth + 1) for child in item.values())
        elif kind is list:
            if depth >= MAX_DEPTH:
                raise RefusedJson(f"the body nests deeper than {MAX_DEPTH} levels")
            pending.extend((child, depth + 1) for child in item)
        elif kind is int:
            if not -_TOO_BIG < item < _TOO_BIG:
                raise RefusedJson(f"a number has more than {MAX_DIGITS} digits")
        elif kind is float:
            if not math.isfinite(item):
                raise RefusedJson("a number is too large")
        elif texts and kind is str:
            _check_text(item)


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
