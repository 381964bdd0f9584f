"""ShopifyClient against Shopify's HTTP mocked with `responses`; sleeps are recorded, not slept."""

import json
import logging

import pytest
import requests
import responses
from gql import gql

from shopify_app import queries
from shopify_app.client import API_VERSION, ShopifyClient, throttle_wait
from shopify_app.errors import (
    GraphQLError,
    ShopifyAuthError,
    ShopifyConnectionError,
    ShopifyHTTPError,
    ThrottledError,
    UserErrors,
)

SHOP = "yoga-loft.myshopify.com"
TOKEN = "shpat_test_0123456789abcdef"
ENDPOINT = f"https://{SHOP}/admin/api/{API_VERSION}/graphql.json"
SHOP_NAME = {"shop": {"name": "Yoga Loft"}}


def make_cost(requested=10, available=990.0, restore_rate=50.0):
    return {
        "requestedQueryCost": requested,
        "actualQueryCost": requested,
        "throttleStatus": {
            "maximumAvailable": 1000.0,
            "currentlyAvailable": available,
            "restoreRate": restore_rate,
        },
    }


def ok_body(data=None, cost=None):
    return {"data": data or SHOP_NAME, "extensions": {"cost": cost or make_cost()}}


# The shape of a real throttled answer (HTTP 200, no data).
THROTTLED_BODY = {
    "errors": [{
        "message": "Throttled",
        "extensions": {
            "code": "THROTTLED",
            "documentation": "https://shopify.dev/api/usage/rate-limits",
        },
    }],
    "extensions": {"cost": {
        "requestedQueryCost": 752,
        "actualQueryCost": None,
        "throttleStatus": {
            "maximumAvailable": 1000.0, "currentlyAvailable": 666, "restoreRate": 50.0,
        },
    }},
}


@pytest.fixture
def shopify():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def make_client(sleeps):
    def make(**overrides):
        return ShopifyClient(SHOP, TOKEN, **{"sleep": sleeps.append, **overrides})
    return make


@pytest.fixture
def client(make_client):
    return make_client()


def answer(shopify, *, status=200, json_body=None, body=None, headers=None, url=ENDPOINT):
    if json_body is not None:
        shopify.post(url, status=status, json=json_body, headers=headers)
    else:
        shopify.post(url, status=status, body=body, headers=headers)


# --- success, endpoint, headers -------------------------------------------

def test_query_returns_data_and_remembers_the_cost(shopify, client):
    cost = make_cost(requested=12, available=988.0)
    answer(shopify, json_body=ok_body(cost=cost))

    assert client.query(queries.SHOP_INFO) == SHOP_NAME
    assert client.last_cost == cost


def test_request_goes_to_the_pinned_version_with_the_token_header(shopify, client):
    answer(shopify, json_body=ok_body())

    variables = {"id": "gid://shopify/ProductVariant/1"}
    client.query(queries.PRODUCT_VARIANT, variables, operation_name="ProductVariant")

    request = shopify.calls[0].request
    assert request.url == f"https://{SHOP}/admin/api/2026-10/graphql.json"
    assert request.headers["X-Shopify-Access-Token"] == TOKEN
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.body)
    assert body["variables"] == variables
    assert body["operationName"] == "ProductVariant"
    assert "productVariant(id: $id)" in body["query"]


def test_admin_origin_points_the_client_at_a_local_stand_in(shopify, make_client):
    local = f"http://127.0.0.1:8765/admin/api/{API_VERSION}/graphql.json"
    answer(shopify, json_body=ok_body(), url=local)

    make_client(admin_origin="http://127.0.0.1:8765/").query(queries.SHOP_INFO)

    assert shopify.calls[0].request.url == local
    assert shopify.calls[0].request.headers["X-Shopify-Access-Token"] == TOKEN


def test_one_http_session_serves_every_call(shopify, client):
    answer(shopify, json_body=ok_body())
    session = client._gql.transport.session

    client.query(queries.SHOP_INFO)
    client.query(queries.SHOP_INFO)

    assert client._gql.transport.session is session


