"""Getting and keeping an offline access token: token exchange, refresh, and the legacy code grant."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

import requests

from shopify_app.errors import ShopifyConnectionError, ShopifyError, ShopifyHTTPError

log = logging.getLogger(__name__)

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
OFFLINE_TOKEN_TYPE = "urn:shopify:params:oauth:token-type:offline-access-token"


class InvalidSubjectToken(ShopifyError):
    """Shopify refused the session token we offered: fetch a fresh one through App Bridge."""


class RefreshTokenRejected(ShopifyError):
    """The refresh token is no longer active; the next admin load must run a token exchange."""


@dataclass(frozen=True)
class TokenGrant:
    """An offline access token and, for expiring tokens, its refresh token and lifetimes."""

    access_token: str
    scope: str
    expires_at: datetime | None
    refresh_token: str | None
    refresh_token_expires_at: datetime | None

    @classmethod
    def from_response(cls, body: dict, now: datetime) -> "TokenGrant":
        if not body.get("access_token"):
            raise ShopifyError("Shopify's token response has no access_token")
        return cls(access_token=body["access_token"], scope=body.get("scope", ""),
                   expires_at=_after(now, body.get("expires_in")),
                   refresh_token=body.get("refresh_token"),
                   refresh_token_expires_at=_after(now, body.get("refresh_token_expires_in")))

    def __repr__(self) -> str:  # tokens never reach logs
        return f"TokenGrant(scope={self.scope!r}, expires_at={self.expires_at})"


def _after(now: datetime, seconds) -> datetime | None:
    return None if seconds in (None, "") else now + timedelta(seconds=int(seconds))


class OAuthClient:
    """Calls POST https://{shop}/admin/oauth/access_token for the three ways of getting a token."""

    def __init__(self, api_key: str, api_secret: str, *, admin_origin: str | None = None,
                 timeout: float = 10.0, http: requests.Session | None = None):
        self.api_key, self._secret = api_key, api_secret
        self.admin_origin, self.timeout = admin_origin, timeout
        self.http = http or requests.Session()

    def exchange_session_token(self, shop: str, session_token: str, now: datetime) -> TokenGrant:
        """Token exchange: trade an App Bridge session token for an expiring offline token."""
        return self._grant(shop, now, {
            "grant_type": TOKEN_EXCHANGE_GRANT, "subject_token": session_token,
            "subject_token_type": ID_TOKEN_TYPE, "requested_token_type": OFFLINE_TOKEN_TYPE,
            "expiring": "1"})

    def refresh(self, shop: str, refresh_token: str, now: datetime) -> TokenGrant:
        """Rotate an expiring offline token; each refresh also rotates the refresh token."""
        return self._grant(shop, now, {"grant_type": "refresh_token", "refresh_token": refresh_token})

    def exchange_code(self, shop: str, code: str, now: datetime) -> TokenGrant:
        """Legacy authorization-code grant, asking for an expiring token."""
        return self._grant(shop, now, {"code": code, "expiring": "1"})

    def authorize_url(self, shop: str, scopes: tuple[str, ...], redirect_uri: str, state: str) -> str:
        """Where the legacy install flow sends the merchant to approve the app."""
        query = urlencode({"client_id": self.api_key, "scope": ",".join(scopes),
                           "redirect_uri": redirect_uri, "state": state})
        return f"{self._origin(shop)}/admin/oauth/authorize?{query}"

    def _origin(self, shop: str) -> str:
        return self.admin_origin or f"https://{shop}"

    def _grant(self, shop: str, now: datetime, fields: dict) -> TokenGrant:
        body = {"client_id": self.api_key, "client_secret": self._secret, **fields}
        url = f"{self._origin(shop)}/admin/oauth/access_token"
        try:
            response = self.http.post(url, json=body, timeout=self.timeout,
                                      headers={"Accept": "application/json"})
        except requests.RequestException as exc:
            raise ShopifyConnectionError(type(exc).__name__) from None
        if response.status_code != 200:
            raise _grant_error(response, fields["grant_type"] if "grant_type" in fields else "code")
        return TokenGrant.from_response(response.json(), now)


def _grant_error(response: requests.Response, grant: str) -> ShopifyError:
    text = response.text[:300]
    if response.status_code == 400 and "invalid_subject_token" in text:
        return InvalidSubjectToken("Shopify rejected the session token (invalid_subject_token)")
    if grant == "refresh_token" and response.status_code in (400, 401):
        return RefreshTokenRejected(f"refresh token rejected: HTTP {response.status_code}")
    log.warning("token request (%s) failed: HTTP %s", grant, response.status_code)
    return ShopifyHTTPError(response.status_code, text)
