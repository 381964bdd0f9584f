"""/api/plans/<id>/selling-plans: which Shopify selling plans start a membership plan when a contract is made."""
from __future__ import annotations

from flask import g, jsonify
from pydantic import Field

import db
from booking import selling_plans
from booking.api import bp
from booking.api.shopify import shopify_client, shopify_edge
from booking.api.variants import NUMERIC_ID
from endpoints import declare
from endpoints.fields import shopify_id
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required

SellingPlanId = shopify_id("SellingPlan")


class PlanSellingPlanInput(Body):
    """Which Shopify selling plan's contracts start the membership plan."""

    selling_plan_id: SellingPlanId

    model_config = {"json_schema_extra": {"example": {"selling_plan_id": "gid://shopify/SellingPlan/690123"}}}


class SellingPlanPath(Body):
    selling_plan_id: SellingPlanId


class PlanSellingPlan(Answer):
    id: int
    plan_id: int
    selling_plan_id: str = Field(json_schema_extra=NUMERIC_ID)
    selling_plan_gid: str = Field(examples=["gid://shopify/SellingPlan/690123"])
    name: str | None = Field(description="Group and plan name in Shopify when it was mapped")


class PlanSellingPlanList(Answer):
    selling_plans: list[PlanSellingPlan]


def selling_plan_json(row) -> dict:
    return {"id": row.id, "plan_id": row.plan_id, "selling_plan_id": row.selling_plan_id,
            "selling_plan_gid": selling_plans.SELLING_PLAN_GID + row.selling_plan_id, "name": row.name}


@bp.get("/plans/<small_id:plan_id>/selling-plans")
@shop_required
@declare("catalog", answer=PlanSellingPlanList, errors=("NotFound",), says="The mappings")
def list_plan_selling_plans(plan_id: int):
    """The Shopify selling plans whose subscription contracts start this membership plan."""
    rows = selling_plans.list_selling_plans(db.session(), g.shop.id, plan_id)
    return jsonify(selling_plans=[selling_plan_json(row) for row in rows])


@bp.post("/plans/<small_id:plan_id>/selling-plans")
@shop_required
@shopify_edge
@declare("catalog", body=PlanSellingPlanInput, answer=PlanSellingPlan, status=201,
         errors=("NotFound", "Conflict", "ShopifyUnavailable"), says="The mapping",
         description="Membership plans only (else 422 on `plan_id`); the selling plan must exist in the shop (else "
                     "422 on `selling_plan_id`). A contract starts the plan its variant is mapped to; failing that, "
                     "its selling plan's; failing that, the plan with a mapped variant of its product. A selling "
                     "plan starts at most one plan: 409 `selling_plan_already_mapped`.")
def map_plan_selling_plan(plan_id: int, body: PlanSellingPlanInput):
    """Make contracts on a Shopify selling plan start this membership plan."""
    with shopify_client() as shopify:
        row = selling_plans.map_selling_plan(db.session(), g.shop.id, plan_id, body.selling_plan_id,
                                             shopify=shopify)
    db.session().commit()
    return jsonify(selling_plan_json(row)), 201


@bp.delete("/plans/<small_id:plan_id>/selling-plans/<selling_plan_id>")
@shop_required
@declare("catalog", path=SellingPlanPath, errors=("NotFound",), status=204, says="Removed")
def unmap_plan_selling_plan(plan_id: int, selling_plan_id: str):
    """Stop the selling plan starting the plan; memberships already started carry on."""
    selling_plans.unmap_selling_plan(db.session(), g.shop.id, plan_id, selling_plan_id)
    db.session().commit()
    return "", 204