# --- throttling ------------------------------------------------------------

def test_throttled_answer_waits_the_cost_deficit_then_retries(shopify, client, sleeps):
    answer(shopify, json_body=THROTTLED_BODY)
    answer(shopify, json_body=ok_body())

    assert client.query(queries.SHOP_INFO) == SHOP_NAME
    assert sleeps == [pytest.approx((752 - 666) / 50.0)]  # 1.72 s
    assert len(shopify.calls) == 2


def test_throttled_without_cost_waits_one_second(shopify, client, sleeps):
    answer(shopify, json_body={"errors": THROTTLED_BODY["errors"]})
    answer(shopify, json_body=ok_body())

    client.query(queries.SHOP_INFO)

    assert sleeps == [1.0]


def test_throttled_forever_raises_throttled_error_after_max_attempts(shopify, make_client, sleeps):
    answer(shopify, json_body=THROTTLED_BODY)

    with pytest.raises(ThrottledError) as raised:
        make_client(max_attempts=3).query(queries.SHOP_INFO)

    assert len(shopify.calls) == 3
    assert len(sleeps) == 2
    assert raised.value.cost == THROTTLED_BODY["extensions"]["cost"]


def test_429_waits_retry_after_then_succeeds(shopify, client, sleeps):
    answer(shopify, status=429, json_body={"errors": "Throttled"}, headers={"Retry-After": "2"})
    answer(shopify, json_body=ok_body())

    assert client.query(queries.SHOP_INFO) == SHOP_NAME
    assert sleeps == [2.0]


def test_429_retry_after_is_clamped_to_max_wait(shopify, make_client, sleeps):
    answer(shopify, status=429, json_body={"errors": "Throttled"}, headers={"Retry-After": "120"})
    answer(shopify, json_body=ok_body())

    make_client(max_wait=5.0).query(queries.SHOP_INFO)

    assert sleeps == [5.0]


def test_low_bucket_makes_the_next_call_wait_the_deficit_before_sending(shopify, client, sleeps):
    answer(shopify, json_body=ok_body(cost=make_cost(requested=100, available=40.0)))
    sleeps_seen_by_second_request = []

    def second(request):
        sleeps_seen_by_second_request.extend(sleeps)
        return 200, {}, json.dumps(ok_body())
    shopify.add_callback(responses.POST, ENDPOINT, callback=second)

    client.query(queries.SHOP_INFO)
    assert sleeps == []
    client.query(queries.SHOP_INFO)

    assert sleeps_seen_by_second_request == [pytest.approx(1.2)]  # (100 - 40) / 50


def test_full_bucket_does_not_delay_the_next_call(shopify, client, sleeps):
    answer(shopify, json_body=ok_body(cost=make_cost(requested=100, available=900.0)))

    client.query(queries.SHOP_INFO)
    client.query(queries.SHOP_INFO)

    assert sleeps == []


@pytest.mark.parametrize("cost, expected", [
    (None, 1.0),
    ({}, 1.0),
    ({"requestedQueryCost": 752, "actualQueryCost": None}, 1.0),
    (make_cost(requested=752, available=666, restore_rate=0.0), 1.0),
    (make_cost(requested=752, available=666, restore_rate=50.0), pytest.approx(1.72)),
    (make_cost(requested=1000, available=0.0, restore_rate=1.0), 30.0),
    (make_cost(requested=101, available=100.0, restore_rate=50.0), 0.1),
    (make_cost(requested=100, available=100.0), 0.0),
    (make_cost(requested=10, available=990.0), 0.0),
])
def test_throttle_wait(cost, expected):
    assert throttle_wait(cost, max_wait=30.0) == expected


def test_throttle_wait_default_applies_only_when_cost_is_unknown():
    assert throttle_wait(None, max_wait=30.0, default=0.0) == 0.0
    assert throttle_wait(None, max_wait=0.5) == 0.5


