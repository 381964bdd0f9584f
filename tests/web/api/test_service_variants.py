"""A service sold at checkout names the Shopify variant checkout sells for one session: it must exist in the
shop, and one variant never both sells a session and grants a plan (an order would do both)."""
from __future__ import annotations

import responses

from booking.models import Service
from tests.support.api import make_spa, shop_api
from tests.web.api.test_variants import graphql, shopify_variant

SESSION_VARIANT, PACK_VARIANT = "44012345670001", "44012345670002"
BODY = {"name": "Facial", "duration_minutes": 45, "price": "60"}


@responses.activate
def test_a_service_sold_at_checkout_needs_a_variant_the_shop_has(client, db_session):
    api = shop_api(client, db_session)
    shopify_variant(api, SESSION_VARIANT, title="Facial session", product="Facial")
    made = api.post("/api/services", {**BODY, "shopify_variant_id": SESSION_VARIANT})
    assert made.status_code == 201 and made.get_json()["shopify_variant_id"] == SESSION_VARIANT
    responses.replace(responses.POST, graphql(api.shop.domain), json={"data": {"productVariant": None}})
    unknown = api.post("/api/services", {**BODY, "shopify_variant_id": "44012345679999"})
    assert unknown.status_code == 422 and unknown.get_json()["field"] == "shopify_variant_id"
    responses.replace(responses.POST, graphql(api.shop.domain), status=503, body="unavailable")
    down = api.patch(f"/api/services/{made.get_json()['id']}", {"shopify_variant_id": "44012345678888"})
    assert down.status_code == 502 and down.get_json()["code"] == "shopify_unavailable"
    assert db_session.get(Service, made.get_json()["id"]).shopify_variant_id == SESSION_VARIANT


@responses.activate
def test_one_variant_never_both_sells_a_session_and_grants_a_plan(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    shopify_variant(api, PACK_VARIANT)
    assert api.post(f"/api/plans/{spa['plan']}/variants", {"variant_id": PACK_VARIANT}).status_code == 201
    calls = len(responses.calls)
    clash = api.post("/api/services", {**BODY, "shopify_variant_id": PACK_VARIANT})
    assert clash.status_code == 409 and clash.get_json()["code"] == "variant_already_mapped"
    assert len(responses.calls) == calls, "refused before asking Shopify"

    shopify_variant(api, SESSION_VARIANT)
    service = api.created("/api/services", {**BODY, "shopify_variant_id": SESSION_VARIANT})
    other_plan = api.created("/api/plans", {"title": "3x facial", "unit": "sessions", "quantity": 3,
                                            "service_ids": [service["id"]]})
    reverse = api.post(f"/api/plans/{other_plan['id']}/variants", {"variant_id": SESSION_VARIANT})
    assert reverse.status_code == 409 and reverse.get_json()["code"] == "variant_already_mapped"
