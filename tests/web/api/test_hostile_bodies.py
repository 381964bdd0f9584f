"""Every operation that takes a body answers hostile or malformed JSON with 422 naming the body or the field:
never a 500, and nothing is stored. The operations come from the generated document, so a new one is covered."""
from __future__ import annotations

import pytest

from tests.support.api import shop_api

DEEP = b'{"a": ' * 5000 + b"1" + b"}" * 5000
RAW_BODIES = {
    "truncated": b'{"name": "Massage"',
    "array": b'["Massage", 60]',
    "scalar": b"60",
    "deep nesting": DEEP,
    "NaN": b'{"name": NaN, "duration_minutes": NaN, "quantity": NaN, "delta": NaN}',
    "infinite": b'{"name": 1e999, "duration_minutes": 1e999, "quantity": 1e999, "delta": -1e999}',
    "huge integer": b'{"duration_minutes": ' + b"9" * 5000 + b"}",
    "NUL in text": b'{"name": "Mass\\u0000age", "title": "a\\u0000", "reason": "\\u0000", "note": "\\u0000"}',
    "lone surrogate": b'{"name": "\\ud800", "title": "\\udfff", "reason": "\\ud83d", "note": "\\ud800"}',
    "ids as arrays": b'{"customer_id": [1], "plan_id": [1], "service_id": {"id": 1}, "variant_id": [1]}',
    "id above 2^63": b'{"customer_id": 9223372036854775808, "plan_id": 99999999999999999999}',
}


def body_operations(client) -> list[tuple[str, str]]:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    return [(method, _concrete(path)) for path, operations in paths.items() for method, operation in operations.items()
            if "requestBody" in operation]


def _concrete(path: str) -> str:
    # Ids that exist nowhere: the body is checked before any row is looked up.
    for name in ("plan_id", "entitlement_id", "booking_id", "item_id", "customer_id", "service_id",
                 "resource_id", "balance_id"):
        path = path.replace("{" + name + "}", "1")
    return path


@pytest.mark.parametrize("kind", sorted(RAW_BODIES))
def test_hostile_json_is_422_on_every_operation_that_takes_a_body(client, db_session, kind):
    api = shop_api(client, db_session)
    operations = body_operations(client)
    assert len(operations) >= 15
    for method, path in operations:
        response = getattr(client, method)(path, data=RAW_BODIES[kind], headers={
            **api.headers(), "Content-Type": "application/json"})
        assert response.status_code == 422, (method, path, response.status_code, response.get_data(as_text=True))
        body = response.get_json()
        assert body["code"] == "invalid" and body["field"], (method, path)
    assert api.get("/api/services").get_json()["services"] == []


def test_a_json_body_sent_as_text_is_422_naming_the_body(client, db_session):
    api = shop_api(client, db_session)
    response = client.post("/api/services", data=b'{"name": "Massage", "duration_minutes": 60}',
                           headers={**api.headers(), "Content-Type": "text/plain"})
    assert response.status_code == 422 and response.get_json()["field"] == "body"
