"""The jobs behind each handled topic, run inline against a real database."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from shopify_app.models import Shop
from tests.support.factories import deliver, make_shop, unique_shop_domain
from tests.support.samples import sample
from webhooks.jobs import process_event
from webhooks.models import PrivacyRequest, WebhookEvent

ORDER = sample("orders/paid")


def event_for(session, shop: str, topic: str) -> WebhookEvent:
    event = session.scalar(select(WebhookEvent).where(
        WebhookEvent.shop_domain == shop, WebhookEvent.topic == topic).order_by(WebhookEvent.id.desc()))
    session.refresh(event)
    return event


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def test_app_uninstalled_marks_the_shop_uninstalled_and_deletes_its_tokens(client, db_session):
    shop = make_shop(db_session)
    response = deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=shop.domain)
    assert response.status_code == 200
    db_session.refresh(shop)
    assert shop.uninstalled_at is not None and not shop.is_installed
    assert (shop.access_token, shop.refresh_token) == (None, None)
    assert event_for(db_session, shop.domain, "app/uninstalled").status == "done"


def test_app_uninstalled_twice_is_harmless(client, db_session):
    shop = make_shop(db_session)
    deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=shop.domain)
    db_session.refresh(shop)
    first_time = shop.uninstalled_at
    deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=shop.domain)
    db_session.refresh(shop)
    assert shop.uninstalled_at == first_time
    assert event_for(db_session, shop.domain, "app/uninstalled").status == "done"


def test_app_uninstalled_from_before_a_reinstall_is_ignored(client, db_session):
    shop = make_shop(db_session)
    stale = iso(shop.installed_at - timedelta(hours=2))
    deliver(client, "app/uninstalled", sample("app/uninstalled"), shop=shop.domain, triggered_at=stale)
    db_session.refresh(shop)
    assert shop.is_installed and shop.access_token is not None
    assert event_for(db_session, shop.domain, "app/uninstalled").status == "skipped"


def test_scopes_update_records_the_granted_scopes(client, db_session):
    shop = make_shop(db_session, scopes="read_products")
    deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop.domain)
    db_session.refresh(shop)
    assert shop.granted_scopes == {"read_products", "write_products"}


def test_event_for_an_unknown_shop_is_skipped_not_failed(client, db_session):
    shop = unique_shop_domain()
    deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop)
    assert event_for(db_session, shop, "app/scopes_update").status == "skipped"


def test_event_for_an_uninstalled_shop_is_skipped(client, db_session):
    shop = make_shop(db_session, uninstalled_at=datetime.now(timezone.utc))
    deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop.domain)
    assert event_for(db_session, shop.domain, "app/scopes_update").status == "skipped"


def test_a_handler_failure_marks_the_event_failed_and_keeps_it(client, db_session):
    shop = make_shop(db_session)
    deliver(client, "app/scopes_update", {"id": 1, "previous": []}, shop=shop.domain)  # no "current"
    event = event_for(db_session, shop.domain, "app/scopes_update")
    assert event.status == "failed"
    assert event.attempts == 1
    assert "current" in event.last_error


def test_processing_a_done_event_again_changes_nothing(app, client, db_session):
    shop = make_shop(db_session, scopes="read_products")
    deliver(client, "app/scopes_update", sample("app/scopes_update"), shop=shop.domain)
    event = event_for(db_session, shop.domain, "app/scopes_update")
    shop.scopes = "changed_since"
    db_session.commit()
    with app.app_context():
        assert process_event(event.id) == "done"
    db_session.refresh(shop)
    db_session.refresh(event)
    assert shop.scopes == "changed_since"
    assert event.attempts == 1


def test_data_request_records_an_export_of_the_customers_events(client, db_session):
    shop = make_shop(db_session)
    order = dict(ORDER, customer=dict(ORDER["customer"], id=191167))
    deliver(client, "orders/paid", order, shop=shop.domain)
    deliver(client, "orders/paid", dict(ORDER, id=1, customer={"id": 5, "email": "other@example.com"},
                                        email="other@example.com", contact_email=None), shop=shop.domain)
    deliver(client, "customers/data_request", sample("customers/data_request", shop.domain), shop=shop.domain)
    export = db_session.scalar(select(PrivacyRequest).where(PrivacyRequest.shop_id == shop.id))
    assert (export.kind, export.customer_id, export.shopify_request_id) == ("data_request", "191167", "9999")
    assert [e["payload"]["id"] for e in export.export["webhook_events"]] == [order["id"]]
    # The request itself carried the customer's email and phone: not kept in the event log.
    assert event_for(db_session, shop.domain, "customers/data_request").payload["customer"]["email"] == "[redacted]"


def test_customer_redact_scrubs_personal_data_but_keeps_ids_and_amounts(client, db_session):
    shop = make_shop(db_session)
    order = dict(ORDER, customer=dict(ORDER["customer"], id=191167))
    deliver(client, "orders/paid", order, shop=shop.domain)
    deliver(client, "customers/data_request", sample("customers/data_request", shop.domain), shop=shop.domain)
    deliver(client, "customers/redact", sample("customers/redact", shop.domain), shop=shop.domain)
    stored = event_for(db_session, shop.domain, "orders/paid").payload
    assert stored["id"] == order["id"] and stored["total_price"] == order["total_price"]
    assert stored["email"] == "[redacted]"
    assert stored["customer"]["email"] == "[redacted]" and stored["customer"]["id"] == 191167
    assert stored["billing_address"] == "[redacted]"
    assert "john" not in repr(stored).lower() and "jon@" not in repr(stored).lower()
    kinds = dict(db_session.execute(select(PrivacyRequest.kind, PrivacyRequest.export)
                                    .where(PrivacyRequest.shop_id == shop.id)).all())
    assert kinds == {"data_request": None, "redact": None}  # the earlier export is gone too


def test_shop_redact_deletes_everything_about_the_shop(client, db_session):
    shop = make_shop(db_session, uninstalled_at=datetime.now(timezone.utc))
    other = make_shop(db_session)
    shop_id, domain = shop.id, shop.domain
    deliver(client, "orders/paid", ORDER, shop=shop.domain)
    deliver(client, "orders/paid", ORDER, shop=other.domain)
    deliver(client, "customers/data_request", sample("customers/data_request", shop.domain), shop=shop.domain)
    deliver(client, "shop/redact", sample("shop/redact", shop.domain), shop=shop.domain)
    db_session.expunge_all()
    assert db_session.scalar(select(Shop).where(Shop.domain == domain)) is None
    assert db_session.scalar(select(func.count()).select_from(PrivacyRequest).where(
        PrivacyRequest.shop_id == shop_id)) == 0
    remaining = db_session.scalars(select(WebhookEvent.topic).where(WebhookEvent.shop_domain == domain)).all()
    assert remaining == ["shop/redact"]  # the record that the redaction happened
    assert db_session.scalar(select(Shop).where(Shop.domain == other.domain)) is not None
    assert event_for(db_session, other.domain, "orders/paid") is not None


def test_shop_redact_for_a_reinstalled_shop_deletes_nothing(client, db_session):
    shop = make_shop(db_session)
    deliver(client, "shop/redact", sample("shop/redact", shop.domain), shop=shop.domain)
    assert db_session.scalar(select(Shop).where(Shop.domain == shop.domain)) is not None
    assert event_for(db_session, shop.domain, "shop/redact").status == "skipped"


def test_data_request_exports_the_customers_packages_and_ledger(client, db_session):
    from tests.support.factories import make_customer, make_package

    shop = make_shop(db_session)
    make_package(db_session, make_customer(db_session, shop))
    make_package(db_session, make_customer(db_session, shop, shopify_customer_id=5, email="other@example.com"))
    deliver(client, "customers/data_request", sample("customers/data_request", shop.domain), shop=shop.domain)
    export = db_session.scalar(select(PrivacyRequest).where(PrivacyRequest.shop_id == shop.id)).export
    [record] = export["booking_records"]
    assert record["customer"]["email"] == "john@example.com"
    assert [p["title"] for p in record["packages"]] == ["5x massage"]
    assert [(e["kind"], e["quantity"]) for e in record["ledger"]] == [("grant", "5.00")]


def test_customer_redact_blanks_the_customer_but_keeps_packages_and_ledger(client, db_session):
    from booking.records import Customer, Entitlement, LedgerEntry
    from tests.support.factories import make_customer, make_package

    shop = make_shop(db_session)
    customer = make_customer(db_session, shop)
    package = make_package(db_session, customer)
    deliver(client, "customers/redact", sample("customers/redact", shop.domain), shop=shop.domain)
    db_session.expire_all()
    redacted = db_session.get(Customer, customer.id)
    assert (redacted.email, redacted.first_name, redacted.last_name) == (None, None, None)
    assert redacted.redacted_at is not None and redacted.shopify_customer_id == 191167
    assert db_session.get(Entitlement, package.id) is not None
    assert db_session.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.entitlement_id == package.id)) == 1


def test_shop_redact_also_deletes_customers_and_their_packages(client, db_session):
    from booking.records import Customer, Entitlement, LedgerEntry
    from tests.support.factories import make_customer, make_package

    shop = make_shop(db_session, uninstalled_at=datetime.now(timezone.utc))
    shop_id = shop.id
    make_package(db_session, make_customer(db_session, shop))
    deliver(client, "shop/redact", sample("shop/redact", shop.domain), shop=shop.domain)
    db_session.expunge_all()
    for model in (Customer, Entitlement, LedgerEntry):
        assert db_session.scalar(select(func.count()).select_from(model).where(model.shop_id == shop_id)) == 0
