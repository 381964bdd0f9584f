"""Benchmark a paid order end to end: from POST /webhooks answering 200 to the package being visible.

One shop sells a plan mapped to a variant. The bench fires N signed orders/paid deliveries (one
mapped unit each) at a fixed rate, lets exactly one `flask worker` drain the queue, and polls the
database for each order's entitlement. Latency = first poll that sees it - the 200 for its order.

    /tmp/pbvenv/bin/python bench/purchases.py [--orders 1000] [--rate 50] [--json] [--help]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import queue
import secrets
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import requests
from sqlalchemy import text
from sqlalchemy.orm import Session

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# The bench seeds through the app's models, which import the app's `webhooks` package. That is a
# namespace package, so bench/webhooks.py would win wherever it sits on sys.path. The app's modules
# are therefore imported first, without this folder; `webhooks` is then settled in sys.modules.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from booking.accounts import booking_settings  # noqa: E402
from booking.models import Plan, PlanVariant, Resource, Service  # noqa: E402
from booking.api.plan_body import terms_from_body
from shopify_app.models import Shop  # noqa: E402
from shopify_app.signatures import sign_webhook  # noqa: E402

sys.path.append(str(BENCH))
import load  # noqa: E402
import stack  # noqa: E402

SAMPLE = ROOT / "webhooks" / "samples" / "orders__paid.json"
SHOP, WARM_SHOP = "bench-purchases.myshopify.com", "bench-warm-up.myshopify.com"
VARIANT = 39072856
TARGET_P99_MS = 2000.0
# Shopify ids exceed 2^53; the bench's ids do too, so the full-precision path is what is timed.
FIRST_ORDER_ID = 9_007_199_254_740_993 + 10_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1000, help="orders/paid deliveries timed (default 1000)")
    parser.add_argument("--rate", type=float, default=50, help="deliveries/s, open loop (default 50)")
    parser.add_argument("--pool", type=int, default=8, help="sender threads (default 8)")
    parser.add_argument("--poll-ms", type=float, default=20, help="database poll interval (default 20 ms)")
    parser.add_argument("--warm-up", type=int, default=20,
                        help="untimed orders on a second shop first, so imports and pools are warm")
    parser.add_argument("--drain-timeout", type=float, default=300,
                        help="seconds to wait after the last send for every entitlement")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to create the throwaway database on (BENCH_DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="Redis database for the bench's queue (BENCH_REDIS_URL)")
    return parser.parse_args(argv)


# --- the shop and its orders ------------------------------------------------------------


def seed_shop(engine, domain: str) -> int:
    """An installed shop selling a 5-session plan on VARIANT; no token, as webhooks need none."""
    with Session(engine) as session, session.begin():
        shop = Shop(domain=domain, scopes="read_orders,read_products", iana_timezone="Europe/London",
                    installed_at=datetime.now(timezone.utc) - timedelta(days=1))
        session.add(shop)
        session.flush()
        booking_settings(session, shop.id)
        service = Service(shop_id=shop.id, name="Massage", duration_minutes=60, capacity=1,
                          price=Decimal("80.00"), currency="GBP")
        session.add(service)
        session.flush()
        session.add(Resource(shop_id=shop.id, name="Anna", weekly_hours={"mon": [["09:00", "17:00"]]},
                             services=[service]))
        terms = terms_from_body({"title": "5x massage", "unit": "sessions", "quantity": 5,
                                    "service_ids": [service.id]})
        plan = Plan(shop_id=shop.id, title=terms.title, terms=terms.to_json())
        session.add(plan)
        session.flush()
        session.add(PlanVariant(shop_id=shop.id, plan_id=plan.id, variant_id=str(VARIANT)))
        return shop.id


@dataclass(frozen=True)
class Delivery:
    order_id: int
    event_id: str
    body: bytes
    headers: dict


def make_deliveries(shop: str, secret: str, count: int, first_id: int, run_id: str) -> list[Delivery]:
    """Shopify's sample orders/paid, one mapped line of quantity 1, a buyer and an event id of its own."""
    sample = json.loads(SAMPLE.read_text())
    deliveries = []
    for index in range(count):
        order, order_id = copy.deepcopy(sample), first_id + index
        line = {**sample["line_items"][0], "id": order_id + 1, "variant_id": VARIANT, "quantity": 1,
                "price": "80.00", "title": "5x massage"}
        order.update(id=order_id, name=f"#B{index}", financial_status="paid", line_items=[line],
                     email=f"buyer{index}@example.com", contact_email=f"buyer{index}@example.com",
                     customer={**sample["customer"], "id": order_id + 2, "email": f"buyer{index}@example.com"})
        body = json.dumps(order, separators=(",", ":")).encode()
        event_id = f"{run_id}-{index}"
        headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/paid",
                   "X-Shopify-Shop-Domain": shop, "X-Shopify-API-Version": "2026-10",
                   "X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": event_id,
                   "X-Shopify-Hmac-Sha256": sign_webhook(body, secret)}
        deliveries.append(Delivery(order_id, event_id, body, headers))
    return deliveries


