"""Use cases on what a shop offers: create, update and archive its services and resources (plans: plan_catalog).

Each takes values the API has already validated (their shape and bounds), keeps every id it is given
inside the shop (ValidationFailed names the exact field), and owns no transaction: the request that calls it
commits. Rows are archived, never deleted, because bookings and ledger entries still refer to them.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.rules.availability import WeeklyHours
from booking.errors import NotFound, ValidationFailed, VariantAlreadyMapped
from booking.models import PlanVariant, Resource, ResourceException, Service
from booking.stranding import refuse_or_flag, stranded_bookings


# --- loading the shop's live rows ---

def live_row(session: Session, model, shop_id: int, row_id: int, label: str):
    row = session.scalar(select(model).where(model.id == row_id, model.shop_id == shop_id,
                                             model.archived_at.is_(None)))
    if row is None:
        raise NotFound(f"no {label} {row_id} in this shop")
    return row


def live_rows(session: Session, model, shop_id: int) -> list:
    return list(session.scalars(select(model).where(model.shop_id == shop_id, model.archived_at.is_(None))
                                .order_by(model.id)))


def shop_services(session: Session, shop_id: int, ids: list[int], field_of) -> list[Service]:
    """The shop's live services with these ids; an id from elsewhere is a 422 naming its place."""
    found = {s.id: s for s in session.scalars(select(Service).where(
        Service.id.in_(ids), Service.shop_id == shop_id, Service.archived_at.is_(None)))} if ids else {}
    for i, service_id in enumerate(ids):
        if service_id not in found:
            raise ValidationFailed(f"no service {service_id} in this shop", field=field_of(i))
    return [found[service_id] for service_id in dict.fromkeys(ids)]


# --- services ---

def list_services(session: Session, shop_id: int) -> list[Service]:
    return live_rows(session, Service, shop_id)


def get_service(session: Session, shop_id: int, service_id: int) -> Service:
    return live_row(session, Service, shop_id, service_id, "service")


def create_service(session: Session, shop_id: int, values: dict, *, default_currency: str | None,
                   variant_exists=None) -> Service:
    """A new bookable service from validated values; a price without a currency is in the shop's currency.
    A Shopify variant (sold at checkout) must exist in the shop (`variant_exists(id)`) and grant no plan."""
    _check_checkout_variant(session, shop_id, values.get("shopify_variant_id"), variant_exists)
    service = Service(shop_id=shop_id, **values)
    _settle_currency(service, default_currency)
    session.add(service)
    session.flush()
    return service


def update_service(session: Session, shop_id: int, service_id: int, changes: dict, *,
                   default_currency: str | None, variant_exists=None) -> Service:
    """Change the fields given (validated values); existing bookings keep their times."""
    service = get_service(session, shop_id, service_id)
    if changes.get("shopify_variant_id") and changes["shopify_variant_id"] != service.shopify_variant_id:
        _check_checkout_variant(session, shop_id, changes["shopify_variant_id"], variant_exists)
    for name, value in changes.items():
        setattr(service, name, value)
    _settle_currency(service, default_currency)
    session.flush()
    return service


def _check_checkout_variant(session: Session, shop_id: int, variant_id: str | None, variant_exists) -> None:
    """A service's variant is what checkout sells for one session: it must be the shop's, and must not also
    grant a plan (an order for it would then both grant a package and pay for a session)."""
    if not variant_id:
        return
    granting = session.scalar(select(PlanVariant.plan_id).where(PlanVariant.shop_id == shop_id,
                                                                PlanVariant.variant_id == variant_id))
    if granting is not None:
        raise VariantAlreadyMapped(f"variant {variant_id} grants plan {granting}; a service sold at checkout needs "
                                   "a variant of its own", field="shopify_variant_id")
    if variant_exists is not None and not variant_exists(variant_id):
        raise ValidationFailed(f"Shopify has no product variant {variant_id} in this shop",
                               field="shopify_variant_id")


def _settle_currency(service: Service, default_currency: str | None) -> None:
    if service.price is not None and service.currency is None:
        if not default_currency:
            raise ValidationFailed("say which currency the price is in, e.g. GBP", field="currency")
        service.currency = default_currency


def archive_service(session: Session, shop_id: int, service_id: int, *, now: datetime) -> Service:
    """Hide a service from lists and new bookings; its past bookings keep pointing at it."""
    service = get_service(session, shop_id, service_id)
    service.archived_at = now
    return service


# --- resources ---

def list_resources(session: Session, shop_id: int) -> list[Resource]:
    return live_rows(session, Resource, shop_id)


def get_resource(session: Session, shop_id: int, resource_id: int) -> Resource:
    return live_row(session, Resource, shop_id, resource_id, "resource")


def create_resource(session: Session, shop_id: int, values: dict) -> Resource:
    """A member of staff or a room, from validated values; days missing from weekly_hours are closed.

    values: name, weekly_hours ({"mon": [["09:00", "17:00"]]}), service_ids, exceptions
    ([{starts_at, ends_at, kind, note}]); every id is checked to be one of the shop's live services."""
    resource = Resource(shop_id=shop_id, name=values["name"], weekly_hours=_hours(values.get("weekly_hours")))
    resource.services = shop_services(session, shop_id, values.get("service_ids") or [],
                                      lambda i: f"service_ids[{i}]")
    resource.exceptions = [ResourceException(**x) for x in values.get("exceptions") or []]
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: Session, shop_id: int, resource_id: int, changes: dict, *, now: datetime,
                    zone: ZoneInfo, force: bool = False, actor: str = "staff") -> Resource:
    """Change the fields given (validated values); service_ids and exceptions replace the whole list.

    A change that leaves confirmed bookings outside the new hours or services is refused listing them
    (BookingsAffected), unless `force`: then each goes on the attention list."""
    resource = get_resource(session, shop_id, resource_id)
    values = dict(changes)
    if "weekly_hours" in values:
        values["weekly_hours"] = _hours(values["weekly_hours"])
    if "service_ids" in values:
        resource.services = shop_services(session, shop_id, values.pop("service_ids"),
                                          lambda i: f"service_ids[{i}]")
    if "exceptions" in values:  # replaces the whole list
        resource.exceptions = [ResourceException(**x) for x in values.pop("exceptions")]
    for name, value in values.items():
        setattr(resource, name, value)
    session.flush()
    refuse_or_flag(session, shop_id, stranded_bookings(session, resource, zone, now), force=force, actor=actor)
    return resource


def _hours(value: dict | None) -> dict:
    # Through the rules' parser: it is what availability reads, so what it cannot read is never stored.
    return WeeklyHours.from_json(value or {}).to_json()


def archive_resource(session: Session, shop_id: int, resource_id: int, *, now: datetime) -> Resource:
    """Stop offering a resource; bookings already on it stay as they are."""
    resource = get_resource(session, shop_id, resource_id)
    resource.archived_at = now
    return resource
