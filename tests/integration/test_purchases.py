"""From Shopify purchases to packages: orders, refunds and cancellations through the webhook pipeline."""
from __future__ import annotations

import copy
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from booking import accounts, bookings, reports
from booking.models import PlanVariant
from booking.records import ActivityLog, Customer, Entitlement, Order
from booking.bookings import SessionRequest
from db import utcnow
from tests.support.booking import make_plan, make_spa
from tests.support.factories import deliver
from tests.support.samples import sample

ORDER_ID, MASSAGE_LINE, YOGA_LINE = 820982911946154508, 487817672276298554, 976318377106520349
MASSAGE_VARIANT, YOGA_VARIANT = 39072856, 49148385


def paid_order(*, quantity=1, customer=True, lines=None, **extra) -> dict:
    """Shopify's sample orders/paid payload with only the ids and quantities this test needs."""
    order = copy.deepcopy(sample("orders/paid"))
    order.update({"id": ORDER_ID, "financial_status": "paid", **extra})
    massage = dict(order["line_items"][0], id=MASSAGE_LINE, variant_id=MASSAGE_VARIANT, quantity=quantity, price="250.00")
    order["line_items"] = lines if lines is not None else [massage, *order["line_items"][1:]]
    if not customer:
        order["customer"] = None
    return order


def refund(refund_id: int, *quantities: tuple[int, int]) -> dict:
    body = copy.deepcopy(sample("refunds/create"))
    body.update(id=refund_id, order_id=ORDER_ID,
                refund_line_items=[{"id": refund_id + i, "line_item_id": line, "quantity": q}
                                   for i, (line, q) in enumerate(quantities)])
    return body


def mapped_spa(db_session, units_per_item: int = 1):
    spa = make_spa(db_session)
    db_session.add(PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id=str(MASSAGE_VARIANT),
                               units_per_item=units_per_item))
    db_session.flush()
    return spa


def packages(db_session, shop_id, *, status=None):
    query = select(Entitlement).where(Entitlement.shop_id == shop_id, Entitlement.order_id == ORDER_ID)
    if status:
        query = query.where(Entitlement.status == status)
    return list(db_session.scalars(query.order_by(Entitlement.unit_index)))


def test_paid_order_grants_one_package_per_unit_once_whatever_the_redeliveries(client, db_session):
    spa = mapped_spa(db_session)
    for _ in range(3):  # new event ids each time: Shopify's duplicates and reconciliation replays
        assert deliver(client, "orders/paid", paid_order(quantity=3), shop=spa.shop.domain).status_code == 200
    granted = packages(db_session, spa.shop.id)
    assert [p.unit_index for p in granted] == [0, 1, 2]
    assert {p.line_item_id for p in granted} == {MASSAGE_LINE}
    assert all(p.price_paid == 250 and p.currency == "USD" for p in granted)
    customer = db_session.get(Customer, granted[0].customer_id)
    assert customer.shopify_customer_id == 115310627314723954  # beyond 2^53, exact
    assert accounts.entitlement_state(db_session, granted[0]).remaining == 5


def test_units_per_item_multiply_what_a_line_grants(client, db_session):
    spa = mapped_spa(db_session, units_per_item=2)
    deliver(client, "orders/paid", paid_order(quantity=2), shop=spa.shop.domain)
    granted = packages(db_session, spa.shop.id)
    assert len(granted) == 4 and granted[0].price_paid == 125


def test_several_mapped_lines_each_grant_their_plan(client, db_session):
    spa = mapped_spa(db_session)
    yoga = make_plan(db_session, spa.shop, title="10x yoga", quantity=10, service_ids=[spa.service.id])
    db_session.add(PlanVariant(shop_id=spa.shop.id, plan_id=yoga.id, variant_id=str(YOGA_VARIANT)))
    db_session.flush()
    order = paid_order()
    order["line_items"][3].update(id=YOGA_LINE, variant_id=YOGA_VARIANT, quantity=2)
    deliver(client, "orders/paid", order, shop=spa.shop.domain)
    titles = sorted(p.terms["title"] for p in packages(db_session, spa.shop.id))
    assert titles == ["10x yoga", "10x yoga", "5x massage"]


def test_an_unmapped_order_is_stored_without_packages(client, db_session):
    spa = make_spa(db_session)
    deliver(client, "orders/paid", paid_order(), shop=spa.shop.domain)
    order = db_session.scalar(select(Order).where(Order.shop_id == spa.shop.id))
    assert (order.shopify_order_id, order.name, order.email) == (ORDER_ID, "#9999", "jon@example.com")
    assert all(line["plan_id"] is None for line in order.lines)
    assert packages(db_session, spa.shop.id) == []


