"""The authorization-code install flow: /auth/install and /auth/callback."""
from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import responses
from sqlalchemy import select

from shopify_app.models import Shop
from shopify_app.signatures import sign_query
from tests.support.factories import API_KEY, API_SECRET, unique_shop_domain


def start_install(client, shop: str) -> str:
    response = client.get("/auth/install", query_string={"shop": shop})
    assert response.status_code == 302
    return parse_qs(urlsplit(response.headers["Location"]).query)["state"][0]


def callback_params(shop: str, state: str, secret: str = API_SECRET) -> dict:
    params = {"code": "auth-code-123", "shop": shop, "state": state, "timestamp": str(int(time.time())),
              "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA"}
    return dict(params, hmac=sign_query(params, secret))


def test_install_redirects_to_shopify_with_scopes_and_a_state_nonce(client):
    shop = unique_shop_domain()
    response = client.get("/auth/install", query_string={"shop": shop})
    location = urlsplit(response.headers["Location"])
    query = parse_qs(location.query)
    assert (location.netloc, location.path) == (shop, "/admin/oauth/authorize")
    assert query["client_id"] == [API_KEY] and query["redirect_uri"] == ["https://packbook.test/auth/callback"]
    assert len(query["state"][0]) >= 24


def test_install_refuses_a_bad_shop_with_400(client):
    for bad in ("evil.com", "shop.myshopify.com.evil.com", "", "a b"):
        response = client.get("/auth/install", query_string={"shop": bad})
        assert response.status_code == 400, bad
        assert "myshopify.com" in response.get_data(as_text=True)


@responses.activate
def test_callback_with_valid_hmac_and_state_stores_the_token(client, db_session):
    shop = unique_shop_domain()
    state = start_install(client, shop)
    responses.post(f"https://{shop}/admin/oauth/access_token",
                   json={"access_token": "shpat_code", "scope": "read_orders", "expires_in": 3600,
                         "refresh_token": "shprt_code", "refresh_token_expires_in": 7776000})
    response = client.get("/auth/callback", query_string=callback_params(shop, state))
    assert response.status_code == 302
    assert response.headers["Location"] == f"https://{shop}/admin/apps/{API_KEY}"
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"client_id": API_KEY, "client_secret": API_SECRET, "code": "auth-code-123", "expiring": "1"}
    stored = db_session.scalar(select(Shop).where(Shop.domain == shop))
    assert stored.access_token == "shpat_code" and stored.is_installed


@responses.activate
def test_callback_with_a_forged_hmac_is_refused_and_calls_nobody(client, db_session):
    shop = unique_shop_domain()
    state = start_install(client, shop)
    response = client.get("/auth/callback", query_string=callback_params(shop, state, secret="forged-secret-0123456789abcdef"))
    assert response.status_code == 401
    assert len(responses.calls) == 0
    assert db_session.scalar(select(Shop).where(Shop.domain == shop)) is None


@responses.activate
def test_callback_with_a_wrong_state_is_refused(client, db_session):
    shop = unique_shop_domain()
    start_install(client, shop)
    response = client.get("/auth/callback", query_string=callback_params(shop, "guessed-state"))
    assert response.status_code == 403
    assert len(responses.calls) == 0


@responses.activate
def test_callback_without_a_started_install_is_refused(client, db_session):
    shop = unique_shop_domain()
    response = client.get("/auth/callback", query_string=callback_params(shop, "any-state"))
    assert response.status_code == 403


def test_callback_for_a_bad_shop_gets_400(client):
    response = client.get("/auth/callback", query_string=callback_params("evil.com", "s"))
    assert response.status_code == 400


@responses.activate
def test_callback_state_cannot_be_replayed_for_another_shop(client, db_session):
    shop, other = unique_shop_domain(), unique_shop_domain()
    state = start_install(client, shop)
    response = client.get("/auth/callback", query_string=callback_params(other, state))
    assert response.status_code == 403
