"""Benchmark two admin API calls on PostgreSQL: a calendar week of bookings, and the customer search.

A throwaway PostgreSQL database gets one shop in Europe/London: 10 staff performing three services, 50,000
customers with varied names and emails, and 5,000 bookings over ten weeks around today (the busiest week holds
about 560; about 40 % of them paid from 10-session packages, the rest unpaid, some cancelled or no-shows). Then,
in-process (Flask test client, a fresh session token per request, after a warm-up), interleaved request by
request:

- `GET /api/bookings?from=…&to=…` for the busiest week, all staff (the admin's week calendar),
- `GET /api/customers?q=…` for five kinds of query: a 3+ letter name fragment, a full "first last", an email
  fragment, a Shopify customer id, and a 2-letter fragment.

It prints p50/p95/max per call and per kind of query, the rows returned, the queries each request sends, and
`EXPLAIN (ANALYZE, BUFFERS)` of the search's SQL for a 3+ letter fragment. Target: API p95 < 50 ms for each.

    .venv/bin/python bench/admin_api.py [--requests 200] [--json] [--profile] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import math
import os
import platform
import pstats
import random
import sys
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Run as a script, this folder leads sys.path, and its webhooks.py would shadow the app's `webhooks`.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.append(str(BENCH))

import admin_shop  # noqa: E402
import stack  # noqa: E402
from admin_shop import SHOP, ZONE, ascii_name, this_monday  # noqa: E402

STAFF, BOOKINGS, CUSTOMERS, WEEKS = 10, 5_000, 50_000, 10
REGULARS = 1_500          # the customers who book; the rest bought once, or only exist in Shopify's sync
PACKAGE_HOLDERS = 0.4     # share of regulars who pay from 10-session packages
TARGET_P95_MS = 50.0
# Relative weight of each of the ten weeks: the sixth (this week) is the busiest.
WEEK_WEIGHTS = (0.85, 0.9, 0.95, 1.0, 1.05, 1.12, 1.05, 1.0, 0.95, 0.9)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")  # open 09:00-19:00


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per call and per kind of search (default 200)")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL server; a throwaway database is made on it and dropped after")
    parser.add_argument("--seed", type=int, default=20260316)
    parser.add_argument("--profile", action="store_true", help="cProfile 50 requests of each call (to stderr)")
    parser.add_argument("--no-gc-freeze", dest="gc_freeze", action="store_false",
                        help="skip gc.collect(); gc.freeze() before timing (the app's warm-up does it in every "
                             "server process; this shows the cost without it)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


# --- the data (never timed) ------------------------------------------------------------------------


def make_customers(rng: random.Random, shop_id: int) -> list[dict]:
    """50,000 customers, emails in the usual shapes; 4 % guests (no Shopify id), 3 % with only an email, 0.2 %
    redacted: the search must cope with all of them."""
    return admin_shop.make_customers(rng, shop_id, CUSTOMERS, varied_email, guests=0.04, email_only=0.03,
                                     redacted=0.002, years=3)


def varied_email(rng: random.Random, first: str, last: str, n: int) -> str:
    f, l = ascii_name(first), ascii_name(last)
    local = rng.choice((f"{f}.{l}", f"{f}{l}", f"{f[0]}{l}", f"{f}.{l}{rng.randint(1, 99)}",
                        f"{l}.{f}", f"{f}{rng.randint(1960, 2006)}", f"{f}_{l}"))
    return f"{local}{n % 97 if rng.random() < 0.5 else ''}@{rng.choice(admin_shop.DOMAINS)}"


def week_counts() -> list[int]:
    raw = [BOOKINGS * w / sum(WEEK_WEIGHTS) for w in WEEK_WEIGHTS]
    counts = [math.floor(x) for x in raw]
    for i in sorted(range(WEEKS), key=lambda i: raw[i] - counts[i], reverse=True)[:BOOKINGS - sum(counts)]:
        counts[i] += 1
    return counts


def booking_times(rng: random.Random, first_monday: date, services: list[tuple[int, int]]) -> list[tuple]:
    """(resource index, service id, minutes, local start), never overlapping on a resource: each staff member's
    days are filled back to back (with the odd 15-minute gap), and each week's count is drawn from them."""
    chosen = []
    for week, count in enumerate(week_counts()):
        candidates = admin_shop.week_sessions(rng, first_monday + timedelta(weeks=week), services, STAFF,
                                              len(DAYS), gaps=(0, 0, 0, 15))
        if len(candidates) < count:
            raise RuntimeError(f"week {week}: only {len(candidates)} free sessions for {count} bookings")
        chosen += rng.sample(candidates, count)
    return sorted(chosen, key=lambda c: c[3])