# --- sending and watching -------------------------------------------------------------------


@dataclass
class Sent:
    scheduled: float          # perf_counter seconds
    accepted: float | None    # when the 200 arrived; None if there was none
    status: int | str         # HTTP status, or the transport error's name
    answer: str | None        # "accepted" or "duplicate"


def send_paced(base_url: str, deliveries: list[Delivery], rate: float, pool: int) -> dict[int, Sent]:
    """Send each delivery on a fixed schedule (open loop) and note when its 200 arrived."""
    slots: queue.Queue = queue.Queue()
    sent: dict[int, Sent] = {}

    def sender() -> None:
        with requests.Session() as session:  # keep-alive, like Shopify's delivery connections
            while (slot := slots.get()) is not None:
                delivery, scheduled = slot
                sent[delivery.order_id] = _post(session, base_url, delivery, scheduled)

    threads = [threading.Thread(target=sender, daemon=True) for _ in range(pool)]
    for thread in threads:
        thread.start()
    start = time.perf_counter() + 0.05
    for index, delivery in enumerate(deliveries):
        scheduled = start + index / rate
        time.sleep(max(0.0, scheduled - time.perf_counter()))
        slots.put((delivery, scheduled))
    for _ in threads:
        slots.put(None)
    for thread in threads:  # daemon threads joined from the main thread: Ctrl-C still interrupts
        thread.join()
    return sent


def _post(session: requests.Session, base_url: str, delivery: Delivery, scheduled: float) -> Sent:
    try:
        response = session.post(f"{base_url}/webhooks", data=delivery.body, headers=delivery.headers,
                                timeout=load.TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return Sent(scheduled, None, type(exc).__name__, None)
    accepted = time.perf_counter()
    if response.status_code != 200:
        return Sent(scheduled, None, response.status_code, None)
    return Sent(scheduled, accepted, 200, response.json().get("status"))


class Watcher(threading.Thread):
    """Polls the entitlements on a connection of its own; notes when each order's first appears."""

    QUERY = text("SELECT id, order_id, created_at FROM entitlements WHERE shop_id = :shop AND id > :after "
                 "ORDER BY id")

    def __init__(self, engine, shop_id: int, interval: float):
        super().__init__(daemon=True)
        self.engine, self.shop_id, self.interval = engine, shop_id, interval
        self.seen: dict[int, tuple[float, datetime]] = {}   # order id -> (poll time, created_at)
        self.stopping = threading.Event()
        self.polls = 0

    def run(self) -> None:
        # Autocommit: every poll is a fresh snapshot. One worker commits one job after another,
        # so ids become visible in order and `id > last` misses nothing; the final checks count
        # every row anyway, so a missed one would show as an order never seen.
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            after = 0
            while not self.stopping.is_set():
                polled = time.perf_counter()  # the statement's snapshot is taken at its start
                for row_id, order_id, created_at in conn.execute(self.QUERY, {"shop": self.shop_id,
                                                                             "after": after}):
                    self.seen.setdefault(order_id, (polled, created_at))
                    after = max(after, row_id)
                self.polls += 1
                self.stopping.wait(max(0.0, polled + self.interval - time.perf_counter()))

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def wait_for(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.seen) < count and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.05)
        return len(self.seen) >= count


# --- the run --------------------------------------------------------------------------------


