"""Paying at Shopify checkout: a customer with no package holds times of a priced service, is sent to
checkout with the hold's reference as a cart attribute, and a signed orders/paid carrying it back confirms
the sessions; a lapsed hold frees its time, and a payment after it books the times if they are still free or
goes on the attention list with the order and amount, never lost."""
from __future__ import annotations

import copy

import pytest
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from booking import activity
from booking.records import Booking, Order
from tests.support.booking import make_spa
from tests.support.factories import deliver
from tests.support.samples import sample
from tests.web.test_customer_pages import CONFIRMATION, _csrf, _monday, _order, _pick

VARIANT = "44012345678901"
ORDER_ID = 5550009001


def _checkout_spa(client, db_session):
    """A customer with no package, a service sold at checkout, signed in from their order email."""
    spa = make_spa(db_session, service={"shopify_variant_id": VARIANT, "price": "80.00"})
    _order(db_session, spa)
    response = client.get("/book", query_string={"shop": spa.shop.domain, "order": 820982911946154508,
                                                 "c": CONFIRMATION})
    assert response.status_code == 303
    return spa


def _hold(client, spa, picks) -> str:
    review = client.get(f"/book/services/{spa.service.id}/review", query_string={"pick": picks})
    html = review.get_data(as_text=True)
    assert "Hold and go to checkout" in html and "We hold these times for 15 minutes" in html
    response = client.post(f"/book/services/{spa.service.id}/confirm", data={"pick": picks, "csrf_token": _csrf(html)})
    assert response.status_code == 303
    return response.headers["Location"]


def _paid(spa, reference: str | None, quantity: int) -> dict:
    order = copy.deepcopy(sample("orders/paid"))
    order.update(id=ORDER_ID, financial_status="paid", name="#2001",
                 note_attributes=[{"name": "packbook_hold", "value": reference}] if reference else [])
    order["customer"]["id"] = spa.customer.shopify_customer_id
    order["line_items"] = [dict(order["line_items"][0], id=77001, variant_id=int(VARIANT), quantity=quantity,
                                price="80.00")]
    return order


def _held(db_session, spa):
    return db_session.scalars(select(Booking).where(Booking.customer_id == spa.customer.id)
                              .order_by(Booking.starts_at)).all()


def test_held_times_go_to_checkout_with_their_reference_and_the_payment_confirms_them(client, db_session):
    spa = _checkout_spa(client, db_session)
    home = client.get("/book/home").get_data(as_text=True)
    assert "80.00 GBP at checkout" in home
    monday = _monday()
    location = _hold(client, spa, [_pick(spa, monday, 10), _pick(spa, monday, 14)])
    url = urlsplit(location)
    assert (url.scheme, url.netloc, url.path) == ("https", spa.shop.domain, f"/cart/{VARIANT}:2")
    reference = parse_qs(url.query)["attributes[packbook_hold]"][0]
    held = _held(db_session, spa)
    assert [b.status for b in held] == ["held", "held"] and {b.group_id for b in held} == {reference}
    assert all(b.hold_expires_at > datetime.now(timezone.utc) for b in held)

    for _ in range(2):  # Shopify's redelivery changes nothing
        assert deliver(client, "orders/paid", _paid(spa, reference, 2), shop=spa.shop.domain).status_code == 200
    db_session.expire_all()
    assert [b.status for b in _held(db_session, spa)] == ["confirmed", "confirmed"]
    assert client.get("/book/bookings").get_data(as_text=True).count("data-booking=") == 2


