"""Session tokens (App Bridge ID tokens): decoded by ShopifyAPI, minted for demos and tests."""
from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

import jwt
from shopify import session_token as shopify_session_token

from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop
from shopify_app.signatures import usable_secrets

_BEARER = "Bearer "

# Checked in order. InvalidSignatureError subclasses DecodeError, so it comes first and
# anything unlisted (DecodeError included) is "malformed".
_JWT_REASONS = (
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "bad_audience"),
    (jwt.InvalidAlgorithmError, "bad_algorithm"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
)


@dataclass(frozen=True)
class SessionToken:
    """The verified claims of a session token."""

    shop: str  # bare "name.myshopify.com", from `dest`
    user_id: str | None  # `sub`
    session_id: str | None  # `sid`
    expires_at: int
    claims: dict


class InvalidSessionToken(Exception):
    """A session token that must not be trusted; `reason` is a short machine code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def decode_authorization_header(
    header_value: str | None, *, api_key: str, secrets: Sequence[str]
) -> SessionToken:
    """Verify the session token in an `Authorization: Bearer <token>` header value."""
    if not header_value or not header_value.strip():
        raise InvalidSessionToken("missing", "no Authorization header")
    scheme, _, token = header_value.strip().partition(" ")
    # The auth scheme is case-insensitive (RFC 7235); ShopifyAPI only accepts "Bearer ".
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidSessionToken("malformed", "Authorization header does not hold a Bearer token")
    return decode_session_token(token.strip(), api_key=api_key, secrets=secrets)


def decode_session_token(
    token: str | None, *, api_key: str, secrets: Sequence[str]
) -> SessionToken:
    """Verify a session token (HS256, aud, exp/nbf with 10 s leeway, iss/dest hosts)."""
    if not token:
        raise InvalidSessionToken("missing", "no session token")
    failure = None
    for secret in usable_secrets(secrets):
        try:
            claims = _decode_with(token, api_key, secret)
        except InvalidSessionToken as error:
            # During a secret rotation only a signature failure means "try the other secret";
            # an expired token signed with the right secret is simply expired.
            if error.reason != "bad_signature":
                raise
            failure = error
        else:
            return _session_token_from(claims)
    raise failure


def _decode_with(token: str, api_key: str, secret: str) -> dict:
    # ShopifyAPI applies leeway=10 s: App Bridge sends nbf slightly in the future.
    try:
        return shopify_session_token.decode_from_header(_BEARER + token, api_key, secret)
    except shopify_session_token.InvalidIssuerError as error:
        raise InvalidSessionToken("bad_issuer", str(error)) from error
    except shopify_session_token.MismatchedHostsError as error:
        raise InvalidSessionToken("mismatched_hosts", str(error)) from error
    except shopify_session_token.SessionTokenError as error:
        # ShopifyAPI wraps every PyJWT error in SessionTokenError(str(e)) from e.
        raise InvalidSessionToken(_reason_for(error.__cause__), str(error)) from error


def _reason_for(cause: BaseException | None) -> str:
    for error_type, reason in _JWT_REASONS:
        if isinstance(cause, error_type):
            return reason
    return "malformed"


# Shopify's session tokens live one minute; one that claims to live longer was not minted by App Bridge.
MAX_LIFETIME_SECONDS = 300
_USER_ID = re.compile(r"[0-9]{1,20}")


def _session_token_from(claims: dict) -> SessionToken:
    try:
        shop = sanitize_shop(claims["dest"])
    except InvalidShopDomain as error:
        raise InvalidSessionToken("bad_destination", str(error)) from None
    expires_at = claims.get("exp")
    if not isinstance(expires_at, int) or isinstance(expires_at, bool):
        raise InvalidSessionToken("malformed", "the session token has no expiry")
    if expires_at > time.time() + MAX_LIFETIME_SECONDS:
        raise InvalidSessionToken("too_long_lived", "the session token claims to live longer than a session token")
    user_id = claims.get("sub")
    if user_id is not None and (not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id)):
        raise InvalidSessionToken("bad_subject", "the session token's user is not a Shopify user id")
    return SessionToken(
        shop=shop,
        user_id=user_id,
        session_id=claims.get("sid"),
        expires_at=expires_at,
        claims=claims,
    )


def mint_session_token(
    shop: str, *, api_key: str, secret: str, now: int, ttl: int = 60, user_id: str = "1"
) -> str:
    """Build a token with Shopify's claim set, for the local App Bridge stand-in and tests.

    It is never used to authenticate anything against Shopify: Shopify only trusts
    tokens it minted itself, and these only convince our own decode_session_token.
    """
    shop = sanitize_shop(shop)
    claims = {
        "iss": f"https://{shop}/admin",
        "dest": f"https://{shop}",
        "aud": api_key,
        "sub": user_id,
        "exp": now + ttl,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": _session_id(api_key, shop, user_id),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _session_id(api_key: str, shop: str, user_id: str) -> str:
    # Shopify's sid is stable for one user in one app; derive it so ours is too.
    return hashlib.sha256(f"{api_key}:{shop}:{user_id}".encode("utf-8")).hexdigest()[:32]
