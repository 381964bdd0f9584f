"""/api/plans/<id>/variants and /api/shopify/products, with Shopify's GraphQL endpoint played by `responses`."""
from __future__ import annotations

import json

import pytest
import responses

from booking import variants
from booking.errors import VariantAlreadyMapped
from booking.models import Plan, PlanVariant
from tests.support.factories import make_shop
from tests.support.api import make_spa, shop_api

BIG = "44012345678901234"  # beyond 2^53: a float would round it


def graphql(shop: str) -> str:
    return f"https://{shop}/admin/api/2026-10/graphql.json"


def shopify_variant(api, variant_id: str = BIG, title: str = "10-pack", product: str = "Massage pass") -> None:
    responses.post(graphql(api.shop.domain), json={"data": {"productVariant": {
        "id": f"gid://shopify/ProductVariant/{variant_id}", "title": title, "price": "400.00",
        "product": {"id": "gid://shopify/Product/9", "title": product}}}})


def sent(call) -> dict:
    return json.loads(call.request.body)


def plan(api, title: str) -> int:
    return api.created("/api/plans", {"title": title, "unit": "sessions", "quantity": 5,
                                      "service_ids": [make_spa(api)["service"]]})["id"]


@responses.activate
@pytest.mark.parametrize("variant_id", [int(BIG), BIG, f"gid://shopify/ProductVariant/{BIG}"])
def test_a_numeric_id_its_string_or_its_gid_map_the_same_variant(client, db_session, variant_id):
    api = shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]
    shopify_variant(api)

    mapped = api.created(f"/api/plans/{plan_id}/variants", {"variant_id": variant_id, "units_per_item": 2})

    assert mapped == {"id": mapped["id"], "plan_id": plan_id, "variant_id": BIG,
                      "variant_gid": f"gid://shopify/ProductVariant/{BIG}", "units_per_item": 2,
                      "title": "10-pack", "product_title": "Massage pass"}
    [call] = responses.calls
    assert call.request.headers["X-Shopify-Access-Token"] == api.shop.access_token
    assert sent(call)["variables"] == {"id": f"gid://shopify/ProductVariant/{BIG}"}
    assert "query ProductVariant(" in sent(call)["query"]
    row = db_session.get(PlanVariant, mapped["id"])
    assert (row.shop_id, row.variant_id, row.units_per_item) == (api.shop.id, BIG, 2)


@responses.activate
def test_listing_a_plans_variants_titles_them_from_shopify(client, db_session):
    api = shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]
    shopify_variant(api)
    api.created(f"/api/plans/{plan_id}/variants", {"variant_id": BIG})
    responses.post(graphql(api.shop.domain), json={"data": {"nodes": [{
        "id": f"gid://shopify/ProductVariant/{BIG}", "title": "Renamed", "product": {"title": "Spa pass"}}]}})

    listed = api.get(f"/api/plans/{plan_id}/variants").get_json()["variants"]

    assert [(v["variant_id"], v["units_per_item"], v["title"], v["product_title"]) for v in listed] == [
        (BIG, 1, "Renamed", "Spa pass")]
    assert sent(responses.calls[-1])["variables"] == {"ids": [f"gid://shopify/ProductVariant/{BIG}"]}


@responses.activate
def test_a_variant_shopify_does_not_know_is_a_422_on_variant_id(client, db_session):
    api = shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]
    responses.post(graphql(api.shop.domain), json={"data": {"productVariant": None}})

    response = api.post(f"/api/plans/{plan_id}/variants", {"variant_id": 123})

    assert response.status_code == 422 and response.get_json()["field"] == "variant_id"
    assert db_session.query(PlanVariant).count() == 0


