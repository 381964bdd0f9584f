"""The shop's customers as Shopify identifies them: by customer id, or by email for a guest checkout."""
from __future__ import annotations

from sqlalchemy import String, and_, bindparam, literal_column, or_, select
from sqlalchemy.orm import Session

from booking.errors import NotFound
from booking.records import Booking, Customer, Entitlement, Membership, Order
from db import insert_skipping_duplicates
from shopify_app.queries import CUSTOMER


def normalize_email(value: str | None) -> str | None:
    return value.strip().lower() if value and value.strip() else None


def staff_customer(session: Session, shop_id: int, shopify_customer_id: int, *, lookup) -> Customer:
    """The customer a member of staff names by Shopify id, for a booking or an assignment.

    One Packbook already knows is used as it is. A new id is checked with Shopify first
    (`lookup(id) -> {"email", "first_name", "last_name"} | None`), so a typo never invents a customer; the record
    made then is the cache, and Shopify is asked once per customer. A guest who paid with the same email becomes
    this customer, as when Shopify's own webhooks name them.
    """
    known = session.scalar(select(Customer).where(Customer.shop_id == shop_id,
                                                  Customer.shopify_customer_id == shopify_customer_id))
    if known is not None:
        return known
    found = lookup(shopify_customer_id)
    if found is None:
        raise NotFound(f"the shop has no customer {shopify_customer_id} in Shopify", field="customer_id")
    customer = customer_for(session, shop_id, shopify_customer_id, found.get("email"))
    name_customer(customer, found.get("first_name"), found.get("last_name"))
    session.flush()
    return customer


def name_customer(customer: Customer, first_name: str | None, last_name: str | None) -> None:
    """Keep the name Shopify gives (the front desk searches by it); a redacted customer stays nameless."""
    if customer.redacted_at is not None:
        return
    first, last = first_name or customer.first_name, last_name or customer.last_name
    customer.first_name, customer.last_name = (first or None) and first[:200], (last or None) and last[:200]


def find_in_shopify(shopify, shopify_customer_id: int) -> dict | None:
    """The customer as Shopify has it, in the shape `staff_customer` takes; None if the shop has no such customer."""
    node = shopify.query(CUSTOMER, {"id": f"gid://shopify/Customer/{shopify_customer_id}"})["customer"]
    if not node:
        return None
    return {"email": (node.get("defaultEmailAddress") or {}).get("emailAddress"),
            "first_name": node.get("firstName"), "last_name": node.get("lastName")}


def customer_for(session: Session, shop_id: int, shopify_customer_id: int | None, email: str | None) -> Customer:
    """The shop's customer by Shopify id, else a guest keyed by email; a guest is merged once its id appears."""
    email = normalize_email(email)
    by_id, guest = _known(session, shop_id, shopify_customer_id, email)
    if by_id is None and guest is not None and shopify_customer_id:
        guest.shopify_customer_id = shopify_customer_id  # the guest turns out to be this customer
        return guest
    if by_id is not None and guest is not None:
        _merge(session, guest, into=by_id)
    customer = by_id or guest
    if customer is None:
        customer = _create(session, shop_id, shopify_customer_id, email)
    elif email and not customer.email and customer.redacted_at is None:
        customer.email = email
    return customer


# Built once: a job only binds values. A NULL id or email matches nothing (x = NULL is never true).
_BY_ID_OR_GUEST_EMAIL = select(Customer).where(Customer.shop_id == bindparam("shop_id"), or_(
    Customer.shopify_customer_id == bindparam("customer_id"),
    (Customer.email == bindparam("email")) & Customer.shopify_customer_id.is_(None))).order_by(Customer.id)


def _known(session: Session, shop_id: int, shopify_customer_id: int | None,
           email: str | None) -> tuple[Customer | None, Customer | None]:
    """The customer with this Shopify id and the guest with this email, in one query."""
    if not (shopify_customer_id or email):
        return None, None
    rows = session.scalars(_BY_ID_OR_GUEST_EMAIL, {"shop_id": shop_id, "customer_id": shopify_customer_id or None,
                                                   "email": email}).all()
    by_id = next((c for c in rows if shopify_customer_id and c.shopify_customer_id == shopify_customer_id), None)
    return by_id, next((c for c in rows if c.shopify_customer_id is None), None)


def _create(session: Session, shop_id: int, shopify_customer_id: int | None, email: str | None) -> Customer:
    # Two deliveries for the same new customer may race: the second waits, inserts nothing and
    # takes the first one's row rather than failing on the unique key.
    created = session.scalar(insert_skipping_duplicates(session, Customer, ("shop_id", "shopify_customer_id")),
                             {"shop_id": shop_id, "shopify_customer_id": shopify_customer_id, "email": email})
    return created or _known(session, shop_id, shopify_customer_id, None)[0]


def _merge(session: Session, guest: Customer, *, into: Customer) -> None:
    for model in (Entitlement, Booking, Order, Membership):
        session.query(model).filter(model.customer_id == guest.id).update({"customer_id": into.id})
    session.delete(guest)
    session.flush()


# The text the front desk searches, lower-cased. Migration 0013 indexes exactly this expression on PostgreSQL
# (trigrams), so it is written as SQL, not built with bound parameters the planner could not match.
SEARCH_TEXT = literal_column("lower(coalesce(customers.first_name, '') || ' ' || coalesce(customers.last_name, '') || ' ' "
                   "|| coalesce(customers.email, ''))", String)
MAX_SEARCH_TERMS = 5


def search(session: Session, shop_id: int, query: str, *, limit: int, offset: int = 0) -> list[Customer]:
    """Customers whose name or email holds every word of the query, or whose Shopify id is the query; the most
    recently seen first when the query is empty. Redacted customers are never found."""
    listed = select(Customer).where(Customer.shop_id == shop_id, Customer.redacted_at.is_(None))
    terms = query.lower().split()[:MAX_SEARCH_TERMS]
    if terms:
        words = and_(*(SEARCH_TEXT.like(f"%{_escape_like(term)}%", escape="\\") for term in terms))
        by_id = Customer.shopify_customer_id == int(query) if query.strip().isdigit() and \
            int(query) < 2 ** 63 else None
        listed = listed.where(or_(words, by_id) if by_id is not None else words)
        listed = listed.order_by(Customer.last_name, Customer.first_name, Customer.id)
    else:
        listed = listed.order_by(Customer.id.desc())
    return list(session.scalars(listed.limit(limit).offset(offset)))


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def display_name(customer: Customer) -> str:
    """How staff see a customer: the name Shopify gave, else the email, else the Shopify id."""
    name = " ".join(part for part in (customer.first_name, customer.last_name) if part)
    return name or customer.email or (f"Customer {customer.shopify_customer_id}"
                                      if customer.shopify_customer_id else "Guest")
