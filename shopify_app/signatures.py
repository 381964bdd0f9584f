"""Shopify's request signatures: webhook body HMAC, admin query HMAC, app proxy signature.

Pure functions: callers pass the raw body or the decoded query, the secrets
(current first, then the previous one during a rotation) and the clock.
Every comparison is constant-time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import shopify

from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop

# ASCII digits only: int() would also accept " 12", "+12", "1_2" and Arabic-Indic digits.
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")

# Node refuses repeats of shop/signature/timestamp/hmac. We also refuse repeats of the two
# params that say who is asking: a customer can add their own logged_in_customer_id to the
# storefront URL, and a repeat would be signed as "theirs,real" and still verify.
_APP_PROXY_SINGLE_PARAMS = frozenset(
    {"shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"}
)


class InvalidSignature(Exception):
    """A Shopify signature is missing, wrong or stale; `reason` is a short machine code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class AppProxyRequest:
    """What a verified app proxy request tells us."""

    shop: str
    # Kept as a string: Shopify ids exceed 2^53. None when no customer is logged in.
    logged_in_customer_id: str | None
    path_prefix: str
    timestamp: int


def usable_secrets(secrets: Sequence[str | None]) -> list[str]:
    """The non-empty secrets, in order; refuses a bare string and an empty list."""
    # A str is a Sequence too: iterating "secret" would try one-letter keys.
    if isinstance(secrets, (str, bytes)):
        raise TypeError("pass a sequence of secrets, not a single string")
    keys = [secret for secret in secrets if secret]
    if not keys:
        raise ValueError("no Shopify client secret configured")
    return keys


# --- webhooks ---------------------------------------------------------------


def sign_webhook(body: bytes, secret: str) -> str:
    """The X-Shopify-Hmac-Sha256 value Shopify would send for `body`."""
    return base64.b64encode(_webhook_digest(body, secret)).decode("ascii")


def verify_webhook(body: bytes, header_value: str | None, secrets: Sequence[str]) -> None:
    """Raise InvalidSignature unless `header_value` is the HMAC of the raw body under a secret."""
    keys = usable_secrets(secrets)
    if not header_value or not header_value.strip():
        raise InvalidSignature("missing", "webhook has no X-Shopify-Hmac-Sha256 header")
    given = _decode_base64(header_value.strip())
    if not any(hmac.compare_digest(given, _webhook_digest(body, key)) for key in keys):
        raise InvalidSignature("mismatch", "webhook HMAC does not match the body")


