"""The shop's customers as Shopify identifies them: by customer id, or by email for a guest checkout."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking.records import Booking, Customer, Entitlement, Membership, Order


def normalize_email(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def customer_for(session: Session, shop_id: int, shopify_customer_id: int | None, email: str | None) -> Customer:
    """The shop's customer by Shopify id, else a guest keyed by email; a guest is merged once its id appears."""
    email = normalize_email(email)
    by_id = session.scalar(select(Customer).where(Customer.shop_id == shop_id,
                                                  Customer.shopify_customer_id == shopify_customer_id)) \
        if shopify_customer_id else None
    guest = session.scalar(select(Customer).where(Customer.shop_id == shop_id, Customer.email == email,
                                                  Customer.shopify_customer_id.is_(None))) if email else None
    if by_id is None and guest is not None and shopify_customer_id:
        guest.shopify_customer_id = shopify_customer_id  # the guest turns out to be this customer
        return guest
    if by_id is not None and guest is not None:
        _merge(session, guest, into=by_id)
    customer = by_id or guest
    if customer is None:
        customer = Customer(shop_id=shop_id, shopify_customer_id=shopify_customer_id, email=email)
        session.add(customer)
        session.flush()
    elif email and not customer.email and customer.redacted_at is None:
        customer.email = email
    return customer


def _merge(session: Session, guest: Customer, *, into: Customer) -> None:
    for model in (Entitlement, Booking, Order, Membership):
        session.query(model).filter(model.customer_id == guest.id).update({"customer_id": into.id})
    session.delete(guest)
    session.flush()
