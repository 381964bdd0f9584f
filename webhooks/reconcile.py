"""Reconciliation: page through recently updated orders with the Admin API and apply anything a lost
webhook missed, through the same idempotent use cases the webhooks call."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Callable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from booking import memberships, purchases
from booking.models import Plan
from booking.order_facts import OrderFacts, OrderLine
from db import get_db, utcnow
from shopify_app.client import ShopifyClient
from shopify_app.models import Shop
from shopify_app.queries import ORDERS_COUNT, RECENT_ORDERS, TAGGED_CUSTOMERS
from shopify_app.tokens import ReauthorizationRequired
from webhooks.admin_api import admin_client

log = logging.getLogger(__name__)
PAGE_SIZE = 50
SCHEDULED_WINDOW = timedelta(hours=2)  # scheduled every 15 minutes: generous overlap, repeats are no-ops


@dataclass
class Summary:
    orders_seen: int = 0
    grants_added: int = 0
    revocations_added: int = 0
    conflicts: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _numeric(gid_or_id) -> int:
    # gid://shopify/LineItem/123 -> 123; ids exceed 2^53, so never through float.
    return int(str(gid_or_id).rsplit("/", 1)[-1])


def order_facts(node: dict) -> OrderFacts:
    """An Admin GraphQL order in the same terms the orders/* webhooks are translated into."""
    customer = node.get("customer") or {}
    return OrderFacts(
        order_id=int(node["legacyResourceId"]), name=node.get("name"),
        confirmation_number=node.get("confirmationNumber"), email=node.get("email"),
        customer_id=int(customer["legacyResourceId"]) if customer.get("legacyResourceId") else None,
        currency=node.get("currencyCode"), financial_status=(node.get("displayFinancialStatus") or "").lower() or None,
        updated_at=datetime.fromisoformat(node["updatedAt"]) if node.get("updatedAt") else None,
        lines=tuple(_line(item) for item in (node.get("lineItems") or {}).get("nodes", [])))


def _line(item: dict) -> OrderLine:
    variant = (item.get("variant") or {}).get("legacyResourceId")
    amount = (((item.get("originalUnitPriceSet") or {}).get("shopMoney") or {}).get("amount")) or "0"
    discount = sum((Decimal(str(((a.get("allocatedAmountSet") or {}).get("shopMoney") or {}).get("amount") or 0))
                    for a in item.get("discountAllocations") or []), Decimal(0))
    return OrderLine(line_item_id=_numeric(item["id"]), variant_id=str(variant) if variant else None,
                               quantity=int(item.get("quantity") or 0), unit_price=Decimal(str(amount)),
                               title=item.get("title") or "", discount=discount)


def _search(since: datetime) -> str:
    return f"updated_at:>='{since.isoformat()}'"


def count_orders(client: ShopifyClient, since: datetime) -> int:
    """How many orders changed since `since` (for the progress bar)."""
    return int(client.query(ORDERS_COUNT, {"query": _search(since)})["ordersCount"]["count"])


def iter_orders(client: ShopifyClient, since: datetime) -> Iterator[dict]:
    """Every order updated since `since`, page by page (the client paces itself by query cost)."""
    return client.paginate(RECENT_ORDERS, {"query": _search(since), "first": PAGE_SIZE}, connection="orders")


def apply_order(session: Session, shop_id: int, node: dict, summary: Summary, now: datetime) -> None:
    """Grant, refund and cancel as the webhooks would have; each step is idempotent."""
    facts = order_facts(node)
    summary.orders_seen += 1
    if facts.is_paid:
        summary.grants_added += purchases.grant_for_order(session, shop_id, facts, now=now)
        if purchases.is_unassignable(session, shop_id, facts.order_id):
            summary.conflicts += 1
    else:
        purchases.record_order(session, shop_id, facts)
    for refund in node.get("refunds") or []:
        quantities = {_numeric(r["lineItem"]["id"]): int(r["quantity"])
                      for r in (refund.get("refundLineItems") or {}).get("nodes", [])}
        summary.revocations_added += purchases.record_refund(
            session, shop_id, facts.order_id, f"refund:{refund['legacyResourceId']}", quantities, now=now)
    if node.get("cancelledAt"):
        summary.revocations_added += purchases.record_refund(
            session, shop_id, facts.order_id, f"cancel:{facts.order_id}", {purchases.ALL: "all"}, now=now)


def reconcile_shop(shop_id: int, since: datetime, *, on_order: Callable[[], None] = lambda: None,
                   on_total: Callable[[int], None] | None = None) -> Summary:
    """Reconcile one installed shop; each order commits on its own so progress is never lost."""
    database, summary, now = get_db(), Summary(), utcnow()
    client = _client_for(shop_id, now)
    try:
        if on_total is not None:
            on_total(count_orders(client, since))
        for node in iter_orders(client, since):
            with database.transaction() as session:
                apply_order(session, shop_id, node, summary, now)
            on_order()
    finally:
        client.close()
    log.info("reconciled shop %s since %s: %s", shop_id, since.isoformat(), summary.as_dict())
    return summary


def reconcile_member_tags(shop_id: int) -> int:
    """Tag memberships from Shopify's customer list, since customers/update payloads may omit tags."""
    now = utcnow()
    with get_db().transaction() as session:
        tags = session.scalars(select(Plan.member_tag).where(
            Plan.shop_id == shop_id, Plan.kind == "membership", Plan.member_tag.is_not(None),
            Plan.archived_at.is_(None))).all()
    if not tags:
        return 0
    client, changed = _client_for(shop_id, now), 0
    try:
        for tag in tags:
            customers = client.paginate(TAGGED_CUSTOMERS, {"query": f"tag:'{tag}'", "first": 100},
                                        connection="customers")
            tagged = {int(c["legacyResourceId"]): set(c.get("tags") or []) for c in customers}
            with get_db().transaction() as session:
                changed += memberships.reconcile_tag(session, shop_id, tag, tagged, now=now)
    finally:
        client.close()
    return changed


def _client_for(shop_id: int, now: datetime) -> ShopifyClient:
    with get_db().transaction() as session:
        return admin_client(session, session.get(Shop, shop_id), now)


def installed_shop_ids(domain: str | None = None) -> list[int]:
    with get_db().transaction() as session:
        query = select(Shop.id).where(Shop.installed_at.is_not(None), Shop.uninstalled_at.is_(None))
        if domain:
            query = query.where(Shop.domain == domain)
        return list(session.scalars(query.order_by(Shop.id)))


def reconcile_job(shop_id: int, since_iso: str) -> dict:
    """rq job: reconcile one shop. Shopify failures raise so rq retries; a shop needing re-auth is skipped."""
    try:
        summary = reconcile_shop(shop_id, datetime.fromisoformat(since_iso)).as_dict()
        return {**summary, "tag_memberships_changed": reconcile_member_tags(shop_id)}
    except ReauthorizationRequired as exc:
        log.warning("skipping reconciliation of shop %s: %s", shop_id, exc)
        return {"skipped": str(exc)}


def schedule_reconciliation(now: datetime | None = None) -> int:
    """Enqueue a reconciliation job per installed shop (the worker does this every 15 minutes)."""
    from webhooks.queue import get_queue

    queue, since = get_queue(), ((now or utcnow()) - SCHEDULED_WINDOW).isoformat()
    shop_ids = installed_shop_ids()
    for shop_id in shop_ids:
        queue.enqueue("webhooks.reconcile.reconcile_job", shop_id, since, job_id=queue.job_id("reconcile", shop_id),
                      low_priority=True)
    return len(shop_ids)

