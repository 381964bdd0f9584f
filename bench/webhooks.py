"""Benchmark POST /webhooks (verify -> store -> enqueue -> 200) against GET /healthz/live.

Runs the real app under gunicorn on a throwaway PostgreSQL database and a private rq queue,
drives it with wrk (maximum throughput) and a paced Python generator (fixed rate), checks that
every 200 from /webhooks is a stored row, prints figures and cleans everything up.

    /tmp/pbvenv/bin/python bench/webhooks.py [--with-worker] [--json] [--help]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import sys
import time
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))          # the bench's own modules, also under `python -m`
sys.path.append(str(BENCH.parent))      # the app's signer; appended so it shadows nothing here

import load  # noqa: E402
import report  # noqa: E402
import stack  # noqa: E402
from shopify_app.signatures import sign_webhook  # noqa: E402

SAMPLE = BENCH.parent / "webhooks" / "samples" / "orders__paid.json"
SHOP = "bench-shop.myshopify.com"
# The parts of the sample kept when it is trimmed: what a real order webhook never lacks.
ESSENTIAL_KEYS = {"id", "admin_graphql_api_id", "name", "email", "contact_email", "currency",
                  "created_at", "updated_at", "processed_at", "financial_status", "line_items",
                  "customer", "note", "order_number", "total_price", "subtotal_price", "test"}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    # 2 x 4 is what the Procfile runs, and on 2 cores it was as fast as any setting we swept.
    # A webhook costs about 3 ms of Python CPU, so one process per core is enough. The threads
    # fill the waits on the commit's fsync and on Redis, which release the GIL. 1 x 8 is
    # GIL-bound (about half the throughput), and 3 x 4 or 4 x 4 only add contention.
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (-c)")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (-t)")
    parser.add_argument("--duration", type=float, default=10, help="seconds per max-throughput run")
    parser.add_argument("--rate", type=float, default=200, help="requests/s of the paced runs")
    parser.add_argument("--rate-duration", type=float, default=10, help="seconds per paced run")
    parser.add_argument("--pool", type=int, default=16, help="sender threads of the paced runs")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the four phases N times, alternating endpoints; targets use medians")
    parser.add_argument("--body-size", type=int, default=4096, help="bytes of the orders/paid body")
    parser.add_argument("--with-worker", action="store_true",
                        help="also run `flask worker`, so the queue drains during and after the load")
    parser.add_argument("--drain-timeout", type=float, default=120,
                        help="with --with-worker, seconds to wait for the queue to empty")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL server to create the throwaway database on (BENCH_DATABASE_URL)")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
                        help="Redis database for the bench's queue (BENCH_REDIS_URL)")
    return parser.parse_args(argv)


# --- the delivery ------------------------------------------------------------------


def order_body(size: int) -> bytes:
    """Shopify's sample orders/paid as compact JSON (as Shopify sends it), exactly `size` bytes."""
    order = json.loads(SAMPLE.read_text())
    order["note"] = ""
    while _size(order) > size and len(order["line_items"]) > 1:
        order["line_items"].pop()
    for key in sorted(order, key=lambda key: -_size(order[key])):
        if _size(order) <= size:
            break
        if key not in ESSENTIAL_KEYS:
            del order[key]
    while _size(order) + _size(order["line_items"][0]) + 1 <= size:
        order["line_items"].append(order["line_items"][0])
    order["note"] = "x" * (size - _size(order))   # an ASCII note pads to the exact byte
    body = _compact(order)
    if len(body) != size:
        raise ValueError(f"cannot shape the sample order to {size} bytes")
    return body


def _compact(value) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _size(value) -> int:
    return len(_compact(value))


def make_targets(secret: str, body: bytes) -> tuple[load.Target, load.Target]:
    """The signed orders/paid delivery, and the trivial endpoint it is compared with."""
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/paid",
               "X-Shopify-Shop-Domain": SHOP, "X-Shopify-API-Version": "2026-10",
               "X-Shopify-Hmac-Sha256": sign_webhook(body, secret)}
    return (load.Target("POST /webhooks", "POST", "/webhooks", body, headers),
            load.Target("GET /healthz/live", "GET", "/healthz/live"))


# --- the run -------------------------------------------------------------------------


