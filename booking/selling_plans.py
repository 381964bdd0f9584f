"""Use cases on which Shopify selling plans (subscription options such as "Monthly") start a membership plan.

A subscription contract's payload names only its origin order; its lines (variant, product and selling
plan) come from the Admin API. A contract whose variant is mapped starts that plan; failing that, a
mapped selling plan decides, then the product of a mapped variant. Mapping a selling plan lets a
merchant sell one membership through several products, or through a product Packbook does not map.
Nothing here commits: the request does.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.catalog import live_row
from booking.errors import NotFound, PlanNotForSale, SellingPlanAlreadyMapped, ValidationFailed
from booking.models import Plan, PlanSellingPlan, PlanVariant
from booking.variants import any_plan, numeric_id
from shopify_app.queries import SELLING_PLAN

SELLING_PLAN_GID = "gid://shopify/SellingPlan/"


def list_selling_plans(session: Session, shop_id: int, plan_id: int) -> list[PlanSellingPlan]:
    plan = any_plan(session, shop_id, plan_id)
    return list(session.scalars(select(PlanSellingPlan).where(
        PlanSellingPlan.shop_id == shop_id, PlanSellingPlan.plan_id == plan.id).order_by(PlanSellingPlan.id)))


def map_selling_plan(session: Session, shop_id: int, plan_id: int, selling_plan_id: str, *,
                     shopify) -> PlanSellingPlan:
    """Make contracts on a Shopify selling plan (numeric id as text) start this membership plan.

    The selling plan must exist in the shop."""
    plan = live_row(session, Plan, shop_id, plan_id, "plan")
    if plan.not_for_sale:
        raise PlanNotForSale(f"{plan.title} is not for sale: staff assign it by hand, so nothing in Shopify may "
                             "sell it")
    if plan.kind != "membership":
        raise ValidationFailed("only membership plans take selling plans", field="plan_id")
    _refuse_if_mapped(session, shop_id, selling_plan_id, plan)
    node = shopify.query(SELLING_PLAN, {"id": SELLING_PLAN_GID + selling_plan_id})["node"]
    if not node or not node.get("id"):
        raise ValidationFailed(f"Shopify has no selling plan {selling_plan_id} in this shop", field="selling_plan_id")
    group = (node.get("sellingPlanGroup") or {}).get("name")
    name = f"{group}: {node.get('name')}" if group else node.get("name")
    row = PlanSellingPlan(shop_id=shop_id, plan_id=plan.id, selling_plan_id=selling_plan_id, name=(name or "")[:255])
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        _refuse_if_mapped(session, shop_id, selling_plan_id, plan)  # mapped by a concurrent request
        raise
    return row


def unmap_selling_plan(session: Session, shop_id: int, plan_id: int, selling_plan_id: str) -> None:
    """Stop new contracts on the selling plan starting this plan; memberships already started carry on."""
    plan = any_plan(session, shop_id, plan_id)
    row = session.scalar(select(PlanSellingPlan).where(
        PlanSellingPlan.shop_id == shop_id, PlanSellingPlan.plan_id == plan.id,
        PlanSellingPlan.selling_plan_id == selling_plan_id))
    if row is None:
        raise NotFound(f"selling plan {selling_plan_id} is not mapped to plan {plan.id}")
    session.delete(row)
    session.flush()


def plan_for_contract_lines(session: Session, shop_id: int, lines: list[dict]) -> Plan | None:
    """The live membership plan a contract's lines (Admin API SubscriptionLine nodes) start, or None.

    Variant first (the most specific), then selling plan, then product; within a kind, the first line wins.
    """
    live_memberships = select(Plan).where(Plan.shop_id == shop_id, Plan.kind == "membership", Plan.archived_at.is_(None))
    ids = {key: [numeric_id(line[key]) for line in lines if line.get(key)]
           for key in ("variantId", "sellingPlanId", "productId")}
    lookups = (
        (ids["variantId"], PlanVariant, PlanVariant.variant_id),
        (ids["sellingPlanId"], PlanSellingPlan, PlanSellingPlan.selling_plan_id),
        (ids["productId"], PlanVariant, PlanVariant.product_id),
    )
    for wanted, model, column in lookups:
        if not wanted:
            continue
        found = session.execute(live_memberships.join(model, model.plan_id == Plan.id).add_columns(column)
                                .where(model.shop_id == shop_id, column.in_(wanted)).order_by(Plan.id)).all()
        by_id = {matched: plan for plan, matched in found}
        for candidate in wanted:
            if candidate in by_id:
                return by_id[candidate]
    return None


def _refuse_if_mapped(session: Session, shop_id: int, selling_plan_id: str, plan: Plan) -> None:
    owner = session.scalar(select(Plan).join(PlanSellingPlan).where(
        PlanSellingPlan.shop_id == shop_id, PlanSellingPlan.selling_plan_id == selling_plan_id))
    if owner is None:
        return
    if owner.id == plan.id:
        raise SellingPlanAlreadyMapped(f"selling plan {selling_plan_id} is already mapped to this plan")
    raise SellingPlanAlreadyMapped(f"selling plan {selling_plan_id} already starts the plan \u201c{owner.title}\u201d; "
                                   "remove it from that plan first")
