"""The embedded app home: session tokens, the bounce page, token exchange and refresh, CSP."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import responses
from sqlalchemy import select, text

from shopify_app.models import Shop
from shopify_app.oauth import ID_TOKEN_TYPE, OFFLINE_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT
from shopify_app.session_tokens import mint_session_token
from tests.support.factories import API_KEY, API_SECRET, PREVIOUS_SECRET, make_shop, unique_shop_domain

GRANT = {"access_token": "shpat_new", "scope": "read_orders,read_products", "expires_in": 3600,
         "refresh_token": "shprt_new", "refresh_token_expires_in": 7776000}


def token_for(shop: str, *, secret: str = API_SECRET, now: int | None = None, **kw) -> str:
    return mint_session_token(shop, api_key=API_KEY, secret=secret, now=now or int(time.time()), **kw)


def home(client, shop: str, **params):
    query = {"shop": shop, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvdGVzdA", "embedded": "1", **params}
    return client.get("/", query_string=query)


def token_endpoint(shop: str) -> str:
    return f"https://{shop}/admin/oauth/access_token"


def shop_info(shop: str, **fields) -> None:
    """Shopify's answer to the ShopInfo query the app sends once on install."""
    details = {"name": "Calm Studio", "email": "owner@example.com", "myshopifyDomain": shop,
               "ianaTimezone": "Europe/Berlin", "currencyCode": "EUR", "plan": {"publicDisplayName": "Basic"}}
    responses.post(f"https://{shop}/admin/api/2026-10/graphql.json", json={"data": {"shop": {**details, **fields}}})


@responses.activate
def test_first_load_exchanges_the_session_token_for_an_expiring_offline_token(client, db_session):
    shop = unique_shop_domain()
    responses.post(token_endpoint(shop), json=GRANT)
    shop_info(shop)
    id_token = token_for(shop)
    response = home(client, shop, id_token=id_token)
    assert response.status_code == 200
    sent = json.loads(responses.calls[0].request.body)
    assert sent == {"client_id": API_KEY, "client_secret": API_SECRET, "grant_type": TOKEN_EXCHANGE_GRANT,
                    "subject_token": id_token, "subject_token_type": ID_TOKEN_TYPE,
                    "requested_token_type": OFFLINE_TOKEN_TYPE, "expiring": "1"}
    stored = db_session.scalar(select(Shop).where(Shop.domain == shop))
    assert stored.access_token == "shpat_new" and stored.refresh_token == "shprt_new"
    assert stored.is_installed
    assert (stored.name, stored.iana_timezone, stored.currency_code) == ("Calm Studio", "Europe/Berlin", "EUR")
    assert responses.calls[1].request.headers["X-Shopify-Access-Token"] == "shpat_new"
    assert timedelta(minutes=59) < stored.access_token_expires_at - datetime.now(timezone.utc) <= timedelta(hours=1)


@responses.activate
def test_tokens_are_encrypted_at_rest(client, db_session):
    shop = unique_shop_domain()
    responses.post(token_endpoint(shop), json=GRANT)
    shop_info(shop)
    home(client, shop, id_token=token_for(shop))
    raw = db_session.execute(text("SELECT access_token, refresh_token FROM shops WHERE domain = :d"),
                             {"d": shop}).one()
    assert "shpat_new" not in raw[0] and "shprt_new" not in raw[1]


@responses.activate
def test_home_page_loads_app_bridge_with_the_api_key_and_frames_only_for_the_shop(client, db_session):
    shop = make_shop(db_session)
    response = home(client, shop.domain, id_token=token_for(shop.domain))
    html = response.get_data(as_text=True)
    assert f'<meta name="shopify-api-key" content="{API_KEY}">' in html
    assert "https://cdn.shopify.com/shopifycloud/app-bridge.js" in html
    assert response.headers["Content-Security-Policy"] == \
        f"frame-ancestors https://{shop.domain} https://admin.shopify.com;"
    assert len(responses.calls) == 0  # a usable token needs no call to Shopify


@responses.activate
def test_an_expiring_token_is_refreshed_before_it_lapses(client, db_session):
    soon = datetime.now(timezone.utc) + timedelta(minutes=2)
    shop = make_shop(db_session, access_token="shpat_old", access_token_expires_at=soon, refresh_token="shprt_old")
    responses.post(token_endpoint(shop.domain), json=GRANT)
    assert home(client, shop.domain, id_token=token_for(shop.domain)).status_code == 200
    assert json.loads(responses.calls[0].request.body)["grant_type"] == "refresh_token"
    assert json.loads(responses.calls[0].request.body)["refresh_token"] == "shprt_old"
    db_session.refresh(shop)
    assert (shop.access_token, shop.refresh_token) == ("shpat_new", "shprt_new")


