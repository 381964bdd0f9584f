"""The JSON API's calls to Shopify: the shop's Admin API client, the edge that turns Shopify's failures into a
502, and the customer staff name by Shopify id (checked with Shopify when Packbook has not seen it)."""
from __future__ import annotations

import functools
import logging

from flask import g, jsonify

import db
from booking import customers
from booking.records import Customer
from shopify_app.auth import settings
from shopify_app.client import ShopifyClient
from shopify_app.errors import ShopifyError

log = logging.getLogger(__name__)


def shopify_client() -> ShopifyClient:
    """The shop's own Admin API client; a merchant is waiting, so one quick retry at most."""
    return ShopifyClient(g.shop.domain, g.shop.access_token, admin_origin=settings().shopify_admin_origin,
                         max_attempts=2, max_wait=2.0, timeout=10)


def shopify_edge(view):
    """Shopify down, throttled or refusing the token: 502 shopify_unavailable, never a 500; nothing is kept."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except ShopifyError as exc:
            db.session().rollback()
            log.warning("Shopify call for %s failed: %s", g.shop.domain, exc)
            return jsonify(error="Shopify could not be reached; try again in a moment",
                           code="shopify_unavailable"), 502

    return wrapper


def staff_customer(customer_id: int) -> Customer:
    """The customer staff name by Shopify id; a new id is checked with Shopify first (404 `customer_id` if the
    shop has no such customer). Routes using it are wrapped in `shopify_edge`."""
    def lookup(shopify_customer_id: int) -> dict | None:
        with shopify_client() as shopify:
            return customers.find_in_shopify(shopify, shopify_customer_id)
    return customers.staff_customer(db.session(), g.shop.id, customer_id, lookup=lookup)
