"""Correctly signed deliveries that no store or handler could use are 400 naming what is wrong, and nothing is
stored; what Shopify can legitimately send (a NUL in a customer's note) is stored, cleaned; no gift-card code is
ever kept, in any shape or status; a body over 1 MiB is 413 however it is framed.

Each case is signed with the app's secret, so only the door's own checks can refuse it, and every row runs on
SQLite and PostgreSQL (PostgreSQL's JSON column is what refused NUL and lone surrogates with a 500).
"""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.support.factories import webhook_headers
from webhooks.models import WebhookEvent
from webhooks.payloads import DECLARED

SHOP = "hostile-spa.myshopify.com"
ORDER = b'{"id": 820982911946154508, "line_items": []'


def _post(client, body: bytes, topic="orders/paid", shop=SHOP, **headers):
    return client.post("/webhooks", data=body, headers={**webhook_headers(topic, shop, body), **headers})


def _stored(db_session) -> int:
    # All events, whoever stored them: other tests commit theirs, so each test compares before and after.
    return db_session.scalar(select(func.count()).select_from(WebhookEvent))


def _events_of(db_session, shop: str) -> list[WebhookEvent]:
    return list(db_session.scalars(select(WebhookEvent).where(WebhookEvent.shop_domain == shop)))


# (case, body, field the 400 names)
HOSTILE_BODIES = [
    ("NaN", ORDER + b', "total": NaN}', "body"),
    ("Infinity", ORDER + b', "total": -Infinity}', "body"),
    ("overflowing number", ORDER + b', "total": 1e999}', "body"),
    ("integer of 5,000 digits", ORDER + b', "total": ' + b"9" * 5000 + b"}", "body"),
    ("lone surrogate", ORDER + b', "note": "\\ud800"}', "body"),
    ("lone surrogate key", ORDER + b', "\\udfff": 1}', "body"),
    ("5,000-deep nesting", ORDER + b', "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "body"),
    ("65-deep nesting", ORDER + b', "x": ' + b"[" * 65 + b"]" * 65 + b"}", "body"),
    ("not UTF-8", ORDER + b', "note": "\xff\xfe"}', "body"),
    ("a JSON array", b"[1, 2]", "body"),
    ("repeated line id", json.dumps({"id": 5, "line_items": [{"id": 1, "variant_id": 2, "quantity": 1},
                                                             {"id": 1, "variant_id": 3, "quantity": 1}]}).encode(),
     "line_items[1].id"),
    ("id above 2^63", b'{"id": 9223372036854775808, "line_items": []}', "id"),
]


@pytest.mark.parametrize("case, body, field", HOSTILE_BODIES, ids=[c[0] for c in HOSTILE_BODIES])
def test_a_signed_body_no_handler_could_use_is_a_400_naming_it_and_is_not_stored(client, db_session, case, body,
                                                                                 field):
    before = _stored(db_session)
    response = _post(client, body)
    assert response.status_code == 400, (case, response.get_data()[:200])
    assert response.get_json()["field"] == field
    assert len(response.get_data()) < 400, "the answer never quotes the body"
    assert _stored(db_session) == before


HOSTILE_HEADERS = [
    ("X-Shopify-Shop-Domain", "localhost"), ("X-Shopify-Shop-Domain", "hostile-spa.myshopify.com/admin"),
    ("X-Shopify-Shop-Domain", "https://hostile-spa.myshopify.com"), ("X-Shopify-Shop-Domain", "/../../evil"),
    ("X-Shopify-Shop-Domain", "Hostile-Spa.myshopify.com"), ("X-Shopify-Shop-Domain", "hostile-spa.myshopify.com:443"),
    ("X-Shopify-Shop-Domain", "a" * 300 + ".myshopify.com"), ("X-Shopify-Shop-Domain", "hostile-spa.shopify.com"),
    ("X-Shopify-Topic", "orders/" + "x" * 200), ("X-Shopify-Topic", "ORDERS/PAID"), ("X-Shopify-Topic", "orders"),
    ("X-Shopify-API-Version", "x" * 50), ("X-Shopify-API-Version", "2026-10; drop"),
    ("X-Shopify-Webhook-Id", "w" * 300), ("X-Shopify-Event-Id", "e" * 256), ("X-Shopify-Event-Id", "a b"),
]


@pytest.mark.parametrize("header, value", HOSTILE_HEADERS, ids=[f"{h}={v[:30]}" for h, v in HOSTILE_HEADERS])
def test_headers_are_taken_only_in_shopifys_canonical_form(client, db_session, header, value):
    body, before = ORDER + b"}", _stored(db_session)
    response = _post(client, body, **{header: value})
    assert response.status_code == 400 and response.get_json()["field"] == header
    assert _stored(db_session) == before


def test_a_nul_in_a_customers_note_is_stored_without_it_on_both_databases(client, db_session):
    body = ORDER + b', "note": "ring\\u0000 twice", "customer": {"id": 7, "note": "\\u0000"}}'
    assert _post(client, body, shop="nul-note.myshopify.com").status_code == 200
    [event] = _events_of(db_session, "nul-note.myshopify.com")
    assert event.payload["note"] == "ring twice" and event.payload["customer"]["note"] == ""


def test_a_chunked_body_over_a_mebibyte_is_413_like_a_sized_one(client, db_session):
    big, before = ORDER + b', "note": "' + b"a" * (1024 * 1024) + b'"}', _stored(db_session)
    headers = {**webhook_headers("orders/paid", SHOP, big), "Transfer-Encoding": "chunked"}
    # gunicorn hands a chunked body to the app decoded, with wsgi.input_terminated set; so does this request.
    response = client.post("/webhooks", input_stream=io.BytesIO(big), headers=headers,
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413 and response.get_json()["code"] == "body_too_large"
    assert _stored(db_session) == before


CARD = {"id": 1063936318, "order_id": None, "line_item_id": None, "balance": "25.00", "currency": "USD",
        "code": "7SGKHNXQ2F6JAC93", "masked_code": "•••• •••• •••• AC93", "last_characters": "AC93"}


@pytest.mark.parametrize("shape", ["bare", "wrapped", "wrapped without last_characters"])
@pytest.mark.parametrize("shop_state", ["installed", "unknown shop (skipped)"])
def test_no_gift_card_code_is_kept_in_any_shape_or_status(client, db_session, caplog, shape, shop_state):
    from tests.support.factories import make_shop
    domain = make_shop(db_session).domain if shop_state == "installed" else "no-such-spa.myshopify.com"
    card = dict(CARD)
    if shape == "wrapped without last_characters":
        del card["last_characters"]
    payload = card if shape == "bare" else {"gift_card": card}
    body = json.dumps(payload).encode()
    assert _post(client, body, topic="gift_cards/create", shop=domain).status_code == 200
    [event] = _events_of(db_session, domain)
    db_session.refresh(event)
    stored = json.dumps(event.payload)
    assert "7SGKHNXQ2F6JAC93" not in stored and "masked_code" not in stored, event.status
    assert "AC93" in stored  # the last four characters are all that is kept
    assert "7SGKHNXQ2F6JAC93" not in caplog.text


# --- property: signed random JSON of the handled topics never gets a 5xx ---

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                     st.text(max_size=20), st.sampled_from(["\x00", "\ud800", "9" * 30, "-1", "1e999"]))
_json = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.sampled_from(["id", "line_items", "quantity", "price", "variant_id",
                                                        "customer", "order_id", "gift_card", "code", "note"]),
                                       inner, max_size=5), max_leaves=25)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topic=st.sampled_from(sorted(DECLARED)), payload=st.dictionaries(
    st.sampled_from(["id", "line_items", "customer", "order_id", "gift_card", "refund_line_items", "customer_id",
                     "subscription_contract_id", "tags", "updated_at", "note"]), _json, max_size=6))
