"""/api/attention, /api/entitlements/{id}/activity and /api/activity: what merchants must look at, each package's
history, and the whole log, filtered and paged."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g, jsonify
from pydantic import Field

import db
from booking import activity
from booking.api import bp, staff_actor, utc_now
from booking.api.accounts import shop_entitlement
from endpoints import declare
from endpoints.fields import Id, QueryFlag, text
from endpoints.models import Answer, Body
from shopify_app.auth import shop_required


class AttentionQuery(Body):
    include_resolved: QueryFlag = Field(False, description="true: handled items too")


class LogQuery(Body):
    customer_id: Id | None = Field(None, description="Only rows about this customer (Shopify customer id)")
    entitlement_id: Id | None = Field(None, description="Only rows about this package (or bookings it paid for)")
    actor: text(100) | None = Field(None, description='Who: "staff", "system" or "customer" for everyone of that '
                                                       'kind, or one exactly, e.g. "staff:42" or "system:refund"')
    kind: Literal[activity.KINDS] | None = Field(None, description="What happened")
    before: Id | None = Field(None, description="The `next` of the page before: rows older than it")


class Resolution(Body):
    """How an attention item was handled (optional)."""

    note: text(activity.MAX_NOTE, min_length=0) | None = None

    model_config = {"json_schema_extra": {"example": {"note": "refunded the used session too"}}}


class PackageRef(Answer):
    id: int
    title: str | None


class CustomerRef(Answer):
    id: int | None = Field(description="Shopify customer id")
    email: str | None


class BookingRef(Answer):
    id: int
    starts_at: datetime
    resource_id: int
    service_id: int
    status: str


class OrderRef(Answer):
    id: int = Field(description="Shopify order id")
    name: str | None = Field(examples=["#1001"])


class ActivityItem(Answer):
    id: int
    action: str = Field(examples=["refund"],
                        description="What happened: assign, adjust, revoke, refund, billing_failed, ...")
    actor: str = Field(examples=["system:refund"])
    reason: str | None
    before: dict | None = Field(description="Amounts before, e.g. {remaining, used}")
    after: dict | None
    attention: bool
    created_at: datetime
    entitlement: PackageRef | None = Field(description="The package concerned (a booking's: the one that paid)")
    booking: BookingRef | None = Field(description="The booking concerned, for items about a booking")
    order: OrderRef | None = Field(description="The order concerned, for a paid line that was not granted "
                                               "(`after` names the line, quantity and amount paid)")
    customer: CustomerRef | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolution_note: str | None


class ActivityList(Answer):
    items: list[ActivityItem]


class ActivityPage(Answer):
    items: list[ActivityItem]
    next: int | None = Field(description="Pass as `before` for the next, older page; null on the last page")
    kinds: list[str] = Field(description="Every `kind` the log can hold, for a filter")


def item_json(item: activity.Item) -> dict:
    row, customer = item.row, item.customer
    return {
        "id": row.id, "action": row.action, "actor": row.actor, "reason": row.reason,
        "before": row.before, "after": row.after, "attention": row.attention,
        "created_at": row.created_at.isoformat(),
        "entitlement": None if item.package_id is None else {"id": item.package_id, "title": item.package_title},
        "booking": None if item.booking is None else {
            "id": item.booking.id, "starts_at": item.booking.starts_at.isoformat(),
            "resource_id": item.booking.resource_id, "service_id": item.booking.service_id,
            "status": item.booking.status},
        "order": None if item.order is None else {"id": item.order.shopify_order_id, "name": item.order.name},
        "customer": None if customer is None else {"id": customer.shopify_customer_id, "email": customer.email},
        "resolved_at": row.resolved_at and row.resolved_at.isoformat(), "resolved_by": row.resolved_by,
        "resolution_note": row.resolution_note,
    }


@bp.get("/attention")
@shop_required
@declare("packages", query=AttentionQuery, answer=ActivityList, says="Open items (at most 200)")
def attention_list(query: AttentionQuery):
    """What needs the merchant, newest first: credit refunded after use, failed billing, stranded bookings,
    paid lines that could not be granted."""
    items = activity.attention_list(db.session(), g.shop.id, include_resolved=query.include_resolved)
    return jsonify(items=[item_json(item) for item in items])


@bp.post("/attention/<id:item_id>/resolve")
@shop_required
@declare("packages", body=Resolution, body_required=False, answer=ActivityItem, errors=("NotFound", "Conflict"),
         says="The item, handled",
         description="The body (a note) is optional. An item already handled is a 409 `invalid_transition`.")
def resolve_attention(item_id: int, body: Resolution):
    """Mark an item handled (with an optional note); it leaves the list and stays in the package's history."""
    session = db.session()
    item = activity.resolve(session, g.shop.id, item_id, note=body.note, actor=staff_actor(), now=utc_now())
    session.commit()
    return jsonify(item_json(item))


@bp.get("/entitlements/<id:entitlement_id>/activity")
@shop_required
@declare("packages", answer=ActivityList, errors=("NotFound",), says="The package's history")
def entitlement_activity(entitlement_id: int):
    """Everything done to a package, oldest first: by whom, why, and what changed."""
    session = db.session()
    entitlement = shop_entitlement(session, entitlement_id)
    return jsonify(items=[item_json(i) for i in activity.package_activity(session, g.shop.id, entitlement.id)])


@bp.get("/activity")
@shop_required
@declare("packages", query=LogQuery, answer=ActivityPage, says="A page of the log, newest first (50 a page)")
def activity_log(query: LogQuery):
    """The shop's activity log, newest first, filtered by customer, package, actor and kind, 50 a page."""
    filters = activity.LogFilter(customer_id=query.customer_id, entitlement_id=query.entitlement_id,
                                 actor=query.actor, kind=query.kind)
    items, older = activity.log_page(db.session(), g.shop.id, filters, before=query.before)
    return jsonify(items=[item_json(item) for item in items], next=older, kinds=list(activity.KINDS))