@pytest.mark.parametrize("body, field", [
    ({"variant_id": 123, "units_per_item": 0}, "units_per_item"),
    ({"variant_id": 123, "units_per_item": "2"}, "units_per_item"),
    ({"variant_id": 123, "units_per_item": 1.5}, "units_per_item"),
    ({"variant_id": "gid://shopify/Product/123"}, "variant_id"),
    ({"variant_id": 12.0}, "variant_id"),
    ({}, "variant_id"),
])
@responses.activate
def test_bad_input_is_a_422_naming_the_field_before_asking_shopify(client, db_session, body, field):
    api = shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]

    response = api.post(f"/api/plans/{plan_id}/variants", body)

    assert response.status_code == 422 and response.get_json()["field"] == field
    assert len(responses.calls) == 0


@responses.activate
def test_a_variant_mapped_to_one_plan_is_refused_for_another_naming_it(client, db_session):
    api = shop_api(client, db_session)
    plan_a, plan_b = plan(api, "Yoga 10"), plan(api, "Pilates 5")
    shopify_variant(api)
    api.created(f"/api/plans/{plan_a}/variants", {"variant_id": BIG})

    response = api.post(f"/api/plans/{plan_b}/variants", {"variant_id": f"gid://shopify/ProductVariant/{BIG}"})

    assert response.status_code == 409
    assert response.get_json()["code"] == "variant_already_mapped" and "Yoga 10" in response.get_json()["error"]
    again = api.post(f"/api/plans/{plan_a}/variants", {"variant_id": BIG})
    assert again.status_code == 409 and again.get_json()["code"] == "variant_already_mapped"
    assert len(responses.calls) == 1  # refused without asking Shopify


@responses.activate
def test_deleting_a_mapping_frees_the_variant_for_another_plan(client, db_session):
    api = shop_api(client, db_session)
    plan_a, plan_b = plan(api, "Yoga 10"), plan(api, "Pilates 5")
    shopify_variant(api)
    api.created(f"/api/plans/{plan_a}/variants", {"variant_id": BIG})

    assert api.delete(f"/api/plans/{plan_b}/variants/{BIG}").status_code == 404  # not mapped to B
    assert api.delete(f"/api/plans/{plan_a}/variants/{BIG}").status_code == 204
    assert api.delete(f"/api/plans/{plan_a}/variants/{BIG}").status_code == 404

    assert api.created(f"/api/plans/{plan_b}/variants", {"variant_id": BIG})["plan_id"] == plan_b


@responses.activate
def test_another_shops_plan_is_not_found_for_every_method(client, db_session):
    ours, theirs = shop_api(client, db_session), shop_api(client, db_session)
    their_plan = make_spa(theirs)["plan"]

    assert ours.post(f"/api/plans/{their_plan}/variants", {"variant_id": 123}).status_code == 404
    assert ours.get(f"/api/plans/{their_plan}/variants").status_code == 404
    assert ours.delete(f"/api/plans/{their_plan}/variants/123").status_code == 404
    assert len(responses.calls) == 0


@responses.activate
def test_another_shop_may_map_the_same_variant_id_to_its_own_plan(client, db_session):
    first, second = shop_api(client, db_session), shop_api(client, db_session)
    for api in (first, second):
        shopify_variant(api)
        assert api.created(f"/api/plans/{make_spa(api)['plan']}/variants", {"variant_id": BIG})["variant_id"] == BIG
    assert [c.request.headers["X-Shopify-Access-Token"] for c in responses.calls] == [
        first.shop.access_token, second.shop.access_token]


@responses.activate
def test_shopify_unavailable_is_a_502_and_nothing_is_mapped(client, db_session):
    api = shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]
    responses.post(graphql(api.shop.domain), status=503, body="unavailable")

    response = api.post(f"/api/plans/{plan_id}/variants", {"variant_id": 123})

    assert response.status_code == 502 and response.get_json()["code"] == "shopify_unavailable"
    assert db_session.query(PlanVariant).count() == 0
    search = api.get("/api/shopify/products", query="yoga")
    assert search.status_code == 502 and search.get_json()["code"] == "shopify_unavailable"


