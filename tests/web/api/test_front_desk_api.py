"""What the admin's front desk reads: customer search and profile, which packages could pay a session, what an
action would do before it is confirmed, paying an unpaid booking later, and each plan's figures."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from booking.records import Booking, Customer
from tests.support.api import a_monday, assign, book, local, make_spa, shop_api


def _customer(db_session, api, shopify_id, first, last, email):
    db_session.add(Customer(shop_id=api.shop.id, shopify_customer_id=shopify_id, email=email,
                            first_name=first, last_name=last))
    db_session.flush()


@pytest.mark.parametrize("query, expected", [
    ("ann", ["Ann Berg", "Joanna Lee"]),           # any part of a first name
    ("ANN berg", ["Ann Berg"]),                    # every word must match, any case
    ("lee@", ["Joanna Lee"]),                      # part of an email
    ("8001", ["Ann Berg"]),                        # a Shopify customer id
    ("100%", []),                                  # LIKE wildcards are matched literally
    ("an_", []),
    ("nobody", []),
])
def test_customers_are_found_by_any_words_of_their_name_or_email_or_by_id(client, db_session, query, expected):
    api = shop_api(client, db_session)
    other = shop_api(client, db_session)
    _customer(db_session, api, 8001, "Ann", "Berg", "ann.berg@example.com")
    _customer(db_session, api, 8002, "Joanna", "Lee", "jo.lee@example.com")
    _customer(db_session, other, 8003, "Annie", "Other", "annie@example.com")  # another shop's: never listed

    answer = api.get("/api/customers", q=query)
    assert answer.status_code == 200, answer.get_json()
    assert [c["name"] for c in answer.get_json()["customers"]] == expected


def test_a_redacted_customer_is_not_found_and_pages_say_whether_more_follow(client, db_session):
    api = shop_api(client, db_session)
    for i in range(30):
        _customer(db_session, api, 9000 + i, "Pat", f"Number {i:02}", f"pat{i}@example.com")
    db_session.add(Customer(shop_id=api.shop.id, shopify_customer_id=9999, first_name="Pat", last_name="Gone",
                            redacted_at=datetime.now(timezone.utc)))
    db_session.flush()

    first = api.get("/api/customers", q="pat").get_json()
    second = api.get("/api/customers", q="pat", offset=25).get_json()
    assert len(first["customers"]) == 25 and first["has_more"] is True
    assert len(second["customers"]) == 5 and second["has_more"] is False
    names = [c["name"] for c in first["customers"] + second["customers"]]
    assert "Pat Gone" not in names and len(set(names)) == 30


def test_the_profile_sums_up_what_the_customer_owns_and_how_they_behave(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"late_cancel": "forfeit"})
    package = assign(api, spa["plan"])
    monday = a_monday()
    for hour in (10, 11, 12):
        assert book(api, spa, local(monday, hour)).status_code == 201
    # One no-show (a session in the past) and one late cancellation, written as the front desk would cause them.
    rows = db_session.query(Booking).filter_by(shop_id=api.shop.id).order_by(Booking.starts_at).all()
    past = datetime.now(timezone.utc) - timedelta(hours=2)
    rows[0].starts_at, rows[0].ends_at = past, past + timedelta(hours=1)
    rows[1].starts_at, rows[1].ends_at = past + timedelta(hours=4), past + timedelta(hours=5)
    db_session.flush()
    assert api.post(f"/api/bookings/{rows[0].id}/no-show").status_code == 200
    assert api.post(f"/api/bookings/{rows[1].id}/cancel").status_code == 200  # inside the 24 h cutoff

    profile = api.get("/api/customers/7001").get_json()
    assert profile["customer"]["email"] == "ana@example.com"
    assert profile["summary"] == {
        "sessions_left": "2", "minutes_left": "0", "credit": [], "gift_card_balance": [], "unlimited_passes": 0,
        "no_shows": 1, "late_cancellations": 1, "upcoming": 1}
    assert [p["id"] for p in profile["packages"]] == [package["id"]]
    assert profile["packages"][0]["progress"] == "3 of 5 used"
    assert profile["shopify_admin_url"].endswith("/customers/7001")
    assert api.get("/api/customers/424242").status_code == 404


def test_package_options_say_which_package_can_pay_and_why_the_others_cannot(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    other_service = api.created("/api/services", {"name": "Facial", "duration_minutes": 30})
    facials = api.created("/api/plans", {"title": "3x facial", "unit": "sessions", "quantity": 3,
                                         "service_ids": [other_service["id"]]})
    massage, facial = assign(api, spa["plan"]), assign(api, facials["id"])

    options = api.get("/api/customers/7001/package-options", service_id=spa["service"],
                      resource_id=spa["resource"], starts_at=local(a_monday(), 10)).get_json()["options"]
    by_id = {o["package"]["id"]: o for o in options}
    assert by_id[massage["id"]]["usable"] is True and by_id[massage["id"]]["cost"] == "1"
    assert by_id[facial["id"]]["usable"] is False and by_id[facial["id"]]["code"] == "not_eligible"
    unknown = api.get("/api/customers/5555/package-options", service_id=spa["service"], resource_id=spa["resource"],
                      starts_at=local(a_monday(), 10))
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "not_found"


def test_a_booking_says_what_cancelling_or_a_no_show_would_do_before_either_is_done(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, plan={"late_cancel": "forfeit", "no_show": "restore"})
    assign(api, spa["plan"])
    booking = book(api, spa, local(a_monday(), 10)).get_json()
    unpaid = book(api, spa, local(a_monday(), 12), use_package=False).get_json()

    detail = api.get(f"/api/bookings/{booking['id']}").get_json()
    assert detail["outcomes"] == {"cancel": "restore", "no_show": "restore"}
    assert detail["customer_name"] == "ana@example.com"
    assert api.get(f"/api/bookings/{unpaid['id']}").get_json()["outcomes"] == {"cancel": "unpaid", "no_show": "unpaid"}

    row = db_session.get(Booking, booking["id"])
    soon = datetime.now(timezone.utc) + timedelta(hours=3)
    row.starts_at, row.ends_at = soon, soon + timedelta(hours=1)
    db_session.flush()
    assert api.get(f"/api/bookings/{booking['id']}").get_json()["outcomes"]["cancel"] == "forfeit"


def test_an_unpaid_booking_is_paid_later_from_a_package_once(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    unpaid = book(api, spa, local(a_monday(), 10), use_package=False).get_json()
    assert unpaid["price"] == "80.00" and unpaid["redeemed_from"] is None

    none_yet = api.post(f"/api/bookings/{unpaid['id']}/pay-with-package")
    assert none_yet.status_code == 409 and none_yet.get_json()["code"] in ("not_eligible", "insufficient_credit")
    package = assign(api, spa["plan"])  # bought since
    paid = api.post(f"/api/bookings/{unpaid['id']}/pay-with-package", {"entitlement_id": package["id"]})
    assert paid.status_code == 200, paid.get_json()
    body = paid.get_json()
    assert body["price"] == "0.00" and body["redeemed_from"]["progress"] == "1 of 5 used"
    ledger = api.get(f"/api/entitlements/{package['id']}/ledger").get_json()["entries"]
    assert [(e["kind"], e["booking_id"]) for e in ledger] == [("grant", None), ("redeem", unpaid["id"])]

    again = api.post(f"/api/bookings/{unpaid['id']}/pay-with-package")
    assert again.status_code == 409 and again.get_json()["code"] == "invalid_transition"
    # Cancelling in time now gives the session back to the package that paid.
    assert api.post(f"/api/bookings/{unpaid['id']}/cancel").status_code == 200
    assert api.get(f"/api/entitlements/{package['id']}").get_json()["progress"] == "0 of 5 used"


def test_plan_figures_count_sold_and_active_packages_and_what_they_owe(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api)
    first, second = assign(api, spa["plan"]), assign(api, spa["plan"], customer_id=7002)
    assert book(api, spa, local(a_monday(), 10)).status_code == 201
    assert api.post(f"/api/entitlements/{second['id']}/revoke", {"reason": "refunded"}).status_code == 200
    unused = api.created("/api/plans", {"title": "Unsold", "unit": "sessions", "quantity": 1,
                                        "service_ids": [spa["service"]]})

    figures = {row["plan_id"]: row for row in api.get("/api/plans/figures").get_json()["plans"]}
    assert figures[spa["plan"]] == {"plan_id": spa["plan"], "sold": 2, "active": 1, "owed": "4", "unit": "sessions"}
    assert unused["id"] not in figures
    assert first["id"] != second["id"]