# --- HTTP failures -----------------------------------------------------------

def test_503_twice_backs_off_half_then_one_second(shopify, client, sleeps):
    answer(shopify, status=503, body="<html>Service Unavailable</html>")
    answer(shopify, status=503, body="<html>Service Unavailable</html>")
    answer(shopify, json_body=ok_body())

    assert client.query(queries.SHOP_INFO) == SHOP_NAME
    assert sleeps == [0.5, 1.0]


def test_500_forever_raises_http_error_after_max_attempts(shopify, client, sleeps):
    answer(shopify, status=500, json_body={"errors": "Internal Server Error"})

    with pytest.raises(ShopifyHTTPError) as raised:
        client.query(queries.SHOP_INFO)

    assert raised.value.status == 500
    assert len(shopify.calls) == 5
    assert sleeps == [0.5, 1.0, 2.0, 4.0]


def test_backoff_is_clamped_to_max_wait(shopify, make_client, sleeps):
    answer(shopify, status=502, body="Bad Gateway")

    with pytest.raises(ShopifyHTTPError):
        make_client(max_attempts=4, max_wait=1.5).query(queries.SHOP_INFO)

    assert sleeps == [0.5, 1.0, 1.5]


def test_connection_timeout_is_retried_then_raises(shopify, make_client, sleeps):
    answer(shopify, body=requests.exceptions.ConnectTimeout("connect timed out"))

    with pytest.raises(ShopifyConnectionError) as raised:
        make_client(max_attempts=2).query(queries.SHOP_INFO)

    assert isinstance(raised.value, ShopifyHTTPError)
    assert raised.value.status == 0
    assert "ConnectTimeout" in str(raised.value)
    assert sleeps == [0.5]


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_raises_auth_error_without_retrying(shopify, client, sleeps, status):
    message = "[API] Invalid API key or access token (unrecognized login or wrong password)"
    answer(shopify, status=status, json_body={"errors": message})

    with pytest.raises(ShopifyAuthError) as raised:
        client.query(queries.SHOP_INFO)

    assert raised.value.status == status
    assert "Invalid API key" in raised.value.body
    assert len(shopify.calls) == 1
    assert sleeps == []


def test_other_4xx_raises_http_error_without_retrying(shopify, client, sleeps):
    answer(shopify, status=404, json_body={"errors": "Not Found"})

    with pytest.raises(ShopifyHTTPError) as raised:
        client.query(queries.SHOP_INFO)

    assert raised.value.status == 404
    assert not isinstance(raised.value, ShopifyAuthError)
    assert len(shopify.calls) == 1


def test_non_graphql_success_answer_raises_http_error(shopify, client):
    answer(shopify, body="<html>maintenance</html>")

    with pytest.raises(ShopifyHTTPError) as raised:
        client.query(queries.SHOP_INFO)

    assert raised.value.status == 200
    assert "maintenance" in raised.value.body


# --- GraphQL errors and mutations ------------------------------------------

def test_graphql_error_raises_immediately_with_its_message(shopify, client, sleeps):
    errors = [{"message": "Field 'nope' doesn't exist on type 'Shop'",
               "locations": [{"line": 1, "column": 9}], "extensions": {"code": "undefinedField"}}]
    answer(shopify, json_body={"errors": errors})

    with pytest.raises(GraphQLError) as raised:
        client.query("query Broken { shop { nope } }")

    assert str(raised.value) == "Field 'nope' doesn't exist on type 'Shop'"
    assert raised.value.errors == errors
    assert raised.value.codes == ["undefinedField"]
    assert len(shopify.calls) == 1
    assert sleeps == []


GIFT_CARD_CREATE = """
mutation GiftCardCreate($input: GiftCardCreateInput!) {
  giftCardCreate(input: $input) { giftCard { id } userErrors { field message code } }
}
"""


