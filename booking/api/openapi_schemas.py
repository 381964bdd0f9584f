"""The OpenAPI 3.0 schemas of /api's bodies (see openapi.py for the paths)."""
from __future__ import annotations


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required=(), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _null(schema: dict) -> dict:
    # OpenAPI 3.0 ignores siblings of $ref, so a nullable reference goes through allOf.
    return {"allOf": [schema], "nullable": True} if "$ref" in schema else {**schema, "nullable": True}


def _int(minimum: int | None = None, maximum: int | None = None, **extra) -> dict:
    bounds = {k: v for k, v in (("minimum", minimum), ("maximum", maximum)) if v is not None}
    return {"type": "integer", **bounds, **extra}


ID = _int(1, format="int64")
TEXT = {"type": "string"}
FLAG = {"type": "boolean"}
INSTANT = {"type": "string", "format": "date-time", "description": "ISO 8601 with the shop's offset"}
DAY = {"type": "string", "format": "date"}
DECIMAL = {"type": "string", "description": "A decimal number as a string", "example": "4"}
MONEY = {"type": "string", "description": "An amount with two decimals", "example": "80.00"}
CURRENCY = {"type": "string", "minLength": 3, "maxLength": 3, "example": "GBP"}
NAME = {"type": "string", "minLength": 1, "maxLength": 200}
MINUTES = _int(0, 1440)
UNIT = {"type": "string", "enum": ["sessions", "minutes", "money", "unlimited"]}
RULE = {"type": "string", "enum": ["forfeit", "restore"], "default": "forfeit"}
TIME_RANGE = {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string", "example": "09:00"}}
IDS = {"type": "array", "items": ID}

SERVICE_FIELDS = {
    "name": NAME, "duration_minutes": _int(1, 1440), "capacity": _int(1, 1000, default=1),
    "buffer_before_minutes": {**MINUTES, "default": 0}, "buffer_after_minutes": {**MINUTES, "default": 0},
    "members_only": {**FLAG, "default": False, "description": "Only bookable with a package"},
    "price": _null({"oneOf": [MONEY, {"type": "number"}], "description": "A string or number; kept as a decimal"}),
    "currency": _null({**CURRENCY, "description": "Defaults to the shop's currency when a price is given"}),
    "shopify_variant_id": _null({"type": "string", "pattern": "^[0-9]+$"}),
}
RESOURCE_FIELDS = {"name": NAME, "service_ids": {**IDS, "description": "The shop's services it performs"},
                   "weekly_hours": ref("WeeklyHours"),
                   "exceptions": {"type": "array", "description": "Dated time off or extra hours (replaces the list)",
                                  "items": _obj({"starts_at": INSTANT, "ends_at": INSTANT,
                                                 "kind": {"type": "string", "enum": ["closed", "open"]},
                                                 "note": {"type": "string", "nullable": True}},
                                                ("starts_at", "ends_at"))}}
PLAN_FIELDS = {
    "title": NAME, "unit": UNIT,
    "kind": {"type": "string", "enum": ["package", "prepaid_balance", "membership"], "default": "package",
             "description": "prepaid_balance: a Shopify gift-card product (unit money), Shopify holds the balance; "
                            "membership: access for a period (validity) with an allowance per period"},
    "member_tag": {"type": "string", "nullable": True,
                   "description": "Membership plans: a customer tag that makes a member (e.g. member-gold)"},
    "unlocks_service_ids": _null({**IDS, "description": "Membership plans: the members-only services a member "
                                                         "may book; null or absent = every members-only service"}),
    "quantity": _null({"oneOf": [DECIMAL, {"type": "number"}],
                       "description": "What the plan grants; left out for unlimited and fixed-service plans"}),
    "currency": _null({**CURRENCY, "description": "Required for money plans"}),
    "service_ids": _null({**IDS, "description": "The services it pays for; null or absent = any service"}),
    "fixed_services": _null({"type": "array", "items": ref("FixedService")}),
    "resource_id": _null({**ID, "description": "Only with this resource"}),
    "validity_days": _null(_int(1)), "validity_months": _null(_int(1)),
    "expires_on": _null({**DAY, "description": "Set at most one of validity_days, validity_months, expires_on"}),
    "windows": _null(ref("Windows")), "late_cancel": RULE, "no_show": RULE,
    "not_for_sale": {**FLAG, "default": False, "description": "Only staff can assign it"},
}
ENTITLEMENT = {
    "id": ID, "plan_id": _null(ID), "title": TEXT, "unit": UNIT, "currency": _null(CURRENCY),
    "total": _null({**DECIMAL, "description": "Granted plus adjustments; null when unlimited"}),
    "used": DECIMAL, "remaining": _null({**DECIMAL, "description": "Null when unlimited"}),
    "progress": {"type": "string", "example": "3 of 5 used"}, "starts_at": INSTANT,
    "expires_at": _null({**INSTANT, "description": "The first instant it is no longer valid"}),
    "valid_through": _null({**DAY, "description": "The last local day it is valid"}),
    "expires_in_days": _null(_int(0, description="Whole local days left; 0 = expires today")),
    "status": {"type": "string", "enum": ["active", "expired", "revoked"]},
    "source": {"type": "string", "enum": ["order", "staff"]},
}
BOOKING = {
    "id": ID, "status": {"type": "string", "enum": ["held", "confirmed", "completed", "cancelled", "no_show",
                                                   "expired"]},
    "service_id": ID, "resource_id": ID, "customer_id": _null({**ID, "description": "Shopify customer id"}),
    "starts_at": INSTANT, "ends_at": INSTANT, "source": TEXT, "group_id": _null(TEXT),
    "price": _null({**MONEY, "description": "0.00 when paid from a package"}), "currency": _null(CURRENCY),
    "redeemed_from": _null(ref("RedeemedFrom")), "created_by": TEXT, "created_at": INSTANT,
    "cancelled_at": _null(INSTANT),
}
SESSION = {"service_id": ID, "resource_id": ID,
           "starts_at": {**INSTANT, "description": "Must carry an offset", "example": "2026-12-01T10:00:00+01:00"}}

SETTINGS_FIELDS = {
    "timezone": {**TEXT, "example": "Europe/London", "description": "IANA zone; starts as the shop's own"},
    "slot_interval_minutes": _int(5, 240), "min_notice_minutes": _int(0, 43200), "horizon_days": _int(1, 730),
    "cancel_cutoff_hours": _int(0, 720), "reschedule_cutoff_hours": _int(0, 720), "hold_minutes": _int(1, 120),
    "grant_on_create": {**FLAG, "description": "Grant packages on orders/create for orders already paid then"},
}

SHOPIFY_ID = {"type": "string", "pattern": "^[0-9]+$", "description": "Numeric Shopify id as a string (ids exceed "
                                                                    "2^53)", "example": "44012345678901"}
PLAN_VARIANT = {"id": ID, "plan_id": ID, "variant_id": SHOPIFY_ID,
                "variant_gid": {**TEXT, "example": "gid://shopify/ProductVariant/44012345678901"},
                "units_per_item": _int(1, 1000),
                "title": {**_null(TEXT), "description": "The variant's title in Shopify; null once deleted there"},
                "product_title": _null(TEXT)}
PLAN_SELLING_PLAN = {"id": ID, "plan_id": ID, "selling_plan_id": SHOPIFY_ID,
                     "selling_plan_gid": {**TEXT, "example": "gid://shopify/SellingPlan/690123"},
                     "name": {**_null(TEXT), "description": "Group and plan name in Shopify when it was mapped"}}
SHOPIFY_VARIANT = {"id": SHOPIFY_ID, "gid": TEXT, "title": TEXT, "sku": _null(TEXT),
                   "price": {**MONEY, "description": "Shopify's decimal string"},
                   "mapped_plan_id": {**_null(ID), "description": "The plan this variant grants in this shop"}}

GIFT_CARD = _obj({"gift_card_id": TEXT, "last_characters": TEXT, "balance": {**TEXT, "nullable": True},
                  "currency": {**TEXT, "nullable": True}, "expires_on": {**DAY, "nullable": True}, "enabled": FLAG,
                  "balance_seen_at": {**INSTANT, "nullable": True}},
                 description="What Shopify last said about the card; never its code")

SCHEMAS = {
    "PrepaidBalance": _obj({"id": ID, "plan_id": {**ID, "nullable": True}, "title": {**TEXT, "nullable": True},
                            "amount": TEXT, "currency": {**TEXT, "nullable": True}, "order_id": TEXT,
                            "gift_card": {"allOf": [GIFT_CARD], "nullable": True}}, ("id", "amount")),
    "GiftCardRefresh": _obj({"gift_card": {"allOf": [GIFT_CARD], "nullable": True}, "refreshed": FLAG,
                             "reason": {**TEXT, "nullable": True}}, ("refreshed",)),
    "Settings": _obj(SETTINGS_FIELDS, list(SETTINGS_FIELDS)),
    "SettingsPatch": _obj(SETTINGS_FIELDS, example={"timezone": "America/New_York", "cancel_cutoff_hours": 12}),
    "Error": _obj({"error": TEXT, "code": {**TEXT, "example": "slot_unavailable"},
                   "field": {**TEXT, "description": "The input at fault (422 only)", "example": "service_ids[0]"}},
                  ("error", "code")),
    "Service": _obj({"id": ID, **SERVICE_FIELDS, "created_at": INSTANT}, ["id", *SERVICE_FIELDS]),
    "ServiceInput": _obj(SERVICE_FIELDS, ("name", "duration_minutes"),
                         example={"name": "Massage", "duration_minutes": 60}),
    "ServicePatch": _obj(SERVICE_FIELDS, example={"price": "85.00"}),
    "WeeklyHours": {"type": "object", "description": "Spans per day (mon..sun) in shop time; a missing day is closed",
                    "additionalProperties": {"type": "array", "items": TIME_RANGE},
                    "example": {"mon": [["09:00", "17:00"]]}},
    "Resource": _obj({"id": ID, **RESOURCE_FIELDS, "created_at": INSTANT}, ["id", *RESOURCE_FIELDS]),
    "ResourceInput": _obj(RESOURCE_FIELDS, ("name",), example={
        "name": "Anna", "service_ids": [1], "weekly_hours": {"mon": [["09:00", "17:00"]]}}),
    "ResourcePatch": _obj(RESOURCE_FIELDS, example={"weekly_hours": {"tue": [["10:00", "18:00"]]}}),
    "FixedService": _obj({"service_id": ID, "quantity": _int(1)}, ("service_id", "quantity")),
    "Windows": _obj({"weekdays": {"type": "array", "items": {"type": "string", "example": "mon"}},
                     "times": {"type": "array", "items": TIME_RANGE}, "date_from": DAY, "date_to": DAY,
                     "dates": {"type": "array", "items": DAY}},
                    description="When a package may be used, in shop time; absent keys don't restrict"),
    "Plan": _obj({"id": ID, **PLAN_FIELDS, "created_at": INSTANT, "updated_at": INSTANT}, ("id", "title", "unit")),
    "PlanInput": _obj(PLAN_FIELDS, ("title", "unit"), example={
        "title": "5x massage", "unit": "sessions", "quantity": 5, "service_ids": [1]}),
    "PlanPatch": _obj(PLAN_FIELDS, example={"quantity": 6}),
    "PlanVariant": _obj(PLAN_VARIANT, list(PLAN_VARIANT)),
    "PlanVariantInput": _obj({
        "variant_id": {"oneOf": [ID, {**TEXT, "pattern": r"^([0-9]+|gid://shopify/ProductVariant/[0-9]+)$"}],
                       "description": "Numeric id, its string, or the GraphQL gid (ids exceed 2^53: prefer strings)"},
        "units_per_item": {**_int(1, 1000), "default": 1, "description": "Packages granted per item bought"}},
        ("variant_id",), example={"variant_id": "gid://shopify/ProductVariant/44012345678901"}),
    "PlanSellingPlan": _obj(PLAN_SELLING_PLAN, list(PLAN_SELLING_PLAN)),
    "PlanSellingPlanInput": _obj({
        "selling_plan_id": {"oneOf": [ID, {**TEXT, "pattern": r"^([0-9]+|gid://shopify/SellingPlan/[0-9]+)$"}],
                            "description": "Numeric id, its string, or the GraphQL gid"}},
        ("selling_plan_id",), example={"selling_plan_id": "gid://shopify/SellingPlan/690123"}),
    "ShopifyVariant": _obj(SHOPIFY_VARIANT, list(SHOPIFY_VARIANT)),
    "ShopifyProduct": _obj({"id": SHOPIFY_ID, "gid": TEXT, "title": TEXT, "status": {
        "type": "string", "enum": ["ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"]}, "image_url": _null(TEXT),
        "variants": {"type": "array", "items": ref("ShopifyVariant")}}, ("id", "gid", "title", "status", "variants")),
    "ProductPage": _obj({"products": {"type": "array", "items": ref("ShopifyProduct")},
                         "page_info": _obj({"has_next_page": FLAG, "end_cursor": _null(TEXT)},
                                           ("has_next_page", "end_cursor"))}, ("products", "page_info")),
    "Entitlement": _obj(ENTITLEMENT, list(ENTITLEMENT)),
    "Assignment": _obj({"plan_id": ID}, ("plan_id",), example={"plan_id": 3}),
    "LedgerEntry": _obj({"id": ID, "kind": {"type": "string", "enum": [
        "grant", "redeem", "restore", "forfeit", "adjust", "expire", "revoke"]}, "quantity": DECIMAL,
        "unit": {"type": "string", "enum": ["sessions", "minutes", "money"]}, "service_id": _null(ID),
        "booking_id": _null(ID), "actor": {**TEXT, "example": "staff:42"}, "reason": _null(TEXT),
        "created_at": INSTANT}, ("id", "kind", "quantity", "unit")),
    "Ledger": _obj({"entitlement": ref("Entitlement"), "entries": {"type": "array", "items": ref("LedgerEntry")}},
                   ("entitlement", "entries")),
    "ActivityItem": _obj({
        "id": ID, "action": {**TEXT, "example": "refund",
                             "description": "What happened: assign, adjust, revoke, refund, billing_failed, ..."},
        "actor": {**TEXT, "example": "system:refund"}, "reason": _null(TEXT),
        "before": _null({"type": "object", "description": "Amounts before, e.g. {remaining, used}"}),
        "after": _null({"type": "object"}), "attention": FLAG, "created_at": INSTANT,
        "entitlement": _obj({"id": ID, "title": _null(TEXT)}, ("id", "title")),
        "customer": _null(_obj({"id": _null({"type": "integer", "format": "int64", "description": "Shopify id"}),
                                "email": _null(TEXT)})),
        "resolved_at": _null(INSTANT), "resolved_by": _null(TEXT), "resolution_note": _null(TEXT)},
        ("id", "action", "actor", "attention", "created_at", "entitlement")),
    "Resolution": _obj({"note": {**TEXT, "maxLength": 2000}}, example={"note": "refunded the used session too"}),
    "Adjustment": _obj({"delta": {"oneOf": [DECIMAL, {"type": "number"}]}, "reason": {**TEXT, "minLength": 1},
                        "service_id": {**ID, "description": "Which service, for fixed-service plans"}},
                       ("delta", "reason"), example={"delta": 1, "reason": "client was ill"}),
    "Revocation": _obj({"reason": {**TEXT, "minLength": 1}}, ("reason",), example={"reason": "refunded"}),
    "Slot": _obj({"start": INSTANT, "end": INSTANT, "remaining": _int(1)}, ("start", "end", "remaining")),
    "Availability": _obj({"timezone": {**TEXT, "example": "Europe/London"}, "service_id": ID,
                          "resources": {"type": "array", "items": _obj(
                              {"resource_id": ID, "slots": {"type": "array", "items": ref("Slot")}})}},
                         ("timezone", "resources")),
    "RedeemedFrom": _obj({"entitlement_id": ID, "title": TEXT, "progress": {**TEXT, "example": "1 of 5 used"},
                          "quantity": DECIMAL, "unit": TEXT}, ("entitlement_id", "title", "progress")),
    "Booking": _obj(BOOKING, list(BOOKING)),
    "Session": _obj(SESSION, list(SESSION)),
    "BookingInput": _obj({
        "customer_id": {**ID, "description": "Shopify customer id; created when new"}, **SESSION,
        "sessions": {"type": "array", "minItems": 1, "maxItems": 50, "items": ref("Session"),
                     "description": "Instead of service_id/resource_id/starts_at, to book several at once"},
        "entitlement_id": {**ID, "description": "Pay from this package rather than the one expiring first"},
        "use_package": {**FLAG, "default": True}}, ("customer_id",), example={
        "customer_id": 7001, "service_id": 1, "resource_id": 2, "starts_at": "2026-12-01T10:00:00+01:00"}),
    "Reschedule": _obj({"starts_at": SESSION["starts_at"], "resource_id": ID}, ("starts_at",),
                       example={"starts_at": "2026-12-02T11:00:00+01:00"}),
    "LiabilityRow": _obj({"plan": TEXT, "unit": TEXT, "expires": {**TEXT, "example": "2027-03",
                                                                  "description": "Month (shop time) or \"never\""},
                          "packages": _int(1), "owed": DECIMAL, "value": MONEY, "currency": _null(CURRENCY)},
                         ("plan", "unit", "expires", "packages", "owed", "value")),
    "Liability": _obj({"timezone": TEXT, "rows": {"type": "array", "items": ref("LiabilityRow")}}, ("rows",)),
    "Shop": _obj({"domain": TEXT, "name": _null(TEXT), "timezone": _null(TEXT), "currency": _null(CURRENCY),
                  "scopes": {"type": "array", "items": TEXT}, "installed_at": _null(INSTANT)}, ("domain",)),
    "WebhookSummary": _obj({"counts": {"type": "object", "additionalProperties": {"type": "integer"}}},
                           ("counts",)),
    "PrivacyRequest": _obj({"id": ID, "kind": {"type": "string", "enum": ["data_request", "redact"]},
                            "customer_id": _null(TEXT), "created_at": INSTANT, "summary": {"type": "object"},
                            "has_export": FLAG}, ("id", "kind")),
}
