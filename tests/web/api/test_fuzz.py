"""Every operation of /api/openapi.json, fuzzed by schemathesis through the WSGI app, on SQLite and PostgreSQL.

The document is read from the app itself (`schemathesis.openapi.from_wsgi`), once per database through the
`api_schema` fixture (`schemathesis.pytest.from_fixture`); each operation is a subtest fed its documented
examples (plus one with the spa's real ids), the coverage phase's boundary and type-violating values, and 25
generated cases, valid and invalid. Every request carries a fresh session token for a shop holding a small spa,
and every answer must be no 5xx, carry a documented status code and content type, and match its documented
schema. Shopify's Admin API is played by `responses`: nothing leaves the machine.

Reproducible: a fixed seed and derandomized Hypothesis, without an example database (the spa's ids and dates,
mixed into generated values, still follow the suite's order and today's date). PACKBOOK_FUZZ_EXAMPLES raises
the number of generated cases per operation for a deeper local run.

Isolation: the whole test runs inside `db_session`'s rolled-back transaction, and each request inside a
SAVEPOINT of its own that is rolled back after it, so every request sees the same seeded spa (Hypothesis can
replay and shrink a failure) and nothing reaches the rest of the suite.
"""
from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
import responses
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from booking.records import ActivityLog, Customer, GiftCard, PrepaidBalance
from tests.support.api import a_monday, assign, bearer, book, local, make_spa, shop_api
from webhooks.models import PrivacyRequest, WebhookEvent

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
MAX_EXAMPLES = int(os.environ.get("PACKBOOK_FUZZ_EXAMPLES", "25"))  # generated cases per operation
SEED = 20260501  # fixed, with derandomized Hypothesis: CI and every laptop send the same requests

VARIANT, SPARE_VARIANT = "44012345678901", "44012345678902"     # known to the fake Shopify; the first is mapped
SELLING_PLAN, SPARE_SELLING_PLAN = "690123", "690124"
GIFT_CARD_ID = 5550001
CUSTOMER = 7001


# --- Shopify's Admin GraphQL endpoint, played by `responses` ---

def _numeric(gid: str) -> str:
    return str(gid).rsplit("/", 1)[-1]


def _variant_node(variant_id: str) -> dict:
    return {"id": f"gid://shopify/ProductVariant/{variant_id}", "title": f"Pack {variant_id[-1]}", "sku": None,
            "price": "400.00", "product": {"id": "gid://shopify/Product/9", "title": "Massage pass"}}


def _graphql(request):
    body = json.loads(request.body)
    query, variables = body.get("query", ""), body.get("variables") or {}
    name = re.search(r"query\s+(\w+)", query)
    name = name.group(1) if name else ""
    known_variants, known_selling_plans = {VARIANT, SPARE_VARIANT}, {SELLING_PLAN, SPARE_SELLING_PLAN}
    if name == "ProductVariant":
        found = _numeric(variables.get("id", ""))
        data = {"productVariant": _variant_node(found) if found in known_variants else None}
    elif name == "ProductVariantTitles":
        data = {"nodes": [_variant_node(_numeric(i)) if _numeric(i) in known_variants else None
                          for i in variables.get("ids", [])]}
    elif name == "SellingPlan":
        found = _numeric(variables.get("id", ""))
        data = {"node": {"id": f"gid://shopify/SellingPlan/{found}", "name": "Monthly",
                         "sellingPlanGroup": {"id": "gid://shopify/SellingPlanGroup/1", "name": "Membership"}}
                if found in known_selling_plans else None}
    elif name in ("ProductsSearch", "ProductsRecent"):
        data = {"products": {"nodes": [{
            "id": "gid://shopify/Product/9", "title": "Massage pass", "status": "ACTIVE",
            "featuredMedia": {"preview": {"image": {"url": "https://cdn.shopify.test/pass.png"}}},
            "variants": {"nodes": [_variant_node(VARIANT), _variant_node(SPARE_VARIANT)]}}],
            "pageInfo": {"hasNextPage": False, "endCursor": None}}}
    elif name == "GiftCard":
        found = _numeric(variables.get("id", ""))
        data = {"giftCard": {"id": f"gid://shopify/GiftCard/{found}", "lastCharacters": "a1b2", "enabled": True,
                             "expiresOn": None, "updatedAt": "2026-01-01T10:00:00Z",
                             "balance": {"amount": "42.50", "currencyCode": "GBP"}}
                if found == str(GIFT_CARD_ID) else None}
    elif name == "Customer":  # the spa's customers are known already; Shopify has no other
        data = {"customer": None}
    else:  # a query this fake does not know: the app answers 502 and not_a_server_error says so
        return 400, {}, json.dumps({"errors": [{"message": f"the fake Shopify does not know {name!r}"}]})
    return 200, {"Content-Type": "application/json"}, json.dumps({"data": data})


