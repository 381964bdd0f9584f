"""Typed exceptions for talking to Shopify.

Everything Shopify-facing raises a ShopifyError subclass, so edges can map
failures to responses (or rq retries) without knowing about HTTP or gql.
New families (auth, signatures ...) subclass ShopifyError here too.
"""

# Bodies can be whole HTML error pages; a short excerpt is enough to debug.
BODY_EXCERPT_CHARS = 200


class ShopifyError(Exception):
    """Base class for every failure talking to Shopify."""


class ShopifyHTTPError(ShopifyError):
    """Shopify answered with an HTTP error status, or (status 0) not at all."""

    def __init__(self, status: int, body: str = ""):
        self.status = status
        self.body = body[:BODY_EXCERPT_CHARS]
        detail = f": {self.body}" if self.body else ""
        super().__init__(f"Shopify answered HTTP {status}{detail}")


class ShopifyConnectionError(ShopifyHTTPError):
    """No HTTP answer from Shopify: refused, reset or timed out."""

    def __init__(self, reason: str):
        reason = reason[:BODY_EXCERPT_CHARS]
        ShopifyError.__init__(self, f"Shopify did not answer: {reason}")
        # status 0 keeps `err.status >= 500`-style checks safe for callers.
        self.status, self.body, self.reason = 0, "", reason


class ShopifyAuthError(ShopifyHTTPError):
    """401/403: token revoked, app uninstalled or a scope is missing."""


class ThrottledError(ShopifyError):
    """Still THROTTLED after every retry; `cost` is the last extensions.cost."""

    def __init__(self, cost: dict | None, attempts: int):
        self.cost = cost
        self.attempts = attempts
        super().__init__(f"Shopify throttled the query {attempts} times; last cost {cost}")


class GraphQLError(ShopifyError):
    """The response carried a GraphQL `errors` array (other than THROTTLED)."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        messages = "; ".join(str(e.get("message", e)) for e in errors)
        super().__init__(messages or "GraphQL error without a message")

    @property
    def codes(self) -> list[str]:
        """The `extensions.code` of each error that has one."""
        return [c for e in self.errors if (c := (e.get("extensions") or {}).get("code"))]


class UserErrors(ShopifyError):
    """A mutation answered with `userErrors`: Shopify refused the input."""

    def __init__(self, errors: list[dict]):
        self.errors = errors
        super().__init__("; ".join(_describe_user_error(e) for e in errors))


def _describe_user_error(error: dict) -> str:
    # `field` is a path such as ["input", "code"], or null for the whole input.
    field = ".".join(error.get("field") or [])
    message = error.get("message", "")
    return f"{field}: {message}" if field else message
