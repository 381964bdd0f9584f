"""Shopify Admin GraphQL client: one object per shop and token, throttle-aware.

Built on gql's RequestsHTTPTransport. gql reports failures unevenly: an error
status whose body is JSON with an `errors` key (Shopify's 401 and 429 both
are) comes back as a TransportQueryError with no status code at all. So the
client records every HTTP response itself and decides by status first.
"""

import logging
import math
import time
from typing import Any, Callable, Iterator

import requests
from gql import Client, GraphQLRequest
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)
from gql.transport.requests import RequestsHTTPTransport

from shopify_app.errors import (
    GraphQLError,
    ShopifyAuthError,
    ShopifyConnectionError,
    ShopifyError,
    ShopifyHTTPError,
    ThrottledError,
    UserErrors,
)

# Shopify ships an Admin API version every quarter (YYYY-01/04/07/10) and
# supports each for at least 12 months; a retired version silently falls
# forward to the oldest supported one. Bump deliberately, re-checking
# queries.py and the webhook payloads against the new version.
API_VERSION = "2026-10"

log = logging.getLogger(__name__)

AUTH_STATUSES = frozenset({401, 403})
RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})
# Shopify's own clients wait 1 s when the response does not say how long.
DEFAULT_WAIT = 1.0
MIN_THROTTLE_WAIT = 0.1
FIRST_BACKOFF = 0.5


