"""The OpenAPI 3.1 document of every declared route, generated from the declarations themselves.

Paths come from the app's URL map, operations from each route's @declare, and every schema from the pydantic
models it names (pydantic writes JSON Schema 2020-12, which OpenAPI 3.1 takes as it is). Nothing here is
written by hand twice: a route without a declaration is simply missing, and a test says so.
"""
from __future__ import annotations

import re

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from endpoints.declare import ERROR_STATUS, Declaration, IdConverter, SmallIdConverter, declaration_of
from endpoints.fields import text

REF = "#/components/schemas/{model}"
_PATH_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
PATH_SCHEMAS = {"id": IdConverter.schema, "small_id": SmallIdConverter.schema, None: {"type": "string", "minLength": 1}}


class Error(BaseModel):
    """Every error answer: what went wrong, a code a program can act on, and the field at fault (422)."""

    error: text(2000, description="A sentence for the merchant")
    code: text(100, description="Machine-readable: invalid, not_found, slot_unavailable, ...",
                example="slot_unavailable")
    field: text(500, description="The input at fault, e.g. sessions[1].starts_at (422 only)",
                example="service_ids[0]") | None = None


def openapi_document(app: Flask, *, prefix: str, info: dict, error_texts: dict[str, str]) -> dict:
    """Every route under `prefix` with its declaration; error_texts describes each named error answer."""
    paths, models = {}, {Error}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        declaration = declaration_of(app.view_functions[rule.endpoint])
        if not rule.rule.startswith(prefix) or declaration is None:
            continue
        path = _PATH_PARAMETER.sub(r"{\2}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, declaration)
        models |= _models_of(declaration)
    return {
        "openapi": "3.1.0", "info": info, "security": [{"sessionToken": []}], "paths": paths,
        "components": {
            "securitySchemes": {"sessionToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "responses": {name: {"description": error_texts[name],
                                 "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
                          for name in ERROR_STATUS},
            "schemas": _schemas(models),
        },
    }


def _operation(rule, declared: Declaration) -> dict:
    operation = {"summary": declared.summary, "tags": [declared.tag],
                 "operationId": rule.endpoint.rpartition(".")[2], "parameters": _parameters(rule.rule, declared),
                 "responses": {str(declared.status): _answer(declared)}}
    if declared.description:
        operation["description"] = declared.description
    if declared.body is not None:
        operation["requestBody"] = {"required": declared.body_required,
                                    "content": {"application/json": {"schema": _ref(declared.body)}}}
    errors = list(declared.errors)
    if "<" in rule.rule:
        errors.append("NotFound")  # any path value can miss: out of range, or not this shop's
    if not declared.public:
        errors.insert(0, "Unauthorized")
    else:
        operation["security"] = []
    if declared.body or declared.query or declared.path:
        errors.append("Invalid")
    if declared.query:
        errors.append("QueryTooLong")  # the app refuses query strings over 4 KiB before any route runs
    for name in dict.fromkeys(errors):
        operation["responses"][str(ERROR_STATUS[name])] = {"$ref": f"#/components/responses/{name}"}
    return operation


def _answer(declared: Declaration) -> dict:
    answer = declared.answer
    if answer is None:
        return {"description": declared.says}
    if isinstance(answer, list):
        schema = {"oneOf": [_ref(model) for model in answer]}
    elif isinstance(answer, dict):
        schema = answer
    else:
        schema = _ref(answer)
    return {"description": declared.says, "content": {declared.media: {"schema": schema}}}


def _parameters(rule: str, declared: Declaration) -> list[dict]:
    declared_path = _properties(declared.path) if declared.path else ({}, set())
    parameters = []
    for converter, name in _PATH_PARAMETER.findall(rule):
        schema = declared_path[0].get(name) or PATH_SCHEMAS.get(converter or None, PATH_SCHEMAS[None])
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    if declared.query is not None:
        properties, required = _properties(declared.query)
        for name, schema in properties.items():
            parameter = {"name": name, "in": "query", "required": name in required, "schema": schema}
            if "description" in schema:
                parameter["description"] = schema["description"]
            parameters.append(parameter)
    return parameters


def _properties(model: type[BaseModel]) -> tuple[dict, set]:
    # Parameters are inlined (OpenAPI wants a schema per parameter), so their refs must not point anywhere.
    schema = model.model_json_schema(ref_template=REF)
    return schema.get("properties", {}), set(schema.get("required", ()))


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _models_of(declared: Declaration) -> set:
    answers = declared.answer if isinstance(declared.answer, list) else [declared.answer]
    candidates = [declared.body, *answers]
    return {m for m in candidates if isinstance(m, type) and issubclass(m, BaseModel)}


def _schemas(models: set) -> dict:
    _, top = models_json_schema([(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
                                ref_template=REF)
    return top.get("$defs", {})

