"""GET /api/openapi.json: the API's OpenAPI 3.1 document, generated from every route's declaration."""
from __future__ import annotations

from flask import current_app, jsonify

from booking import errors
from booking.api import bp
from endpoints import declare
from endpoints.document import openapi_document

INFO = {"title": "Packbook API", "version": "1.0.0",
        "description": "The embedded admin's API. Every call is scoped to the shop of the App Bridge session "
                       "token; another shop's ids answer 404. Quantities and money are decimal strings such as "
                       "\"4\" or \"80.00\". A body with a field the operation does not declare is refused (422)."}


def conflict_codes() -> list[str]:
    """Every `code` a 409 can carry, read from the domain's error classes so the list cannot fall behind."""
    found, pending = [], [errors.BookingError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.status == 409 and cls is not errors.BookingError:
            found.append(cls.code)
    return sorted(found)


def error_texts() -> dict[str, str]:
    return {
        "Unauthorized": "No valid session token (App Bridge retries once on the "
                        "X-Shopify-Retry-Invalid-Session-Request header)",
        "QueryTooLong": "The query string is longer than 4096 bytes (code request_uri_too_long)",
        "Forbidden": "Only the shop's managers (settings: manager_user_ids) may do this (code managers_only)",
        "NotFound": "No such id in this shop (another shop's ids are unknown here too)",
        "Conflict": f"A booking rule said no; `code` says which ({', '.join(conflict_codes())})",
        "Invalid": "Bad input; `field` names it, e.g. `service_ids[0]` or `sessions[1].starts_at`",
        "ShopifyUnavailable": "Shopify could not be reached, throttled us or refused the token (code "
                              "shopify_unavailable); nothing was changed, try again",
    }


@bp.get("/openapi.json")
@declare("meta", public=True, answer={"type": "object"}, says="This OpenAPI 3.1 document")
def openapi_json():
    """The OpenAPI 3.1 description of /api; public, since it holds no shop's data."""
    # Built once per app: the routes and their declarations cannot change while it runs.
    document = current_app.extensions.get("packbook.openapi")
    if document is None:
        document = openapi_document(current_app, prefix="/api/", info=INFO, error_texts=error_texts())
        current_app.extensions["packbook.openapi"] = document
    return jsonify(document)
