"""Factories for the booking domain: a small spa with a service, a resource and a plan."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from booking.accounts import assign_plan, booking_settings
from booking.models import Plan, Resource, Service
from booking.api.plan_body import terms_from_body
from booking.records import Customer
from tests.support.factories import make_shop

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # a Tuesday; London is on UTC in winter
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc)


def make_service(session, shop, **overrides) -> Service:
    values = dict(shop_id=shop.id, name="Massage", duration_minutes=60, capacity=1, price=Decimal("80.00"),
                  currency="GBP")
    values.update(overrides)
    service = Service(**values)
    session.add(service)
    session.flush()
    return service


def make_resource(session, shop, services, **overrides) -> Resource:
    values = dict(shop_id=shop.id, name="Anna", weekly_hours=WEEKDAYS_9_TO_5)
    values.update(overrides)
    resource = Resource(**values)
    resource.services = list(services)
    session.add(resource)
    session.flush()
    return resource


def make_plan(session, shop, **api_body) -> Plan:
    body = {"title": "5x massage", "unit": "sessions", "quantity": 5, **api_body}
    terms = terms_from_body(body)
    plan = Plan(shop_id=shop.id, title=terms.title, terms=terms.to_json())
    session.add(plan)
    session.flush()
    return plan


@dataclass
class Spa:
    shop: object
    service: Service
    resource: Resource
    plan: Plan
    customer: Customer


def make_spa(session, *, plan: dict | None = None, service: dict | None = None, shop=None) -> Spa:
    shop = shop or make_shop(session, iana_timezone="Europe/London")
    booking_settings(session, shop.id)
    svc = make_service(session, shop, **(service or {}))
    resource = make_resource(session, shop, [svc])
    plan_row = make_plan(session, shop, **{"service_ids": [svc.id], **(plan or {})})
    customer = Customer(shop_id=shop.id, shopify_customer_id=7001, email="ana@example.com")
    session.add(customer)
    session.flush()
    return Spa(shop, svc, resource, plan_row, customer)


def give_package(session, spa: Spa, plan=None, now=NOW):
    return assign_plan(session, spa.shop.id, spa.customer, (plan or spa.plan).id, actor="staff:1", now=now)
