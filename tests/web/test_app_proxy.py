"""The booking pages through Shopify's app proxy (https://{shop}/apps/book/... → /book/...): every request is
verified by its signature (cookies do not pass the proxy), a logged-in customer goes straight to their pages,
a guest is asked for their email, and every link and redirect goes back through the shop's own domain."""
from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from shopify_app.signatures import sign_app_proxy
from tests.support.booking import give_package, make_spa
from tests.support.factories import API_SECRET
from tests.web.test_customer_pages import _monday, _pick

PREFIX = "/apps/book"


def proxied(path: str, shop: str, customer: str | None, extra: list[tuple[str, str]] = (), *, secret=API_SECRET,
            prefix=PREFIX) -> str:
    """`path` with the query Shopify's proxy adds, signed as Shopify signs it."""
    pairs = [*extra, ("shop", shop), ("logged_in_customer_id", customer or ""), ("path_prefix", prefix),
             ("timestamp", str(int(time.time())))]
    return f"{path}?{urlencode(pairs + [('signature', sign_app_proxy(pairs, secret))])}"


def test_a_logged_in_customer_goes_straight_to_their_page_with_links_through_the_shop(client, db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    db_session.flush()
    entry = client.get(proxied("/book", spa.shop.domain, "7001"))
    assert entry.status_code == 303 and entry.headers["Location"] == f"{PREFIX}/home"
    page = client.get(proxied("/book/home", spa.shop.domain, "7001"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "5 of 5 left" in html
    links = re.findall(r'href="([^"]+)"', html)
    assert f"{PREFIX}/services/{spa.service.id}" in links and f"{PREFIX}/bookings" in links
    assert not [link for link in links if link.startswith("/book")], "no link may leave the shop's domain path"
    assert any(link.startswith("https://packbook.test/static/") for link in links)  # the stylesheet, from the app
    assert "Set-Cookie" not in page.headers or "packbook_customer" not in page.headers["Set-Cookie"]


def test_a_proxied_booking_needs_the_customers_form_token_and_redirects_through_the_shop(client, db_session):
    spa = make_spa(db_session)
    give_package(db_session, spa)
    db_session.flush()
    monday = _monday()
    pick = _pick(spa, monday, 10)
    review = client.get(proxied(f"/book/services/{spa.service.id}/review", spa.shop.domain, "7001",
                                [("pick", pick)])).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', review).group(1)
    assert re.search(rf'action="{PREFIX}/services/{spa.service.id}/confirm"', review)
    confirm = proxied(f"/book/services/{spa.service.id}/confirm", spa.shop.domain, "7001")
    assert client.post(confirm, data={"pick": pick, "csrf_token": "0" * 64}).status_code == 400
    done = client.post(confirm, data={"pick": pick, "csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].startswith(f"{PREFIX}/bookings?booked=")
    # One customer's token is no good for another: tokens are bound to the shop and the customer.
    as_other = proxied(f"/book/services/{spa.service.id}/confirm", spa.shop.domain, "7002")
    assert client.post(as_other, data={"pick": _pick(spa, monday, 12), "csrf_token": token}).status_code == 400


def test_a_guest_is_asked_for_their_email_through_the_shop(client, db_session):
    spa = make_spa(db_session)
    entry = client.get(proxied("/book/home", spa.shop.domain, None))
    assert entry.status_code == 303 and entry.headers["Location"].startswith(f"{PREFIX}/login?shop=")
    form = client.get(proxied("/book/login", spa.shop.domain, None))
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)


def test_a_forged_stale_or_odd_proxy_request_is_refused(client, db_session):
    spa = make_spa(db_session)
    forged = proxied("/book/home", spa.shop.domain, "7001", secret="someone-elses-secret-0123456789")
    assert client.get(forged).status_code == 401
    pairs = [("shop", spa.shop.domain), ("logged_in_customer_id", "7001"), ("path_prefix", PREFIX),
             ("timestamp", str(int(time.time()) - 600))]
    stale = f"/book/home?{urlencode(pairs + [('signature', sign_app_proxy(pairs, API_SECRET))])}"
    assert client.get(stale).status_code == 401
    odd_prefix = proxied("/book/home", spa.shop.domain, "7001", prefix="https://evil.example")
    assert client.get(odd_prefix).status_code == 401
