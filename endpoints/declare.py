"""@declare: a route's one declaration of what it takes and answers, checked on every request.

    @bp.post("/services")
    @shop_required
    @declare("catalog", body=ServiceInput, answer=Service, status=201, errors=("NotFound",))
    def create_service(body: ServiceInput): ...

The view receives the parsed `body`, `query` and path values; a bad one never reaches it (422 naming the field).
The summary in the OpenAPI document is the view's docstring's first line.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from flask import request
from pydantic import BaseModel, ValidationError
from werkzeug.routing import BaseConverter

from endpoints import json_input
from endpoints.errors import InvalidInput
from endpoints.fields import MAX_ID, MAX_SMALL_ID

# Error answers an operation may document besides 401 and 422, by name (components.responses in the document).
ERROR_STATUS = {"Unauthorized": 401, "Forbidden": 403, "NotFound": 404, "QueryTooLong": 414, "Conflict": 409, "Invalid": 422, "ShopifyUnavailable": 502}


@dataclass(frozen=True)
class Declaration:
    tag: str
    summary: str
    description: str | None
    answer: object  # a pydantic model, a list of them (one of), dict (free-form JSON) or None (no body)
    status: int
    says: str
    body: type[BaseModel] | None
    body_required: bool
    query: type[BaseModel] | None
    path: type[BaseModel] | None
    errors: tuple[str, ...]
    public: bool
    media: str = "application/json"  # the answer's content type


def declare(tag: str, *, answer=None, status: int = 200, says: str = "OK", body: type[BaseModel] | None = None,
            body_required: bool = True, query: type[BaseModel] | None = None, path: type[BaseModel] | None = None,
            errors: tuple[str, ...] = (), public: bool = False, description: str | None = None,
            media: str = "application/json"):
    """Declare a route; see the module docstring. `errors` names the error answers it may give; `media` is the
    answer's content type (a CSV download says text/csv)."""
    def decorate(view):
        declaration = Declaration(tag, (view.__doc__ or "").strip().splitlines()[0].strip(), description, answer,
                                  status, says, body, body_required, query, path, tuple(errors), public, media)

        @functools.wraps(view)
        def checked(*args, **kwargs):
            if path is not None:
                kwargs.update(validate(path, {name: kwargs[name] for name in path.model_fields}).model_dump())
            if query is not None:
                kwargs["query"] = validate(query, _query_values(), root="query")
            if body is not None:
                kwargs["body"] = read_body(body, required=body_required)
            return view(*args, **kwargs)

        checked.declaration = declaration
        return checked

    return decorate


def declaration_of(view) -> Declaration | None:
    """The declaration under any decorators that kept __wrapped__ (functools.wraps)."""
    while view is not None:
        if hasattr(view, "declaration"):
            return view.declaration
        view = getattr(view, "__wrapped__", None)
    return None


def read_body(model: type[BaseModel], *, required: bool = True) -> BaseModel:
    raw = request.get_data(cache=True)
    if not raw.strip() and not required:
        return model()
    data = _json(raw) if request.is_json else None
    if not isinstance(data, dict):
        raise InvalidInput("body", "body must be a JSON object, sent with Content-Type: application/json")
    return validate(model, data)


def _json(raw: bytes):
    try:
        return json_input.parse(raw)
    except json_input.RefusedJson:
        return None


def _query_values() -> dict:
    values = {}
    for name, given in request.args.lists():
        if not name:
            raise InvalidInput("query", "the query string has a parameter without a name")
        if len(given) > 1:
            raise InvalidInput(name, f"{name} must be given once")
        values[name] = given[0]
    return values


def validate(model: type[BaseModel], data: dict, *, root: str = "body") -> BaseModel:
    """The model, or InvalidInput naming the first bad field (`root` when the fault is the whole input)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput.from_pydantic(exc, root=root) from None


def digits_up_to(maximum: int) -> str:
    """A regex for the numbers 1..maximum without leading zeros, so a larger one matches no route (a plain 404)."""
    top = str(maximum)
    options = [f"[1-9][0-9]{{0,{len(top) - 2}}}"] if len(top) > 1 else []
    for i, digit in enumerate(top):
        low = "1" if i == 0 else "0"
        if int(digit) > int(low):
            rest = len(top) - i - 1
            options.append(f"{top[:i]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    options.append(top)
    return "(?:" + "|".join(options) + ")"


class IdConverter(BaseConverter):
    """`<id:name>`: a bigint row id or a Shopify id, 1 to 2^63-1; anything else matches no route (404), never
    reaching the database."""

    regex = digits_up_to(MAX_ID)
    schema = {"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID}

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


class SmallIdConverter(IdConverter):
    """`<small_id:name>`: the id of something merchants configure (service, resource, plan), 1 to 2^31-1."""

    regex = digits_up_to(MAX_SMALL_ID)
    schema = {"type": "integer", "format": "int32", "minimum": 1, "maximum": MAX_SMALL_ID}
