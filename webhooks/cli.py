"""`flask webhooks sweep|retry` for operators and `flask webhook trigger` for developers."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click
import requests
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from db import get_db
from shopify_app.client import API_VERSION
from shopify_app.shop_domain import InvalidShopDomain, sanitize_shop
from shopify_app.signatures import sign_webhook
from webhooks.models import EventStatus, WebhookEvent

SAMPLES = Path(__file__).resolve().parent / "samples"


@click.group("webhooks", cls=AppGroup, help="Stored webhook events.")
def webhooks_group():
    pass


@webhooks_group.command("sweep")
def sweep_command():
    """Enqueue every pending event and every queued one that went stale."""
    from webhooks.jobs import sweep

    click.echo(f"enqueued {sweep()} webhook events")


@webhooks_group.command("retry")
@click.option("--id", "event_ids", type=int, multiple=True, help="Retry these events.")
@click.option("--failed", is_flag=True, help="Retry every event left failed.")
def retry_command(event_ids: tuple[int, ...], failed: bool):
    """Put failed events (or the given ones) back to pending and enqueue them."""
    from webhooks.jobs import sweep

    if not event_ids and not failed:
        raise click.UsageError("give --id N (repeatable) or --failed")
    with get_db().transaction() as session:
        query = select(WebhookEvent).where(WebhookEvent.status == EventStatus.FAILED.value) if failed \
            else select(WebhookEvent).where(WebhookEvent.id.in_(event_ids))
        for event in session.scalars(query):
            event.status = EventStatus.PENDING.value
    click.echo(f"enqueued {sweep()} webhook events")


@click.group("webhook", cls=AppGroup, help="Developer tools for webhooks.")
def webhook_group():
    pass


@webhook_group.command("trigger")
@click.argument("topic")
@click.option("--address", required=True, help="Where to deliver, e.g. http://127.0.0.1:8000/webhooks")
@click.option("--payload", "payload_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON body to send instead of the shipped sample.")
@click.option("--shop", default="packbook-demo.myshopify.com", show_default=True)
def trigger_command(topic: str, address: str, payload_file: Path | None, shop: str):
    """Send a correctly signed sample delivery of TOPIC, like `shopify app webhook trigger`."""
    try:
        shop = sanitize_shop(shop)
    except InvalidShopDomain as exc:
        raise click.BadParameter(str(exc), param_hint="--shop") from None
    body = _payload_bytes(topic, payload_file)
    headers = signed_headers(topic, shop, body, current_app.config["PACKBOOK"].shopify_api_secret)
    try:
        response = requests.post(address, data=body, headers=headers, timeout=10)
    except requests.RequestException as exc:
        raise click.ClickException(f"could not deliver to {address}: {exc}") from None
    click.echo(f"{topic} → {address}: HTTP {response.status_code} {response.text.strip()[:200]}")
    if response.status_code >= 300:
        raise SystemExit(1)


def sample_topics() -> list[str]:
    return sorted(p.stem.replace("__", "/") for p in SAMPLES.glob("*.json"))


def _payload_bytes(topic: str, payload_file: Path | None) -> bytes:
    path = payload_file or SAMPLES / f"{topic.replace('/', '__')}.json"
    if not path.exists():
        raise click.BadParameter(f"no sample for {topic!r}; samples exist for: {', '.join(sample_topics())}",
                                 param_hint="TOPIC")
    try:
        return json.dumps(json.loads(path.read_text())).encode()
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"{path} is not valid JSON: {exc}", param_hint="--payload") from None


def signed_headers(topic: str, shop: str, body: bytes, secret: str) -> dict:
    """The headers Shopify sends with a delivery, signed with the app's client secret."""
    event_id = str(uuid.uuid4())
    return {"Content-Type": "application/json", "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": shop, "X-Shopify-API-Version": API_VERSION,
            "X-Shopify-Webhook-Id": str(uuid.uuid4()), "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
            "X-Shopify-Hmac-Sha256": sign_webhook(body, secret)}


@click.command("reconcile")
@click.option("--shop", "shop_domain", help="Only this shop (default: every installed shop).")
@click.option("--since", default="24h", show_default=True,
              help="How far back: an ISO 8601 time, or hours like 6h, or days like 3d.")
@with_appcontext
def reconcile_command(shop_domain: str | None, since: str):
    """Apply what lost webhooks missed, from the Admin API's recently updated orders."""
    from webhooks.reconcile import Summary, installed_shop_ids, reconcile_shop

    start = _since(since)
    shop_ids = installed_shop_ids(sanitize_shop(shop_domain) if shop_domain else None)
    if shop_domain and not shop_ids:
        raise click.ClickException(f"{shop_domain} is not an installed shop")
    total = Summary()
    for shop_id in shop_ids:
        progress = {}

        def start_bar(total: int, shop_id=shop_id) -> None:
            progress["bar"] = click.progressbar(length=total, label=f"shop {shop_id}", show_pos=True)

        summary = reconcile_shop(shop_id, start, on_total=start_bar, on_order=lambda: progress["bar"].update(1))
        if "bar" in progress:
            progress["bar"].render_finish()
        for key, value in summary.as_dict().items():
            setattr(total, key, getattr(total, key) + value)
    click.echo("orders seen {orders_seen}, grants added {grants_added}, revocations added {revocations_added}, "
               "conflicts {conflicts}".format(**total.as_dict()))


def _since(value: str) -> datetime:
    units = {"h": "hours", "d": "days"}
    if value[-1:] in units and value[:-1].isdigit():
        return datetime.now(timezone.utc) - timedelta(**{units[value[-1]]: int(value[:-1])})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use an ISO 8601 time or a duration like 6h or 3d", param_hint="--since") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def register(app: Flask) -> None:
    app.cli.add_command(reconcile_command)
    app.cli.add_command(webhooks_group)
    app.cli.add_command(webhook_group)
