"""A plan's API body (booking.api.plans.PlanInput): what it builds, and the exact field each mistake names."""
from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest

from booking.api.plan_body import terms_from_body
from booking.rules.plans import PlanTerms, Validity, Windows
from endpoints import InvalidInput


def test_minimal_api_body_gives_sessions_for_listed_services_with_forfeit_rules():
    terms = terms_from_body({"title": " 5x massage ", "unit": "sessions", "quantity": 5, "service_ids": [1]})
    assert terms == PlanTerms("5x massage", "sessions", Decimal(5), service_ids=frozenset({1}))
    assert (terms.validity, terms.late_cancel, terms.no_show) == (Validity("never"), "forfeit", "forfeit")


def test_full_api_body_builds_windows_validity_and_rules():
    terms = terms_from_body({
        "title": "Gift card", "unit": "money", "quantity": 49.9, "currency": "eur", "resource_id": 3,
        "validity_months": 12, "late_cancel": "restore", "no_show": "restore",
        "windows": {"weekdays": ["mon", "Friday"], "times": [["10:00", "13:00"]],
                    "date_from": "2025-06-01", "date_to": "2025-08-31", "dates": ["2025-06-02"]},
    })
    assert (terms.quantity, terms.currency, terms.service_ids, terms.resource_id) == (Decimal("49.9"), "EUR", None, 3)
    assert terms.validity == Validity("months", 12)
    assert terms.windows == Windows(frozenset({0, 4}), ((time(10), time(13)),), date(2025, 6, 1),
                                    date(2025, 8, 31), frozenset({date(2025, 6, 2)}))


def test_fixed_services_body_implies_sessions_and_the_summed_quantity():
    terms = terms_from_body({"title": "Duo", "fixed_services": [{"service_id": 1, "quantity": 1},
                                                                   {"service_id": 2, "quantity": 2}]})
    assert (terms.unit, terms.quantity, terms.service_ids) == ("sessions", Decimal(3), frozenset({1, 2}))
    assert terms.fixed_services == ((1, 1), (2, 2))


def test_expires_on_body_gives_a_fixed_date_validity():
    terms = terms_from_body({"title": "X", "unit": "unlimited", "expires_on": "2025-12-31"})
    assert terms.validity == Validity("fixed_date", fixed_date=date(2025, 12, 31))


BASE = {"title": "5x massage", "unit": "sessions", "quantity": 5, "service_ids": [1]}
FIXED = [{"service_id": 1, "quantity": 1}, {"service_id": 2, "quantity": 2}]


@pytest.mark.parametrize("changes, field", [
    ({"title": "  "}, "title"),
    ({"unit": "hours"}, "unit"),
    ({"quantity": None}, "quantity"),
    ({"quantity": 0}, "quantity"),
    ({"quantity": 2.5}, "quantity"),
    ({"quantity": True}, "quantity"),
    ({"quantity": "lots"}, "quantity"),
    ({"unit": "money", "quantity": "NaN", "currency": "EUR"}, "quantity"),
    ({"unit": "money", "quantity": "20.00"}, "currency"),
    ({"unit": "unlimited", "quantity": 5}, "quantity"),
    ({"service_ids": []}, "service_ids"),
    ({"service_ids": [1, "two"]}, "service_ids[1]"),
    ({"resource_id": -1}, "resource_id"),
    ({"validity_days": 0}, "validity_days"),
    ({"validity_days": 30, "validity_months": 1}, "validity_months"),
    ({"expires_on": "31/12/2025"}, "expires_on"),
    ({"late_cancel": "keep"}, "late_cancel"),
    ({"no_show": "refund"}, "no_show"),
    ({"windows": ["mon"]}, "windows"),
    ({"windows": {"weekday": ["mon"]}}, "windows.weekday"),
    ({"windows": {"weekdays": ["mon", "funday"]}}, "windows.weekdays[1]"),
    ({"windows": {"weekdays": []}}, "windows.weekdays"),
    ({"windows": {"times": [["25:00", "26:00"]]}}, "windows.times[0]"),
    ({"windows": {"times": [["10:00", "13:00"], ["14:00", "12:00"]]}}, "windows.times[1]"),
    ({"windows": {"times": ["10:00-13:00"]}}, "windows.times[0]"),
    ({"windows": {"date_from": "2025-09-01", "date_to": "2025-06-01"}}, "windows.date_to"),
    ({"windows": {"dates": ["2025-01-01", "soon"]}}, "windows.dates[1]"),
    ({"service_ids": None, "quantity": None, "fixed_services": [FIXED[0], {"service_id": 2, "quantity": 0}]},
     "fixed_services[1].quantity"),
    ({"service_ids": None, "quantity": None, "fixed_services": [FIXED[0], {"service_id": 1, "quantity": 2}]},
     "fixed_services[1].service_id"),
    ({"service_ids": None, "quantity": None, "fixed_services": [FIXED[0], 7]}, "fixed_services[1]"),
    ({"service_ids": None, "quantity": None, "unit": "minutes", "fixed_services": FIXED}, "unit"),
    ({"service_ids": None, "quantity": 5, "fixed_services": FIXED}, "quantity"),
    ({"fixed_services": FIXED, "quantity": None}, "service_ids"),
])
def test_api_body_errors_name_the_exact_field(changes, field):
    with pytest.raises(InvalidInput) as caught:
        terms_from_body({**BASE, **changes})
    assert caught.value.field == field
    assert caught.value.as_body() == {"error": caught.value.message, "code": "invalid", "field": field}
    assert not any(raw in caught.value.message for raw in ("Input should", "Value error", "validation error"))


def test_api_body_that_is_not_an_object_is_refused():
    with pytest.raises(InvalidInput) as caught:
        terms_from_body(["5x massage"])
    assert caught.value.field == "body"
