"""JSON API for the admin: webhook event counts and customer data exports, scoped to the shop."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import Blueprint, abort, g, jsonify
from sqlalchemy import func, select

import db
from endpoints import declare
from endpoints.models import Answer
from shopify_app.auth import shop_required
from webhooks.models import PrivacyRequest, WebhookEvent

bp = Blueprint("webhooks_api", __name__, url_prefix="/api")


class WebhookSummary(Answer):
    counts: dict[str, int]


class PrivacyRequestOut(Answer):
    id: int
    kind: Literal["data_request", "redact"]
    customer_id: str | None
    created_at: datetime
    summary: dict | None
    has_export: bool


class PrivacyRequestList(Answer):
    privacy_requests: list[PrivacyRequestOut]


@bp.get("/webhook-events/summary")
@shop_required
@declare("shop", answer=WebhookSummary, says="Counts by state")
def webhook_summary():
    """How many of this shop's webhook events are in each state."""
    rows = db.session().execute(
        select(WebhookEvent.status, func.count()).where(WebhookEvent.shop_domain == g.shop.domain)
        .group_by(WebhookEvent.status)).all()
    return jsonify(counts=dict(rows))


@bp.get("/privacy-requests")
@shop_required
@declare("shop", answer=PrivacyRequestList, says="The requests")
def privacy_requests():
    """Customer data requests and redactions received for this shop, newest first."""
    rows = db.session().scalars(
        select(PrivacyRequest).where(PrivacyRequest.shop_id == g.shop.id)
        .order_by(PrivacyRequest.created_at.desc(), PrivacyRequest.id.desc()).limit(200))
    return jsonify(privacy_requests=[_describe(r) for r in rows])


@bp.get("/privacy-requests/<id:request_id>/export")
@shop_required
@declare("shop", answer={"type": "object"}, errors=("NotFound",), says="The export, as a JSON attachment")
def privacy_export(request_id: int):
    """Download one customer data export as a JSON file."""
    row = db.session().scalar(select(PrivacyRequest).where(
        PrivacyRequest.id == request_id, PrivacyRequest.shop_id == g.shop.id))
    if row is None or row.export is None:
        abort(404, "no export with that id for this shop")
    response = jsonify(row.export)
    response.headers["Content-Disposition"] = f'attachment; filename="customer-data-{row.id}.json"'
    return response


def _describe(row: PrivacyRequest) -> dict:
    return {"id": row.id, "kind": row.kind, "customer_id": row.customer_id,
            "created_at": row.created_at.isoformat(), "summary": row.summary,
            "has_export": row.export is not None}
