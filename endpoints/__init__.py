"""Declared JSON endpoints: each route names its body, query string and answer once, as pydantic models.

The same declaration checks every request (422 naming the exact field, in a sentence a merchant reads) and
describes the route in the OpenAPI document (`endpoints.document`). It knows HTTP and pydantic, nothing about
bookings or Shopify, so every part of the app can declare its routes with it.
"""
from __future__ import annotations

from flask import Flask, jsonify

from endpoints.declare import Declaration, IdConverter, SmallIdConverter, declare, declaration_of
from endpoints.errors import InvalidInput

__all__ = ["Declaration", "InvalidInput", "declaration_of", "declare", "init_app"]


def init_app(app: Flask) -> None:
    """The `id` and `small_id` path converters and the 422 answer; call before the blueprints are registered."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.converters["small_id"] = SmallIdConverter
    app.register_error_handler(InvalidInput, _invalid_input)


def _invalid_input(error: InvalidInput):
    return jsonify(error.as_body()), 422
