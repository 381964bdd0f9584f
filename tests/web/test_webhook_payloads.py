"""A signed delivery whose payload its handler could not use is a 400 naming the field, and is never stored;
one that passes the door is never failed later by a missing or mistyped field."""
from __future__ import annotations

import copy
from types import UnionType
from typing import Union, get_args, get_origin

import pytest
import responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import func, select

from booking.errors import BookingError
from shopify_app.errors import ShopifyError
from tests.support.factories import deliver, make_shop
from tests.support.samples import sample
from webhooks.jobs import HANDLERS
from webhooks.models import WebhookEvent
from webhooks.payloads import DECLARED, GiftCard, UnusablePayload, check_payload

TOPICS = sorted(DECLARED)

# (topic, where, what): a path into the sample payload and a hostile value for it; "DROP" removes the key.
BREAKAGES = [
    ("orders/paid", ("id",), "DROP"), ("orders/paid", ("id",), [1]), ("orders/paid", ("id",), "12a"),
    ("orders/paid", ("id",), 2**64), ("orders/paid", ("id",), -5), ("orders/paid", ("id",), True),
    ("orders/paid", ("line_items", 0, "id"), "DROP"), ("orders/paid", ("line_items", 0, "quantity"), -1),
    ("orders/paid", ("line_items", 0, "quantity"), 2.7), ("orders/paid", ("line_items", 0, "quantity"), 1e30),
    ("orders/paid", ("line_items", 0, "price"), "-500.00"), ("orders/paid", ("line_items", 0, "variant_id"), [3]),
    ("orders/paid", ("customer", "id"), {"id": 1}), ("orders/paid", ("updated_at",), "yesterday"),
    ("orders/paid", ("line_items",), {"0": {}}),
    ("refunds/create", ("order_id",), "DROP"), ("refunds/create", ("refund_line_items", 0, "quantity"), -1),
    ("refunds/create", ("refund_line_items", 0, "line_item_id"), None),
    ("gift_cards/create", ("id",), "DROP"), ("gift_cards/create", ("balance",), "lots"),
    ("gift_cards/create", ("expires_on",), "9999-12-31"),
    ("subscription_contracts/create", ("customer_id",), "DROP"), ("subscription_contracts/cancel", ("id",), "x"),
    ("subscription_billing_attempts/success", ("subscription_contract_id",), "DROP"),
    ("customers/update", ("id",), "DROP"), ("customers/update", ("tags",), ["member-gold"]),
]


def _broken(topic, where, what):
    payload = copy.deepcopy(sample(topic))
    if topic.startswith("gift_cards/") and "gift_card" in payload:
        payload = payload["gift_card"]
    target = payload
    for step in where[:-1]:
        target = target[step]
    if what == "DROP":
        del target[where[-1]]
    else:
        target[where[-1]] = what
    return payload


def _stored(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(WebhookEvent))


@pytest.mark.parametrize("topic", TOPICS)
def test_every_declared_topics_own_sample_passes_the_door(topic):
    check_payload(topic, sample(topic))


@pytest.mark.parametrize(("topic", "where", "what"), BREAKAGES,
                         ids=[f"{t}:{'.'.join(map(str, w))}={v!r}"[:60] for t, w, v in BREAKAGES])
def test_a_payload_its_handler_could_not_use_is_a_400_naming_the_field_and_is_not_stored(
        client, db_session, topic, where, what):
    shop = make_shop(db_session)
    before = _stored(db_session)
    response = deliver(client, topic, _broken(topic, where, what), shop=shop.domain)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["code"] == "malformed_delivery"
    named = ".".join(str(part) for part in where if not isinstance(part, int))
    assert body["field"].replace("[0]", "") == named, body
    assert _stored(db_session) == before


# --- the door's promise: what passes it, its handler can use ---

def _declared_paths(model, prefix=()) -> list[tuple]:
    """The declared fields' paths (a list field's items at index 0): what the drops aim at most."""
    paths = []
    for name, info in model.model_fields.items():
        paths.append((*prefix, name))
        union = get_origin(info.annotation) in (Union, UnionType)
        for kind in get_args(info.annotation) if union else (info.annotation,):
            inside = (*prefix, name, 0) if get_origin(kind) is list else (*prefix, name)
            item = get_args(kind)[0] if get_origin(kind) is list else kind
            if isinstance(item, type) and issubclass(item, BaseModel):
                paths += _declared_paths(item, inside)
    return paths


def _drops(topic):
    """Payloads with some keys removed: mostly declared ones, and any others of the sample's."""
    payload = sample(topic)
    body = payload.get("gift_card", payload) if DECLARED[topic] is GiftCard else payload
    declared, others = _declared_paths(DECLARED[topic]), [(key,) for key in body]
    chosen = st.lists(st.sampled_from(declared), max_size=3, unique=True)
    extra = st.lists(st.sampled_from(others), max_size=3, unique=True)
    return st.tuples(chosen, extra).map(lambda pair: _without(body, pair[0] + pair[1]))


def _without(body, chosen):
    result = copy.deepcopy(body)
    for path in sorted(chosen, key=len, reverse=True):
        target = result
        for step in path[:-1]:
            target = target.get(step) if isinstance(target, dict) else (target[step] if target else None)
            if target is None:
                break
        if isinstance(target, dict):
            target.pop(path[-1], None)
    return result


@pytest.mark.parametrize("topic", TOPICS)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_payload_that_passes_the_door_never_fails_its_handler_for_a_missing_field(app, db_session, topic, data):
    payload = data.draw(_drops(topic), label="payload")
    try:
        check_payload(topic, payload)
    except UnusablePayload:
        return  # refused at the door: nothing stored, nothing to fail later
    savepoint = db_session.begin_nested()
    try:
        shop = make_shop(db_session)
        event = WebhookEvent(shop_domain=shop.domain, topic=topic, event_id=f"prop-{id(payload)}",
                             payload=payload, status="queued")
        db_session.add(event)
        db_session.flush()
        try:
            with app.app_context(), responses.RequestsMock(assert_all_requests_are_fired=False):
                HANDLERS[topic](db_session, shop, event)  # Shopify unreachable: its calls fail as they would
        except (BookingError, ShopifyError):
            pass  # a domain refusal, or Shopify down (rq retries), is a handled outcome
        except LookupError as waiting:
            # "Not seen yet, retry" is a handled outcome; a KeyError or IndexError is a missing field.
            assert type(waiting) is LookupError, repr(waiting)
    finally:
        savepoint.rollback()
        db_session.expunge_all()
