"""Assigning a plan by hand grants what a purchase of it would: a package, or a membership with its allowance;
a prepaid balance, which lives on a Shopify gift card, is refused with a reason."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select

from booking.models import Plan
from booking.records import Membership
from booking.rules.plans import PlanTerms, Validity
from tests.support.api import a_monday, book, local, make_spa, shop_api


def test_assigning_a_prepaid_balance_is_refused_saying_why(client, db_session):
    api = shop_api(client, db_session)
    plan = api.created("/api/plans", {"title": "$100 balance", "kind": "prepaid_balance", "unit": "money",
                                      "quantity": 100, "currency": "GBP"})
    response = api.post("/api/customers/7001/entitlements", {"plan_id": plan["id"]})
    assert response.status_code == 409 and response.get_json()["code"] == "not_assignable"
    assert "gift card" in response.get_json()["error"]
    assert api.get("/api/customers/7001/entitlements").get_json()["entitlements"] == []


def test_assigning_a_membership_starts_it_as_a_purchase_would(client, db_session):
    api = shop_api(client, db_session)
    spa = make_spa(api, service={"members_only": True})
    gold = api.created("/api/plans", {"title": "Gold", "kind": "membership", "unit": "sessions", "quantity": 4,
                                      "validity_months": 1, "service_ids": [spa["service"]]})
    package = api.created("/api/customers/7001/entitlements", {"plan_id": gold["id"]})
    assert (package["source"], package["title"], package["remaining"]) == ("membership", "Gold", "4")
    [membership] = db_session.scalars(select(Membership).where(Membership.plan_id == gold["id"]))
    assert membership.source == "staff" and membership.paid_through is not None
    booked = book(api, spa, local(a_monday(1), 10), use_package=False)
    assert booked.status_code == 201, booked.get_json()


def test_a_member_books_a_members_only_service_with_the_default_request(client, db_session):
    # Access and allowance are two things: this membership opens the steam room but its allowance is massages.
    api = shop_api(client, db_session)
    spa = make_spa(api)
    steam = api.created("/api/services", {"name": "Steam room", "duration_minutes": 60, "members_only": True})
    api.patch(f"/api/resources/{spa['resource']}", {"service_ids": [spa["service"], steam["id"]]})
    gold = api.created("/api/plans", {"title": "Gold", "kind": "membership", "unit": "sessions", "quantity": 2,
                                      "validity_months": 1, "service_ids": [spa["service"]]})
    steam_spa = {**spa, "service": steam["id"]}
    monday = a_monday(1)
    assert book(api, steam_spa, local(monday, 10), customer_id=7002).get_json()["code"] == "not_eligible"
    api.created("/api/customers/7001/entitlements", {"plan_id": gold["id"]})
    booked = book(api, steam_spa, local(monday, 10))
    assert booked.status_code == 201, booked.get_json()
    assert (booked.get_json()["source"], booked.get_json()["redeemed_from"]) == ("membership", None)
    insisted = book(api, steam_spa, local(monday, 12), use_package=True)
    assert insisted.status_code == 409 and insisted.get_json()["code"] == "not_eligible"
    massage = book(api, spa, local(monday, 14)).get_json()  # the allowance still pays for what it covers
    assert massage["redeemed_from"]["title"] == "Gold"


def test_a_plan_saved_with_a_date_beyond_the_bounds_is_refused_by_name_not_a_500(client, db_session):
    """Plans saved before dates were bounded may hold 9999-12-31; assigning one says so (422 plan_id)."""
    api = shop_api(client, db_session)
    spa = make_spa(api)
    plan = db_session.get(Plan, spa["plan"])
    plan.terms = replace(PlanTerms.from_json(plan.terms),
                         validity=Validity("fixed_date", fixed_date=date(9999, 12, 31))).to_json()
    db_session.flush()
    response = api.post("/api/customers/7001/entitlements", {"plan_id": spa["plan"]})
    assert response.status_code == 422 and response.get_json()["field"] == "plan_id"
    assert "2099-12-31" in response.get_json()["error"]
