"""/api/attention and /api/entitlements/{id}/activity: what merchants must look at, and each package's history."""
from __future__ import annotations

from flask import g, jsonify, request

import db
from booking import activity
from booking.api import bp, json_body, staff_actor, utc_now
from booking.api.accounts import shop_entitlement
from shopify_app.auth import shop_required


def item_json(item: activity.Item) -> dict:
    row, customer = item.row, item.customer
    return {
        "id": row.id, "action": row.action, "actor": row.actor, "reason": row.reason,
        "before": row.before, "after": row.after, "attention": row.attention,
        "created_at": row.created_at.isoformat(),
        "entitlement": {"id": row.subject_id, "title": item.package_title},
        "customer": None if customer is None else {"id": customer.shopify_customer_id, "email": customer.email},
        "resolved_at": row.resolved_at and row.resolved_at.isoformat(), "resolved_by": row.resolved_by,
        "resolution_note": row.resolution_note,
    }


@bp.get("/attention")
@shop_required
def attention_list():
    """What needs the merchant: credit refunded after use, failed membership billing. Newest first."""
    include = request.args.get("include_resolved", "").lower() in ("1", "true")
    items = activity.attention_list(db.session(), g.shop.id, include_resolved=include)
    return jsonify(items=[item_json(item) for item in items])


@bp.post("/attention/<int:item_id>/resolve")
@shop_required
def resolve_attention(item_id: int):
    """Mark an item handled (with an optional note); it leaves the list and stays in the package's history."""
    session = db.session()
    body = json_body() if request.content_length else {}  # the note is optional, and so is the body
    item = activity.resolve(session, g.shop.id, item_id, note=body.get("note"), actor=staff_actor(), now=utc_now())
    session.commit()
    return jsonify(item_json(item))


@bp.get("/entitlements/<int:entitlement_id>/activity")
@shop_required
def entitlement_activity(entitlement_id: int):
    """Everything done to a package, oldest first: by whom, why, and what changed."""
    session = db.session()
    entitlement = shop_entitlement(session, entitlement_id)
    return jsonify(items=[item_json(i) for i in activity.package_activity(session, g.shop.id, entitlement.id)])