def run(options: argparse.Namespace, cleanup: ExitStack) -> report.Report:
    """Set up the throwaway stack, run the four phases, check storage, report the queue."""
    loadavg = os.getloadavg()
    database_url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    redis, queue_name = cleanup.enter_context(stack.isolated_queue(options.redis_url))
    app_env = stack.app_environment(database_url, options.redis_url, queue_name)
    env = stack.child_environment(app_env)
    stack.migrate(env)
    engine = cleanup.enter_context(stack.database_engine(database_url))
    settings = stack.ServerSettings(options.workers, options.threads)
    base_url = cleanup.enter_context(stack.gunicorn(env, settings))
    if options.with_worker:
        cleanup.enter_context(stack.rq_worker(env))
    body = order_body(options.body_size)
    warm_up, results = run_phases(base_url, make_targets(app_env["SHOPIFY_API_SECRET"], body), options)
    storage = report.check_storage(engine, [r for r in warm_up + results if r.endpoint == report.WEBHOOK])
    queue = drain_queue(redis, queue_name, options)
    facts = machine_facts(engine, settings, body, options, loadavg)
    return report.Report(facts, results, storage, queue, report.event_statuses(engine))


def run_phases(base_url: str, targets: tuple[load.Target, load.Target],
               options: argparse.Namespace) -> tuple[list[load.Result], list[load.Result]]:
    """Warm up, then each endpoint at maximum throughput, then each at the fixed rate.

    The endpoints alternate, and with --repeat the whole round does too, so a burst of
    noise from a neighbour on a shared machine lands on both sides of the ratio.
    """
    run_id = secrets.token_hex(3)
    warm_up = [load.run_paced(base_url, target, f"{run_id}-warm", rate=50, duration=1, pool=4)
               for target in targets]  # pools, caches and lazy imports in every worker
    results = []
    for round_ in range(1, options.repeat + 1):
        for target in targets:
            stack.log(f"{target.label}: maximum throughput for {options.duration:g}s (round {round_})")
            results.append(_max_throughput(base_url, target, f"{run_id}-max{round_}", options))
        for target in targets:
            stack.log(f"{target.label}: {options.rate:g} requests/s for {options.rate_duration:g}s")
            results.append(load.run_paced(base_url, target, f"{run_id}-paced{round_}", rate=options.rate,
                                          duration=options.rate_duration, pool=options.pool))
    return warm_up, results


def _max_throughput(base_url: str, target: load.Target, prefix: str,
                    options: argparse.Namespace) -> load.Result:
    if load.has_wrk():
        return load.run_wrk(base_url, target, prefix, threads=options.wrk_threads,
                            connections=options.connections, duration=options.duration)
    return load.run_closed_loop(base_url, target, prefix, connections=options.connections,
                                duration=options.duration)


def drain_queue(redis, queue_name: str, options: argparse.Namespace) -> dict:
    """Queue depth after the load; with a worker, how long it took to empty."""
    depth = stack.queue_depth(redis, queue_name)
    queue = {"depth_after_load": depth, "worker": options.with_worker}
    if options.with_worker:
        started = time.monotonic()
        while depth and time.monotonic() - started < options.drain_timeout:
            time.sleep(0.5)
            depth = stack.queue_depth(redis, queue_name)
        queue.update(depth_at_end=depth, drain_seconds=round(time.monotonic() - started, 1))
    return queue


def machine_facts(engine, settings: stack.ServerSettings, body: bytes,
                  options: argparse.Namespace, loadavg: tuple[float, ...]) -> dict:
    """What the figures depend on: cores, load before the run, server settings, durability."""
    with engine.connect() as conn:
        durability = {name: conn.scalar(text(f"SHOW {name}"))
                      for name in ("server_version", "fsync", "synchronous_commit")}
    return {"nproc": os.cpu_count(), "cpu": _cpu_model(), "loadavg_before": [round(x, 2) for x in loadavg],
            "python": platform.python_version(), "server": settings.describe(),
            "body_bytes": len(body), "generator": _generator(options),
            "generator_bound": not load.has_wrk(),
            "postgres": durability, "rq_worker": options.with_worker}


def _generator(options: argparse.Namespace) -> str:
    if load.has_wrk():
        return f"{load.wrk_version()} -t{options.wrk_threads} -c{options.connections} -d{options.duration:g}s"
    return f"Python threads, {options.connections} connections, {options.duration:g}s (wrk not installed)"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    result = stack.run_with_cleanup(lambda cleanup: run(options, cleanup))
    if result is None:
        return 130
    print(report.as_json(result) if options.json else report.as_table(result))
    return 0 if result.storage["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
