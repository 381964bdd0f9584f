"""Mutations are retried only when Shopify certainly did not run them: a 5xx or a read timeout may come after
the write happened, and running it twice could, say, issue two gift cards."""

import pytest
import requests

from shopify_app.errors import ShopifyConnectionError, ShopifyHTTPError
from tests.unit import test_client as base
from tests.unit.test_client import GIFT_CARD_CREATE, THROTTLED_BODY, answer, ok_body

# The client tests' fixtures: Shopify played by `responses`, sleeps recorded instead of slept.
shopify, sleeps, make_client, client = base.shopify, base.sleeps, base.make_client, base.client

PAYLOAD = {"giftCard": {"id": "gid://shopify/GiftCard/1"}, "userErrors": []}


def create(client):
    return client.mutate(GIFT_CARD_CREATE, {"input": {}}, payload_key="giftCardCreate")


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_fails_a_mutation_at_once(shopify, client, sleeps, status):
    answer(shopify, status=status, body="Bad Gateway")  # a query would be retried on this (and succeed)

    with pytest.raises(ShopifyHTTPError) as raised:
        create(client)

    assert raised.value.status == status
    assert len(shopify.calls) == 1 and sleeps == []


def test_a_read_timeout_fails_a_mutation_at_once(shopify, client, sleeps):
    answer(shopify, body=requests.exceptions.ReadTimeout("read timed out"))

    with pytest.raises(ShopifyConnectionError):
        create(client)

    assert len(shopify.calls) == 1


@pytest.mark.parametrize("first", [
    {"body": requests.exceptions.ConnectTimeout("connect timed out")},
    {"body": requests.exceptions.ConnectionError("Failed to establish a new connection")},
    {"status": 429, "body": "Too Many Requests", "headers": {"Retry-After": "0.5"}},
    {"json_body": THROTTLED_BODY},
])
def test_a_mutation_shopify_never_ran_is_retried(shopify, client, sleeps, first):
    answer(shopify, **first)
    answer(shopify, json_body=ok_body(data={"giftCardCreate": PAYLOAD}))

    assert create(client) == PAYLOAD
    assert len(shopify.calls) == 2 and len(sleeps) == 1


def test_queries_still_retry_a_5xx(shopify, client, sleeps):
    answer(shopify, status=502, body="Bad Gateway")
    answer(shopify, json_body=ok_body())

    assert client.query("query ShopInfo { shop { name } }")
    assert len(shopify.calls) == 2