@responses.activate
def test_a_rejected_refresh_token_falls_back_to_token_exchange(client, db_session):
    lapsed = datetime.now(timezone.utc) - timedelta(minutes=1)
    shop = make_shop(db_session, access_token_expires_at=lapsed)
    responses.post(token_endpoint(shop.domain), status=401,
                   json={"error": "This request requires an active refresh_token"})
    responses.post(token_endpoint(shop.domain), json=GRANT)
    assert home(client, shop.domain, id_token=token_for(shop.domain)).status_code == 200
    grants = [json.loads(c.request.body)["grant_type"] for c in responses.calls]
    assert grants == ["refresh_token", TOKEN_EXCHANGE_GRANT]


@responses.activate
def test_reinstall_after_uninstall_exchanges_a_new_token(client, db_session):
    shop = make_shop(db_session, uninstalled_at=datetime.now(timezone.utc), access_token=None, refresh_token=None)
    responses.post(token_endpoint(shop.domain), json=GRANT)
    shop_info(shop.domain, name="Renamed Studio")
    assert home(client, shop.domain, id_token=token_for(shop.domain)).status_code == 200
    db_session.refresh(shop)
    assert shop.is_installed and shop.access_token == "shpat_new" and shop.name == "Renamed Studio"


@responses.activate
def test_install_still_succeeds_when_the_shop_details_query_fails(client, db_session):
    shop = unique_shop_domain()
    responses.post(token_endpoint(shop), json=GRANT)
    responses.post(f"https://{shop}/admin/api/2026-10/graphql.json", status=503)
    assert home(client, shop, id_token=token_for(shop)).status_code == 200
    stored = db_session.scalar(select(Shop).where(Shop.domain == shop))
    assert stored.is_installed and stored.iana_timezone is None


def test_missing_id_token_redirects_to_the_bounce_page_keeping_the_reload_target(client, db_session):
    shop = unique_shop_domain()
    response = home(client, shop)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/session-token"
    query = parse_qs(location.query)
    assert query["shop"] == [shop]
    reload_target = urlsplit(query["shopify-reload"][0])
    assert reload_target.path == "/" and "id_token" not in parse_qs(reload_target.query)
    assert parse_qs(reload_target.query)["shop"] == [shop]


def test_expired_id_token_bounces(client, db_session):
    shop = unique_shop_domain()
    stale = token_for(shop, now=int(time.time()) - 3600)
    response = home(client, shop, id_token=stale)
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/session-token")


def test_id_token_signed_with_the_wrong_secret_bounces_and_stores_nothing(client, db_session):
    shop = unique_shop_domain()
    response = home(client, shop, id_token=token_for(shop, secret="an-attacker-secret-0123456789abcdef"))
    assert response.status_code == 302
    assert db_session.scalar(select(Shop).where(Shop.domain == shop)) is None


def test_id_token_for_another_shop_is_refused(client, db_session):
    shop, other = unique_shop_domain(), unique_shop_domain()
    assert home(client, shop, id_token=token_for(other)).status_code == 401


@responses.activate
def test_id_token_signed_with_the_previous_secret_is_accepted_during_rotation(client, db_session):
    shop = make_shop(db_session)
    assert home(client, shop.domain, id_token=token_for(shop.domain, secret=PREVIOUS_SECRET)).status_code == 200


def test_bounce_page_loads_app_bridge_and_sets_csp(client):
    shop = unique_shop_domain()
    response = client.get("/auth/session-token", query_string={"shop": shop, "shopify-reload": "/?shop=" + shop})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "https://cdn.shopify.com/shopifycloud/app-bridge.js" in html and API_KEY in html
    assert response.headers["Content-Security-Policy"] == f"frame-ancestors https://{shop} https://admin.shopify.com;"


def test_bounce_page_refuses_to_reload_another_site(client):
    shop = unique_shop_domain()
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.get("/auth/session-token", query_string={"shop": shop, "shopify-reload": target})
        assert response.status_code == 400, target


def test_bad_shop_domain_gets_400_with_a_clear_message(client):
    response = client.get("/", query_string={"shop": "evil.com", "embedded": "1"})
    assert response.status_code == 400
    assert "myshopify.com" in response.get_data(as_text=True)


def test_opened_outside_the_admin_redirects_into_it(client):
    shop = unique_shop_domain()
    response = client.get("/", query_string={"shop": shop})
    handle = shop.removesuffix(".myshopify.com")
    assert response.headers["Location"] == f"https://admin.shopify.com/store/{handle}/apps/{API_KEY}"


def test_csp_never_echoes_an_unsanitized_shop(client):
    response = client.get("/", query_string={"shop": "evil.com https://attacker.example"})
    assert "attacker" not in response.headers["Content-Security-Policy"]


@responses.activate
def test_shopify_down_during_exchange_shows_an_error_page_not_a_traceback(client, db_session):
    shop = unique_shop_domain()
    responses.post(token_endpoint(shop), status=503, body="unavailable")
    response = home(client, shop, id_token=token_for(shop))
    assert response.status_code == 502
    assert "Shopify could not be reached" in response.get_data(as_text=True)
