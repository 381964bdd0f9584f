"""Both ways an order reaches Packbook (the webhook and reconciliation) read what was paid after discounts."""
from __future__ import annotations

from decimal import Decimal

from webhooks import orders, reconcile


def test_the_webhook_and_reconciliation_agree_on_a_discounted_line():
    rest = {"id": 1, "line_items": [{"id": 7, "variant_id": 9, "quantity": 2, "price": "250.00",
                                     "discount_allocations": [{"amount": "100.00"}, {"amount": "50.00"}]}]}
    graphql = {"legacyResourceId": "1", "lineItems": {"nodes": [{
        "id": "gid://shopify/LineItem/7", "quantity": 2, "variant": {"legacyResourceId": "9"},
        "originalUnitPriceSet": {"shopMoney": {"amount": "250.0"}},
        "discountAllocations": [{"allocatedAmountSet": {"shopMoney": {"amount": "100.0"}}},
                                {"allocatedAmountSet": {"shopMoney": {"amount": "50.0"}}}]}]}}
    [from_webhook] = orders.order_facts(rest).lines
    [from_reconcile] = reconcile.order_facts(graphql).lines
    assert from_webhook.paid_per_item == from_reconcile.paid_per_item == Decimal("175")
