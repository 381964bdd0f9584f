"""The customer's journey in Chromium: a signed orders/paid grants the package, the order email's link opens
the customer's page, two sessions are booked at once, one is cancelled; what is left is right at each step.
Every page passes axe-core with no serious or critical violation, at desktop width and at 375 px, and shows
no console error. Screenshots land in docs/screenshots/ for the README."""
from __future__ import annotations

import copy
import re
import os
import tempfile
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from booking.models import PlanVariant
from tests.browser.test_demo_admin import console_errors
from tests.support.booking import make_spa
from tests.support.factories import deliver
from tests.support.samples import sample

pytestmark = pytest.mark.browser

# The README's screenshots are refreshed with PACKBOOK_SCREENSHOTS=1; otherwise they go to a scratch folder,
# so running the tests leaves the checkout clean.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots" if os.environ.get("PACKBOOK_SCREENSHOTS") \
    else Path(tempfile.gettempdir()) / "packbook-screenshots"
ORDER_ID, CONFIRMATION, VARIANT = 450789469001, "BOOKME42", 808950810


def _accessible(page: Page, where: str) -> None:
    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{where}: " + "; ".join(f"{v['id']}: {v['help']}" for v in serious)


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _granted_spa(server, committed_shops) -> str:
    """A spa whose 5-session package was bought through a signed orders/paid (granted by the real job)."""
    with server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session)
        session.add(PlanVariant(shop_id=spa.shop.id, plan_id=spa.plan.id, variant_id=str(VARIANT)))
        shop = spa.shop.domain
    committed_shops.append(shop)
    order = copy.deepcopy(sample("orders/paid"))
    order.update(id=ORDER_ID, financial_status="paid", confirmation_number=CONFIRMATION, name="#1042")
    order["customer"]["id"], order["customer"]["email"] = 7001, "ana@example.com"
    order["line_items"] = [dict(order["line_items"][0], id=97001, variant_id=VARIANT, quantity=1, price="400.00")]
    assert deliver(server.app.test_client(), "orders/paid", order, shop=shop).status_code == 200
    return shop


@pytest.mark.parametrize("width", [1280, 375])
def test_from_the_order_email_to_two_booked_sessions_and_one_cancelled(plain_server, chromium, committed_shops,
                                                                       width):
    shop = _granted_spa(plain_server, committed_shops)
    context = chromium.new_context(viewport={"width": width, "height": 900}, locale="en-GB")
    context.route(r"^(?!https?://(127\.0\.0\.1|localhost)[:/]).*", lambda route: route.abort())
    page = context.new_page()
    errors = console_errors(page)
    suffix = "" if width > 600 else "-mobile"
    try:
        page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c={CONFIRMATION}")
        expect(page).to_have_url(f"{plain_server.url}/book/home")  # the link's values left the address bar
        expect(page.locator("#packages")).to_contain_text("5 of 5 left")
        _accessible(page, "home")
        _shoot(page, f"customer-home{suffix}")

        page.get_by_role("link", name="Choose a time").click()
        # Weeks ahead, well before the 24 h cancellation cutoff: next month's last free day.
        page.get_by_role("link", name="Next month").click()
        page.locator("table.month a").last.click()
        _accessible(page, "choose a time")
        _shoot(page, f"customer-choose-time{suffix}")
        boxes = page.locator("#times input[type=checkbox]")
        boxes.nth(0).check()
        boxes.nth(2).check()
        page.get_by_role("button", name="Review").click()
        expect(page.locator("#picked li")).to_have_count(2)
        _accessible(page, "review")
        page.get_by_role("button", name="Book 2 sessions").click()
        expect(page.locator("#booked")).to_have_text("2 sessions booked.")
        expect(page.locator("#upcoming li")).to_have_count(2)
        _accessible(page, "my bookings")
        _shoot(page, f"customer-bookings{suffix}")

        page.goto(f"{plain_server.url}/book/home")
        expect(page.locator("#packages")).to_contain_text("3 of 5 left")
        page.goto(f"{plain_server.url}/book/bookings")
        page.locator("#upcoming li").first.get_by_role("link", name="Cancel").click()
        expect(page.locator("#policy")).to_contain_text("gives the session back")
        _accessible(page, "cancel")
        page.get_by_role("button", name="Cancel the session").click()
        expect(page.locator("#cancelled")).to_be_visible()
        page.goto(f"{plain_server.url}/book/home")
        expect(page.locator("#packages")).to_contain_text("4 of 5 left")
        assert errors == []
    finally:
        context.close()


