"""/api/openapi.json describes every /api route the app registers, and its examples really work."""
from __future__ import annotations

import re

from tests.support.api import a_monday, local, shop_api

METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE"}


def _documented(client) -> dict:
    response = client.get("/api/openapi.json")  # no session token: the document holds no shop's data
    assert response.status_code == 200
    return response.get_json()


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_describes_every_api_route_and_method(app, client):
    paths = _documented(client)["paths"]
    registered = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            registered.setdefault(path, set()).update(rule.methods & METHODS)
    assert len(registered) > 20
    missing = {(path, method) for path, methods in registered.items() for method in methods
               if method.lower() not in paths.get(path, {})}
    assert missing == set()
    stale = {path for path in paths if path not in registered}
    assert stale == set()


def test_openapi_path_parameters_match_the_routes_and_every_ref_resolves(client):
    document = _documented(client)
    assert document["openapi"].startswith("3.0")
    for path, operations in document["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == named, (path, method)
            assert operation["responses"], (path, method)
    for ref in set(_refs(document)):
        section, name = ref.split("/")[-2:]
        assert name in document["components"][section], ref


def test_openapi_documents_the_error_body_and_the_conflict_codes(client):
    document = _documented(client)
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "code", "field"} and error["required"] == ["error", "code"]
    conflict = document["components"]["responses"]["Conflict"]["description"]
    assert all(code in conflict for code in ("slot_unavailable", "insufficient_credit", "outside_package_window"))
    booking = document["paths"]["/api/bookings"]["post"]["responses"]
    assert {"201", "401", "404", "409", "422"} <= set(booking)


def test_the_documented_minimal_bodies_are_accepted_and_answers_match_their_schemas(client, db_session):
    api = shop_api(client, db_session)
    schemas = _documented(client)["components"]["schemas"]
    service = api.created("/api/services", schemas["ServiceInput"]["example"])
    resource = api.created("/api/resources", {**schemas["ResourceInput"]["example"], "service_ids": [service["id"]]})
    plan = api.created("/api/plans", {**schemas["PlanInput"]["example"], "service_ids": [service["id"]]})
    assert {"id", *schemas["Service"]["required"]} <= set(service)
    assert set(schemas["Resource"]["required"]) <= set(resource)
    assert set(schemas["Plan"]["properties"]) == set(plan)
    package = api.created("/api/customers/7001/entitlements", {"plan_id": plan["id"]})
    assert set(schemas["Entitlement"]["properties"]) == set(package)
    booking = api.created("/api/bookings", {**schemas["BookingInput"]["example"], "service_id": service["id"],
                                            "resource_id": resource["id"], "starts_at": local(a_monday(), 10)})
    assert set(schemas["Booking"]["properties"]) == set(booking)
    assert set(schemas["RedeemedFrom"]["properties"]) == set(booking["redeemed_from"])
