"""/api/services, /api/resources, /api/plans: list, create, read, change and archive what the shop offers."""
from __future__ import annotations

from flask import g, jsonify

import db
from booking import catalog, plan_catalog
from booking.api import bp, json_body, money, utc_now
from booking.models import Plan, Resource, Service
from shopify_app.auth import shop_required


def service_json(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "duration_minutes": service.duration_minutes,
            "capacity": service.capacity, "buffer_before_minutes": service.buffer_before_minutes,
            "buffer_after_minutes": service.buffer_after_minutes, "members_only": service.members_only,
            "price": money(service.price), "currency": service.currency,
            "shopify_variant_id": service.shopify_variant_id, "created_at": service.created_at.isoformat()}


def resource_json(resource: Resource) -> dict:
    return {"id": resource.id, "name": resource.name,
            "service_ids": sorted(s.id for s in resource.services if s.archived_at is None),
            "weekly_hours": resource.weekly_hours,
            "exceptions": [{"starts_at": x.starts_at.isoformat(), "ends_at": x.ends_at.isoformat(), "kind": x.kind,
                            "note": x.note} for x in sorted(resource.exceptions, key=lambda x: x.starts_at)],
            "created_at": resource.created_at.isoformat()}


def plan_json(plan: Plan) -> dict:
    return {"id": plan.id, **plan_catalog.plan_body(plan), "kind": plan.kind, "member_tag": plan.member_tag,
            "unlocks_service_ids": plan.unlocks_service_ids,
            "not_for_sale": plan.not_for_sale,
            "created_at": plan.created_at.isoformat(), "updated_at": plan.updated_at.isoformat()}


def _saved(body: dict, status: int = 200):
    db.session().commit()
    return jsonify(body), status


def _archived():
    db.session().commit()
    return "", 204


# --- services ---

@bp.get("/services")
@shop_required
def list_services():
    """The shop's services (archived ones are gone)."""
    return jsonify(services=[service_json(s) for s in catalog.list_services(db.session(), g.shop.id)])


@bp.post("/services")
@shop_required
def create_service():
    """Add a service; 201 with it."""
    service = catalog.create_service(db.session(), g.shop.id, json_body(), default_currency=g.shop.currency_code)
    return _saved(service_json(service), 201)


@bp.get("/services/<int:service_id>")
@shop_required
def get_service(service_id: int):
    """One service of this shop."""
    return jsonify(service_json(catalog.get_service(db.session(), g.shop.id, service_id)))


@bp.patch("/services/<int:service_id>")
@shop_required
def update_service(service_id: int):
    """Change the fields given."""
    service = catalog.update_service(db.session(), g.shop.id, service_id, json_body(),
                                     default_currency=g.shop.currency_code)
    return _saved(service_json(service))


@bp.delete("/services/<int:service_id>")
@shop_required
def archive_service(service_id: int):
    """Archive: bookings still refer to it, so it is hidden rather than deleted."""
    catalog.archive_service(db.session(), g.shop.id, service_id, now=utc_now())
    return _archived()


# --- resources ---

@bp.get("/resources")
@shop_required
def list_resources():
    """The shop's staff and rooms."""
    return jsonify(resources=[resource_json(r) for r in catalog.list_resources(db.session(), g.shop.id)])


@bp.post("/resources")
@shop_required
def create_resource():
    """Add a member of staff or a room; 201 with it."""
    return _saved(resource_json(catalog.create_resource(db.session(), g.shop.id, json_body())), 201)


@bp.get("/resources/<int:resource_id>")
@shop_required
def get_resource(resource_id: int):
    """One resource of this shop."""
    return jsonify(resource_json(catalog.get_resource(db.session(), g.shop.id, resource_id)))


@bp.patch("/resources/<int:resource_id>")
@shop_required
def update_resource(resource_id: int):
    """Change the fields given; service_ids replaces the list."""
    return _saved(resource_json(catalog.update_resource(db.session(), g.shop.id, resource_id, json_body())))


@bp.delete("/resources/<int:resource_id>")
@shop_required
def archive_resource(resource_id: int):
    """Archive: its bookings stay, it takes no new ones."""
    catalog.archive_resource(db.session(), g.shop.id, resource_id, now=utc_now())
    return _archived()


# --- plans ---

@bp.get("/plans")
@shop_required
def list_plans():
    """The shop's plans, including not-for-sale ones."""
    return jsonify(plans=[plan_json(p) for p in plan_catalog.list_plans(db.session(), g.shop.id)])


@bp.post("/plans")
@shop_required
def create_plan():
    """Add a plan; 201 with it."""
    return _saved(plan_json(plan_catalog.create_plan(db.session(), g.shop.id, json_body())), 201)


@bp.get("/plans/<int:plan_id>")
@shop_required
def get_plan(plan_id: int):
    """One plan of this shop, in the shape POST accepts."""
    return jsonify(plan_json(plan_catalog.get_plan(db.session(), g.shop.id, plan_id)))


@bp.patch("/plans/<int:plan_id>")
@shop_required
def update_plan(plan_id: int):
    """New terms for future purchases; packages already sold keep theirs."""
    return _saved(plan_json(plan_catalog.update_plan(db.session(), g.shop.id, plan_id, json_body())))


@bp.delete("/plans/<int:plan_id>")
@shop_required
def archive_plan(plan_id: int):
    """Archive: no new sales or assignments; sold packages carry on."""
    plan_catalog.archive_plan(db.session(), g.shop.id, plan_id, now=utc_now())
    return _archived()
