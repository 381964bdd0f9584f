"""What Packbook's booking records hold about one customer: export it, or anonymize it."""
from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from booking.records import Booking, Customer, Entitlement, LedgerEntry
from db import utcnow


def _customers(session: Session, shop_id: int, shopify_customer_id: str | None, email: str | None):
    matches = []
    if shopify_customer_id and shopify_customer_id.isdigit():
        matches.append(Customer.shopify_customer_id == int(shopify_customer_id))
    if email:
        matches.append(Customer.email == email.lower())
    if not matches:
        return []
    return list(session.scalars(select(Customer).where(Customer.shop_id == shop_id, or_(*matches))))


def export_customer(session: Session, shop_id: int, shopify_customer_id: str | None, email: str | None) -> list[dict]:
    """Every customer record matching the id or email, with its packages, ledger and bookings."""
    return [_export_one(session, customer) for customer in _customers(session, shop_id, shopify_customer_id, email)]


def _export_one(session: Session, customer: Customer) -> dict:
    entitlements = session.scalars(select(Entitlement).where(Entitlement.customer_id == customer.id)).all()
    ids = [e.id for e in entitlements]
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.entitlement_id.in_(ids))).all() if ids else []
    bookings = session.scalars(select(Booking).where(Booking.customer_id == customer.id)).all()
    return {
        "customer": {"shopify_customer_id": customer.shopify_customer_id, "email": customer.email,
                     "first_name": customer.first_name, "last_name": customer.last_name},
        "packages": [{"id": e.id, "title": e.terms.get("title"), "status": e.status,
                      "starts_at": e.starts_at.isoformat(),
                      "expires_at": e.expires_at.isoformat() if e.expires_at else None} for e in entitlements],
        "ledger": [{"entitlement_id": x.entitlement_id, "kind": x.kind, "quantity": str(x.quantity),
                    "unit": x.unit, "at": x.created_at.isoformat()} for x in entries],
        "bookings": [{"id": b.id, "starts_at": b.starts_at.isoformat(), "ends_at": b.ends_at.isoformat(),
                      "status": b.status, "service_id": b.service_id} for b in bookings],
    }


def redact_customer(session: Session, shop_id: int, shopify_customer_id: str | None, email: str | None) -> int:
    """Blank the customer's personal fields; packages, ledger and bookings stay for accounting."""
    customers = _customers(session, shop_id, shopify_customer_id, email)
    for customer in customers:
        customer.email = customer.first_name = customer.last_name = None
        customer.redacted_at = utcnow()
    return len(customers)
