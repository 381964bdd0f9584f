"""The demo spa's catalogue and customers: services, staff with hours, plans and packages."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import memberships
from booking.accounts import assign_plan, booking_settings
from booking.bookings import SessionRequest, book_sessions
from booking.errors import BookingError
from booking.models import Plan, Resource, Service
from booking.api.plan_body import terms_from_body
from booking.records import Customer
from db import utcnow
from shopify_app.models import Shop

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
CUSTOMERS = [(191167, "john@example.com", "John", "Smith"), (7001, "ana@example.com", "Ana", "Silva"),
             (7002, "li@example.com", "Li", "Wei")]


def seed_spa(session: Session, shop: Shop) -> None:
    """Fill an empty demo shop; a shop that already has services is left alone."""
    if session.scalar(select(Service.id).where(Service.shop_id == shop.id).limit(1)) is not None:
        return
    booking_settings(session, shop.id).timezone = shop.iana_timezone or "UTC"
    massage, yoga, sauna = _services(session, shop)
    _staff(session, shop, massage, yoga, sauna)
    plans = _plans(session, shop, massage, yoga, sauna)
    _customers_with_packages(session, shop, plans)
    _membership(session, shop, massage, marco_of(session, shop))
    _bookings(session, shop, massage, sauna)


def marco_of(session: Session, shop: Shop) -> Resource:
    return session.scalar(select(Resource).where(Resource.shop_id == shop.id, Resource.name.startswith("Marco")))


def _services(session: Session, shop: Shop) -> list[Service]:
    services = [
        Service(shop_id=shop.id, name="Swedish massage", duration_minutes=60, buffer_after_minutes=15,
                price=Decimal("90.00"), currency="USD"),
        Service(shop_id=shop.id, name="Morning yoga (class)", duration_minutes=60, capacity=8,
                price=Decimal("20.00"), currency="USD"),
        Service(shop_id=shop.id, name="Sauna", duration_minutes=30, price=Decimal("15.00"), currency="USD"),
    ]
    session.add_all(services)
    session.flush()
    return services


def _staff(session: Session, shop: Shop, massage: Service, yoga: Service, sauna: Service) -> None:
    anna = Resource(shop_id=shop.id, name="Anna (therapist)",
                    weekly_hours={d: [["09:00", "13:00"], ["14:00", "18:00"]] for d in WEEKDAYS})
    anna.services = [massage]
    marco = Resource(shop_id=shop.id, name="Marco (yoga and sauna)",
                     weekly_hours={**{d: [["07:00", "12:00"]] for d in WEEKDAYS}, "sat": [["08:00", "14:00"]]})
    marco.services = [yoga, sauna]
    session.add_all([anna, marco])


def _plans(session: Session, shop: Shop, massage: Service, yoga: Service, sauna: Service) -> list[Plan]:
    bodies = [
        {"title": "5x massage", "unit": "sessions", "quantity": 5, "service_ids": [massage.id], "validity_months": 6},
        {"title": "10 hours yoga", "unit": "minutes", "quantity": 600, "service_ids": [yoga.id],
         "validity_months": 3, "late_cancel": "restore"},
        {"title": "$300 credit", "unit": "money", "quantity": "300.00", "currency": "USD",
         "service_ids": [massage.id, yoga.id, sauna.id], "validity_months": 12},
        {"title": "Unlimited sauna for a week", "unit": "unlimited", "quantity": 0, "service_ids": [sauna.id],
         "validity_days": 7},
    ]
    plans = [Plan(shop_id=shop.id, title=b["title"], terms=terms_from_body(b).to_json()) for b in bodies]
    session.add_all(plans)
    session.flush()
    return plans


def _membership(session: Session, shop: Shop, massage: Service, marco: Resource) -> None:
    """A tag membership (as another membership app would set it): two massages a month and the members'
    steam room, which only members may book. Li is a member."""
    steam = Service(shop_id=shop.id, name="Members' steam room", duration_minutes=30, members_only=True,
                    price=Decimal("0.00"), currency="USD")
    session.add(steam)
    session.flush()
    marco.services = [*marco.services, steam]
    terms = terms_from_body({"title": "Gold membership", "unit": "sessions", "quantity": 2,
                                "service_ids": [massage.id], "validity_months": 1})
    gold = Plan(shop_id=shop.id, title=terms.title, terms=terms.to_json(), kind="membership",
                member_tag="member-gold", unlocks_service_ids=[steam.id], not_for_sale=True)
    session.add(gold)
    session.flush()
    li = session.scalar(select(Customer).where(Customer.shop_id == shop.id, Customer.email == "li@example.com"))
    memberships.sync_tags(session, shop.id, li, {"member-gold"}, now=utcnow())


def _customers_with_packages(session: Session, shop: Shop, plans: list[Plan]) -> None:
    now = utcnow()
    for index, (shopify_id, email, first, last) in enumerate(CUSTOMERS):
        customer = Customer(shop_id=shop.id, shopify_customer_id=shopify_id, email=email,
                            first_name=first, last_name=last)
        session.add(customer)
        session.flush()
        for plan in plans[index:index + 2]:
            assign_plan(session, shop.id, customer, plan.id, actor="system:demo", now=now - timedelta(days=index))


def _bookings(session: Session, shop: Shop, massage: Service, sauna: Service) -> None:
    """A few sessions over the coming week, so the front desk's calendar has something to show: booked as staff
    would, through the booking use case, paid from the customers' packages where one covers them."""
    zone = ZoneInfo(booking_settings(session, shop.id).timezone)
    anna = session.scalar(select(Resource).where(Resource.shop_id == shop.id, Resource.name.startswith("Anna")))
    customers = {c.email: c for c in session.scalars(select(Customer).where(Customer.shop_id == shop.id))}
    plan = [("john@example.com", massage, anna, 10), ("ana@example.com", massage, anna, 14),
            ("li@example.com", sauna, marco_of(session, shop), 9), ("ana@example.com", massage, anna, 16)]
    day = datetime.now(zone).date()
    for offset in range(1, 8):
        when = day + timedelta(days=offset)
        if when.weekday() >= 5:
            continue
        for index, (email, service, resource, hour) in enumerate(plan):
            if (offset + index) % 2:
                continue  # a lighter day here and there, as in a real week
            start = datetime.combine(when, time(hour), tzinfo=zone)
            try:
                with session.begin_nested():  # a refusal leaves nothing half-written
                    book_sessions(session, shop.id, customers[email], [SessionRequest(service.id, resource.id, start)],
                                  actor="staff:demo", now=utcnow())
            except BookingError:
                continue  # a package that cannot pay, or a time taken: the demo simply has one booking fewer
