"""/api/openapi.json is generated from the routes' declarations: it describes every /api route the app registers,
every body refuses fields it does not declare, and its examples really work."""
from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from booking import errors
from endpoints import declaration_of

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
    assert document["openapi"].startswith("3.1")
    for path, operations in document["paths"].items():
        named = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
            assert declared == named, (path, method)
            assert operation["responses"], (path, method)
    for ref in set(_refs(document)):
        section, name = ref.split("/")[-2:]
        assert name in document["components"][section], ref


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_openapi_documents_the_error_body_and_every_conflict_code(client):
    document = _documented(client)
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"error", "code", "field"} and error["required"] == ["error", "code"]
    conflict = document["components"]["responses"]["Conflict"]["description"]
    codes = {cls.code for cls in _subclasses(errors.BookingError) if cls.status == 409}
    assert {"slot_unavailable", "insufficient_credit", "variant_already_mapped"} <= codes
    assert all(code in conflict for code in codes)
    booking = document["paths"]["/api/bookings"]["post"]["responses"]
    assert {"201", "401", "404", "409", "422"} <= set(booking)


def _declared_bodies(app) -> dict:
    found = {}
    for rule in app.url_map.iter_rules():
        declaration = declaration_of(app.view_functions[rule.endpoint])
        if declaration is not None and declaration.body is not None:
            found[declaration.body.__name__] = declaration.body
    return found


def test_every_declared_body_refuses_a_field_it_does_not_declare(app, client):
    bodies = _declared_bodies(app)
    assert len(bodies) >= 15
    schemas = _documented(client)["components"]["schemas"]
    for name, model in bodies.items():
        with pytest.raises(ValidationError) as caught:
            model.model_validate({"duraton_minutes": 60})
        assert ("duraton_minutes",) in [e["loc"] for e in caught.value.errors() if e["type"] == "extra_forbidden"]
        assert schemas[name]["additionalProperties"] is False, name


def test_a_typo_in_a_body_is_a_422_naming_it_not_a_silent_default(client, db_session):
    api = shop_api(client, db_session)
    response = api.post("/api/services", {"name": "Massage", "duration_minutes": 60, "capcity": 4})
    assert response.status_code == 422
    assert response.get_json() == {"error": "capcity is not a field here; check its spelling", "code": "invalid",
                                   "field": "capcity"}
    assert api.get("/api/services").get_json()["services"] == []


def test_the_documented_minimal_bodies_are_accepted_and_answers_match_their_schemas(client, db_session):
    api = shop_api(client, db_session)
    schemas = _documented(client)["components"]["schemas"]
    service = api.created("/api/services", schemas["ServiceInput"]["example"])
    resource = api.created("/api/resources", {**schemas["ResourceInput"]["example"], "service_ids": [service["id"]]})
    plan = api.created("/api/plans", {**schemas["PlanInput"]["example"], "service_ids": [service["id"]]})
    assert set(schemas["ServiceOut"]["properties"]) == set(service)
    assert set(schemas["ResourceOut"]["properties"]) == set(resource)
    assert set(schemas["PlanOut"]["properties"]) == set(plan)
    assert set(plan) - {"id", "created_at", "updated_at"} == set(schemas["PlanInput"]["properties"])
    package = api.created("/api/customers/7001/entitlements", {"plan_id": plan["id"]})
    assert set(schemas["EntitlementOut"]["properties"]) == set(package)
    booking = api.created("/api/bookings", {**schemas["BookingInput"]["example"], "service_id": service["id"],
                                            "resource_id": resource["id"], "starts_at": local(a_monday(), 10)})
    assert set(schemas["BookingOut"]["properties"]) == set(booking)
    assert set(schemas["RedeemedFrom"]["properties"]) == set(booking["redeemed_from"])
