"""A request the declaration refuses, and pydantic's errors told as one sentence that names the exact field.

The sentence never repeats the value sent: a body can carry a token or a gift-card code by mistake.
"""
from __future__ import annotations

from pydantic import ValidationError

# Our own value types (endpoints.fields) raise this error type; its message is the whole predicate.
OWN = "packbook"

# pydantic's error types, as predicates of the field ("{field} must be true or false").
SENTENCES = {
    "missing": "is required",
    "extra_forbidden": "is not a field here; check its spelling",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "list_type": "must be a list", "tuple_type": "must be a list", "set_type": "must be a list",
    "dict_type": "must be a JSON object", "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "string_type": "must be text", "string_unicode": "must be text",
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "literal_error": "must be one of {expected}", "enum": "must be one of {expected}",
    "string_too_short": "must be at least {min_length} characters long",
    "string_too_long": "must be at most {max_length} characters long",
    "too_short": "must list at least {min_length}", "too_long": "must list at most {max_length}",
    "greater_than_equal": "must be at least {ge}", "less_than_equal": "must be at most {le}",
    "greater_than": "must be more than {gt}", "less_than": "must be less than {lt}",
}


class InvalidInput(Exception):
    """Bad input: answered 422 `{error, code: "invalid", field}`; nothing was changed."""

    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(message)

    def as_body(self) -> dict:
        return {"error": self.message, "code": "invalid", "field": self.field}

    @classmethod
    def from_pydantic(cls, exc: ValidationError, *, root: str = "body") -> InvalidInput:
        """The first error only: a form fixes one field at a time, and pydantic reports in field order."""
        first = exc.errors(include_url=False, include_input=False)[0]
        field = field_path(first["loc"])
        if not field:
            unnamed = first["type"] == "extra_forbidden"
            return cls(root, f"{root} has a field without a name" if unnamed else f"{root} {_predicate(first)}")
        return cls(field, f"{field} {_predicate(first)}")


def field_path(loc: tuple) -> str:
    """('sessions', 1, 'starts_at') -> "sessions[1].starts_at"; an error about the whole input -> ""."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":  # a dict key's own error names the key, which is already in the path
            path += f".{part}" if path else str(part)
    return path


def _predicate(error: dict) -> str:
    kind, context = error["type"], error.get("ctx") or {}
    if kind == OWN:
        return error["msg"]
    if kind == "value_error" and "error" in context:
        return str(context["error"])
    if kind == "string_too_short" and context.get("min_length") == 1:
        return "must not be empty"
    template = SENTENCES.get(kind)
    if template is None:
        return "is not valid here"
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return "is not valid here"