def test_orders_create_records_a_pending_order_and_grants_nothing(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/create", paid_order(financial_status="pending"), shop=spa.shop.domain)
    order = db_session.scalar(select(Order).where(Order.shop_id == spa.shop.id))
    assert order.financial_status == "pending" and order.lines[0]["plan_id"] == spa.plan.id
    assert packages(db_session, spa.shop.id) == []


def test_a_guest_checkout_is_keyed_by_email_and_merged_when_the_customer_id_appears(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", paid_order(customer=False, email="Guest@Example.com"), shop=spa.shop.domain)
    [guest_package] = packages(db_session, spa.shop.id)
    guest = db_session.get(Customer, guest_package.customer_id)
    assert (guest.shopify_customer_id, guest.email) == (None, "guest@example.com")
    later = paid_order(id=ORDER_ID + 1, email="guest@example.com")
    later["customer"] = {"id": 9007199254740993, "email": "guest@example.com"}
    deliver(client, "orders/paid", later, shop=spa.shop.domain)
    db_session.expire_all()
    owners = set(db_session.scalars(select(Entitlement.customer_id).where(Entitlement.shop_id == spa.shop.id)))
    assert len(owners) == 1
    assert db_session.get(Customer, owners.pop()).shopify_customer_id == 9007199254740993


def test_a_refund_that_arrives_before_the_payment_is_applied_when_it_does(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "refunds/create", refund(5001, (MASSAGE_LINE, 1)), shop=spa.shop.domain)
    assert packages(db_session, spa.shop.id) == []
    deliver(client, "orders/paid", paid_order(quantity=2), shop=spa.shop.domain)
    assert [p.status for p in packages(db_session, spa.shop.id)] == ["active", "revoked"]
    deliver(client, "refunds/create", refund(5001, (MASSAGE_LINE, 1)), shop=spa.shop.domain)  # again
    assert [p.status for p in packages(db_session, spa.shop.id)] == ["active", "revoked"]


def test_a_partial_refund_after_use_takes_back_only_what_is_left_and_flags_the_rest(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", paid_order(quantity=1), shop=spa.shop.domain)
    [package] = packages(db_session, spa.shop.id)
    start = (utcnow() + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
    while start.weekday() > 4:
        start += timedelta(days=1)
    customer = db_session.get(Customer, package.customer_id)
    bookings.book_sessions(db_session, spa.shop.id, customer, [SessionRequest(spa.service.id, spa.resource.id, start)],
                           actor="staff:1", now=utcnow())
    db_session.commit()
    deliver(client, "refunds/create", refund(6001, (MASSAGE_LINE, 1)), shop=spa.shop.domain)
    db_session.expire_all()
    state = accounts.entitlement_state(db_session, package)
    assert package.status == "revoked" and state.remaining == 0 and state.used == 1  # never negative
    flag = db_session.scalar(select(ActivityLog).where(ActivityLog.subject_id == package.id,
                                                       ActivityLog.attention.is_(True)))
    assert flag.before == {"remaining": "4", "used": "1"}


def test_cancellation_takes_back_every_unused_package_of_the_order(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/paid", paid_order(quantity=3), shop=spa.shop.domain)
    deliver(client, "refunds/create", refund(7001, (MASSAGE_LINE, 1)), shop=spa.shop.domain)
    deliver(client, "orders/cancelled", paid_order(quantity=3, cancelled_at="2026-12-01T10:00:00Z"),
            shop=spa.shop.domain)
    assert [p.status for p in packages(db_session, spa.shop.id)] == ["revoked"] * 3
    revokes = db_session.scalar(select(func.count()).select_from(ActivityLog).where(
        ActivityLog.shop_id == spa.shop.id, ActivityLog.action == "refund"))
    assert revokes == 3  # each unit revoked once, not again by the cancellation


def test_the_same_order_delivered_concurrently_grants_once(app, committed_shops):
    import threading

    with app.extensions["packbook.db"].transaction() as session:
        spa = mapped_spa(session)
        shop_id, domain = spa.shop.id, spa.shop.domain
    committed_shops.append(domain)
    barrier, statuses = threading.Barrier(10), []

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(deliver(client, "orders/paid", paid_order(quantity=2), shop=domain).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 10
    with app.extensions["packbook.db"].transaction() as session:
        assert [p.unit_index for p in packages(session, shop_id)] == [0, 1]
        from webhooks.models import WebhookEvent

        events = session.scalars(select(WebhookEvent.status).where(WebhookEvent.shop_domain == domain)).all()
        assert events == ["done"] * 10  # no delivery failed on the race; none needs a retry


def test_orders_from_a_new_customer_delivered_concurrently_create_the_customer_once(app, committed_shops):
    import threading

    from webhooks.models import WebhookEvent

    with app.extensions["packbook.db"].transaction() as session:
        spa = mapped_spa(session)
        shop_id, domain = spa.shop.id, spa.shop.domain
    committed_shops.append(domain)
    barrier, statuses = threading.Barrier(8), []

    def send(index: int):
        client = app.test_client()
        barrier.wait()
        # Eight different orders by one customer Packbook has not seen yet, all at once.
        statuses.append(deliver(client, "orders/paid", paid_order(id=ORDER_ID + index), shop=domain).status_code)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses == [200] * 8
    with app.extensions["packbook.db"].transaction() as session:
        customers = session.scalars(select(Customer.id).where(
            Customer.shop_id == shop_id, Customer.shopify_customer_id == sample("orders/paid")["customer"]["id"])).all()
        owners = session.scalars(select(Entitlement.customer_id).where(Entitlement.shop_id == shop_id)).all()
        events = session.scalars(select(WebhookEvent.status).where(WebhookEvent.shop_domain == domain)).all()
    assert len(customers) == 1 and owners == customers * 8
    assert events == ["done"] * 8  # the race for the new customer failed no delivery


def test_orders_create_grants_an_already_paid_order_only_where_the_merchant_opted_in(client, db_session):
    spa = mapped_spa(db_session)
    deliver(client, "orders/create", paid_order(), shop=spa.shop.domain)
    assert packages(db_session, spa.shop.id) == []
    accounts.update_booking_settings(db_session, spa.shop.id, {"grant_on_create": True})
    db_session.commit()
    deliver(client, "orders/create", paid_order(), shop=spa.shop.domain)
    assert len(packages(db_session, spa.shop.id)) == 1
    deliver(client, "orders/paid", paid_order(), shop=spa.shop.domain)  # the paid event later adds nothing
    assert len(packages(db_session, spa.shop.id)) == 1


def test_merging_a_guest_keeps_its_memberships(client, db_session):
    from booking.customers import customer_for
    from booking.records import Membership

    spa = make_spa(db_session)
    guest = customer_for(db_session, spa.shop.id, None, "merge@example.com")
    known = customer_for(db_session, spa.shop.id, 42, None)
    db_session.add(Membership(shop_id=spa.shop.id, customer_id=guest.id, plan_id=spa.plan.id, source="tag",
                              source_ref="x:gold", period_unit="month", period_count=1))
    db_session.flush()
    assert customer_for(db_session, spa.shop.id, 42, "merge@example.com").id == known.id
    owners = db_session.scalars(select(Membership.customer_id).where(Membership.shop_id == spa.shop.id)).all()
    assert owners == [known.id]


def test_packages_record_what_was_paid_after_line_and_order_discounts(client, db_session):
    # 2 x 250.00 with 100.00 off the line (a code) and 50.00 of an order discount allocated to it: 175.00 each.
    spa = mapped_spa(db_session, units_per_item=5)
    order = paid_order(quantity=2)
    order["line_items"][0]["discount_allocations"] = [{"amount": "100.00", "discount_application_index": 0},
                                                      {"amount": "50.00", "discount_application_index": 1}]
    assert deliver(client, "orders/paid", order, shop=spa.shop.domain).status_code == 200
    granted = packages(db_session, spa.shop.id)
    assert len(granted) == 10 and {p.price_paid for p in granted} == {35}  # 175.00 / 5 units an item
    [row] = reports.liability(db_session, spa.shop.id, ZoneInfo("UTC"), utcnow())
    assert row["value"] == "350.00"  # the liability is valued at what was paid, not the list price


def test_a_discount_larger_than_the_line_records_nothing_paid_never_a_negative_price(client, db_session):
    spa = mapped_spa(db_session)
    order = paid_order(quantity=1)
    order["line_items"][0]["discount_allocations"] = [{"amount": "300.00"}]
    deliver(client, "orders/paid", order, shop=spa.shop.domain)
    assert [p.price_paid for p in packages(db_session, spa.shop.id)] == [0]
