"""Use cases on which Shopify product variants grant a plan: map, unmap and list them, and the picker's search.

A variant grants at most one plan per shop, so an order line says unambiguously what it sold; a second
mapping is refused with VariantAlreadyMapped (to another plan or to the same one again, so a client never
changes units_per_item by accident). Shopify is asked through `shopify`, anything with
`.query(document, variables)` (a ShopifyClient); its ShopifyErrors pass through for the edge to map.
Nothing here commits: the request does.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.catalog import live_row
from booking.errors import NotFound, PlanNotForSale, ValidationFailed, VariantAlreadyMapped
from booking.models import Plan, PlanVariant, Service
from shopify_app.queries import (
    PRODUCT_VARIANT,
    PRODUCT_VARIANT_TITLES,
    PRODUCTS_RECENT,
    PRODUCTS_SEARCH,
)

VARIANT_GID = "gid://shopify/ProductVariant/"
PAGE_SIZE = 20
NODES_PER_QUERY = 250  # Shopify's limit on `nodes(ids:)`


@dataclass(frozen=True)
class Mapping:
    """A stored mapping with the variant's titles as Shopify has them now (None once it is deleted there)."""

    row: PlanVariant
    title: str | None
    product_title: str | None


@dataclass(frozen=True)
class ProductPage:
    products: list[dict]  # Shopify's product nodes, as PRODUCTS_SEARCH shapes them
    mapped: dict[str, int]  # numeric variant id -> the plan it grants in this shop
    has_next_page: bool
    end_cursor: str | None


def variant_gid(variant_id: str) -> str:
    return VARIANT_GID + variant_id


def numeric_id(gid: str) -> str:
    return gid.rsplit("/", 1)[-1]


# --- use cases ---

def list_variants(session: Session, shop_id: int, plan_id: int, *, shopify) -> list[Mapping]:
    """The plan's variants, oldest mapping first, titled from Shopify (one query per 250)."""
    rows = list(session.scalars(select(PlanVariant).where(
        PlanVariant.shop_id == shop_id, PlanVariant.plan_id == any_plan(session, shop_id, plan_id).id)
        .order_by(PlanVariant.id)))
    titles = variant_titles(shopify, [row.variant_id for row in rows]) if rows else {}
    return [_mapping(row, titles.get(row.variant_id)) for row in rows]


def map_variant(session: Session, shop_id: int, plan_id: int, variant_id: str, units: int, *,
                shopify) -> Mapping:
    """Make a Shopify variant (numeric id as text) grant a live plan, `units` packages per item bought.

    The variant must exist in the shop and grant no plan yet."""
    plan = live_row(session, Plan, shop_id, plan_id, "plan")
    if plan.not_for_sale:
        raise PlanNotForSale(f"{plan.title} is not for sale: staff assign it by hand, so nothing in Shopify may "
                             "sell it")
    _refuse_if_mapped(session, shop_id, variant_id, plan)  # before asking Shopify: no call wasted
    _refuse_if_sold_as_a_session(session, shop_id, variant_id)
    variant = find_variant(shopify, variant_id)
    if variant is None:
        raise ValidationFailed(f"Shopify has no product variant {variant_id} in this shop", field="variant_id")
    product_id = numeric_id((variant.get("product") or {}).get("id") or "") or None
    row = PlanVariant(shop_id=shop_id, plan_id=plan.id, variant_id=variant_id, units_per_item=units,
                      product_id=product_id)
    try:
        with session.begin_nested():  # a savepoint, so the race below leaves the request's transaction usable
            session.add(row)
    except IntegrityError:
        # Another request mapped the variant between our check and our insert.
        _refuse_if_mapped(session, shop_id, variant_id, plan)
        raise
    return _mapping(row, variant)


def unmap_variant(session: Session, shop_id: int, plan_id: int, variant_id: str) -> None:
    """Stop a variant granting the plan; orders already received keep their packages."""
    plan = any_plan(session, shop_id, plan_id)
    row = session.scalar(select(PlanVariant).where(PlanVariant.shop_id == shop_id, PlanVariant.plan_id == plan.id,
                                                   PlanVariant.variant_id == variant_id))
    if row is None:
        raise NotFound(f"variant {variant_id} is not mapped to plan {plan.id}")
    session.delete(row)
    session.flush()