@pytest.mark.parametrize("released", [False, True], ids=["lapsed", "lapsed and released"])
def test_a_late_payment_books_the_held_time_if_it_is_still_free(client, db_session, released):
    from booking.holds import release_lapsed
    spa = _checkout_spa(client, db_session)
    monday = _monday()
    reference = parse_qs(urlsplit(_hold(client, spa, [_pick(spa, monday, 11)])).query)["attributes[packbook_hold]"][0]
    [hold] = _held(db_session, spa)
    starts_at = hold.starts_at
    hold.hold_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    db_session.flush()
    if released:  # the workers' pass got to it first
        assert release_lapsed(db_session, datetime.now(timezone.utc)) >= 1
    assert deliver(client, "orders/paid", _paid(spa, reference, 1), shop=spa.shop.domain).status_code == 200
    db_session.expire_all()
    confirmed = [b for b in _held(db_session, spa) if b.status == "confirmed"]
    assert len(confirmed) == 1 and confirmed[0].starts_at == starts_at and confirmed[0].hold_expires_at is None


def test_a_late_payment_for_a_time_taken_meanwhile_goes_on_the_attention_list(client, db_session):
    from booking import bookings
    from booking.bookings import SessionRequest
    from booking.records import Customer
    spa = _checkout_spa(client, db_session)
    monday = _monday()
    location = _hold(client, spa, [_pick(spa, monday, 12)])
    reference = parse_qs(urlsplit(location).query)["attributes[packbook_hold]"][0]
    [hold] = _held(db_session, spa)
    hold.hold_expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)
    other = Customer(shop_id=spa.shop.id, shopify_customer_id=7002, email="ben@example.com")
    db_session.add(other)
    db_session.flush()
    # The lapsed hold no longer occupies the time: someone else books it (and the hold is released).
    bookings.book_sessions(db_session, spa.shop.id, other, [SessionRequest(spa.service.id, spa.resource.id,
                                                                           hold.starts_at)],
                           actor="staff:1", now=datetime.now(timezone.utc), use_package=False)
    db_session.flush()
    assert deliver(client, "orders/paid", _paid(spa, reference, 1), shop=spa.shop.domain).status_code == 200
    items = [i for i in activity.attention_list(db_session, spa.shop.id) if i.row.action == "paid_hold_not_booked"]
    assert len(items) == 1 and "taken" in items[0].row.reason
    assert items[0].order.shopify_order_id == ORDER_ID and items[0].row.after["amount_paid"] == "80.00"
    assert not [b for b in _held(db_session, spa) if b.status in ("held", "confirmed")]  # nothing kept for them
    from booking.records import OutgoingEmail
    told = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id,
                                                          OutgoingEmail.kind == "hold_not_booked")).all()
    assert [(e.recipient, e.subject_key) for e in told] == [("ana@example.com", f"order:{ORDER_ID}")]


def test_an_order_that_does_not_pay_for_every_held_session_or_names_no_known_hold_is_flagged(client, db_session):
    spa = _checkout_spa(client, db_session)
    monday = _monday()
    location = _hold(client, spa, [_pick(spa, monday, 10), _pick(spa, monday, 15)])
    reference = parse_qs(urlsplit(location).query)["attributes[packbook_hold]"][0]
    assert deliver(client, "orders/paid", _paid(spa, reference, 1), shop=spa.shop.domain).status_code == 200
    db_session.expire_all()
    assert [b.status for b in _held(db_session, spa)] == ["held", "held"]
    reasons = [i.row.reason for i in activity.attention_list(db_session, spa.shop.id)]
    assert any("does not pay for every held session" in r for r in reasons)
    assert db_session.scalar(select(Order.id).where(Order.shopify_order_id == ORDER_ID)) is not None


def test_a_service_paid_without_any_held_time_is_put_before_the_merchant(client, db_session):
    """Bought straight from the shop's product page, or the cart attribute lost on the way: flagged, once."""
    spa = _checkout_spa(client, db_session)
    for _ in range(2):
        assert deliver(client, "orders/paid", _paid(spa, None, 1), shop=spa.shop.domain).status_code == 200
    items = [i for i in activity.attention_list(db_session, spa.shop.id) if i.row.action == "paid_hold_not_booked"]
    assert len(items) == 1 and "without a held time" in items[0].row.reason
