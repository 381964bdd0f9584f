"""POST /webhooks: verify, persist, enqueue, answer 200 — and refuse everything else."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from shopify_app.signatures import sign_webhook
from tests.support.factories import PREVIOUS_SECRET, deliver, make_shop, unique_shop_domain, webhook_headers
from webhooks.models import WebhookEvent

ORDER = {"id": 820982911946154508, "admin_graphql_api_id": "gid://shopify/Order/820982911946154508",
         "email": "jon@example.com", "line_items": []}


def count_events(session, shop: str) -> int:
    return session.scalar(select(func.count()).select_from(WebhookEvent).where(WebhookEvent.shop_domain == shop))


def test_signed_delivery_is_stored_once_and_answered_200(client, db_session):
    shop = unique_shop_domain()
    response = deliver(client, "orders/paid", ORDER, shop=shop, event_id="evt-1")
    assert response.status_code == 200
    event = db_session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == shop))
    assert (event.topic, event.event_id) == ("orders/paid", "evt-1")
    # Ids beyond 2^53 survive storage exactly.
    assert event.payload["id"] == 820982911946154508


def test_repeated_event_id_is_a_no_op_that_still_answers_200(client, db_session):
    shop = unique_shop_domain()
    first = deliver(client, "orders/paid", ORDER, shop=shop, event_id="evt-dup")
    second = deliver(client, "orders/paid", ORDER, shop=shop, event_id="evt-dup")
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.get_json()["status"] == "duplicate"
    assert count_events(db_session, shop) == 1


def test_same_event_id_for_two_shops_is_two_events(client, db_session):
    a, b = unique_shop_domain(), unique_shop_domain()
    deliver(client, "orders/paid", ORDER, shop=a, event_id="evt-shared")
    deliver(client, "orders/paid", ORDER, shop=b, event_id="evt-shared")
    assert count_events(db_session, a) == count_events(db_session, b) == 1


def test_webhook_id_is_the_key_when_event_id_is_absent(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/paid", shop, body)
    del headers["X-Shopify-Event-Id"]
    headers["X-Shopify-Webhook-Id"] = "wh-123"
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    assert client.post("/webhooks", data=body, headers=headers).get_json()["status"] == "duplicate"
    assert db_session.scalar(select(WebhookEvent.event_id).where(WebhookEvent.shop_domain == shop)) == "wh-123"


def test_forged_signature_gets_401_and_leaves_no_trace(client, db_session):
    shop = unique_shop_domain()
    response = deliver(client, "orders/paid", ORDER, shop=shop, secret="not-the-secret")
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_signature"
    assert count_events(db_session, shop) == 0


def test_missing_signature_gets_401(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/paid", shop, body)
    del headers["X-Shopify-Hmac-Sha256"]
    assert client.post("/webhooks", data=body, headers=headers).status_code == 401
    assert count_events(db_session, shop) == 0


def test_body_altered_after_signing_gets_401(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/paid", shop, body)
    tampered = body.replace(b"jon@example.com", b"eve@example.com")
    assert client.post("/webhooks", data=tampered, headers=headers).status_code == 401
    assert count_events(db_session, shop) == 0


def test_compliance_topics_answer_401_on_a_bad_signature(client, db_session):
    shop = unique_shop_domain()
    for topic in ("customers/data_request", "customers/redact", "shop/redact"):
        response = deliver(client, topic, {"shop_domain": shop}, shop=shop, secret="forged")
        assert response.status_code == 401, topic
    assert count_events(db_session, shop) == 0


def test_previous_secret_is_accepted_during_a_rotation(client, db_session):
    shop = unique_shop_domain()
    assert deliver(client, "orders/paid", ORDER, shop=shop, secret=PREVIOUS_SECRET).status_code == 200
    assert count_events(db_session, shop) == 1


def test_body_over_one_mebibyte_gets_413(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps({"note": "x" * (1024 * 1024)}).encode()
    response = client.post("/webhooks", data=body, headers=webhook_headers("orders/paid", shop, body))
    assert response.status_code == 413
    assert count_events(db_session, shop) == 0


def test_signed_but_malformed_json_gets_400_naming_the_body(client, db_session):
    shop = unique_shop_domain()
    body = b'{"id": 1,'
    response = client.post("/webhooks", data=body, headers=webhook_headers("orders/paid", shop, body))
    assert response.status_code == 400
    assert response.get_json()["field"] == "body"
    assert count_events(db_session, shop) == 0


def test_signed_json_that_is_not_an_object_gets_400(client, db_session):
    shop = unique_shop_domain()
    body = b"[1, 2]"
    response = client.post("/webhooks", data=body, headers=webhook_headers("orders/paid", shop, body))
    assert (response.status_code, response.get_json()["field"]) == (400, "body")


def test_missing_topic_gets_400_naming_the_header(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/paid", shop, body)
    del headers["X-Shopify-Topic"]
    response = client.post("/webhooks", data=body, headers=headers)
    assert (response.status_code, response.get_json()["field"]) == (400, "X-Shopify-Topic")


def test_bad_shop_domain_gets_400_naming_the_header(client, db_session):
    body = json.dumps(ORDER).encode()
    headers = webhook_headers("orders/paid", "evil.example.com", body)
    response = client.post("/webhooks", data=body, headers=headers)
    assert (response.status_code, response.get_json()["field"]) == (400, "X-Shopify-Shop-Domain")


def test_triggered_at_with_nanoseconds_is_stored(client, db_session):
    shop = unique_shop_domain()
    deliver(client, "orders/paid", ORDER, shop=shop, triggered_at="2023-03-29T18:00:27.877041743Z")
    event = db_session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == shop))
    assert event.triggered_at.isoformat() == "2023-03-29T18:00:27.877041+00:00"


def test_unhandled_topics_are_kept_and_marked_unhandled(client, db_session):
    shop = make_shop(db_session)
    deliver(client, "products/update", {"id": 706405506930370084, "title": "Massage oil"}, shop=shop.domain)
    event = db_session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == shop.domain))
    db_session.refresh(event)
    assert event.status == "unhandled"
    assert event.payload["id"] == 706405506930370084


def test_lowercase_header_names_are_accepted(client, db_session):
    shop = unique_shop_domain()
    body = json.dumps(ORDER).encode()
    headers = {k.lower(): v for k, v in webhook_headers("orders/paid", shop, body).items()}
    assert client.post("/webhooks", data=body, headers=headers).status_code == 200
    assert count_events(db_session, shop) == 1


def test_get_is_not_allowed(client):
    assert client.get("/webhooks").status_code == 405


def test_sign_webhook_matches_what_the_receiver_checks():
    # Guards the test helper itself against drifting from the verifier.
    assert sign_webhook(b'{"foo": "bar"}', "test_secret_key") == "B23tXN681gZ0qIWNRrgtzBE9XSDo5yaUu6wfmhu3a7g="
