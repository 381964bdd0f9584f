"""/api/plans/<id>/variants and /api/shopify/products: which Shopify variants grant a plan, and the picker for them."""
from __future__ import annotations

import functools
import logging

from flask import g, jsonify, request

import db
from booking import variants
from booking.api import bp, json_body
from shopify_app.auth import settings, shop_required
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


def mapping_json(mapping: variants.Mapping) -> dict:
    row = mapping.row
    return {"id": row.id, "plan_id": row.plan_id, "variant_id": row.variant_id,
            "variant_gid": variants.variant_gid(row.variant_id), "units_per_item": row.units_per_item,
            "title": mapping.title, "product_title": mapping.product_title}


def product_json(product: dict, mapped: dict[str, int]) -> dict:
    image = ((product.get("featuredMedia") or {}).get("preview") or {}).get("image") or {}
    return {"id": variants.numeric_id(product["id"]), "gid": product["id"], "title": product["title"],
            "status": product["status"], "image_url": image.get("url"),
            "variants": [variant_json(v, mapped) for v in product["variants"]["nodes"]]}


def variant_json(variant: dict, mapped: dict[str, int]) -> dict:
    variant_id = variants.numeric_id(variant["id"])
    return {"id": variant_id, "gid": variant["id"], "title": variant["title"], "sku": variant.get("sku"),
            "price": variant.get("price"), "mapped_plan_id": mapped.get(variant_id)}


@bp.get("/plans/<int:plan_id>/variants")
@shop_required
@shopify_edge
def list_plan_variants(plan_id: int):
    """The variants that grant this plan, titled as Shopify has them now."""
    with shopify_client() as shopify:
        mappings = variants.list_variants(db.session(), g.shop.id, plan_id, shopify=shopify)
    return jsonify(variants=[mapping_json(m) for m in mappings])


@bp.post("/plans/<int:plan_id>/variants")
@shop_required
@shopify_edge
def map_plan_variant(plan_id: int):
    """Make a Shopify variant grant this plan; 201 with the mapping."""
    with shopify_client() as shopify:
        mapping = variants.map_variant(db.session(), g.shop.id, plan_id, json_body(), shopify=shopify)
    db.session().commit()
    return jsonify(mapping_json(mapping)), 201


@bp.delete("/plans/<int:plan_id>/variants/<variant_id>")
@shop_required
def unmap_plan_variant(plan_id: int, variant_id: str):
    """Stop the variant granting this plan; packages already sold stay."""
    variants.unmap_variant(db.session(), g.shop.id, plan_id, variant_id)
    db.session().commit()
    return "", 204


@bp.get("/shopify/products")
@shop_required
@shopify_edge
def search_shopify_products():
    """The product picker: a page of the shop's products, each variant marked with the plan it grants."""
    with shopify_client() as shopify:
        page = variants.search_products(db.session(), g.shop.id, request.args.get("query"),
                                        request.args.get("after"), shopify=shopify)
    return jsonify(products=[product_json(p, page.mapped) for p in page.products],
                   page_info={"has_next_page": page.has_next_page, "end_cursor": page.end_cursor})
