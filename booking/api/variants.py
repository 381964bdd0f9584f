"""/api/plans/<id>/variants and /api/shopify/products: which Shopify variants grant a plan, and the picker for them."""
from __future__ import annotations

from typing import Literal

from flask import g, jsonify
from pydantic import Field

import db
from booking import variants
from booking.api import bp
from endpoints import declare
from endpoints.fields import shopify_id, text, whole
from endpoints.models import Answer, Body
from booking.api.shopify import shopify_client, shopify_edge
from shopify_app.auth import shop_required

VariantId = shopify_id("ProductVariant")
NUMERIC_ID = {"type": "string", "pattern": "^[0-9]{1,19}$", "example": "44012345678901",
              "description": "Numeric Shopify id as a string (ids exceed 2^53)"}


class PlanVariantInput(Body):
    """Which Shopify variant grants the plan, and how many packages each item bought grants."""

    variant_id: VariantId
    units_per_item: whole(1, 1000) = Field(1, description="Packages granted per item bought")

    model_config = {"json_schema_extra": {"example": {"variant_id": "gid://shopify/ProductVariant/44012345678901"}}}


class VariantPath(Body):
    variant_id: VariantId


class ProductQuery(Body):
    query: text(200, min_length=0) | None = Field(
        None, description="Shopify search syntax, e.g. `yoga` or `status:active`; empty lists the most recently "
                          "changed products")
    after: text(1000, min_length=0) | None = Field(None, description="page_info.end_cursor of the previous page")


class PlanVariant(Answer):
    id: int
    plan_id: int
    variant_id: str = Field(json_schema_extra=NUMERIC_ID)
    variant_gid: str = Field(examples=["gid://shopify/ProductVariant/44012345678901"])
    units_per_item: int
    title: str | None = Field(description="The variant's title in Shopify; null once deleted there")
    product_title: str | None


class PlanVariantList(Answer):
    variants: list[PlanVariant]


class ShopifyVariant(Answer):
    id: str = Field(json_schema_extra=NUMERIC_ID)
    gid: str
    title: str
    sku: str | None
    price: str | None = Field(description="Shopify's decimal string")
    mapped_plan_id: int | None = Field(description="The plan this variant grants in this shop")


class ShopifyProduct(Answer):
    id: str = Field(json_schema_extra=NUMERIC_ID)
    gid: str
    title: str
    status: Literal["ACTIVE", "ARCHIVED", "DRAFT", "UNLISTED"]
    image_url: str | None
    variants: list[ShopifyVariant]


class PageInfo(Answer):
    has_next_page: bool
    end_cursor: str | None


class ProductPage(Answer):
    products: list[ShopifyProduct]
    page_info: PageInfo


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


@bp.get("/plans/<small_id:plan_id>/variants")
@shop_required
@shopify_edge
@declare("catalog", answer=PlanVariantList, errors=("NotFound", "ShopifyUnavailable"), says="The mappings",
         description="Archived plans answer too. A variant deleted in Shopify has null titles.")
def list_plan_variants(plan_id: int):
    """The Shopify variants that grant the plan, titled as Shopify has them now."""
    with shopify_client() as shopify:
        mappings = variants.list_variants(db.session(), g.shop.id, plan_id, shopify=shopify)
    return jsonify(variants=[mapping_json(m) for m in mappings])


@bp.post("/plans/<small_id:plan_id>/variants")
@shop_required
@shopify_edge
@declare("catalog", body=PlanVariantInput, answer=PlanVariant, status=201,
         errors=("NotFound", "Conflict", "ShopifyUnavailable"), says="The mapping",
         description="The variant must exist in the shop (else 422 on `variant_id`). A variant grants at most one "
                     "plan per shop: mapping it again, to this plan or another, is a 409 `variant_already_mapped` "
                     "naming the plan that has it (delete that mapping first).")
def map_plan_variant(plan_id: int, body: PlanVariantInput):
    """Make a Shopify variant grant the plan."""
    with shopify_client() as shopify:
        mapping = variants.map_variant(db.session(), g.shop.id, plan_id, body.variant_id, body.units_per_item,
                                       shopify=shopify)
    db.session().commit()
    return jsonify(mapping_json(mapping)), 201


@bp.delete("/plans/<small_id:plan_id>/variants/<variant_id>")
@shop_required
@declare("catalog", path=VariantPath, errors=("NotFound",), status=204, says="Removed")
def unmap_plan_variant(plan_id: int, variant_id: str):
    """Stop the variant granting the plan; packages already sold stay."""
    variants.unmap_variant(db.session(), g.shop.id, plan_id, variant_id)
    db.session().commit()
    return "", 204


@bp.get("/shopify/products")
@shop_required
@shopify_edge
@declare("catalog", query=ProductQuery, answer=ProductPage, errors=("ShopifyUnavailable",),
         says="A page of products; each variant says which plan it grants here")
def search_shopify_products(query: ProductQuery):
    """Search the shop's products for the variant picker (20 a page)."""
    with shopify_client() as shopify:
        page = variants.search_products(db.session(), g.shop.id, query.query, query.after, shopify=shopify)
    return jsonify(products=[product_json(p, page.mapped) for p in page.products],
                   page_info={"has_next_page": page.has_next_page, "end_cursor": page.end_cursor})