def run(options: argparse.Namespace, cleanup: ExitStack) -> dict:
    """Set up the throwaway stack, warm it, time the orders, check the rows, return the figures."""
    loadavg = os.getloadavg()
    database_url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    redis, queue_name = cleanup.enter_context(stack.isolated_queue(options.redis_url))
    app_env = {**stack.app_environment(database_url, options.redis_url, queue_name),
               "PACKBOOK_RECONCILE_MINUTES": "0"}  # reconciliation would call Shopify
    env = stack.child_environment(app_env)
    stack.migrate(env)
    engine = cleanup.enter_context(stack.database_engine(database_url))
    shop_id, warm_shop_id = seed_shop(engine, SHOP), seed_shop(engine, WARM_SHOP)
    base_url = cleanup.enter_context(stack.gunicorn(env, stack.ServerSettings(options.workers, options.threads)))
    cleanup.enter_context(stack.rq_worker(env))
    secret, run_id = app_env["SHOPIFY_API_SECRET"], secrets.token_hex(3)
    if options.warm_up:
        warm_up(cleanup, engine, base_url, warm_shop_id, make_deliveries(
            WARM_SHOP, secret, options.warm_up, FIRST_ORDER_ID - 10_000, f"{run_id}-warm"), options)
    deliveries = make_deliveries(SHOP, secret, options.orders, FIRST_ORDER_ID, run_id)
    watcher = start_watcher(cleanup, engine, shop_id, options)
    stack.log(f"sending {options.orders} orders/paid at {options.rate:g}/s")
    sent = send_paced(base_url, deliveries, options.rate, options.pool)
    stack.log(f"sent; waiting up to {options.drain_timeout:g}s for the worker")
    watcher.wait_for(options.orders, options.drain_timeout)
    watcher.stop()
    figures = measure(sent, watcher, rq_times(engine, redis, queue_name, deliveries, shop_id))
    return {"facts": facts(engine, options, deliveries, loadavg, watcher), **figures,
            "checks": verify(engine, shop_id, options.orders, sent)}


def start_watcher(cleanup: ExitStack, engine, shop_id: int, options) -> Watcher:
    watcher = Watcher(engine, shop_id, options.poll_ms / 1000)
    watcher.start()
    cleanup.callback(watcher.stop)  # before the database is dropped under it
    return watcher


def warm_up(cleanup: ExitStack, engine, base_url: str, shop_id: int, deliveries: list[Delivery],
            options) -> None:
    """Untimed orders on another shop: gunicorn's and the worker's imports, pools and caches."""
    stack.log(f"warming up with {len(deliveries)} orders on {WARM_SHOP}")
    watcher = start_watcher(cleanup, engine, shop_id, options)
    send_paced(base_url, deliveries, rate=10, pool=2)
    watcher.wait_for(len(deliveries), 60)
    watcher.stop()


def rq_times(engine, redis, queue_name: str, deliveries: list[Delivery], shop_id: int) -> dict[int, tuple]:
    """Per order: (received_at, rq started_at, rq ended_at) as epoch seconds, for where the time goes."""
    with engine.connect() as conn:
        events = conn.execute(text("SELECT event_id, id, received_at FROM webhook_events WHERE shop_domain = :d"),
                              {"d": SHOP}).all()
    by_event = {d.event_id: d.order_id for d in deliveries}
    pipe = redis.pipeline(transaction=False)
    for _, row_id, _ in events:  # the receiver's job id; see JobQueue.job_id
        pipe.hmget(f"rq:job:{queue_name}-webhook-event-{row_id}", "started_at", "ended_at")
    times = {}
    for (event_id, _, received), (started, ended) in zip(events, pipe.execute()):
        if started and ended:
            times[by_event[event_id]] = (received.timestamp(), _rq_time(started), _rq_time(ended))
    return times


def _rq_time(value: bytes) -> float:
    return datetime.strptime(value.decode(), "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def measure(sent: dict[int, Sent], watcher: Watcher, rq: dict[int, tuple]) -> dict:
    """Latencies in ms. The bench's perf_counter and the server's wall clock are the same machine's."""
    to_perf = time.perf_counter() - time.time()   # epoch seconds + to_perf = perf_counter seconds
    accepted = {order: s.accepted for order, s in sent.items() if s.accepted is not None}
    both = [order for order in accepted if order in watcher.seen]
    visible = [(watcher.seen[o][0] - accepted[o]) * 1000 for o in both]
    created = [(watcher.seen[o][1].timestamp() + to_perf - accepted[o]) * 1000 for o in both]
    first, last = min(accepted.values(), default=0), max((watcher.seen[o][0] for o in both), default=0)
    timed = [o for o in both if o in rq]
    stages = {
        "http_scheduled_to_200": [(s.accepted - s.scheduled) * 1000 for s in sent.values() if s.accepted],
        "queue_wait_200_to_job_start": [(rq[o][1] + to_perf - accepted[o]) * 1000 for o in timed],
        "job_start_to_end": [(rq[o][2] - rq[o][1]) * 1000 for o in timed],
        "job_end_to_seen": [(watcher.seen[o][0] - rq[o][2] - to_perf) * 1000 for o in timed],
    }
    return {"orders": len(sent), "accepted": len(accepted), "visible": len(watcher.seen),
            "visible_ms": summary(visible), "created_at_ms": summary(created),
            "stages_ms": {name: summary(values) for name, values in stages.items()},
            "accepted_per_s": round(len(accepted) / (max(accepted.values()) - first), 1) if accepted else 0,
            "visible_per_s": round(len(both) / (last - first), 1) if both else 0,
            "p99_met": len(both) == len(sent) and summary(visible)["p99"] < TARGET_P99_MS}


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {name: round(load.percentile(ordered, p), 1) for name, p in
            (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))}