def test_a_tampered_link_shows_the_plain_page_and_the_chinese_pages_read_in_chinese(plain_server, chromium,
                                                                                   committed_shops):
    shop = _granted_spa(plain_server, committed_shops)
    context = chromium.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = context.new_page()
    errors = console_errors(page)
    try:
        response = page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c=WRONG")
        assert response.status == 404
        expect(page.locator("h1")).to_have_text("此链接无效")
        _accessible(page, "invalid link")
        # The 404 is the document's own status, which Chromium logs as a failed load; nothing else may fail.
        assert [e for e in errors if "404" not in e] == []
        errors.clear()
        page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c={CONFIRMATION}")
        expect(page.locator("#packages-title")).to_have_text("我的课程包")
        expect(page.locator("#packages")).to_contain_text("剩余 5 / 5 次")
        _accessible(page, "home in Chinese")
        _shoot(page, "customer-home-zh")
        assert errors == []
    finally:
        context.close()


def test_the_month_grid_is_driven_by_the_keyboard(plain_server, chromium, committed_shops):
    """Arrows move a day or a week, Home/End to the week's edges, Enter opens a free day, PageUp the previous
    month; each day's accessible name is its full date and how many times are free."""
    shop = _granted_spa(plain_server, committed_shops)
    context = chromium.new_context(locale="en-GB")
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c={CONFIRMATION}")
        page.get_by_role("link", name="Choose a time").click()
        page.locator("[data-month=next]").click()
        page.wait_for_load_state()  # the grid's keyboard script is attached once the page has loaded
        first_week_day = page.locator("table.month tbody tr").nth(1).locator("td > a, td > span").first
        first_week_day.focus()
        label = lambda: page.evaluate("document.activeElement.getAttribute('aria-label')")  # noqa: E731
        monday = label()
        assert re.fullmatch(r"Monday, \d{1,2} \w+ 20\d\d, \d+ times? free", monday), monday
        page.keyboard.press("ArrowRight")
        assert label().startswith("Tuesday")
        page.keyboard.press("End")
        assert label().startswith("Sunday") and label().endswith("0 times free")
        page.keyboard.press("Home")
        assert label() == monday
        page.keyboard.press("ArrowDown")
        assert label().startswith("Monday") and label() != monday
        page.keyboard.press("Enter")
        expect(page.locator("#times-title")).to_have_text(label_of_open_day := page.locator(
            "table.month a[aria-current=date]").get_attribute("aria-label"))
        assert label_of_open_day.startswith("Monday")
        before = page.url
        page.locator("table.month a[aria-current=date]").focus()
        page.keyboard.press("PageUp")  # back to this month (the next one may lie past the horizon)
        page.wait_for_url(lambda url: url != before)
        assert errors == []
    finally:
        context.close()


def test_a_reader_in_another_time_zone_is_told_so_beside_the_shops(plain_server, chromium, committed_shops):
    shop = _granted_spa(plain_server, committed_shops)
    for zone, told in (("America/New_York", True), ("Europe/London", False)):
        context = chromium.new_context(locale="en-GB", timezone_id=zone)
        page = context.new_page()
        try:
            page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c={CONFIRMATION}")
            page.get_by_role("link", name="Choose a time").click()
            if told:
                expect(page.locator("#your-zone")).to_have_text(" You are in America/New_York.")
            else:
                expect(page.locator("[data-shop-zone]")).to_be_visible()
                assert page.locator("#your-zone").count() == 0
        finally:
            context.close()


def test_holding_times_sends_the_customer_to_shopify_checkout_and_the_payment_confirms_them(plain_server, chromium,
                                                                                           committed_shops):
    """No package: the priced service is held, Chromium is sent to the shop's cart permalink (stopped here,
    Shopify being unreachable), then a signed orders/paid carrying the reference confirms the sessions."""
    from urllib.parse import parse_qs, urlsplit

    with plain_server.app.extensions["packbook.db"].transaction() as session:
        spa = make_spa(session, service={"shopify_variant_id": "44012345670001", "price": "80.00"})
        from booking.records import Order
        session.add(Order(shop_id=spa.shop.id, shopify_order_id=ORDER_ID, confirmation_number=CONFIRMATION,
                          customer_id=spa.customer.id, lines=[]))
        shop = spa.shop.domain
    committed_shops.append(shop)
    context = chromium.new_context(locale="en-GB")
    checkout: list[str] = []

    def to_shopify(route):
        checkout.append(route.request.url)
        route.fulfill(status=200, body="<!doctype html><title>Shopify checkout</title>", content_type="text/html")

    context.route(f"https://{shop}/**", to_shopify)
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{plain_server.url}/book?shop={shop}&order={ORDER_ID}&c={CONFIRMATION}")
        expect(page.locator("#bookable")).to_contain_text("80.00 GBP at checkout")
        page.get_by_role("link", name="Choose a time").click()
        page.get_by_role("link", name="Next month").click()
        page.locator("table.month a").last.click()
        page.locator("#times input[type=checkbox]").nth(1).check()
        page.get_by_role("button", name="Review").click()
        expect(page.locator("#checkout-note")).to_contain_text("We hold these times for 15 minutes")
        _accessible(page, "review at checkout")
        page.get_by_role("button", name="Hold and go to checkout").click()
        page.wait_for_url(f"https://{shop}/cart/**")
        url = urlsplit(checkout[-1])
        assert url.path == "/cart/44012345670001:1"
        reference = parse_qs(url.query)["attributes[packbook_hold]"][0]
        assert errors == []
    finally:
        context.close()
    order = copy.deepcopy(sample("orders/paid"))
    order.update(id=ORDER_ID + 1, financial_status="paid", note_attributes=[{"name": "packbook_hold",
                                                                             "value": reference}])
    order["customer"]["id"] = 7001
    order["line_items"] = [dict(order["line_items"][0], id=97002, variant_id=44012345670001, quantity=1,
                                price="80.00")]
    assert deliver(plain_server.app.test_client(), "orders/paid", order, shop=shop).status_code == 200
    with plain_server.app.extensions["packbook.db"].transaction() as session:
        from sqlalchemy import select
        from booking.records import Booking
        statuses = session.scalars(select(Booking.status).where(Booking.group_id == reference)).all()
    assert statuses == ["confirmed"]


