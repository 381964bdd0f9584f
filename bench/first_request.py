"""How long the first webhook delivery after a fresh gunicorn start takes, against the ones after it.

Starts the app under gunicorn (one worker, so every request meets the same fresh process) on a throwaway
PostgreSQL database and a private rq queue, waits until it listens, then sends signed orders/paid
deliveries one at a time and times each. Repeats with a new gunicorn each round and prints the figures.

    .venv/bin/python bench/first_request.py [--rounds 5] [--deliveries 10] [--probe http|tcp] [--settle S] [--json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

import requests

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.append(str(BENCH.parent))

import stack  # noqa: E402
from shopify_app.signatures import sign_webhook  # noqa: E402

SAMPLE = BENCH.parent / "webhooks" / "samples" / "orders__paid.json"
SHOP = "bench-shop.myshopify.com"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="fresh gunicorn starts (default 5)")
    parser.add_argument("--deliveries", type=int, default=10, help="deliveries timed per start (default 10)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--probe", choices=("http", "tcp"), default="http",
                        help="http: GET /healthz/live until it answers, before the deliveries; tcp: no request "
                             "before the first delivery (wait for the port, then --settle seconds)")
    parser.add_argument("--settle", type=float, default=3.0,
                        help="with --probe tcp: seconds to wait after the port accepts (default 3; 0 = deliver "
                             "while the worker may still be booting)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser.parse_args(argv)


def deliver(base_url: str, secret: str, body: bytes) -> float:
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": "orders/paid", "X-Shopify-Shop-Domain": SHOP,
               "X-Shopify-Event-Id": str(uuid.uuid4()), "X-Shopify-API-Version": "2026-10",
               "X-Shopify-Hmac-Sha256": sign_webhook(body, secret)}
    started = time.perf_counter()
    response = requests.post(f"{base_url}/webhooks", data=body, headers=headers, timeout=30)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"delivery answered {response.status_code}: {response.text[:300]}")
    return elapsed


def one_round(options, cleanup) -> list[float]:
    database_url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    _, queue_name = cleanup.enter_context(stack.isolated_queue(options.redis_url))
    env = stack.child_environment(stack.app_environment(database_url, options.redis_url, queue_name))
    stack.migrate(env)
    base_url = cleanup.enter_context(stack.gunicorn(env, stack.ServerSettings(1, 4), probe=options.probe,
                                                    settle=options.settle))
    body = SAMPLE.read_bytes()
    return [deliver(base_url, env["SHOPIFY_API_SECRET"], body) for _ in range(options.deliveries)]


def main(argv=None) -> int:
    options = parse_args(argv)
    rounds = []
    for _ in range(options.rounds):
        timings = stack.run_with_cleanup(lambda cleanup: one_round(options, cleanup))
        if timings is None:
            return 1
        rounds.append(timings)
    firsts = [r[0] for r in rounds]
    later = [t for r in rounds for t in r[1:]]
    figures = {"probe": options.probe, "rounds": len(rounds), "first_ms": [round(t, 1) for t in firsts],
               "first_median_ms": round(statistics.median(firsts), 1),
               "later_median_ms": round(statistics.median(later), 1),
               "later_max_ms": round(max(later), 1)}
    if options.json:
        print(json.dumps(figures))
    else:
        print(f"first delivery after a fresh start: median {figures['first_median_ms']} ms "
              f"(each round: {', '.join(map(str, figures['first_ms']))})")
        print(f"deliveries 2..{options.deliveries}: median {figures['later_median_ms']} ms, "
              f"max {figures['later_max_ms']} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