@pytest.fixture
def shopify():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, re.compile(r"https://[^/]+/admin/api/[^/]+/graphql\.json"),
                          callback=_graphql)
        yield mock


# --- a small spa, with one of everything the API can look up ---

@dataclass
class Spa:
    domain: str
    ids: dict[str, list]  # dictionary name -> ids of real rows, mixed into generated values
    day: date  # a Monday weeks ahead, with free slots from 9 to 5


@pytest.fixture
def spa(client, db_session, shopify) -> Spa:
    api = shop_api(client, db_session, scopes="read_orders,read_products,read_gift_cards")
    made = make_spa(api)
    spare = make_spa(api, service={"name": "Facial"}, plan={"title": "3x facial", "quantity": 3})
    package = assign(api, made["plan"], CUSTOMER)
    day = a_monday()
    booking = book(api, made, local(day, 10), customer_id=CUSTOMER)
    assert booking.status_code == 201, booking.get_json()
    membership = api.created("/api/plans", {"title": "Gold", "kind": "membership", "unit": "sessions",
                                            "quantity": 4, "validity_months": 1})
    api.created(f"/api/plans/{made['plan']}/variants", {"variant_id": VARIANT})
    api.created(f"/api/plans/{membership['id']}/selling-plans", {"selling_plan_id": SELLING_PLAN})

    shop_id = api.shop.id
    customer = db_session.query(Customer).filter_by(shop_id=shop_id, shopify_customer_id=CUSTOMER).one()
    attention = ActivityLog(shop_id=shop_id, actor="system:refund", action="refund", subject_type="entitlement",
                            subject_id=package["id"], reason="order refunded after use",
                            before={"remaining": "4", "used": "1"}, after={"status": "revoked"}, attention=True)
    balance = PrepaidBalance(shop_id=shop_id, customer_id=customer.id, order_id=820982911946154500,
                             line_item_id=466157049, unit_index=0, amount=Decimal("50.00"), currency="GBP",
                             gift_card_id=GIFT_CARD_ID)
    card = GiftCard(shop_id=shop_id, gift_card_id=GIFT_CARD_ID, last_characters="a1b2", balance=Decimal("50.00"),
                    currency="GBP", enabled=True, balance_seen_at=datetime.now(timezone.utc) - timedelta(days=1))
    privacy = PrivacyRequest(shop_id=shop_id, kind="data_request", customer_id=str(CUSTOMER),
                             export={"customer": {"id": CUSTOMER}}, summary={"packages": 1})
    event = WebhookEvent(shop_domain=api.shop.domain, topic="orders/paid", event_id=str(uuid.uuid4()),
                         payload={}, status="processed")
    db_session.add_all([attention, balance, card, privacy, event])
    db_session.flush()
    return Spa(api.shop.domain, {
        "service": [made["service"], spare["service"]], "resource": [made["resource"], spare["resource"]],
        "plan": [made["plan"], spare["plan"], membership["id"]], "membership": [membership["id"]],
        "entitlement": [package["id"]], "booking": [booking.get_json()["id"]], "customer": [CUSTOMER],
        "item": [attention.id], "balance": [balance.id], "request": [privacy.id], "event": [event.id],
        "variant": [VARIANT, SPARE_VARIANT], "selling_plan": [SELLING_PLAN, SPARE_SELLING_PLAN],
        "day": [day.isoformat(), (day + timedelta(days=1)).isoformat(), local(day, 9)]}, day)


# Where each dictionary's values go: path and query parameters by name, body fields by path.
WHERE = {
    "service": ["path.service_id", "query.service_id", "body.service_id", "body.service_ids[*]",
                "body.unlocks_service_ids[*]", "body.sessions[*].service_id", "body.fixed_services[*].service_id"],
    "resource": ["path.resource_id", "query.resource_id", "body.resource_id", "body.sessions[*].resource_id"],
    "plan": ["path.plan_id", "body.plan_id"],
    "entitlement": ["path.entitlement_id", "body.entitlement_id"],
    "booking": ["path.booking_id"],
    "customer": ["path.customer_id", "query.customer_id", "body.customer_id"],
    "item": ["path.item_id"], "balance": ["path.balance_id"], "request": ["path.request_id"], "event": ["path.event_id"],
    "variant": ["path.variant_id", "body.variant_id"],
    "selling_plan": ["path.selling_plan_id", "body.selling_plan_id"],
    "day": ["query.from", "query.to"],
}