def throttle_wait(cost: dict | None, *, max_wait: float, default: float = DEFAULT_WAIT) -> float:
    """Seconds until the cost bucket again holds the requested cost; 0 if it already does."""
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(cost["throttleStatus"]["currentlyAvailable"])
        restore_rate = float(cost["throttleStatus"]["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return min(default, max_wait)
    if restore_rate <= 0:  # nonsense from the server: cannot compute a refill time
        return min(default, max_wait)
    deficit = requested - available
    if deficit <= 0:
        return 0.0
    return _clamp(deficit / restore_rate, MIN_THROTTLE_WAIT, max_wait)


def _retry_after_wait(headers: Any, *, max_wait: float) -> float:
    try:
        seconds = float(headers.get("Retry-After", DEFAULT_WAIT))
    except (TypeError, ValueError):  # an HTTP-date; Shopify sends seconds
        seconds = DEFAULT_WAIT
    if not math.isfinite(seconds):
        seconds = DEFAULT_WAIT
    return _clamp(seconds, 0.0, max_wait)


def _backoff_wait(attempt: int, *, max_wait: float) -> float:
    return min(FIRST_BACKOFF * 2 ** (attempt - 1), max_wait)


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(value, high))


class _Retry(Exception):
    """Internal: this attempt failed in a way worth retrying after `wait` seconds.

    `unexecuted` says Shopify certainly did not run the operation (throttled, or the connection was never
    made); a 5xx or a read timeout may come after it ran, so only queries are retried then, never mutations.
    """

    def __init__(self, error: ShopifyError, wait: float, reason: str, *, unexecuted: bool = False):
        super().__init__(reason)
        self.error, self.wait, self.reason, self.unexecuted = error, wait, reason, unexecuted


class ShopifyClient:
    """Admin GraphQL API client for one shop and one access token (not thread-safe)."""

    def __init__(
        self,
        shop: str,
        access_token: str,
        *,
        admin_origin: str | None = None,
        api_version: str = API_VERSION,
        timeout: float = 10.0,
        max_attempts: int = 5,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not access_token:
            raise ValueError("access_token is required")
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        origin = (admin_origin or f"https://{shop}").rstrip("/")
        self.shop = shop
        self.endpoint = f"{origin}/admin/api/{api_version}/graphql.json"
        self.max_attempts, self.max_wait = max_attempts, max_wait
        self.last_cost: dict | None = None
        self._sleep = sleep
        self._token = access_token  # kept only to redact it from error bodies
        self._response: requests.Response | None = None
        transport = self._transport(access_token, timeout)
        self._gql = Client(transport=transport, fetch_schema_from_transport=False)
        # One requests.Session for the client's life (Client.execute opens one per call).
        self._gql_session = self._gql.connect_sync()
        transport.session.hooks["response"].append(self._remember_response)

    def __repr__(self) -> str:
        return f"ShopifyClient(shop={self.shop!r}, endpoint={self.endpoint!r})"

    def __enter__(self) -> "ShopifyClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._gql.close_sync()

    def query(
        self, document: str, variables: dict | None = None, *, operation_name: str | None = None,
        idempotent: bool = True,
    ) -> dict:
        """Run a GraphQL document and return its `data`; raises a ShopifyError on failure.

        `idempotent=False` (mutations) retries only failures Shopify certainly did not act on."""
        request = GraphQLRequest(document, variable_values=variables, operation_name=operation_name)
        self._pace()
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(request, attempt)
            except _Retry as retry:
                if attempt == self.max_attempts or not (idempotent or retry.unexecuted):
                    raise retry.error from None
                log.warning("Shopify %s: %s; retry %d of %d in %.2fs",
                            self.shop, retry.reason, attempt, self.max_attempts - 1, retry.wait)
                self._sleep(retry.wait)
        raise AssertionError("unreachable: max_attempts >= 1")

    def paginate(self, document: str, variables: dict, *, connection: str) -> Iterator[dict]:
        """Every node of `data[connection]`, page by page through `after`/`pageInfo.endCursor`."""
        after = None
        while True:
            page = self.query(document, {**variables, "after": after})[connection]
            yield from page["nodes"]
            if not page["pageInfo"]["hasNextPage"]:
                return
            after = page["pageInfo"]["endCursor"]

    def mutate(self, document: str, variables: dict, *, payload_key: str) -> dict:
        """Run a mutation; return `data[payload_key]`, or raise UserErrors if Shopify refused it."""
        payload = self.query(document, variables, idempotent=False).get(payload_key)
        if payload is None:
            raise ShopifyError(f"mutation answered without a {payload_key!r} payload")
        if payload.get("userErrors"):
            raise UserErrors(payload["userErrors"])
        return payload

    def _transport(self, access_token: str, timeout: float) -> RequestsHTTPTransport:
        headers = {"X-Shopify-Access-Token": access_token, "Content-Type": "application/json"}
        # retries=0 leaves requests' own retry adapter off: query() owns retrying.
        return RequestsHTTPTransport(url=self.endpoint, headers=headers, timeout=timeout, retries=0)

    def _remember_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._response = response

    def _pace(self) -> None:
        # Wait out the deficit the last answer reported, so a paging loop
        # slows down before Shopify starts answering THROTTLED.
        wait = throttle_wait(self.last_cost, max_wait=self.max_wait, default=0.0)
        if wait > 0:
            log.debug("Shopify %s: pacing %.2fs for the cost bucket", self.shop, wait)
            self._sleep(wait)

    def _attempt(self, request: GraphQLRequest, attempt: int) -> dict:
        """One round trip: returns `data`, or raises a final ShopifyError or a _Retry."""
        self._response = None
        try:
            outcome = self._gql_session.execute(request, get_execution_result=True)
        except TransportConnectionFailed as exc:
            cause = exc.__cause__ or exc
            reason = type(cause).__name__  # e.g. ConnectTimeout
            error = ShopifyConnectionError(f"{reason}: {self._redact(str(cause))}")
            unsent = isinstance(cause, requests.exceptions.ConnectTimeout) or (
                isinstance(cause, requests.exceptions.ConnectionError)
                and not isinstance(cause, requests.exceptions.ReadTimeout)
                and "RemoteDisconnected" not in str(cause))
            raise _Retry(error, _backoff_wait(attempt, max_wait=self.max_wait), reason, unexecuted=unsent) from None
        except (TransportQueryError, TransportServerError, TransportProtocolError) as exc:
            # Decided below, outside this block, so gql's exception (which can
            # quote the raw body) is not chained onto ours: we keep a redacted excerpt.
            outcome = exc
        self._raise_for_status(attempt)
        if isinstance(outcome, Exception):
            raise self._answer_failure(outcome, attempt)
        self.last_cost = (outcome.extensions or {}).get("cost")
        return outcome.data

    def _raise_for_status(self, attempt: int) -> None:
        response = self._response
        if response is None or response.status_code < 400:
            return
        status = response.status_code
        error_class = ShopifyAuthError if status in AUTH_STATUSES else ShopifyHTTPError
        error = error_class(status, self._redacted_body(response))
        if status == 429:
            wait = _retry_after_wait(response.headers, max_wait=self.max_wait)
            raise _Retry(error, wait, "HTTP 429", unexecuted=True)
        if status in RETRYABLE_STATUSES:
            raise _Retry(error, _backoff_wait(attempt, max_wait=self.max_wait), f"HTTP {status}")
        raise error

    def _answer_failure(self, exc: Exception, attempt: int) -> Exception:
        """The exception for a 2xx answer that carried GraphQL errors or was not GraphQL at all."""
        if not isinstance(exc, TransportQueryError):
            status = self._response.status_code if self._response is not None else 0
            return ShopifyHTTPError(status, self._redacted_body(self._response))
        errors = _error_list(exc.errors)
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            cost = (exc.extensions or {}).get("cost")
            # Still throttled with no reported deficit: wait at least the floor.
            floor = min(MIN_THROTTLE_WAIT, self.max_wait)
            wait = max(throttle_wait(cost, max_wait=self.max_wait), floor)
            return _Retry(ThrottledError(cost, attempt), wait, "THROTTLED", unexecuted=True)
        return GraphQLError(errors)

    def _redacted_body(self, response: requests.Response | None) -> str:
        return self._redact(response.text if response is not None else "")

    def _redact(self, text: str) -> str:
        # Shopify does not echo tokens, but a proxy or local stand-in might.
        return text.replace(self._token, "[redacted]")


def _error_list(errors: Any) -> list[dict]:
    # Shopify's `errors` is normally a list of objects, but a bare string also occurs.
    if isinstance(errors, str):
        return [{"message": errors}]
    return [e if isinstance(e, dict) else {"message": str(e)} for e in errors or []]
