"""What each handled topic's payload must hold, declared once and checked at the door.

A correctly signed delivery whose payload lacks a field its handler needs, or holds one of the wrong type,
is answered 400 naming the field and never stored: one that passes is never failed later by a missing id.
Shopify sends far more than this; only what the handlers read is declared (extra fields are kept as sent).
Ids are positive 64-bit integers (Shopify's exceed 2^53, so digits in a string are accepted too); counts
are whole and bounded; amounts are decimals of at least zero.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from endpoints import InvalidInput
from endpoints.fields import Day, Id, decimal, refuse, text, value_type, whole

MAX_QUANTITY = 1_000_000  # units on one order line; what one line may *grant* is bounded separately
Amount = decimal(Decimal(0), Decimal("9999999999.99"), what="an amount")


def _iso_time(value):
    # Kept as sent: the handlers parse it (datetime.fromisoformat), so what they cannot parse stops here.
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) and len(value) <= 64 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise refuse("must be an ISO 8601 date-time")
    return value


When = value_type(str, _iso_time, {"type": "string", "format": "date-time"})


class Payload(BaseModel):
    model_config = ConfigDict(extra="allow")


class CustomerRef(Payload):
    id: Id | None = None


class DiscountAllocation(Payload):
    amount: Amount


class LineItem(Payload):
    id: Id
    variant_id: Id | None = None
    quantity: whole(0, MAX_QUANTITY) = 0
    price: Amount | None = None
    gift_card: bool | None = None
    discount_allocations: list[DiscountAllocation] = Field(default_factory=list, max_length=100)


class NoteAttribute(Payload):
    name: text(255)
    value: text(5000, min_length=0) | None = None


class Order(Payload):
    """orders/create, orders/updated, orders/paid, orders/cancelled."""

    id: Id
    customer: CustomerRef | None = None
    line_items: list[LineItem] = Field(default_factory=list, max_length=2000)
    note_attributes: list[NoteAttribute] = Field(default_factory=list, max_length=250)
    updated_at: When | None = None


class RefundLine(Payload):
    line_item_id: Id
    quantity: whole(0, MAX_QUANTITY) = 0


class Refund(Payload):
    """refunds/create."""

    id: Id
    order_id: Id
    refund_line_items: list[RefundLine] = Field(default_factory=list, max_length=2000)


class GiftCard(Payload):
    """gift_cards/create and gift_cards/update, bare or wrapped in {"gift_card": ...}."""

    id: Id
    order_id: Id | None = None
    line_item_id: Id | None = None
    balance: Amount | None = None
    expires_on: Day | None = None
    updated_at: When | None = None


class Contract(Payload):
    """subscription_contracts/create and /activate (pause, cancel, expire, fail need only the id)."""

    id: Id
    customer_id: Id


class ContractRef(Payload):
    id: Id


class BillingAttempt(Payload):
    """subscription_billing_attempts/success."""

    subscription_contract_id: Id


class Customer(Payload):
    """customers/update: the tags that make a member."""

    id: Id
    tags: text(5000, min_length=0) | None = None


DECLARED: dict[str, type[Payload]] = {
    "orders/create": Order, "orders/updated": Order, "orders/paid": Order, "orders/cancelled": Order,
    "refunds/create": Refund, "gift_cards/create": GiftCard, "gift_cards/update": GiftCard,
    "subscription_contracts/create": Contract, "subscription_contracts/activate": Contract,
    "subscription_contracts/pause": ContractRef, "subscription_contracts/cancel": ContractRef,
    "subscription_contracts/expire": ContractRef, "subscription_contracts/fail": ContractRef,
    "subscription_billing_attempts/success": BillingAttempt, "customers/update": Customer,
}


class UnusablePayload(Exception):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(message)


def check_payload(topic: str, payload: dict) -> None:
    """Raise UnusablePayload naming the first field the topic's handler could not use."""
    model = DECLARED.get(topic)
    if model is None:
        return
    body = payload.get("gift_card", payload) if model is GiftCard else payload
    if not isinstance(body, dict):
        raise UnusablePayload("gift_card", "gift_card must be a JSON object")
    try:
        checked = model.model_validate(body)
    except ValidationError as exc:
        invalid = InvalidInput.from_pydantic(exc, root="body")
        raise UnusablePayload(invalid.field, invalid.message) from None
    if isinstance(checked, Order):
        _refuse_repeated_lines(checked.line_items)


def _refuse_repeated_lines(lines: list[LineItem]) -> None:
    # Packages are keyed by (order, line item, unit): a second line with the same id would be dropped.
    seen = set()
    for index, line in enumerate(lines):
        if line.id in seen:
            raise UnusablePayload(f"line_items[{index}].id", f"line_items[{index}].id repeats an earlier line's id")
        seen.add(line.id)


CODE_KEYS = ("code", "masked_code")


def without_codes(topic: str, payload: dict) -> dict:
    """A gift card's payload with its code removed, in every shape Shopify sends it (bare or wrapped in
    {"gift_card": ...}), before it is stored or logged. The last four characters are all Packbook keeps."""
    if not topic.startswith("gift_cards/"):
        return payload
    wrapped = isinstance(payload.get("gift_card"), dict)
    card = payload["gift_card"] if wrapped else payload
    if not any(key in card for key in CODE_KEYS):
        return payload
    code = card.get("code")
    kept = {key: value for key, value in card.items() if key not in CODE_KEYS}
    if not kept.get("last_characters") and isinstance(code, str) and len(code) >= 4:
        kept["last_characters"] = code[-4:]
    return {**payload, "gift_card": kept} if wrapped else kept