def test_signed_random_json_of_any_handled_topic_never_gets_a_5xx(client, db_session, topic, payload):
    savepoint = db_session.begin_nested()
    try:
        body = json.dumps(payload).encode()  # lone surrogates and NUL travel as \\u escapes, as on the wire
        response = _post(client, body, topic=topic)
        assert response.status_code in (200, 400), response.get_data()[:200]
        if response.status_code == 400:
            assert response.get_json()["field"]
    finally:
        savepoint.rollback()


def test_a_database_error_never_carries_the_values_it_was_binding(db_session):
    """An insert that fails (here: a missing shop domain) must not put the payload into what is logged or kept
    as an event's last_error: no bound parameters, and not PostgreSQL's DETAIL, which quotes the failing row."""
    from sqlalchemy.exc import SQLAlchemyError

    from db import describe_error

    savepoint = db_session.begin_nested()
    with pytest.raises(SQLAlchemyError) as failed:
        db_session.add(WebhookEvent(shop_domain=None, topic="gift_cards/create", event_id="leak-check",
                                    payload={"code": "7SGKHNXQ2F6JAC93", "note": "ring twice"}, status="pending",
                                    attempts=0))
        db_session.flush()
    savepoint.rollback()
    described = describe_error(failed.value)
    assert "7SGKHNXQ2F6JAC93" not in described and "ring twice" not in described
    assert "IntegrityError" in described or "NotNullViolation" in described
    assert "[SQL parameters hidden" in str(failed.value)  # the engine never renders them either


LEAKY_MESSAGE = "first line\nDETAIL: Failing row contains (" + "7SGKHNXQ2F6JAC93" + ", ring twice)"


def test_a_failing_job_logs_and_keeps_no_payload_fragment(app, db_session, caplog, monkeypatch):
    """A handler failure is recorded and logged by type, first line and frames; never its full text."""
    import webhooks.jobs as jobs
    from webhooks.jobs import EventFailed, process_event

    def leaky(session, shop, event):
        raise ValueError(LEAKY_MESSAGE)  # the frame shows this line, not the message

    monkeypatch.setitem(jobs.HANDLERS, "orders/paid", leaky)
    with app.extensions["packbook.db"].transaction() as session:
        from tests.support.factories import make_shop
        shop = make_shop(session)
        event = WebhookEvent(shop_domain=shop.domain, topic="orders/paid", event_id="leaky-job", payload={"id": 1},
                             status="queued", attempts=0)
        session.add(event)
        session.flush()
        event_id = event.id
    try:
        with app.app_context(), pytest.raises(EventFailed) as raised:
            process_event(event_id)
        assert raised.value.__cause__ is None and raised.value.__suppress_context__
        with app.extensions["packbook.db"].transaction() as session:
            kept = session.get(WebhookEvent, event_id).last_error
        assert kept == "ValueError: first line"
        assert "7SGKHNXQ2F6JAC93" not in caplog.text and "ring twice" not in caplog.text
        assert "leaky" in caplog.text  # the frames are there to debug with
    finally:
        with app.extensions["packbook.db"].transaction() as session:
            session.delete(session.get(WebhookEvent, event_id))
            from shopify_app.models import Shop
            session.delete(session.get(Shop, shop.id))