def _webhook_digest(body: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()


def _decode_base64(value: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII text
        raise InvalidSignature("mismatch", "webhook HMAC header is not base64") from None


# --- admin / OAuth query HMAC ------------------------------------------------


def sign_query(params: Mapping[str, str | list[str]], secret: str) -> str:
    """The hex `hmac` Shopify would put on an admin or OAuth query (ShopifyAPI's algorithm)."""
    return _query_signer(secret).calculate_hmac(_flatten_query(params))


def verify_query_hmac(
    params: Mapping[str, str | list[str]],
    secrets: Sequence[str],
    *,
    now: float,
    max_age: int = 86400,
) -> None:
    """Raise InvalidSignature unless the admin/OAuth query's `hmac` and `timestamp` are good."""
    keys = usable_secrets(secrets)
    query = _flatten_query(params)
    if not query.get("hmac"):
        raise InvalidSignature("missing", "query has no hmac parameter")
    if not any(_query_signer(key).validate_hmac(query) for key in keys):
        raise InvalidSignature("mismatch", "query hmac does not match")
    if "timestamp" not in query:
        raise InvalidSignature("missing", "query has no timestamp parameter")
    _check_fresh(_parse_timestamp(query["timestamp"]), now, max_age)


def _query_signer(secret: str) -> type[shopify.Session]:
    # ShopifyAPI's calculate_hmac/validate_hmac read the class attribute `secret`, and
    # Session.setup() would set it for the whole process (every thread, every shop).
    # A throwaway subclass per secret reuses the algorithm without touching that global.
    return type("_Signer", (shopify.Session,), {"secret": secret})


def _flatten_query(params: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
    """Shape the query as ShopifyAPI signs it: a list for `foo[]` keys, one string otherwise."""
    # werkzeug's MultiDict.items() shows only the first value; getlist() shows repeats.
    values_of = getattr(params, "getlist", lambda key: params[key])
    query: dict[str, str | list[str]] = {}
    for key in params:
        values = values_of(key)
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if key.endswith("[]"):
            query[key] = values
        elif len(values) == 1:
            query[key] = values[0]
        else:
            raise InvalidSignature("duplicate_param", f'query parameter "{key}" must appear once')
    return query


# --- app proxy ----------------------------------------------------------------


def sign_app_proxy(pairs: Sequence[tuple[str, str]], secret: str) -> str:
    """The hex `signature` Shopify would add to an app proxy request with these params."""
    # surrogatepass: a lone surrogate in a hostile query string signs (and so fails to match) instead of raising.
    message = _app_proxy_message(pairs).encode("utf-8", "surrogatepass")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_app_proxy(
    pairs: Sequence[tuple[str, str]],
    secrets: Sequence[str],
    *,
    now: float,
    max_skew: int = 90,
) -> AppProxyRequest:
    """Check an app proxy request's `signature` and freshness; return what it vouches for."""
    keys = usable_secrets(secrets)
    # Iterating a MultiDict yields bare keys, which would unpack as ("i", "d") for "id".
    if isinstance(pairs, Mapping):
        raise TypeError("pass (key, value) pairs, e.g. request.args.items(multi=True)")
    pairs = list(pairs)
    _refuse_repeated_params(pairs)
    query = dict(pairs)
    given = query.get("signature")
    if not given:
        raise InvalidSignature("missing", "app proxy request has no signature parameter")
    if not any(_same_hex(given, sign_app_proxy(pairs, key)) for key in keys):
        raise InvalidSignature("mismatch", "app proxy signature does not match")
    return _app_proxy_request(query, now, max_skew)


def _app_proxy_message(pairs: Sequence[tuple[str, str]]) -> str:
    # Shopify's doc code: query_hash.collect{|k,v| "#{k}=#{Array(v).join(',')}"}.sort.join
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key != "signature":
            grouped.setdefault(key, []).append(value)
    return "".join(sorted(f"{key}={','.join(values)}" for key, values in grouped.items()))


def _refuse_repeated_params(pairs: list[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in _APP_PROXY_SINGLE_PARAMS and key in seen:
            raise InvalidSignature("duplicate_param", f'query parameter "{key}" must appear once')
        seen.add(key)


def _same_hex(given: str, expected: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str and `given` is attacker-supplied.
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("ascii"))


def _app_proxy_request(query: dict[str, str], now: float, max_skew: int) -> AppProxyRequest:
    timestamp = _parse_timestamp(query.get("timestamp"))
    _check_fresh(timestamp, now, max_skew)
    return AppProxyRequest(
        shop=_signed_shop(query.get("shop")),
        logged_in_customer_id=query.get("logged_in_customer_id") or None,
        path_prefix=query.get("path_prefix", ""),
        timestamp=timestamp,
    )


def _signed_shop(value: str | None) -> str:
    try:
        return sanitize_shop(value)
    except InvalidShopDomain as error:
        raise InvalidSignature("bad_shop", str(error)) from None


# --- timestamps -----------------------------------------------------------------


def _parse_timestamp(value: object) -> int:
    if not isinstance(value, str) or not _UNIX_SECONDS.fullmatch(value):
        raise InvalidSignature("bad_timestamp", f"timestamp is not unix seconds: {value!r:.40}")
    return int(value)


def _check_fresh(timestamp: int, now: float, window: int) -> None:
    # Both directions: a timestamp from the future is as suspect as an old one.
    if abs(now - timestamp) > window:
        raise InvalidSignature("stale", f"timestamp {timestamp} is more than {window}s from now")
