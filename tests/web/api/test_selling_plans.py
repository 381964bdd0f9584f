"""/api/plans/<id>/selling-plans and a membership plan's unlocks_service_ids, with Shopify played by `responses`."""
from __future__ import annotations

import json

import pytest
import responses

from booking.models import PlanSellingPlan, PlanVariant
from tests.support.api import make_spa, shop_api
from tests.web.api.test_variants import graphql, shopify_variant

SELLING_PLAN = "690123456789"
GID = f"gid://shopify/SellingPlan/{SELLING_PLAN}"


def membership(api, title="Gold membership", **extra) -> int:
    return api.created("/api/plans", {"title": title, "kind": "membership", "unit": "sessions", "quantity": 4,
                                      "validity_months": 1, **extra})["id"]


def shopify_selling_plan(api, found=True) -> None:
    node = {"id": GID, "name": "Monthly", "sellingPlanGroup": {"id": "gid://shopify/SellingPlanGroup/1",
                                                               "name": "Membership"}}
    responses.post(graphql(api.shop.domain), json={"data": {"node": node if found else None}})


@responses.activate
@pytest.mark.parametrize("given", [int(SELLING_PLAN), SELLING_PLAN, GID])
def test_a_selling_plan_is_mapped_by_number_string_or_gid_after_shopify_confirms_it(client, db_session, given):
    api = shop_api(client, db_session)
    plan_id = membership(api)
    shopify_selling_plan(api)

    mapped = api.created(f"/api/plans/{plan_id}/selling-plans", {"selling_plan_id": given})

    assert mapped == {"id": mapped["id"], "plan_id": plan_id, "selling_plan_id": SELLING_PLAN,
                      "selling_plan_gid": GID, "name": "Membership: Monthly"}
    [call] = responses.calls
    assert json.loads(call.request.body)["variables"] == {"id": GID}
    assert api.get(f"/api/plans/{plan_id}/selling-plans").get_json()["selling_plans"] == [mapped]


@responses.activate
def test_a_selling_plan_starts_one_plan_only_and_is_refused_without_asking_shopify(client, db_session):
    api = shop_api(client, db_session)
    gold, silver = membership(api), membership(api, "Silver membership")
    shopify_selling_plan(api)
    api.created(f"/api/plans/{gold}/selling-plans", {"selling_plan_id": SELLING_PLAN})

    for plan_id in (silver, gold):
        response = api.post(f"/api/plans/{plan_id}/selling-plans", {"selling_plan_id": GID})
        assert response.status_code == 409 and response.get_json()["code"] == "selling_plan_already_mapped"
    assert "Gold membership" in api.post(f"/api/plans/{silver}/selling-plans",
                                         {"selling_plan_id": GID}).get_json()["error"]
    assert len(responses.calls) == 1


@responses.activate
@pytest.mark.parametrize("body, field, kind", [
    ({"selling_plan_id": "gid://shopify/ProductVariant/1"}, "selling_plan_id", "membership"),
    ({"selling_plan_id": 0}, "selling_plan_id", "membership"),
    ({}, "selling_plan_id", "membership"),
    ({"selling_plan_id": SELLING_PLAN}, "plan_id", "package"),
])
def test_bad_input_or_a_package_plan_is_a_422_naming_the_field(client, db_session, body, field, kind):
    api = shop_api(client, db_session)
    plan_id = membership(api) if kind == "membership" else make_spa(api)["plan"]

    response = api.post(f"/api/plans/{plan_id}/selling-plans", body)

    assert response.status_code == 422 and response.get_json()["field"] == field
    assert len(responses.calls) == 0 and db_session.query(PlanSellingPlan).count() == 0


@responses.activate
def test_a_selling_plan_shopify_does_not_know_is_a_422_and_shopify_down_a_502(client, db_session):
    api = shop_api(client, db_session)
    plan_id = membership(api)
    shopify_selling_plan(api, found=False)
    unknown = api.post(f"/api/plans/{plan_id}/selling-plans", {"selling_plan_id": SELLING_PLAN})
    assert unknown.status_code == 422 and unknown.get_json()["field"] == "selling_plan_id"
    responses.replace(responses.POST, graphql(api.shop.domain), status=503)
    down = api.post(f"/api/plans/{plan_id}/selling-plans", {"selling_plan_id": SELLING_PLAN})
    assert down.status_code == 502 and down.get_json()["code"] == "shopify_unavailable"
    assert db_session.query(PlanSellingPlan).count() == 0


@responses.activate
def test_deleting_a_mapping_frees_the_selling_plan(client, db_session):
    api = shop_api(client, db_session)
    gold, silver = membership(api), membership(api, "Silver membership")
    shopify_selling_plan(api)
    api.created(f"/api/plans/{gold}/selling-plans", {"selling_plan_id": SELLING_PLAN})

    assert api.delete(f"/api/plans/{silver}/selling-plans/{SELLING_PLAN}").status_code == 404
    assert api.delete(f"/api/plans/{gold}/selling-plans/{SELLING_PLAN}").status_code == 204
    assert api.get(f"/api/plans/{gold}/selling-plans").get_json()["selling_plans"] == []
    assert api.post(f"/api/plans/{silver}/selling-plans", {"selling_plan_id": SELLING_PLAN}).status_code == 201


def test_another_shops_plan_is_unknown(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    plan_id = membership(api)
    assert other.get(f"/api/plans/{plan_id}/selling-plans").status_code == 404
    assert other.post(f"/api/plans/{plan_id}/selling-plans", {"selling_plan_id": 1}).status_code == 404


@responses.activate
def test_mapping_a_variant_records_its_product_for_contract_matching(client, db_session):
    api = shop_api(client, db_session)
    plan_id = membership(api)
    shopify_variant(api, variant_id="123")
    mapped = api.created(f"/api/plans/{plan_id}/variants", {"variant_id": 123})
    assert db_session.get(PlanVariant, mapped["id"]).product_id == "9"


def test_a_membership_plan_says_which_members_only_services_it_opens(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, service={"members_only": True})
    plan_id = membership(api, unlocks_service_ids=[spa["service"]])
    assert api.get(f"/api/plans/{plan_id}").get_json()["unlocks_service_ids"] == [spa["service"]]
    cleared = api.patch(f"/api/plans/{plan_id}", {"unlocks_service_ids": None}).get_json()
    assert cleared["unlocks_service_ids"] is None  # null: every members-only service


@pytest.mark.parametrize("body, field", [
    ({"unlocks_service_ids": [999999]}, "unlocks_service_ids[0]"),
    ({"unlocks_service_ids": ["1"]}, "unlocks_service_ids[0]"),
    ({"unlocks_service_ids": 1}, "unlocks_service_ids"),
    ({"kind": "package", "unlocks_service_ids": []}, "unlocks_service_ids"),
])
def test_bad_unlocks_are_a_422_naming_the_field(client, db_session, body, field):
    api = shop_api(client, db_session)
    response = api.post("/api/plans", {"title": "Gold", "kind": "membership", "unit": "unlimited",
                                       "validity_months": 1, **body})
    assert response.status_code == 422 and response.get_json()["field"] == field
