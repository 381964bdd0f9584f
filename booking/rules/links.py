"""Signed, expiring links that let a customer reach their bookings without a password."""
from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "packbook.customer-link.v1"
DEFAULT_MAX_AGE = 30 * 24 * 3600  # a booking link from an order email stays valid for 30 days


class InvalidLink(Exception):
    """The link was tampered with, signed for another purpose, or has expired."""

    def __init__(self, reason: str):
        super().__init__(f"this link is {reason}")
        self.reason = reason


@dataclass(frozen=True)
class CustomerLink:
    shop: str
    customer_id: str | None
    email: str | None


def sign_customer_link(secret_key: str, link: CustomerLink) -> str:
    """A URL-safe token naming the shop and customer, timestamped at signing."""
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    return serializer.dumps({"s": link.shop, "c": link.customer_id, "e": link.email})


def read_customer_link(secret_key: str, token: str, max_age: int = DEFAULT_MAX_AGE) -> CustomerLink:
    """Verify the signature and age of a customer link (constant-time, via itsdangerous)."""
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    try:
        data = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink("expired") from None
    except BadSignature:
        raise InvalidLink("not valid") from None
    return CustomerLink(shop=data["s"], customer_id=data.get("c"), email=data.get("e"))