def search_products(session: Session, shop_id: int, query, after, *, shopify) -> ProductPage:
    """One page (20) of the shop's products matching Shopify search syntax; no query: recently changed first."""
    text, cursor = (query or "").strip(), (after or "").strip() or None
    variables = {"first": PAGE_SIZE, "after": cursor}
    page = shopify.query(PRODUCTS_SEARCH, {**variables, "query": text}) if text \
        else shopify.query(PRODUCTS_RECENT, variables)
    products = page["products"]["nodes"]
    ids = [numeric_id(v["id"]) for p in products for v in p["variants"]["nodes"]]
    info = page["products"]["pageInfo"]
    return ProductPage(products, mapped_plans(session, shop_id, ids), bool(info["hasNextPage"]), info["endCursor"])


def mapped_plans(session: Session, shop_id: int, variant_ids: list[str]) -> dict[str, int]:
    """Which plan each of these variants grants in this shop (unmapped ones are absent)."""
    if not variant_ids:
        return {}
    rows = session.execute(select(PlanVariant.variant_id, PlanVariant.plan_id).where(
        PlanVariant.shop_id == shop_id, PlanVariant.variant_id.in_(set(variant_ids))))
    return {variant_id: plan_id for variant_id, plan_id in rows}


# --- Shopify ---

def find_variant(shopify, variant_id: str) -> dict | None:
    """The variant as Shopify has it ({id, title, product {title}}), or None if the shop has no such variant."""
    return shopify.query(PRODUCT_VARIANT, {"id": variant_gid(variant_id)})["productVariant"]


def variant_titles(shopify, variant_ids: list[str]) -> dict[str, dict]:
    """The variants Shopify still has, by numeric id; deleted ones are left out."""
    found = {}
    for start in range(0, len(variant_ids), NODES_PER_QUERY):
        chunk = [variant_gid(v) for v in variant_ids[start:start + NODES_PER_QUERY]]
        nodes = shopify.query(PRODUCT_VARIANT_TITLES, {"ids": chunk})["nodes"]
        found.update({numeric_id(node["id"]): node for node in nodes if node and node.get("id")})
    return found


# --- helpers ---

def any_plan(session: Session, shop_id: int, plan_id: int) -> Plan:
    """The shop's plan, archived or not; NotFound otherwise."""
    # Archived plans too: their mappings still hold their variants, and the merchant must be able to free them.
    plan = session.scalar(select(Plan).where(Plan.id == plan_id, Plan.shop_id == shop_id))
    if plan is None:
        raise NotFound(f"no plan {plan_id} in this shop")
    return plan


def _refuse_if_sold_as_a_session(session: Session, shop_id: int, variant_id: str) -> None:
    service = session.scalar(select(Service).where(Service.shop_id == shop_id, Service.shopify_variant_id == variant_id,
                                                   Service.archived_at.is_(None)))
    if service is not None:
        raise VariantAlreadyMapped(f"variant {variant_id} sells a session of {service.name} at checkout; a plan "
                                   "needs a variant of its own")


def _refuse_if_mapped(session: Session, shop_id: int, variant_id: str, plan: Plan) -> None:
    owner = session.scalar(select(Plan).join(PlanVariant).where(PlanVariant.shop_id == shop_id,
                                                                PlanVariant.variant_id == variant_id))
    if owner is None:
        return
    if owner.id == plan.id:
        raise VariantAlreadyMapped(f"variant {variant_id} is already mapped to this plan")
    archived = " (archived)" if owner.archived_at else ""
    raise VariantAlreadyMapped(f"variant {variant_id} already grants the plan \u201c{owner.title}\u201d{archived}; "
                               "remove it from that plan first")


def _mapping(row: PlanVariant, variant: dict | None) -> Mapping:
    variant = variant or {}
    return Mapping(row, variant.get("title"), (variant.get("product") or {}).get("title"))
