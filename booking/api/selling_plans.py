"""/api/plans/<id>/selling-plans: which Shopify selling plans start a membership plan when a contract is made."""
from __future__ import annotations

from flask import g, jsonify

import db
from booking import selling_plans
from booking.api import bp, json_body
from booking.api.variants import shopify_client, shopify_edge
from booking.models import PlanSellingPlan
from shopify_app.auth import shop_required


def selling_plan_json(row: PlanSellingPlan) -> dict:
    return {"id": row.id, "plan_id": row.plan_id, "selling_plan_id": row.selling_plan_id,
            "selling_plan_gid": selling_plans.SELLING_PLAN_GID + row.selling_plan_id, "name": row.name}


@bp.get("/plans/<int:plan_id>/selling-plans")
@shop_required
def list_plan_selling_plans(plan_id: int):
    """The selling plans whose contracts start this membership plan."""
    rows = selling_plans.list_selling_plans(db.session(), g.shop.id, plan_id)
    return jsonify(selling_plans=[selling_plan_json(row) for row in rows])


@bp.post("/plans/<int:plan_id>/selling-plans")
@shop_required
@shopify_edge
def map_plan_selling_plan(plan_id: int):
    """Make contracts on a Shopify selling plan start this membership plan; 201 with the mapping."""
    with shopify_client() as shopify:
        row = selling_plans.map_selling_plan(db.session(), g.shop.id, plan_id, json_body(), shopify=shopify)
    db.session().commit()
    return jsonify(selling_plan_json(row)), 201


@bp.delete("/plans/<int:plan_id>/selling-plans/<selling_plan_id>")
@shop_required
def unmap_plan_selling_plan(plan_id: int, selling_plan_id: str):
    """Stop the selling plan starting this plan; memberships already started carry on."""
    selling_plans.unmap_selling_plan(db.session(), g.shop.id, plan_id, selling_plan_id)
    db.session().commit()
    return "", 204