def test_mutation_returns_its_payload(shopify, client):
    payload = {"giftCard": {"id": "gid://shopify/GiftCard/1"}, "userErrors": []}
    answer(shopify, json_body=ok_body(data={"giftCardCreate": payload}))

    assert client.mutate(GIFT_CARD_CREATE, {"input": {}}, payload_key="giftCardCreate") == payload


def test_mutation_user_errors_raise_with_field_and_message(shopify, client):
    user_errors = [
        {"field": ["input", "code"], "message": "Code has already been taken", "code": "TAKEN"},
    ]
    payload = {"giftCard": None, "userErrors": user_errors}
    answer(shopify, json_body=ok_body(data={"giftCardCreate": payload}))

    with pytest.raises(UserErrors) as raised:
        client.mutate(GIFT_CARD_CREATE, {"input": {"code": "yoga10"}}, payload_key="giftCardCreate")

    assert raised.value.errors == user_errors
    assert str(raised.value) == "input.code: Code has already been taken"


# --- secrets -----------------------------------------------------------------

ECHOED = f"bad token {TOKEN}"
FAILURES = {
    "auth": dict(status=401, json_body={"errors": ECHOED}),
    "server": dict(status=500, body=ECHOED),
    "not-graphql": dict(status=200, body=ECHOED),
    "throttled": dict(json_body=THROTTLED_BODY),
    "graphql": dict(json_body={"errors": [{"message": "Internal error"}]}),
    "timeout": dict(body=requests.exceptions.ReadTimeout(ECHOED)),
}


def exception_chain(exc):
    """Every exception a traceback would print for `exc`."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)


@pytest.mark.parametrize("failure", FAILURES.values(), ids=FAILURES.keys())
def test_access_token_never_appears_in_errors_or_logs(shopify, make_client, caplog, failure):
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="shopify_app")
    answer(shopify, **failure)
    client = make_client(max_attempts=2)

    with pytest.raises(Exception) as raised:
        client.query(queries.SHOP_INFO)

    for exc in exception_chain(raised.value):
        assert TOKEN not in str(exc) and TOKEN not in repr(exc)
    assert TOKEN not in repr(client)
    assert all(TOKEN not in record.getMessage() for record in caplog.records)


def test_retries_are_logged_with_shop_reason_and_wait(shopify, client, caplog):
    answer(shopify, status=503, body="down")
    answer(shopify, json_body=ok_body())

    with caplog.at_level(logging.WARNING, logger="shopify_app.client"):
        client.query(queries.SHOP_INFO)

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert SHOP in message and "HTTP 503" in message and "0.50s" in message


# --- documents ---------------------------------------------------------------

DOCUMENTS = {
    name: value
    for name, value in vars(queries).items()
    if name.isupper() and isinstance(value, str)
}


def test_queries_module_has_the_expected_documents():
    assert {"SHOP_INFO", "PRODUCTS_SEARCH", "PRODUCT_VARIANT"} <= DOCUMENTS.keys()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_document_parses_and_names_its_operation(name):
    document = gql(DOCUMENTS[name]).document

    assert all(definition.name is not None for definition in document.definitions)


@responses.activate
def test_paginate_walks_every_page_through_the_cursor():
    url = "https://pager.myshopify.com/admin/api/2026-10/graphql.json"
    page = lambda nodes, more, cursor: {"data": {"things": {"nodes": nodes, "pageInfo": {
        "hasNextPage": more, "endCursor": cursor}}}}
    responses.post(url, json=page([{"id": 1}, {"id": 2}], True, "c1"))
    responses.post(url, json=page([{"id": 3}], False, None))
    client = ShopifyClient("pager.myshopify.com", "shpat_x", sleep=lambda s: None)
    nodes = list(client.paginate("query Things($after: String) { things { nodes { id } } }", {"first": 2},
                                 connection="things"))
    assert [n["id"] for n in nodes] == [1, 2, 3]
    sent = [json.loads(c.request.body)["variables"] for c in responses.calls]
    assert sent == [{"first": 2, "after": None}, {"first": 2, "after": "c1"}]
