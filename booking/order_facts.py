"""What Shopify says about a purchase, in the domain's terms: an order, its lines and the gift cards it issued.

The webhook handlers and reconciliation build these from Shopify's payloads; purchases and prepaid take them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class OrderLine:
    line_item_id: int
    variant_id: str | None
    quantity: int
    unit_price: Decimal
    title: str = ""
    gift_card: bool = False
    discount: Decimal = Decimal(0)  # everything discounted off the whole line, its share of order discounts too

    @property
    def paid_per_item(self) -> Decimal:
        """What the customer paid for one item, after discounts (never below zero)."""
        if self.quantity <= 0:
            return Decimal(0)
        return max(Decimal(0), (self.unit_price * self.quantity - self.discount) / self.quantity)


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    name: str | None
    confirmation_number: str | None
    email: str | None
    customer_id: int | None
    currency: str | None
    financial_status: str | None
    updated_at: datetime | None
    lines: tuple[OrderLine, ...] = field(default_factory=tuple)
    attributes: dict = field(default_factory=dict)  # the cart's attributes (note_attributes), name -> value
    customer_name: tuple[str | None, str | None] = (None, None)  # first, last: how the front desk finds them

    @property
    def is_paid(self) -> bool:
        return self.financial_status in ("paid", "partially_refunded", "refunded")


@dataclass(frozen=True)
class GiftCardFacts:
    gift_card_id: int
    order_id: int | None
    line_item_id: int | None
    last_characters: str | None
    balance: Decimal | None
    currency: str | None
    expires_on: object  # date | None
    enabled: bool
    updated_at: datetime | None
