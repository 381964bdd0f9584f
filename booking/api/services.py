"""/api/services: the bookable services a shop offers (list, create, read, change, archive)."""
from __future__ import annotations

from datetime import datetime

from flask import g, jsonify
from pydantic import Field

import db
from booking import catalog, variants
from booking.api import bp, money, utc_now
from booking.api.shopify import shopify_client, shopify_edge
from booking.models import Service
from endpoints import declare
from endpoints.fields import Currency, Flag, Money, refuse, text, value_type, whole
from endpoints.models import Answer, Body, patch_of
from shopify_app.auth import shop_required

Name = text(200)
Minutes = whole(0, 24 * 60)


def _variant_id(value):
    # Shopify ids exceed 2^53, so clients may send them as strings; stored as text either way.
    text_id = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text_id, str) or not text_id.isascii() or not text_id.isdigit() or len(text_id) > 20:
        raise refuse("must be a numeric Shopify variant id")
    return text_id


VariantId = value_type(str, _variant_id, {"type": "string", "pattern": "^[0-9]{1,20}$"})


class ServiceInput(Body):
    """A bookable service; a price without a currency is in the shop's currency."""

    name: Name
    duration_minutes: whole(1, 24 * 60)
    capacity: whole(1, 1000) = Field(1, description="More than 1 makes it a class")
    buffer_before_minutes: Minutes = 0
    buffer_after_minutes: Minutes = 0
    members_only: Flag = Field(False, description="Only bookable with a membership")
    price: Money | None = None
    currency: Currency | None = Field(None, description="Defaults to the shop's currency when a price is given")
    shopify_variant_id: VariantId | None = None

    model_config = {"json_schema_extra": {"example": {"name": "Massage", "duration_minutes": 60}}}


ServicePatch = patch_of(ServiceInput, "ServicePatch", "Change the fields given; existing bookings keep their times.")


class ServiceOut(Answer):
    id: int
    name: str
    duration_minutes: int
    capacity: int
    buffer_before_minutes: int
    buffer_after_minutes: int
    members_only: bool
    price: str | None = Field(description="An amount with two decimals")
    currency: str | None
    shopify_variant_id: str | None
    created_at: datetime


class ServiceList(Answer):
    services: list[ServiceOut]


def service_json(service: Service) -> dict:
    return {"id": service.id, "name": service.name, "duration_minutes": service.duration_minutes,
            "capacity": service.capacity, "buffer_before_minutes": service.buffer_before_minutes,
            "buffer_after_minutes": service.buffer_after_minutes, "members_only": service.members_only,
            "price": money(service.price), "currency": service.currency,
            "shopify_variant_id": service.shopify_variant_id, "created_at": service.created_at.isoformat()}


def saved(body: dict, status: int = 200):
    db.session().commit()
    return jsonify(body), status


def archived():
    db.session().commit()
    return "", 204


@bp.get("/services")
@shop_required
@declare("catalog", answer=ServiceList, says="The services")
def list_services():
    """List the shop's services (archived ones are left out)."""
    return jsonify(services=[service_json(s) for s in catalog.list_services(db.session(), g.shop.id)])


def _variant_exists(variant_id: str) -> bool:
    with shopify_client() as shopify:
        return variants.find_variant(shopify, variant_id) is not None


@bp.post("/services")
@shop_required
@shopify_edge
@declare("catalog", body=ServiceInput, answer=ServiceOut, status=201, errors=("Conflict", "ShopifyUnavailable"),
         says="The new service, with its id",
         description="A `shopify_variant_id` (sold at checkout, one session per item) must exist in the shop "
                     "(422) and grant no plan (409 `variant_already_mapped`).")
def create_service(body: ServiceInput):
    """Create a service."""
    service = catalog.create_service(db.session(), g.shop.id, body.model_dump(), default_currency=g.shop.currency_code,
                                     variant_exists=_variant_exists)
    return saved(service_json(service), 201)


@bp.get("/services/<small_id:service_id>")
@shop_required
@declare("catalog", answer=ServiceOut, errors=("NotFound",), says="The service")
def get_service(service_id: int):
    """Read one service."""
    return jsonify(service_json(catalog.get_service(db.session(), g.shop.id, service_id)))


@bp.patch("/services/<small_id:service_id>")
@shop_required
@shopify_edge
@declare("catalog", body=ServicePatch, answer=ServiceOut, errors=("NotFound", "Conflict", "ShopifyUnavailable"),
         says="The changed service")
def update_service(service_id: int, body: ServicePatch):
    """Change the fields given; existing bookings keep their times."""
    service = catalog.update_service(db.session(), g.shop.id, service_id, body.given(),
                                     default_currency=g.shop.currency_code, variant_exists=_variant_exists)
    return saved(service_json(service))


@bp.delete("/services/<small_id:service_id>")
@shop_required
@declare("catalog", errors=("NotFound",), status=204, says="Archived")
def archive_service(service_id: int):
    """Archive the service: it leaves lists and GET answers 404; bookings that refer to it are kept."""
    catalog.archive_service(db.session(), g.shop.id, service_id, now=utc_now())
    return archived()
