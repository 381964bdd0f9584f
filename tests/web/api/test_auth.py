"""/api/* requires a session token and only ever sees the token's own shop."""
from __future__ import annotations

import time

import responses

from tests.support.api import bearer
from tests.support.factories import deliver, make_shop
from tests.support.samples import sample
from webhooks.models import PrivacyRequest


def test_missing_token_gets_401_json_with_the_retry_header(client):
    response = client.get("/api/shop")
    assert response.status_code == 401
    assert response.get_json()["code"] == "invalid_session"
    assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_expired_or_forged_tokens_get_401(client, db_session):
    shop = make_shop(db_session)
    expired = bearer(shop.domain, now=int(time.time()) - 3600)
    forged = bearer(shop.domain, secret="someone-elses-secret-0123456789abcdef")
    for headers in (expired, forged, {"Authorization": "Basic abc"}, {"Authorization": "Bearer not.a.jwt"}):
        response = client.get("/api/shop", headers=headers)
        assert response.status_code == 401, headers
        assert response.headers["X-Shopify-Retry-Invalid-Session-Request"] == "1"


def test_valid_token_reads_its_own_shop(client, db_session):
    shop = make_shop(db_session, name="Calm Studio")
    body = client.get("/api/shop", headers=bearer(shop.domain)).get_json()
    assert body["domain"] == shop.domain and body["name"] == "Calm Studio"
    assert "access_token" not in body and "refresh_token" not in body


@responses.activate
def test_api_call_from_a_shop_without_a_token_runs_the_token_exchange(client, db_session):
    from tests.support.factories import unique_shop_domain

    shop = unique_shop_domain()
    responses.post(f"https://{shop}/admin/oauth/access_token",
                   json={"access_token": "shpat_x", "scope": "read_orders"})
    responses.post(f"https://{shop}/admin/api/2026-10/graphql.json",
                   json={"data": {"shop": {"name": "N", "ianaTimezone": "Asia/Kolkata", "currencyCode": "INR"}}})
    body = client.get("/api/shop", headers=bearer(shop)).get_json()
    assert body["timezone"] == "Asia/Kolkata"
    assert [c.request.url.rsplit("/", 1)[-1] for c in responses.calls] == ["access_token", "graphql.json"]


def test_shop_a_cannot_see_shop_bs_webhook_counts(client, db_session):
    a, b = make_shop(db_session), make_shop(db_session)
    deliver(client, "customers/update", sample("customers/update"), shop=b.domain)
    deliver(client, "customers/update", sample("customers/update"), shop=b.domain)
    deliver(client, "customers/update", sample("customers/update"), shop=a.domain)
    counts_a = client.get("/api/webhook-events/summary", headers=bearer(a.domain)).get_json()["counts"]
    counts_b = client.get("/api/webhook-events/summary", headers=bearer(b.domain)).get_json()["counts"]
    assert counts_a == {"done": 1} and counts_b == {"done": 2}


def test_shop_a_cannot_list_or_download_shop_bs_customer_exports(client, db_session):
    a, b = make_shop(db_session), make_shop(db_session)
    deliver(client, "customers/data_request", sample("customers/data_request", b.domain), shop=b.domain)
    export_id = db_session.query(PrivacyRequest.id).filter_by(shop_id=b.id).scalar()
    assert client.get("/api/privacy-requests", headers=bearer(a.domain)).get_json()["privacy_requests"] == []
    stolen = client.get(f"/api/privacy-requests/{export_id}/export", headers=bearer(a.domain))
    assert stolen.status_code == 404
    own = client.get(f"/api/privacy-requests/{export_id}/export", headers=bearer(b.domain))
    assert own.status_code == 200
    assert own.get_json()["customer"]["id"] == "191167"
    assert "attachment" in own.headers["Content-Disposition"]


def _signed(shop: str, **claims) -> dict:
    """A token signed with the app's real secret, so only its claims can make it fail."""
    import jwt

    from tests.support.factories import API_KEY, API_SECRET
    now = int(time.time())
    base = {"iss": f"https://{shop}/admin", "dest": f"https://{shop}", "aud": API_KEY, "sub": "1",
            "exp": now + 60, "nbf": now - 5, "iat": now - 5, "jti": "j", "sid": "s"}
    base.update(claims)
    return {"Authorization": "Bearer " + jwt.encode({k: v for k, v in base.items() if v is not ...}, API_SECRET,
                                                    algorithm="HS256")}


BAD_CLAIMS = [
    ("no exp", {"exp": ...}), ("exp as text", {"exp": "tomorrow"}),
    ("lives ten years", {"exp": int(time.time()) + 10 * 365 * 86400}), ("lives an hour", {"exp": int(time.time()) + 3600}),
    ("sub of 150 characters", {"sub": "1" * 150}), ("sub not a user id", {"sub": "admin"}), ("sub a number", {"sub": 42}),
]


def test_correctly_signed_tokens_with_impossible_claims_get_401_on_reads_and_writes_and_change_nothing(client,
                                                                                                     db_session):
    from booking.models import Service
    shop = make_shop(db_session)
    assert client.get("/api/services", headers=_signed(shop.domain)).status_code == 200  # the control passes
    for case, claims in BAD_CLAIMS:
        headers = _signed(shop.domain, **claims)
        for method, path, body in (("get", "/api/services", None),
                                   ("post", "/api/services", {"name": "Massage", "duration_minutes": 60}),
                                   ("patch", "/api/settings", {"hold_minutes": 10})):
            response = getattr(client, method)(path, json=body, headers=headers)
            assert response.status_code == 401, (case, method, response.get_data()[:200])
            assert response.get_json()["code"] == "invalid_session"
    assert db_session.query(Service).filter_by(shop_id=shop.id).count() == 0