def test_the_preparing_page_and_a_logged_in_customer_through_the_app_proxy(plain_server, chromium, committed_shops):
    import time as clock
    from urllib.parse import urlencode

    from shopify_app.signatures import sign_app_proxy
    from tests.support.factories import API_SECRET

    shop = _granted_spa(plain_server, committed_shops)
    context = chromium.new_context(locale="en-GB")
    # Through the proxy the stylesheet comes from the app's public URL; here that is the live server.
    app_url = plain_server.app.config["PACKBOOK"].shopify_app_url
    context.route(f"{app_url}/static/**", lambda route: route.fulfill(
        response=route.fetch(url=route.request.url.replace(app_url, plain_server.url))))
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{plain_server.url}/book?shop={shop}&order=999&c=NOTYET")
        expect(page.locator("h1")).to_have_text("Preparing your booking")
        _accessible(page, "preparing")
        # The order arrives; the page's own check (every 5 s) finds the link now answers with a redirect.
        with plain_server.app.extensions["packbook.db"].transaction() as session:
            from sqlalchemy import select
            from booking.records import Order
            from shopify_app.models import Shop
            shop_row = session.scalar(select(Shop).where(Shop.domain == shop))
            order = session.scalar(select(Order).where(Order.shop_id == shop_row.id))
            session.add(Order(shop_id=shop_row.id, shopify_order_id=999, confirmation_number="NOTYET",
                              customer_id=order.customer_id, lines=[]))
        page.wait_for_url(f"{plain_server.url}/book/home", timeout=15_000)
        expect(page.locator("#packages")).to_contain_text("5 of 5 left")
        pairs = [("shop", shop), ("logged_in_customer_id", "7001"), ("path_prefix", "/apps/book"),
                 ("timestamp", str(int(clock.time())))]
        query = urlencode(pairs + [("signature", sign_app_proxy(pairs, API_SECRET))])
        page.goto(f"{plain_server.url}/book/home?{query}")  # as Shopify's proxy forwards it
        expect(page.locator("#packages")).to_contain_text("5 of 5 left")
        hrefs = page.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert all(not h.startswith("/book") for h in hrefs) and any(h.startswith("/apps/book/") for h in hrefs)
        assert errors == []
    finally:
        context.close()


def test_a_sign_in_link_asked_for_in_chinese_arrives_in_chinese_and_opens_the_page(plain_server, chromium,
                                                                                   committed_shops, tmp_path,
                                                                                   monkeypatch):
    import email
    from email import policy

    shop = _granted_spa(plain_server, committed_shops)
    monkeypatch.setattr(plain_server.app, "instance_path", str(tmp_path))  # no SMTP: the outbox, here
    context = chromium.new_context(locale="zh-CN", extra_http_headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{plain_server.url}/book/login?shop={shop}")
        expect(page.locator("h1")).to_have_text("获取登录链接")
        _accessible(page, "sign-in form in Chinese")
        page.get_by_label("邮箱地址").fill("ana@example.com")
        page.get_by_role("button", name="发送链接到我的邮箱").click()
        expect(page.locator("#sent")).to_contain_text("登录链接正在发送中")
        outbox = tmp_path / "outbox"
        for _ in range(50):
            if list(outbox.glob("*sign_in*.eml")):
                break
            page.wait_for_timeout(100)
        [written] = list(outbox.glob("*sign_in*.eml"))
        message = email.message_from_bytes(written.read_bytes(), policy=policy.default)
        assert "登录链接" in message["Subject"]
        link = re.search(r"https?://\S+/c/\S+", message.get_body(("plain",)).get_content()).group(0)
        page.goto(plain_server.url + link.split("packbook.test", 1)[1])
        expect(page.locator("#packages-title")).to_have_text("我的课程包")
        assert errors == []
    finally:
        context.close()
