"""A not-for-sale plan is for staff to assign: no Shopify variant or selling plan may be mapped to sell it."""
from __future__ import annotations

import responses

from tests.support.api import make_spa, shop_api


@responses.activate  # nothing may reach Shopify: the refusal comes first
def test_mapping_a_not_for_sale_plan_to_a_variant_or_selling_plan_is_a_409(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"not_for_sale": True})
    membership = api.created("/api/plans", {"title": "Staff membership", "kind": "membership", "unit": "unlimited",
                                            "validity_months": 1, "not_for_sale": True})
    for path, body in ((f"/api/plans/{spa['plan']}/variants", {"variant_id": "44012345678901"}),
                       (f"/api/plans/{membership['id']}/selling-plans", {"selling_plan_id": "690123"})):
        response = api.post(path, body)
        assert response.status_code == 409 and response.get_json()["code"] == "plan_not_for_sale", path
    assert api.get(f"/api/plans/{membership['id']}/selling-plans").get_json()["selling_plans"] == []
    assert len(responses.calls) == 0