def product_page(api, *variant_ids: str, next_cursor: str | None = None) -> None:
    responses.post(graphql(api.shop.domain), json={"data": {"products": {
        "nodes": [{"id": "gid://shopify/Product/9", "title": "Massage pass", "status": "ACTIVE",
                   "featuredMedia": {"preview": {"image": {"url": "https://cdn.shopify.com/p.jpg"}}},
                   "variants": {"nodes": [{"id": f"gid://shopify/ProductVariant/{v}", "title": f"V{v}",
                                           "sku": None, "price": "40.00"} for v in variant_ids]}}],
        "pageInfo": {"hasNextPage": next_cursor is not None, "endCursor": next_cursor}}}})


@responses.activate
def test_product_search_marks_the_variants_mapped_in_this_shop_only(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    plan_id = make_spa(api)["plan"]
    db_session.add(PlanVariant(shop_id=api.shop.id, plan_id=plan_id, variant_id=BIG, units_per_item=1))
    db_session.add(PlanVariant(shop_id=other.shop.id, plan_id=make_spa(other)["plan"], variant_id="77",
                               units_per_item=1))
    db_session.flush()
    product_page(api, BIG, "77", next_cursor="abc")

    body = api.get("/api/shopify/products", query=" massage ", after="xyz").get_json()

    [product] = body["products"]
    assert (product["id"], product["title"], product["status"], product["image_url"]) == (
        "9", "Massage pass", "ACTIVE", "https://cdn.shopify.com/p.jpg")
    assert [(v["id"], v["gid"], v["price"], v["mapped_plan_id"]) for v in product["variants"]] == [
        (BIG, f"gid://shopify/ProductVariant/{BIG}", "40.00", plan_id),
        ("77", "gid://shopify/ProductVariant/77", "40.00", None)]
    assert body["page_info"] == {"has_next_page": True, "end_cursor": "abc"}
    [call] = responses.calls
    assert call.request.headers["X-Shopify-Access-Token"] == api.shop.access_token
    assert sent(call)["variables"] == {"query": "massage", "first": 20, "after": "xyz"}


@responses.activate
def test_an_empty_product_search_lists_recently_changed_products(client, db_session):
    api = shop_api(client, db_session)
    product_page(api, "5")

    body = api.get("/api/shopify/products").get_json()

    assert body["products"][0]["variants"][0]["mapped_plan_id"] is None
    assert body["page_info"] == {"has_next_page": False, "end_cursor": None}
    assert "sortKey: UPDATED_AT" in sent(responses.calls[0])["query"]
    assert sent(responses.calls[0])["variables"] == {"first": 20, "after": None}


def test_a_mapping_race_lost_at_the_unique_constraint_is_a_conflict_not_a_500(db_session, monkeypatch):
    shop = make_shop(db_session)
    yoga, pilates = Plan(shop_id=shop.id, title="Yoga 10", terms={}), Plan(shop_id=shop.id, title="Pilates 5", terms={})
    db_session.add_all([yoga, pilates])
    db_session.flush()
    db_session.add(PlanVariant(shop_id=shop.id, plan_id=yoga.id, variant_id="123", units_per_item=1))
    db_session.flush()
    # The first check misses the row, as when the other request inserts it while we wait for Shopify.
    checks = iter([lambda *args: None, variants._refuse_if_mapped])
    monkeypatch.setattr(variants, "_refuse_if_mapped", lambda *args: next(checks)(*args))

    with pytest.raises(VariantAlreadyMapped, match="Yoga 10"):
        variants.map_variant(db_session, shop.id, pilates.id, "123", 1, shopify=FoundVariant())

    assert [row.plan_id for row in db_session.query(PlanVariant)] == [yoga.id]  # the session is still usable


class FoundVariant:
    """Shopify, as far as map_variant asks it: every variant exists."""

    def query(self, document, variables):
        return {"productVariant": {"id": variables["id"], "title": "T", "product": {"title": "P"}}}


@responses.activate
def test_an_overlong_product_search_is_a_422_without_asking_shopify(client, db_session):
    api = shop_api(client, db_session)

    response = api.get("/api/shopify/products", query="x" * 201)

    assert response.status_code == 422 and response.get_json()["field"] == "query"
    assert len(responses.calls) == 0