def _config(spa: Spa) -> SchemathesisConfig:
    """Bounded, reproducible generation, and the spa's ids mixed into generated values half of the time."""
    return SchemathesisConfig.from_dict({
        "seed": SEED,
        # Mask the Authorization header only: by default any key holding "session" (our `sessions`) prints [Filtered].
        "output": {"sanitization": {"keys-to-sanitize": ["authorization"],
                                    "sensitive-markers": ["token", "secret", "password"]}},
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # Coverage still sends each operation its boundary and type-violating values; a wrong method is Flask's 405.
        "phases": {"coverage": {"unexpected-methods": []}},
        "dictionaries": {name: {"values": values} for name, values in spa.ids.items()},
        "parameters": {key: {"dictionary": name, "probability": 0.5} for name, keys in WHERE.items() for key in keys},
    })


def _explicit_examples(spa: Spa):
    """One more explicit example per documented one (or one at all): every id real, every date a free slot."""
    first = {name: values[0] for name, values in spa.ids.items()}
    path_ids = {"service_id": first["service"], "resource_id": first["resource"], "plan_id": first["plan"],
                "entitlement_id": first["entitlement"], "booking_id": first["booking"], "customer_id": CUSTOMER,
                "item_id": first["item"], "balance_id": first["balance"], "request_id": first["request"],
                "variant_id": VARIANT, "selling_plan_id": SELLING_PLAN}
    body_ids = {**path_ids, "service_ids": [first["service"]], "variant_id": SPARE_VARIANT,
                "selling_plan_id": SPARE_SELLING_PLAN, "starts_at": local(spa.day, 14)}
    path_ids |= {"event_id": first["event"], "job_id": "packbook-webhook-event-1", "name": "expire-packages",
                 "run_id": 1}  # path values only: `name` in a body stays the example's own
    day, next_day = spa.day.isoformat(), (spa.day + timedelta(days=1)).isoformat()
    queries = {"/api/availability": {"service_id": first["service"], "resource_id": first["resource"],
                                     "from": day, "to": next_day},
               "/api/bookings": {"from": day, "to": next_day, "resource_id": first["resource"],
                                 "customer_id": CUSTOMER},
               "/api/attention": {"include_resolved": True}, "/api/shopify/products": {"query": "massage"}}

    def real(value):
        if isinstance(value, dict):
            return {key: body_ids[key] if key in body_ids else real(item) for key, item in value.items()}
        return [real(item) for item in value] if isinstance(value, list) else value

    def before_add_examples(context, examples):
        operation = context.operation
        path = {p.name: path_ids[p.name] for p in operation.path_parameters}
        if "/selling-plans" in operation.path:
            path["plan_id"] = first["membership"]
        query = queries.get(operation.path) if operation.method == "get" else None
        for base in list(examples) or [None]:
            body = {"body": real(base.body), "media_type": base.media_type} \
                if base is not None and isinstance(base.body, dict) else {}
            examples.append(operation.Case(path_parameters=path, query=query, **body))

    return before_add_examples


@pytest.fixture
def api_schema(app, spa):
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=_config(spa))
    loaded.hook("before_add_examples")(_explicit_examples(spa))
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _lazy_schema_on_pytest_9(request):
    # schemathesis 4.32's from_fixture() reads and renames `request.node._nodeid`, which pytest 9.2 no longer has
    # (the id lives in `_id`): give it the attribute to read. Its renaming then only touches that attribute.
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@schema.parametrize()
def test_every_operation_answers_generated_input_as_documented(case, spa, db_session):
    savepoint = db_session.bind.begin_nested()  # the request's own work nests inside, and is undone after
    try:
        case.call_and_validate(headers=bearer(spa.domain), checks=CHECKS)
    finally:
        savepoint.rollback()


def test_every_operation_but_the_document_itself_answers_401_without_a_token(app, client):
    document = client.get("/api/openapi.json")
    assert document.status_code == 200  # public: `security: []`
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=SchemathesisConfig())
    default_security = loaded.raw_schema.get("security")
    answered = {}
    for result in loaded.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("security", default_security) == []:
            continue
        case = operation.Case(path_parameters={p.name: 1 for p in operation.path_parameters})
        response = case.call()
        answered[operation.label] = response.status_code
        if response.status_code == 401:
            case.validate_response(response, checks=[status_code_conformance, content_type_conformance,
                                                     response_schema_conformance])
            assert response.headers.get("x-shopify-retry-invalid-session-request") == ["1"], operation.label
    assert len(answered) > 40
    assert {label: status for label, status in answered.items() if status != 401} == {}
