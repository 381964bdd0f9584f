"""Developer and operator commands: webhook trigger, demo, sweep and retry."""
from __future__ import annotations

import threading

from sqlalchemy import select
from werkzeug.serving import make_server

from booking.rules.links import CustomerLink, sign_customer_link
from tests.support.factories import make_shop
from webhooks.models import WebhookEvent


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def test_webhook_trigger_sends_a_signed_sample_that_is_stored_and_processed(app, committed_shops):
    with app.extensions["packbook.db"].transaction() as session:
        shop = make_shop(session, scopes="read_products").domain
    committed_shops.append(shop)
    server = serve(app)
    try:
        address = f"http://127.0.0.1:{server.server_port}/webhooks"
        result = app.test_cli_runner().invoke(args=["webhook", "trigger", "app/scopes_update",
                                                    "--address", address, "--shop", shop])
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    assert "HTTP 200" in result.output
    with app.extensions["packbook.db"].transaction() as session:
        event = session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == shop))
        assert (event.topic, event.status) == ("app/scopes_update", "done")


def test_webhook_trigger_names_the_known_topics_for_an_unknown_one(app):
    result = app.test_cli_runner().invoke(args=["webhook", "trigger", "no/such", "--address", "http://127.0.0.1:9/"])
    assert result.exit_code != 0
    assert "orders/paid" in result.output and "customers/redact" in result.output


def test_webhook_trigger_refuses_a_bad_shop(app):
    result = app.test_cli_runner().invoke(args=["webhook", "trigger", "orders/paid", "--address",
                                                "http://127.0.0.1:9/", "--shop", "evil.com"])
    assert result.exit_code != 0 and "myshopify.com" in result.output


def test_demo_seeds_a_shop_and_prints_working_local_urls(app, committed_shops):
    shop = "demo-cli-test.myshopify.com"
    committed_shops.append(shop)
    result = app.test_cli_runner().invoke(args=["demo", "--shop", shop, "--base-url", "http://127.0.0.1:8123"])
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:8123/demo/admin?shop={shop}" in result.output
    booking_url = next(line.split()[-1] for line in result.output.splitlines() if "Booking link" in line)
    page = app.test_client().get(booking_url.removeprefix("http://127.0.0.1:8123"), follow_redirects=True)
    assert page.status_code == 200 and "john@example.com" in page.get_data(as_text=True)
    # Seeding twice is harmless: the sample deliveries are duplicates the second time.
    assert app.test_cli_runner().invoke(args=["demo", "--shop", shop]).exit_code == 0
    with app.extensions["packbook.db"].transaction() as session:
        topics = session.scalars(select(WebhookEvent.topic).where(WebhookEvent.shop_domain == shop)).all()
    assert sorted(topics) == ["customers/data_request", "orders/paid"]


def test_customer_links_that_are_tampered_or_expired_are_refused(app, client, db_session):
    shop = make_shop(db_session).domain
    token = sign_customer_link(app.config["SECRET_KEY"], CustomerLink(shop, "1", "a@example.com"))
    assert client.get(f"/c/{token}").status_code == 303  # verified: a session starts, the page follows
    for bad in (f"{token[:-2]}xx", sign_customer_link("another-secret-key-123456", CustomerLink(shop, "1", None)),
                sign_customer_link(app.config["SECRET_KEY"], CustomerLink("not-installed.myshopify.com", "1", None))):
        response = client.get(f"/c/{bad}")
        assert response.status_code == 404 and "packbook_customer=;" in response.headers.get("Set-Cookie", "")


def test_customer_link_expiry(app):
    from booking.rules.links import InvalidLink, read_customer_link

    token = sign_customer_link(app.config["SECRET_KEY"], CustomerLink("a.myshopify.com", "1", None))
    try:
        read_customer_link(app.config["SECRET_KEY"], token, max_age=-1)
    except InvalidLink as exc:
        assert exc.reason == "expired"
    else:
        raise AssertionError("an expired link was accepted")


def test_retry_puts_failed_events_back_and_processes_them(app, client, db_session):
    shop = make_shop(db_session)
    from tests.support.factories import deliver

    deliver(client, "app/scopes_update", {"id": 1}, shop=shop.domain)  # fails: no "current"
    event = db_session.scalar(select(WebhookEvent).where(WebhookEvent.shop_domain == shop.domain))
    db_session.refresh(event)
    assert event.status == "failed"
    event.payload = {"id": 1, "current": ["read_orders"]}  # e.g. fixed by a later release
    db_session.commit()
    result = app.test_cli_runner().invoke(args=["webhooks", "retry", "--id", str(event.id)])
    assert result.exit_code == 0, result.output
    db_session.refresh(event)
    assert event.status == "done" and event.attempts == 2


def test_customer_page_lists_the_customers_packages_with_progress(app, client, db_session):
    from tests.support.booking import give_package, make_spa

    spa = make_spa(db_session)
    give_package(db_session, spa)
    db_session.commit()
    token = sign_customer_link(app.config["SECRET_KEY"],
                               CustomerLink(spa.shop.domain, str(spa.customer.shopify_customer_id), None))
    html = client.get(f"/c/{token}", follow_redirects=True).get_data(as_text=True)
    assert "5x massage" in html and "5 of 5 left" in html and "never expires" in html


def test_customer_page_lists_prepaid_balances_too(app, client, db_session):
    from decimal import Decimal

    from booking.records import GiftCard, PrepaidBalance
    from tests.support.booking import make_spa

    spa = make_spa(db_session)
    for unit, card_id in ((0, 5550001), (1, None)):
        db_session.add(PrepaidBalance(shop_id=spa.shop.id, customer_id=spa.customer.id, order_id=820982911946154500,
                                      line_item_id=466157049, unit_index=unit, amount=Decimal("100.00"),
                                      currency="USD", gift_card_id=card_id))
    db_session.add(GiftCard(shop_id=spa.shop.id, gift_card_id=5550001, last_characters="a1b2",
                            balance=Decimal("42.50"), currency="USD", enabled=True))
    db_session.commit()
    token = sign_customer_link(app.config["SECRET_KEY"],
                               CustomerLink(spa.shop.domain, str(spa.customer.shopify_customer_id), None))
    html = client.get(f"/c/{token}", follow_redirects=True).get_data(as_text=True)
    assert "no packages" not in html
    assert html.count('data-kind="prepaid_balance"') == 2 and "42.50 USD left on gift card ending a1b2" in html


def test_send_due_emails_asks_for_what_is_due_and_sends_it(app, db_session, tmp_path, monkeypatch):
    """Without a worker, cron runs `flask send-due-emails`: a package lapsing within 7 days gets its warning."""
    from datetime import datetime, timezone

    from booking.accounts import assign_plan
    from booking.records import OutgoingEmail
    from tests.support.booking import make_plan, make_spa

    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    spa = make_spa(db_session)
    plan = make_plan(db_session, spa.shop, title="3x sauna", quantity=3, service_ids=[spa.service.id],
                     validity_days=3)
    assign_plan(db_session, spa.shop.id, spa.customer, plan.id, actor="staff:1", now=datetime.now(timezone.utc))
    db_session.flush()
    result = app.test_cli_runner().invoke(args=["send-due-emails"])
    assert result.exit_code == 0, result.output
    assert "sent" in result.output
    [row] = db_session.scalars(select(OutgoingEmail).where(OutgoingEmail.shop_id == spa.shop.id)).all()
    assert (row.kind, row.status) == ("expiring_soon", "sent")
    assert any("expiring_soon" in p.name for p in (tmp_path / "outbox").glob("*.eml"))