def verify(engine, shop_id: int, orders: int, sent: dict[int, Sent]) -> dict:
    """Exactly one entitlement per order, none twice, every event done, every delivery newly accepted."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(DISTINCT order_id) FROM entitlements WHERE shop_id = :s"),
                            {"s": shop_id}).one()
        duplicates = conn.scalar(text(
            "SELECT count(*) FROM (SELECT 1 FROM entitlements WHERE shop_id = :s "
            "GROUP BY order_id, line_item_id, unit_index HAVING count(*) > 1) AS d"), {"s": shop_id})
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM webhook_events "
                                          "WHERE shop_domain = :d GROUP BY status"), {"d": SHOP}).all())
    answers = sum(1 for s in sent.values() if s.answer == "accepted")
    passed = (rows[0] == rows[1] == orders and not duplicates and statuses == {"done": orders}
              and answers == orders)
    return {"entitlements": rows[0], "distinct_orders": rows[1], "duplicates": duplicates,
            "event_statuses": statuses, "answered_accepted": answers, "passed": passed}


def facts(engine, options, deliveries: list[Delivery], loadavg, watcher: Watcher) -> dict:
    with engine.connect() as conn:
        pg = {name: conn.scalar(text(f"SHOW {name}")) for name in ("server_version", "fsync", "synchronous_commit")}
    return {"nproc": os.cpu_count(), "loadavg_before": [round(x, 2) for x in loadavg],
            "server": stack.ServerSettings(options.workers, options.threads).describe(),
            "rq_workers": 1, "rate": options.rate, "pool": options.pool, "warm_up": options.warm_up,
            "poll_ms": options.poll_ms, "polls": watcher.polls, "postgres": pg,
            "body_bytes": len(deliveries[0].body) if deliveries else 0}


# --- output -----------------------------------------------------------------------------------


def as_table(result: dict) -> str:
    f, c = result["facts"], result["checks"]
    pg = f["postgres"]
    row = lambda label, s: f"{label:<34}{s['p50']:>9.1f}{s['p90']:>9.1f}{s['p99']:>9.1f}{s['max']:>9.1f}"  # noqa: E731
    lines = [f"machine: {f['nproc']} cores, load before run " + " ".join(map(str, f["loadavg_before"])),
             f"server:  {f['server']}; one `flask worker`; PostgreSQL {pg['server_version']}, "
             f"fsync={pg['fsync']}, synchronous_commit={pg['synchronous_commit']}",
             f"load:    {result['orders']} orders/paid at {f['rate']:g}/s ({f['pool']} senders), "
             f"{f['body_bytes']} bytes each, after {f['warm_up']} warm-up orders; "
             f"poll every {f['poll_ms']:g} ms ({f['polls']} polls)",
             "",
             f"orders {result['orders']}  accepted {result['accepted']}  visible {result['visible']}",
             f"{'ms':<34}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}",
             row("200 -> visible (polled)", result["visible_ms"]),
             row("200 -> created_at (worker clock)", result["created_at_ms"])]
    lines += [row(f"  {name.replace('_', ' ')}", s) for name, s in result["stages_ms"].items()]
    lines += ["",
              f"throughput: accepted {result['accepted_per_s']}/s; visible {result['visible_per_s']}/s "
              "(first 200 to last entitlement seen)",
              f"p99 200 -> visible: {result['visible_ms']['p99']:.0f} ms (target < {TARGET_P99_MS:.0f} ms)  "
              + ("met" if result["p99_met"] else "MISSED"),
              f"checks: {c['entitlements']} entitlements, {c['distinct_orders']} orders, {c['duplicates']} "
              f"duplicated units, events {c['event_statuses']}, {c['answered_accepted']} answered 'accepted'  "
              + ("OK" if c["passed"] else "FAILED")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    result = stack.run_with_cleanup(lambda cleanup: run(options, cleanup))
    if result is None:
        return 130
    print(json.dumps(result, indent=2) if options.json else as_table(result))
    return 0 if result["checks"]["passed"] and result["visible"] == result["orders"] else 1


if __name__ == "__main__":
    sys.exit(main())
