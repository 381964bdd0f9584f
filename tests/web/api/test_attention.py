"""/api/attention and /api/entitlements/{id}/activity: credit refunded after use reaches the merchant's list,
stays in the package's history, and leaves the list once someone marks it handled."""
from __future__ import annotations

from booking.models import PlanVariant
from tests.integration.test_purchases import MASSAGE_LINE, MASSAGE_VARIANT, paid_order, refund
from tests.support.factories import deliver
from tests.support.api import a_monday, book, local, make_spa, shop_api

BUYER = 115310627314723954  # the customer on Shopify's sample order


def refunded_after_use(api, db_session) -> dict:
    """A 5x massage bought through Shopify, one session booked, then the order refunded."""
    spa = make_spa(api)
    db_session.add(PlanVariant(shop_id=api.shop.id, plan_id=spa["plan"], variant_id=str(MASSAGE_VARIANT)))
    db_session.flush()
    deliver(api.client, "orders/paid", paid_order(quantity=1), shop=api.shop.domain)
    assert book(api, spa, local(a_monday(), 10), customer_id=BUYER).status_code == 201
    deliver(api.client, "refunds/create", refund(6001, (MASSAGE_LINE, 1)), shop=api.shop.domain)
    return spa


def test_credit_refunded_after_use_is_listed_with_the_amounts_the_package_and_the_buyer(client, db_session):
    api = shop_api(client, db_session)
    refunded_after_use(api, db_session)

    [item] = api.get("/api/attention").get_json()["items"]

    assert (item["action"], item["actor"], item["attention"]) == ("refund", "system:refund", True)
    assert item["before"] == {"remaining": "4", "used": "1"} and item["after"] == {"status": "revoked"}
    assert item["entitlement"]["title"] == "5x massage"
    assert item["customer"]["id"] == BUYER and item["resolved_at"] is None
    history = api.get(f"/api/entitlements/{item['entitlement']['id']}/activity").get_json()["items"]
    assert [h["id"] for h in history][-1] == item["id"]


def test_marking_an_item_handled_takes_it_off_the_list_once(client, db_session):
    api = shop_api(client, db_session)
    refunded_after_use(api, db_session)
    [item] = api.get("/api/attention").get_json()["items"]

    handled = api.post(f"/api/attention/{item['id']}/resolve", {"note": "  refunded the used session too "})

    assert handled.status_code == 200
    body = handled.get_json()
    assert body["resolution_note"] == "refunded the used session too" and body["resolved_by"].startswith("staff")
    assert api.get("/api/attention").get_json()["items"] == []
    assert [i["id"] for i in api.get("/api/attention", include_resolved="true").get_json()["items"]] == [item["id"]]
    again = api.post(f"/api/attention/{item['id']}/resolve")
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"


def test_a_note_must_be_text_and_the_body_may_be_left_out(client, db_session):
    api = shop_api(client, db_session)
    refunded_after_use(api, db_session)
    [item] = api.get("/api/attention").get_json()["items"]

    bad = api.post(f"/api/attention/{item['id']}/resolve", {"note": 5})
    assert bad.status_code == 422 and bad.get_json()["field"] == "note"
    assert api.get("/api/attention").get_json()["items"][0]["resolved_at"] is None  # nothing changed
    bare = api.client.post(f"/api/attention/{item['id']}/resolve", headers=api.headers())
    assert bare.status_code == 200 and bare.get_json()["resolution_note"] is None


def test_another_shops_items_are_neither_listed_nor_resolvable(client, db_session):
    api, other = shop_api(client, db_session), shop_api(client, db_session)
    refunded_after_use(api, db_session)
    [item] = api.get("/api/attention").get_json()["items"]

    assert other.get("/api/attention").get_json()["items"] == []
    assert other.post(f"/api/attention/{item['id']}/resolve").status_code == 404
    assert other.get(f"/api/entitlements/{item['entitlement']['id']}/activity").status_code == 404
