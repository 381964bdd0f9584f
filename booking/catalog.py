"""Use cases on what a shop offers: create, update and archive its services and resources (plans: plan_catalog).

Each reads a JSON body (ValidationFailed names the exact field), keeps every id it is given inside
the shop, and owns no transaction: the request that calls it commits. Rows are archived, never
deleted, because bookings and ledger entries still refer to them.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.rules.availability import WeeklyHours
from booking.errors import NotFound, ValidationFailed
from booking.models import Resource, ResourceException, Service

MAX_NAME = 200  # the name/title columns' length (PlanTerms alone would allow 255)
MAX_MINUTES = 24 * 60
MAX_CAPACITY = 1000
MAX_PRICE = Decimal("9999999999.99")  # Numeric(12, 2)
CENT = Decimal("0.01")


# --- reading values; each raises ValidationFailed naming `field` ---

def read_object(body) -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed("send a JSON object", field="body")
    return body


def read_name(value, field: str) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"{field} must be text of 1 to {MAX_NAME} characters", field=field)
    return name


def read_whole(value, field: str, minimum: int, maximum: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ValidationFailed(f"{field} must be a whole number from {minimum} to {maximum}", field=field)
    return value


def read_flag(value, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{field} must be true or false", field=field)
    return value


def _price(value, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        # str() first: a JSON float's repr is what the client typed, never its binary expansion.
        amount = Decimal(str(value).strip()) if not isinstance(value, bool) else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or amount < 0 or amount > MAX_PRICE \
            or amount != amount.quantize(CENT):
        raise ValidationFailed(f"{field} must be an amount such as 80 or \"79.50\", at least 0", field=field)
    return amount.quantize(CENT)


def _currency(value, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise ValidationFailed("currency is a three-letter code such as GBP", field=field)
    return value.upper()


def _variant_id(value, field: str) -> str | None:
    # Shopify ids exceed 2^53, so clients may send them as strings; stored as text either way.
    if value is None:
        return None
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not text.isdigit() or not text.isascii():
        raise ValidationFailed(f"{field} must be a numeric Shopify variant id", field=field)
    return text


def _ids(value, field: str) -> list[int]:
    if not isinstance(value, list):
        raise ValidationFailed(f"{field} must be a list of ids", field=field)
    return [read_whole(item, f"{field}[{i}]", 1, 2**31 - 1) for i, item in enumerate(value)]


def _weekly_hours(value, field: str) -> dict:
    if not isinstance(value, dict):
        raise ValidationFailed('weekly hours look like {"mon": [["09:00", "17:00"]]}', field=field)
    for day, spans in value.items():  # one day at a time, so the error names the day
        try:
            WeeklyHours.from_json({day: spans})
        except ValueError as exc:
            raise ValidationFailed(str(exc), field=f"{field}.{day}") from None
    return WeeklyHours.from_json(value).to_json()


def _read(body, parsers: dict, required: tuple[str, ...], *, partial: bool) -> dict:
    body = read_object(body)
    for name in () if partial else required:
        if body.get(name) is None:
            raise ValidationFailed(f"{name} is required", field=name)
    return {name: parse(body[name], name) for name, parse in parsers.items() if name in body}


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

SERVICE_FIELDS = {
    "name": read_name,
    "duration_minutes": lambda value, field: read_whole(value, field, 1, MAX_MINUTES),
    "capacity": lambda value, field: read_whole(value, field, 1, MAX_CAPACITY),
    "buffer_before_minutes": lambda value, field: read_whole(value, field, 0, MAX_MINUTES),
    "buffer_after_minutes": lambda value, field: read_whole(value, field, 0, MAX_MINUTES),
    "members_only": read_flag, "price": _price, "currency": _currency, "shopify_variant_id": _variant_id,
}


def list_services(session: Session, shop_id: int) -> list[Service]:
    return live_rows(session, Service, shop_id)


def get_service(session: Session, shop_id: int, service_id: int) -> Service:
    return live_row(session, Service, shop_id, service_id, "service")


def create_service(session: Session, shop_id: int, body, *, default_currency: str | None) -> Service:
    """A new bookable service; a price without a currency is in the shop's currency."""
    values = _read(body, SERVICE_FIELDS, ("name", "duration_minutes"), partial=False)
    defaults = dict(capacity=1, buffer_before_minutes=0, buffer_after_minutes=0, members_only=False)
    service = Service(shop_id=shop_id, **{**defaults, **values})
    _settle_currency(service, default_currency)
    session.add(service)
    session.flush()
    return service


