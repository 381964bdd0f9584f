"""The OpenAPI 3.0 description of every /api route, as a plain dict served at /api/openapi.json.

Quantities and money are decimal strings ("4", "2.5", "80.00"): JSON numbers would be floats.
The schemas live in api/openapi_schemas; this module holds the paths.
"""
from __future__ import annotations

from booking.api.openapi_schemas import SCHEMAS, ref

ERRORS = {
    "Unauthorized": "No valid session token (App Bridge retries once on the X-Shopify-Retry-Invalid-Session-Request "
                    "header)",
    "NotFound": "No such id in this shop (another shop's ids are unknown here too)",
    "Conflict": "A booking rule said no; `code` says which (slot_unavailable, insufficient_credit, "
                "outside_package_window, not_eligible, entitlement_expired, cutoff_passed, invalid_transition, "
                "variant_already_mapped, selling_plan_already_mapped)",
    "Invalid": "Bad input; `field` names it, e.g. `service_ids[0]` or `sessions[1].starts_at`",
    "ShopifyUnavailable": "Shopify could not be reached, throttled us or refused the token (code "
                          "shopify_unavailable); nothing was changed, try again",
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _path(name: str, what: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": what,
            "schema": {"type": "integer", "format": "int64", "minimum": 1}}


def _query(name: str, what: str, schema: dict | None = None, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": what,
            "schema": schema or {"type": "integer", "format": "int64", "minimum": 1}}


def _op(summary: str, tag: str, *, ok: tuple | None = None, body: str | dict | None = None, params=(),
        errors=("NotFound",), public: bool = False, description: str | None = None, body_required: bool = True) -> dict:
    """One operation: `ok` is (status, description, schema or None); error responses by name."""
    status, text, schema = ok or ("200", "OK", None)
    responses = {status: {"description": text, **({"content": _json(schema)} if schema else {})}}
    operation = {"summary": summary, "tags": [tag], "parameters": list(params), "responses": responses}
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": _json(ref(body) if isinstance(body, str) else body)}
    if public:
        operation["security"] = []
    else:
        errors = ("Unauthorized", *errors)
    for name in errors:
        responses[{"Unauthorized": "401", "NotFound": "404", "Conflict": "409", "Invalid": "422",
                   "ShopifyUnavailable": "502"}[name]] = {
            "$ref": f"#/components/responses/{name}"}
    return operation


def _list_of(key: str, schema: str) -> dict:
    return {"type": "object", "required": [key], "properties": {key: {"type": "array", "items": ref(schema)}}}


def _crud(plural: str, singular: str, schema: str, tag: str, note: str = "") -> dict:
    """GET/POST on the collection and GET/PATCH/DELETE on one row, as for services, resources and plans."""
    one = [_path(f"{singular}_id", f"The {singular}'s id")]
    return {
        f"/api/{plural}": {
            "get": _op(f"List the shop's {plural} (archived ones are left out)", tag, errors=(),
                       ok=("200", f"The {plural}", _list_of(plural, schema))),
            "post": _op(f"Create a {singular}", tag, body=f"{schema}Input", errors=("Invalid",),
                        ok=("201", f"The new {singular}, with its id", ref(schema))),
        },
        f"/api/{plural}/{{{singular}_id}}": {
            "get": _op(f"Read one {singular}", tag, params=one, ok=("200", f"The {singular}", ref(schema))),
            "patch": _op(f"Change the fields given{note}", tag, params=one, body=f"{schema}Patch",
                         errors=("NotFound", "Invalid"), ok=("200", f"The changed {singular}", ref(schema))),
            "delete": _op(f"Archive the {singular}: it leaves lists and GET answers 404; bookings and ledger "
                          "entries that refer to it are kept", tag, params=one, ok=("204", "Archived", None)),
        },
    }


_BOOKING = [_path("booking_id", "The booking's id")]
_PLAN = [_path("plan_id", "The plan's id")]
_ENTITLEMENT = [_path("entitlement_id", "The package's id")]
_CUSTOMER = [_path("customer_id", "The Shopify customer id (numeric)")]
_WHEN = {"type": "string", "description": "ISO 8601 date-time with an offset, or a date (local midnight in the "
                                          "shop's zone)", "example": "2027-03-01"}


def _booking_action(summary: str, body: str | None = None) -> dict:
    return {"post": _op(summary, "bookings", params=_BOOKING, body=body, errors=("NotFound", "Conflict", "Invalid"),
                        ok=("200", "The booking as it is now", ref("Booking")))}


PATHS = {
    "/api/openapi.json": {"get": _op("This document", "meta", public=True, errors=(),
                                     ok=("200", "OpenAPI 3.0 document", {"type": "object"}))},
    "/api/shop": {"get": _op("The shop the session token belongs to", "shop", errors=(),
                             ok=("200", "The shop", ref("Shop")))},
    "/api/webhook-events/summary": {"get": _op("How many of the shop's webhook events are in each state", "shop",
                                               errors=(), ok=("200", "Counts by state", ref("WebhookSummary")))},
    "/api/privacy-requests": {"get": _op("Customer data requests and redactions received, newest first", "shop",
                                         errors=(), ok=("200", "The requests",
                                                        _list_of("privacy_requests", "PrivacyRequest")))},
    "/api/privacy-requests/{request_id}/export": {"get": _op(
        "Download one customer data export", "shop", params=[_path("request_id", "The privacy request's id")],
        ok=("200", "The export, as a JSON attachment", {"type": "object"}))},
    **_crud("services", "service", "Service", "catalog"),
    **_crud("resources", "resource", "Resource", "catalog"),
    **_crud("plans", "plan", "Plan", "catalog",
            "; new terms apply to future purchases only (sold packages keep theirs). A key sent replaces the "
            "current value and null clears it; setting one validity field clears the others"),
    "/api/plans/{plan_id}/variants": {
        "get": _op("The Shopify variants that grant the plan, titled as Shopify has them now", "catalog",
                   params=_PLAN, errors=("NotFound", "ShopifyUnavailable"),
                   description="Archived plans answer too. A variant deleted in Shopify has null titles.",
                   ok=("200", "The mappings", _list_of("variants", "PlanVariant"))),
        "post": _op("Make a Shopify variant grant the plan", "catalog", params=_PLAN, body="PlanVariantInput",
                    errors=("NotFound", "Conflict", "Invalid", "ShopifyUnavailable"),
                    description="The variant must exist in the shop (else 422 on `variant_id`). A variant grants "
                                "at most one plan per shop: mapping it again, to this plan or another, is a 409 "
                                "`variant_already_mapped` naming the plan that has it (delete that mapping first).",
                    ok=("201", "The mapping", ref("PlanVariant"))),
    },
    "/api/plans/{plan_id}/variants/{variant_id}": {"delete": _op(
        "Stop the variant granting the plan; packages already sold stay", "catalog",
        params=[*_PLAN, {**_path("variant_id", "The numeric Shopify variant id"),
                         "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
        errors=("NotFound", "Invalid"), ok=("204", "Removed", None))},
    "/api/plans/{plan_id}/selling-plans": {
        "get": _op("The Shopify selling plans whose subscription contracts start this membership plan", "catalog",
                   params=_PLAN, ok=("200", "The mappings", _list_of("selling_plans", "PlanSellingPlan"))),
        "post": _op("Make contracts on a Shopify selling plan start this membership plan", "catalog", params=_PLAN,
                    body="PlanSellingPlanInput", errors=("NotFound", "Conflict", "Invalid", "ShopifyUnavailable"),
                    description="Membership plans only (else 422 on `plan_id`); the selling plan must exist in the "
                                "shop (else 422 on `selling_plan_id`). A contract starts the plan its variant is "
                                "mapped to; failing that, its selling plan's; failing that, the plan with a mapped "
                                "variant of its product. A selling plan starts at most one plan: 409 "
                                "`selling_plan_already_mapped`.",
                    ok=("201", "The mapping", ref("PlanSellingPlan"))),
    },
    "/api/plans/{plan_id}/selling-plans/{selling_plan_id}": {"delete": _op(
        "Stop the selling plan starting this plan; memberships already started carry on", "catalog",
        params=[*_PLAN, {**_path("selling_plan_id", "The numeric Shopify selling plan id"),
                         "schema": {"type": "string", "pattern": "^[0-9]+$"}}],
        errors=("NotFound", "Invalid"), ok=("204", "Removed", None))},
    "/api/customers/{customer_id}/prepaid-balances": {"get": _op(
        "A customer's prepaid balances and each gift card's last-known balance", "prepaid balances",
        params=(_path("customer_id", "The Shopify customer id"),), errors=(),
        ok=("200", "The balances (empty for a customer Packbook has not seen)", _list_of("prepaid_balances",
                                                                                           "PrepaidBalance")))},
    "/api/prepaid-balances/{balance_id}/refresh": {"post": _op(
        "Read the gift card's balance from Shopify now (needs read_gift_cards; otherwise the last known one)",
        "prepaid balances", params=(_path("balance_id", "The prepaid balance's id"),),
        errors=("NotFound", "ShopifyUnavailable"), ok=("200", "The card as now known", ref("GiftCardRefresh")))},
    "/api/shopify/products": {"get": _op(
        "Search the shop's products for the variant picker (20 a page)", "catalog",
        errors=("Invalid", "ShopifyUnavailable"),
        params=[_query("query", "Shopify search syntax, e.g. `yoga` or `status:active`; empty lists the most "
                       "recently changed products", {"type": "string", "maxLength": 200}),
                _query("after", "page_info.end_cursor of the previous page", {"type": "string"})],
        ok=("200", "A page of products; each variant says which plan it grants here", ref("ProductPage")))},
    "/api/customers/{customer_id}/entitlements": {
        "get": _op("A customer's packages, oldest first", "packages", params=_CUSTOMER, errors=(),
                   description="A customer Packbook has never seen has no packages: the list is empty (not 404).",
                   ok=("200", "The packages", _list_of("entitlements", "Entitlement"))),
        "post": _op("Assign a plan by hand (not-for-sale plans too)", "packages", params=_CUSTOMER, body="Assignment",
                    description="The customer is created from the Shopify id when Packbook has not seen them yet.",
                    errors=("NotFound", "Invalid"), ok=("201", "The new package", ref("Entitlement"))),
    },
    "/api/entitlements/{entitlement_id}": {"get": _op("Read one package", "packages", params=_ENTITLEMENT,
                                                      ok=("200", "The package", ref("Entitlement")))},
    "/api/entitlements/{entitlement_id}/ledger": {"get": _op(
        "Every change to the package's balance, oldest first", "packages", params=_ENTITLEMENT,
        ok=("200", "The package and its entries", ref("Ledger")))},
    "/api/entitlements/{entitlement_id}/activity": {"get": _op(
        "Everything done to the package, oldest first: by whom, why, and what changed", "packages",
        params=_ENTITLEMENT, ok=("200", "The package's history", _list_of("items", "ActivityItem")))},
    "/api/attention": {"get": _op(
        "What needs the merchant, newest first: credit refunded after it was used, failed membership billing",
        "packages", errors=(),
        params=[_query("include_resolved", "true: handled items too", {"type": "boolean", "default": False})],
        ok=("200", "Open items (at most 200)", _list_of("items", "ActivityItem")))},
    "/api/attention/{item_id}/resolve": {"post": _op(
        "Mark an item handled; it leaves the list and stays in the package's history", "packages",
        params=[_path("item_id", "The attention item's id")], body="Resolution", body_required=False,
        errors=("NotFound", "Conflict", "Invalid"),
        description="The body (a note) is optional. An item already handled is a 409 `invalid_transition`.",
        ok=("200", "The item, handled", ref("ActivityItem")))},
    "/api/entitlements/{entitlement_id}/adjustments": {"post": _op(
        "Correct the balance up or down, with a reason", "packages", params=_ENTITLEMENT, body="Adjustment",
        errors=("NotFound", "Conflict", "Invalid"), ok=("201", "The ledger entry written", ref("LedgerEntry")))},
    "/api/entitlements/{entitlement_id}/revoke": {"post": _op(
        "Take back what is left of the package; what was used stays used", "packages", params=_ENTITLEMENT,
        body="Revocation", errors=("NotFound", "Conflict", "Invalid"),
        ok=("200", "The revoked package", ref("Entitlement")))},
    "/api/availability": {"get": _op(
        "Open slots for a service, per resource, by staff rules", "bookings",
        params=[_query("service_id", "The service", required=True),
                _query("resource_id", "Only this resource"),
                _query("from", "Start of the range", _WHEN, required=True),
                _query("to", "End of the range (exclusive; at most 62 days after from)", _WHEN, required=True)],
        errors=("NotFound", "Invalid"), ok=("200", "Slots in the shop's zone", ref("Availability")))},
    "/api/bookings": {
        "get": _op("Bookings overlapping [from, to), by start time (at most 500)", "bookings", errors=("Invalid",),
                   params=[_query("from", "Bookings ending after this", _WHEN),
                           _query("to", "Bookings starting before this", _WHEN),
                           _query("resource_id", "Only this resource's"),
                           _query("customer_id", "Only this Shopify customer's")],
                   ok=("200", "The bookings", _list_of("bookings", "Booking"))),
        "post": _op("Book one session, or several at once (all or none)", "bookings", body="BookingInput",
                    errors=("NotFound", "Conflict", "Invalid"),
                    description="Paid from the customer's package that expires first (or `entitlement_id`) unless "
                                "`use_package` is false; members-only services always need a package.",
                    ok=("201", "The booking (single form) or {bookings: [...]} (sessions form)",
                        {"oneOf": [ref("Booking"), _list_of("bookings", "Booking")]})),
    },
    "/api/bookings/{booking_id}": {"get": _op("Read one booking", "bookings", params=_BOOKING,
                                              ok=("200", "The booking", ref("Booking")))},
    "/api/bookings/{booking_id}/cancel": _booking_action(
        "Cancel: the credit comes back before the cutoff; after it the plan's late-cancel rule applies"),
    "/api/bookings/{booking_id}/reschedule": _booking_action("Move to a new start, keeping the credit", "Reschedule"),
    "/api/bookings/{booking_id}/no-show": _booking_action("Mark a started session a no-show (the plan's rule applies)"),
    "/api/bookings/{booking_id}/complete": _booking_action("Mark a started session completed"),
    "/api/settings": {
        "get": _op("The shop's booking rules", "settings", errors=(), ok=("200", "The settings", ref("Settings"))),
        "patch": _op("Change some booking rules", "settings", body="SettingsPatch", errors=("Invalid",),
                     ok=("200", "The settings after the change", ref("Settings"))),
    },
    "/api/reports/liability": {"get": _op("What is still owed, per plan, unit and expiry month", "reports",
                                          errors=(), ok=("200", "The report", ref("Liability")))},
}


def document() -> dict:
    """The whole OpenAPI document; session-token bearer auth everywhere unless an operation says otherwise."""
    error = {"content": _json(ref("Error"))}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Packbook API", "version": "1.0.0",
                 "description": "The embedded admin's API. Every call is scoped to the shop of the App Bridge "
                                "session token; another shop's ids answer 404. Quantities and money are decimal "
                                "strings such as \"4\" or \"80.00\"."},
        "security": [{"sessionToken": []}],
        "paths": PATHS,
        "components": {
            "securitySchemes": {"sessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {name: {"description": text, **error} for name, text in ERRORS.items()},
            "schemas": SCHEMAS,
        },
    }