def seed(app, rng: random.Random) -> dict:
    """The shop, staff, services, customers, bookings and packages; returns what the measurement needs."""
    from sqlalchemy import insert, select

    from booking.records import Customer

    database = app.extensions["packbook.db"]
    now = datetime.now(UTC)
    shop_id, staff_ids, service_ids = admin_shop.seed_shop(database, [f"Therapist {n + 1}" for n in range(STAFF)],
                                                           DAYS)
    [(plan_id, terms)] = admin_shop.add_plans(database, shop_id, [{
        "title": "10x treatment", "unit": "sessions", "quantity": 10, "service_ids": [s for s, _ in service_ids]}])

    started = time.perf_counter()
    customers = make_customers(rng, shop_id)
    with database.transaction() as session:
        for start in range(0, len(customers), 5_000):
            session.execute(insert(Customer), customers[start:start + 5_000])
    stack.log(f"inserted {len(customers):,} customers in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    first_monday = this_monday() - timedelta(weeks=5)
    with database.transaction() as session:
        known = session.execute(select(Customer.id).where(Customer.shop_id == shop_id,
                                                          Customer.shopify_customer_id.is_not(None),
                                                          Customer.redacted_at.is_(None))
                                .order_by(Customer.id)).scalars().all()
    regulars = rng.sample(known, REGULARS)
    holders = set(rng.sample(regulars, int(REGULARS * PACKAGE_HOLDERS)))
    # Some regulars come every week, most now and then: a long-tailed pick.
    weights = [1 / (rank + 10) for rank in range(REGULARS)]
    rows, redeemed, packages = [], {}, {}
    for slot in booking_times(rng, first_monday, service_ids):
        customer_id = rng.choices(regulars, weights=weights)[0]
        row = admin_shop.booking_row(rng, shop_id, staff_ids, slot, customer_id, now, cancelled=7, booked_within=40)
        if customer_id in holders and row["status"] != "cancelled":
            # Ten sessions to a package: the customer's eleventh booking opens a second one.
            used = redeemed.get(customer_id, 0)
            redeemed[customer_id] = used + 1
            key = (customer_id, used // 10)
            packages.setdefault(key, (customer_id, plan_id, terms, 10, row["starts_at"]))
            row.update(source="package", redeemed_quantity=Decimal(1), entitlement_id=key)
        rows.append(row)
    ledger = admin_shop.insert_bookings(database, shop_id, rows, packages)
    stack.log(f"inserted {len(rows):,} bookings, {len(packages)} packages and {ledger:,} ledger entries "
              f"in {time.perf_counter() - started:.1f} s")
    weeks = [first_monday + timedelta(weeks=w) for w in range(WEEKS)]
    per_week = [sum(w <= r["starts_at"].astimezone(ZONE).date() < w + timedelta(days=7) for r in rows) for w in weeks]
    busiest = weeks[max(range(WEEKS), key=per_week.__getitem__)]
    return {"shop_id": shop_id, "busiest_week": busiest, "in_busiest_week": max(per_week),
            "paid_from_packages": sum(r["entitlement_id"] is not None for r in rows), "customers": customers}


def vacuum_analyze(url: str) -> None:
    """Fresh statistics for the planner, and the GIN index's pending list merged (autovacuum would, in time)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()


def search_queries(rng: random.Random, customers: list[dict]) -> dict[str, list[str]]:
    """Five kinds of query, several of each, as the front desk types them, drawn from customers that exist."""
    named = [c for c in customers if c["first_name"] and c["shopify_customer_id"]]
    picks = rng.sample(named, 8)
    return {
        "name fragment": ["mar", "chen", "wils", "soph", "harr", "pat"],
        "first last": [f"{c['first_name']} {c['last_name']}" for c in picks[:4]],
        "email fragment": [c["email"].split("@")[0][:9] for c in picks[4:7]] + ["hotmail"],
        "shopify id": [str(c["shopify_customer_id"]) for c in picks],
        "2 letters": ["an", "li", "jo", "ma"],
    }


# --- the measurement -------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: with 200 samples the p95 is the 190th smallest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def figures(timings: dict) -> dict:
    wall, gcs = timings["wall"], timings["full_gcs"]
    return {"requests": len(wall), "p50_ms": round(percentile(wall, 50), 1),
            "p95_ms": round(percentile(wall, 95), 1), "max_ms": round(max(wall), 1),
            "cpu_p50_ms": round(percentile(timings["cpu"], 50), 1), "cpu_p95_ms": round(percentile(timings["cpu"], 95), 1),
            "full_gcs": len(gcs), "full_gc_mean_ms": round(sum(gcs) / len(gcs), 1) if gcs else 0.0,
            "p95_without_full_gc_ms": round(percentile(timings["no_gc_wall"], 95), 1) if timings["no_gc_wall"] else None}


def merged(parts: list[dict]) -> dict:
    return {key: [x for part in parts for x in part[key]] for key in ("wall", "cpu", "full_gcs", "no_gc_wall")}


def _headers(secret: str, api_key: str) -> dict:
    from shopify_app.session_tokens import mint_session_token

    return {"Authorization": "Bearer " + mint_session_token(SHOP, api_key=api_key, secret=secret,
                                                            now=int(time.time()))}


@contextmanager
def counting_queries(engine):
    from sqlalchemy import event

    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(app, options, calls: dict[str, list[str]]) -> tuple[dict, dict]:
    """Every call (one path per query) timed N times, round-robin request by request; fresh token each."""
    client, config = app.test_client(), app.config
    engine = app.extensions["packbook.db"].engine
    get = lambda path: client.get(path, headers=_headers(config["SHOPIFY_API_SECRET"],  # noqa: E731
                                                         config["SHOPIFY_API_KEY"]))
    answers = {}
    for kind, paths in calls.items():
        for path in paths:
            with counting_queries(engine) as statements:
                response = get(path)
            assert response.status_code == 200, (path, response.status_code, response.get_data()[:300])
            answers[path] = (response.get_json(), len(statements))
    for _ in range(5):  # warm-up: every path, a few times (psycopg prepares a statement on its 5th run)
        for paths in calls.values():
            for path in paths:
                get(path)
    gc.collect()
    if options.gc_freeze:
        gc.freeze()
    timings = {kind: {"wall": [], "cpu": [], "full_gcs": [], "no_gc_wall": []} for kind in calls}
    pauses: list[float] = []

    def full_collections(phase, info):  # gen-2 collections, the ones that walk every tracked object
        if info["generation"] == 2:
            pauses.append(time.perf_counter() if phase == "start" else time.perf_counter() - pauses.pop())

    gc.callbacks.append(full_collections)
    try:
        for n in range(options.requests):
            for kind, paths in calls.items():
                path = paths[n % len(paths)]
                headers = _headers(config["SHOPIFY_API_SECRET"], config["SHOPIFY_API_KEY"])
                pauses.clear()
                started, cpu = time.perf_counter(), time.process_time()
                response = client.get(path, headers=headers)
                timings[kind]["wall"].append((time.perf_counter() - started) * 1000)
                timings[kind]["cpu"].append((time.process_time() - cpu) * 1000)
                timings[kind]["full_gcs"] += [pause * 1000 for pause in pauses]
                if not pauses:
                    timings[kind]["no_gc_wall"].append(timings[kind]["wall"][-1])
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
    finally:
        gc.callbacks.remove(full_collections)
        if options.gc_freeze:
            gc.unfreeze()
    return timings, answers


def profile(app, calls: dict[str, list[str]]) -> str:
    client, config = app.test_client(), app.config
    out = io.StringIO()
    for label, paths in (("bookings week", calls["bookings week"]),
                         ("customer search", [p for k, ps in calls.items() if k != "bookings week" for p in ps])):
        profiler = cProfile.Profile()
        for n in range(50):
            headers = _headers(config["SHOPIFY_API_SECRET"], config["SHOPIFY_API_KEY"])
            profiler.runcall(client.get, paths[n % len(paths)], headers=headers)
        out.write(f"--- {label}: 50 requests, by cumulative time\n")
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def explain_search(app, shop_id: int, query: str) -> tuple[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of exactly the SQL booking.customers.search sends for `query`."""
    from sqlalchemy import event

    from booking.customers import search

    database = app.extensions["packbook.db"]
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with database.sessionmaker() as session:
        event.listen(database.engine, "before_cursor_execute", keep)
        try:
            search(session, shop_id, query, limit=26)
        finally:
            event.remove(database.engine, "before_cursor_execute", keep)
        statement, parameters = next((s, p) for s, p in captured if "FROM customers" in s)
        connection = session.connection()
        plan = [row[0] for row in connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        session.rollback()
    return statement, plan


# --- the run ---------------------------------------------------------------------------------------


def create(url: str):
    return stack.in_process_app(url, "packbook-bench-admin-api")


def run(options, cleanup) -> dict:
    load_before = [round(x, 2) for x in os.getloadavg()]
    url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    app = create(url)
    cleanup.callback(app.extensions["packbook.db"].engine.dispose)
    rng = random.Random(options.seed)
    seeded = seed(app, rng)
    vacuum_analyze(url)
    week = seeded["busiest_week"]
    queries = search_queries(rng, seeded.pop("customers"))
    calls = {"bookings week": [f"/api/bookings?from={week.isoformat()}&to={(week + timedelta(days=7)).isoformat()}"]}
    calls.update({kind: [f"/api/customers?q={q.replace(' ', '+')}" for q in qs] for kind, qs in queries.items()})
    stack.log(f"timing {options.requests} requests per call, interleaved")
    timings, answers = measure(app, options, calls)
    statement, plan = explain_search(app, seeded["shop_id"], "wils")
    _, short_plan = explain_search(app, seeded["shop_id"], "an")
    if options.profile:
        print(profile(app, calls), file=sys.stderr)

    [week_path] = calls["bookings week"]
    listed, week_queries = answers[week_path]
    search_kinds = [k for k in calls if k != "bookings week"]
    all_search = merged([timings[k] for k in search_kinds])
    return {
        "facts": {"python": platform.python_version(), "cores": os.cpu_count(), "load_before": load_before,
                  "load_after": [round(x, 2) for x in os.getloadavg()], "staff": STAFF, "bookings": BOOKINGS,
                  "customers": CUSTOMERS, "paid_from_packages": seeded["paid_from_packages"],
                  "week": week.isoformat(), "bookings_in_week": seeded["in_busiest_week"],
                  "gc_freeze": options.gc_freeze, "gc_tracked_objects": len(gc.get_objects())},
        "bookings_week": {**figures(timings["bookings week"]), "listed": len(listed["bookings"]),
                          "queries_per_request": week_queries},
        "search": {kind: {**figures(timings[kind]), "queries": [
            {"q": q, "results": len(answers[p][0]["customers"]), "has_more": answers[p][0]["has_more"],
             "sql_queries": answers[p][1]} for q, p in zip(queries[kind], calls[kind])]} for kind in search_kinds},
        "search_overall": figures(all_search),
        "explain": {"q": "wils", "sql": statement, "plan": plan},
        "explain_2_letters": {"q": "an", "plan": short_plan},
    }


def as_text(r: dict) -> str:
    f, b = r["facts"], r["bookings_week"]
    lines = [(f"machine: {f['cores']} cores, python {f['python']}, load before {f['load_before']}, "
              f"after {f['load_after']}"),
             (f"data:    {f['customers']:,} customers, {f['bookings']:,} bookings over {f['staff']} staff "
              f"({f['paid_from_packages']:,} paid from packages); week of {f['week']} holds {f['bookings_in_week']}"),
             f"gc:      {f['gc_tracked_objects']:,} tracked objects"
             + (", frozen before timing (the default; --no-gc-freeze to compare)" if f["gc_freeze"] else ""),
             "",
             (f"{'call':<34}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'cpu p50':>9}{'cpu p95':>9}{'full gcs':>14}"
              "  results"),
             (f"{'GET /api/bookings (week)':<34}{_row(b)}"
              f"  {b['listed']} bookings, {b['queries_per_request']} SQL queries per request")]
    for kind, s in r["search"].items():
        found = ", ".join(f"{q['q']!r} {q['results']}{'+' if q['has_more'] else ''}" for q in s["queries"])
        lines.append(f"{'GET /api/customers ' + kind:<34}{_row(s)}  {found}")
    o = r["search_overall"]
    lines.append(f"{'GET /api/customers (all)':<34}{_row(o)}"
                 f"  {next(iter(r['search'].values()))['queries'][0]['sql_queries']} SQL queries per request")
    e, short = r["explain"], r["explain_2_letters"]
    lines += ["", f"EXPLAIN (ANALYZE, BUFFERS) of the search for {e['q']!r}:", e["sql"], *("  " + p for p in e["plan"]),
              f"and for {short['q']!r} (two letters make no trigram; the scan and its time):",
              *("  " + p.strip() for p in short["plan"] if "Scan" in p or "Execution Time" in p), ""]
    for label, f in (("bookings week", b), ("customer search", o)):
        aside = (f" (requests without a full gc: p95 {f['p95_without_full_gc_ms']} ms)"
                 if f["full_gcs"] and f["p95_without_full_gc_ms"] is not None else "")
        lines.append(f"{label}: p95 {f['p95_ms']} ms; p95 < {TARGET_P95_MS:.0f} ms: "
                     + ("met" if f["p95_ms"] < TARGET_P95_MS else "MISSED") + aside)
    return "\n".join(lines)


def _row(f: dict) -> str:
    gcs = f"{f['full_gcs']} x {f['full_gc_mean_ms']:.0f} ms" if f["full_gcs"] else "0"
    return (f"{f['requests']:>9}{f['p50_ms']:>9}{f['p95_ms']:>9}{f['max_ms']:>9}{f['cpu_p50_ms']:>9}{f['cpu_p95_ms']:>9}{gcs:>14}")


def main(argv=None) -> int:
    options = parse_args(argv)
    result = stack.run_with_cleanup(lambda cleanup: run(options, cleanup))
    if result is None:
        return 1
    print(json.dumps(result, indent=2) if options.json else as_text(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