def update_service(session: Session, shop_id: int, service_id: int, body, *,
                   default_currency: str | None) -> Service:
    """Change the fields given; existing bookings keep their times."""
    service = get_service(session, shop_id, service_id)
    for name, value in _read(body, SERVICE_FIELDS, (), partial=True).items():
        setattr(service, name, value)
    _settle_currency(service, default_currency)
    session.flush()
    return service


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

def _exceptions(value, field: str) -> list[dict]:
    """Dated time off ("closed") or extra hours ("open"): [{starts_at, ends_at, kind, note?}]."""
    if not isinstance(value, list):
        raise ValidationFailed("exceptions must be a list", field=field)
    return [_exception(item, f"{field}[{i}]") for i, item in enumerate(value)]


def _exception(item, field: str) -> dict:
    if not isinstance(item, dict):
        raise ValidationFailed("each exception is an object", field=field)
    starts, ends = _instant(item.get("starts_at"), f"{field}.starts_at"), _instant(item.get("ends_at"), f"{field}.ends_at")
    if ends <= starts:
        raise ValidationFailed("ends_at must be after starts_at", field=f"{field}.ends_at")
    if item.get("kind", "closed") not in ("closed", "open"):
        raise ValidationFailed('kind is "closed" (time off) or "open" (extra hours)', field=f"{field}.kind")
    return {"starts_at": starts, "ends_at": ends, "kind": item.get("kind", "closed"), "note": item.get("note")}


def _instant(value, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationFailed("give an ISO 8601 time with its offset, e.g. 2026-12-24T09:00:00+00:00", field=field)
    return moment


RESOURCE_FIELDS = {"name": read_name, "weekly_hours": _weekly_hours, "service_ids": _ids,
                   "exceptions": _exceptions}


def list_resources(session: Session, shop_id: int) -> list[Resource]:
    return live_rows(session, Resource, shop_id)


def get_resource(session: Session, shop_id: int, resource_id: int) -> Resource:
    return live_row(session, Resource, shop_id, resource_id, "resource")


def create_resource(session: Session, shop_id: int, body) -> Resource:
    """A member of staff or a room; days missing from weekly_hours are closed."""
    values = _read(body, RESOURCE_FIELDS, ("name",), partial=False)
    resource = Resource(shop_id=shop_id, name=values["name"], weekly_hours=values.get("weekly_hours", {}))
    resource.services = shop_services(session, shop_id, values.get("service_ids", []),
                                      lambda i: f"service_ids[{i}]")
    resource.exceptions = [ResourceException(**x) for x in values.get("exceptions", [])]
    session.add(resource)
    session.flush()
    return resource


def update_resource(session: Session, shop_id: int, resource_id: int, body) -> Resource:
    """Change the fields given; service_ids replaces the whole list."""
    resource = get_resource(session, shop_id, resource_id)
    values = _read(body, RESOURCE_FIELDS, (), partial=True)
    if "service_ids" in values:
        resource.services = shop_services(session, shop_id, values.pop("service_ids"),
                                          lambda i: f"service_ids[{i}]")
    if "exceptions" in values:  # replaces the whole list
        resource.exceptions = [ResourceException(**x) for x in values.pop("exceptions")]
    for name, value in values.items():
        setattr(resource, name, value)
    session.flush()
    return resource


def archive_resource(session: Session, shop_id: int, resource_id: int, *, now: datetime) -> Resource:
    """Stop offering a resource; bookings already on it stay as they are."""
    resource = get_resource(session, shop_id, resource_id)
    resource.archived_at = now
    return resource
