"""/api/resources: staff and rooms, with their weekly hours, dated exceptions and the services they perform."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g, jsonify
from pydantic import Field, ValidationInfo, field_validator

import db
from booking import catalog
from booking import accounts
from booking.api import bp, staff_actor, utc_now
from booking.api.services import Name, archived, saved
from booking.models import Resource
from booking.rules.hours import DAY_NAMES
from endpoints import declare
from endpoints.fields import Flag, Instant, SmallId, parse_time_of_day, refuse, text, value_type
from endpoints.models import Answer, Body, patch_of
from shopify_app.auth import shop_required

Day = Literal[DAY_NAMES]  # "mon" .. "sun"


def _span(value):
    # Opening and closing time as HH:MM; a span that closes "before" it opens runs past midnight.
    if not isinstance(value, list) or len(value) != 2:
        raise refuse('must be a pair of times such as ["09:00", "17:00"]')
    return [parse_time_of_day(part).strftime("%H:%M") for part in value]


TIME_SPAN = {"type": "array", "minItems": 2, "maxItems": 2,
             "items": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}, "example": ["09:00", "17:00"]}
Span = value_type(list, _span, TIME_SPAN)
WeeklyHours = dict[Day, list[Span]]


class ExceptionInput(Body):
    """Dated time off ("closed") or extra hours ("open") for one resource."""

    starts_at: Instant
    ends_at: Instant
    kind: Literal["closed", "open"] = "closed"
    note: text(500, min_length=0) | None = None

    @field_validator("ends_at")
    @classmethod
    def _ends_after_start(cls, ends_at: datetime, info: ValidationInfo) -> datetime:
        if "starts_at" in info.data and ends_at <= info.data["starts_at"]:
            raise refuse("must be after starts_at")
        return ends_at


class ResourceInput(Body):
    """A member of staff or a room; days missing from weekly_hours are closed."""

    name: Name
    service_ids: list[SmallId] = Field(default_factory=list, max_length=500,
                                  description="The shop's services it performs")
    weekly_hours: WeeklyHours = Field(default_factory=dict,
                                      description="Spans per day (mon..sun) in shop time; a missing day is closed")
    exceptions: list[ExceptionInput] = Field(default_factory=list, max_length=1000,
                                             description="Dated time off or extra hours (replaces the list)")

    model_config = {"json_schema_extra": {"example": {
        "name": "Anna", "service_ids": [1], "weekly_hours": {"mon": [["09:00", "17:00"]]}}}}


class ResourcePatch(patch_of(ResourceInput, "ResourceFields", "A resource's fields, each optional.")):
    """Change the fields given; lists replace the whole list."""

    force: Flag = Field(False, description="Keep the change even when confirmed bookings fall outside the new "
                                           "hours or services (409 bookings_affected otherwise); they go on the "
                                           "attention list")


class ExceptionOut(Answer):
    starts_at: datetime
    ends_at: datetime
    kind: Literal["closed", "open"]
    note: str | None


class ResourceOut(Answer):
    id: int
    name: str
    service_ids: list[int]
    weekly_hours: dict[str, list[list[str]]]
    exceptions: list[ExceptionOut]
    created_at: datetime


class ResourceList(Answer):
    resources: list[ResourceOut]


def resource_json(resource: Resource) -> dict:
    return {"id": resource.id, "name": resource.name,
            "service_ids": sorted(s.id for s in resource.services if s.archived_at is None),
            "weekly_hours": resource.weekly_hours,
            "exceptions": [{"starts_at": x.starts_at.isoformat(), "ends_at": x.ends_at.isoformat(), "kind": x.kind,
                            "note": x.note} for x in sorted(resource.exceptions, key=lambda x: x.starts_at)],
            "created_at": resource.created_at.isoformat()}


def _values(body: ResourceInput | ResourcePatch, given: dict) -> dict:
    values = dict(given)
    if values.get("exceptions") is not None:
        values["exceptions"] = [x.model_dump() for x in body.exceptions]
    return values


@bp.get("/resources")
@shop_required
@declare("catalog", answer=ResourceList, says="The resources")
def list_resources():
    """List the shop's staff and rooms (archived ones are left out)."""
    return jsonify(resources=[resource_json(r) for r in catalog.list_resources(db.session(), g.shop.id)])


@bp.post("/resources")
@shop_required
@declare("catalog", body=ResourceInput, answer=ResourceOut, status=201, says="The new resource, with its id")
def create_resource(body: ResourceInput):
    """Create a member of staff or a room."""
    values = _values(body, dict(body))
    return saved(resource_json(catalog.create_resource(db.session(), g.shop.id, values)), 201)


@bp.get("/resources/<small_id:resource_id>")
@shop_required
@declare("catalog", answer=ResourceOut, errors=("NotFound",), says="The resource")
def get_resource(resource_id: int):
    """Read one resource."""
    return jsonify(resource_json(catalog.get_resource(db.session(), g.shop.id, resource_id)))


@bp.patch("/resources/<small_id:resource_id>")
@shop_required
@declare("catalog", body=ResourcePatch, answer=ResourceOut, errors=("NotFound", "Conflict"),
         says="The changed resource",
         description="A change that leaves confirmed bookings outside the new hours or services answers 409 "
                     "`bookings_affected` with their `booking_ids`, unless `force` is true: then each such booking "
                     "goes on the attention list.")
def update_resource(resource_id: int, body: ResourcePatch):
    """Change the fields given; service_ids and exceptions replace the whole list."""
    session, given = db.session(), body.given()
    force = given.pop("force", False)
    resource = catalog.update_resource(session, g.shop.id, resource_id, _values(body, given), now=utc_now(),
                                       zone=accounts.shop_zone(session, g.shop.id), force=force,
                                       actor=staff_actor())
    return saved(resource_json(resource))


@bp.delete("/resources/<small_id:resource_id>")
@shop_required
@declare("catalog", errors=("NotFound",), status=204, says="Archived")
def archive_resource(resource_id: int):
    """Archive the resource: its bookings stay, it takes no new ones."""
    catalog.archive_resource(db.session(), g.shop.id, resource_id, now=utc_now())
    return archived()
