"""Benchmark the admin's liability report on PostgreSQL: a shop with 100,000 packages and 1,000,000 ledger entries.

A throwaway PostgreSQL database gets one shop in Europe/London (admin_shop.py's staff and services) with eight
plans (session packs, minute packs, credit, unlimited passes), 30,000 customers and 100,000 packages bought over
the last three years: most lapsed or used up, a third still live, some revoked, a few never expiring. Their
ledgers add up to exactly 1,000,000 entries (grants, redemptions, give-backs, forfeits, adjustments, expiries,
revocations), and each package's running sums (`balance`, `granted`, `unit`) are those of its ledger, as
accounts.write_entry keeps them. Then, in-process (Flask test client, a fresh session token per request, after a
warm-up), interleaved request by request:

- `GET /api/reports/liability` (rows grouped by plan, unit, currency and expiry month, and the chart),
- `GET /api/reports/liability.csv`,
- `GET /api/overview`, the home page's data (bookings today and tomorrow, what is owed, packages expiring this
  month, open attention items, the setup checklist), which has the same target,
- `GET /api/reports/redemptions` for this month (ledger entries of one month, grouped by day), for comparison.

It checks the report against the ledger itself (the sums replayed in SQL), prints p50/p95/max per call, and
`EXPLAIN (ANALYZE, BUFFERS)` of the liability query. Target: p95 < 200 ms for the liability report.

    .venv/bin/python bench/reports.py [--requests 200] [--json] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Run as a script, this folder leads sys.path, and its webhooks.py would shadow the app's `webhooks`.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.append(str(BENCH))

import admin_shop  # noqa: E402
import stack  # noqa: E402
from admin_shop import SHOP  # noqa: E402

PACKAGES, LEDGER_ENTRIES, CUSTOMERS = 100_000, 1_000_000, 30_000
TARGET_P95_MS = 200.0
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat")
# (plan body as the admin's form posts it, price, share of packages sold, cost of one redemption)
PLANS = (
    ({"title": "5 massages", "unit": "sessions", "quantity": 5, "validity_months": 6}, "375.00", 22, 1),
    ({"title": "10 massages", "unit": "sessions", "quantity": 10, "validity_months": 12}, "700.00", 20, 1),
    ({"title": "Intro offer: 3 sessions", "unit": "sessions", "quantity": 3, "validity_days": 60}, "99.00", 12, 1),
    ({"title": "300 minutes", "unit": "minutes", "quantity": 300, "validity_months": 12}, "390.00", 12, 60),
    ({"title": "600 minutes", "unit": "minutes", "quantity": 600}, "720.00", 8, 90),
    ({"title": "£200 credit", "unit": "money", "quantity": 200, "currency": "GBP", "validity_months": 12},
     "180.00", 12, 80),
    ({"title": "£500 credit", "unit": "money", "quantity": 500, "currency": "GBP"}, "450.00", 6, 110),
    ({"title": "Unlimited month", "unit": "unlimited", "validity_days": 30}, "150.00", 8, 0),
)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per call (default 200)")
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
                        help="PostgreSQL server; a throwaway database is made on it and dropped after")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--packages", type=int, default=PACKAGES,
                        help=f"packages to make (default {PACKAGES:,}); the ledger holds ten entries per package")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


# --- the data (never timed) ------------------------------------------------------------------------


def package_ledger(rng: random.Random, terms: dict, cost: int, bought: datetime, expires: datetime | None,
                   now: datetime) -> tuple[list[tuple], str]:
    """(kind, quantity, at) entries of one package and its status, as the app would have written them."""
    unit, quantity = terms["unit"], Decimal(0 if terms["unit"] == "unlimited" else terms["quantity"])
    entries, left = [("grant", quantity, bought)], quantity
    ends = min(now, expires) if expires else now
    span = max((ends - bought).total_seconds(), 60)
    uses = rng.randint(0, 12) if unit == "unlimited" else rng.randint(0, int(quantity // cost) if cost else 0)
    for n in sorted(rng.random() for _ in range(uses)):
        at = bought + timedelta(seconds=span * n)
        price = Decimal(0 if unit == "unlimited" else cost)
        if unit != "unlimited" and left < price:
            break
        entries.append(("redeem", -price, at))
        left -= price
        roll = rng.random()
        if roll < 0.08:  # cancelled in time: given back
            entries.append(("restore", price, at + timedelta(hours=1)))
            left += price
        elif roll < 0.12:  # late cancel or no-show under "forfeit": a marker, the credit stays used
            entries.append(("forfeit", Decimal(0), at + timedelta(hours=1)))
    if unit != "unlimited" and rng.random() < 0.03:
        entries.append(("adjust", Decimal(cost), bought + timedelta(seconds=span / 2)))
        left += cost
    status = "active"
    if expires is not None and expires <= now and rng.random() < 0.97:  # the expiry job ran (most of the time)
        if left:
            entries.append(("expire", -left, expires))
        status = "expired"
    elif rng.random() < 0.02:
        if left:
            entries.append(("revoke", -left, ends))
        status = "revoked"
    return entries, status


def seed(app, rng: random.Random, count: int = PACKAGES) -> dict:
    from sqlalchemy import insert, select

    from booking.records import Customer, Entitlement, LedgerEntry
    from booking.rules.plans import PlanTerms

    database = app.extensions["packbook.db"]
    now = datetime.now(UTC)
    shop_id, _staff, services = admin_shop.seed_shop(database, [f"Therapist {n + 1}" for n in range(8)], DAYS)
    plans = admin_shop.add_plans(database, shop_id, [{**body, "service_ids": [s for s, _ in services]}
                                                     if body["unit"] != "money" else body for body, *_ in PLANS])
    started = time.perf_counter()
    customers = admin_shop.make_customers(rng, shop_id, CUSTOMERS, lambda r, f, l, n: f"c{n}@example.com")
    with database.transaction() as session:
        for start in range(0, len(customers), 5_000):
            session.execute(insert(Customer), customers[start:start + 5_000])
        customer_ids = session.scalars(select(Customer.id).where(Customer.shop_id == shop_id)).all()

    validities = [PlanTerms.from_json(terms).validity for _, terms in plans]
    packages, ledgers = [], []
    weights = [share for *_, share, _ in PLANS]
    for n in range(count):
        index = rng.choices(range(len(PLANS)), weights=weights)[0]
        (plan_id, terms), (_, price, _, cost) = plans[index], PLANS[index]
        bought = now - timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
        expires = validities[index].expires_at(bought, admin_shop.ZONE)
        entries, status = package_ledger(rng, terms, cost, bought, expires, now)
        from_order = rng.random() < 0.85
        quantities = [q for _, q, _ in entries]
        packages.append(dict(shop_id=shop_id, customer_id=rng.choice(customer_ids), plan_id=plan_id, terms=terms,
                             source="order" if from_order else "staff", order_id=5_000_000_000 + n if from_order
                             else None, line_item_id=1 if from_order else None, unit_index=0 if from_order else None,
                             price_paid=Decimal(price) if from_order else None, currency="GBP" if from_order else None,
                             starts_at=bought, expires_at=expires, status=status, created_at=bought,
                             unit=terms["unit"], balance=sum(quantities, Decimal(0)),
                             granted=sum((q for k, q, _ in entries if k == "grant"), Decimal(0))))
        ledgers.append(entries)
    _exactly(rng, packages, ledgers, count * LEDGER_ENTRIES // PACKAGES)

    with database.transaction() as session:
        ids = []
        for start in range(0, count, 10_000):
            ids += session.scalars(insert(Entitlement).returning(Entitlement.id, sort_by_parameter_order=True),
                                   packages[start:start + 10_000]).all()
    stack.log(f"inserted {len(customers):,} customers and {len(ids):,} packages in "
              f"{time.perf_counter() - started:.1f} s")
    started, batch, written = time.perf_counter(), [], 0
    with database.transaction() as session:
        for package_id, package, entries in zip(ids, packages, ledgers):
            unit = "sessions" if package["unit"] == "unlimited" else package["unit"]
            batch += [dict(shop_id=shop_id, entitlement_id=package_id, kind=kind, quantity=quantity, unit=unit,
                           actor="system", created_at=at) for kind, quantity, at in entries]
            if len(batch) >= 20_000:
                session.execute(insert(LedgerEntry), batch)
                written, batch = written + len(batch), []
        if batch:
            session.execute(insert(LedgerEntry), batch)
            written += len(batch)
    stack.log(f"inserted {written:,} ledger entries in {time.perf_counter() - started:.1f} s")
    live = [p for p in packages if p["status"] == "active" and (p["expires_at"] is None or p["expires_at"] > now)]
    return {"shop_id": shop_id, "packages": len(packages), "ledger_entries": written, "live": len(live),
            "owing": sum(1 for p in live if p["unit"] != "unlimited" and p["balance"] > 0),
            "lapsed_unmarked": sum(1 for p in packages if p["status"] == "active" and p["expires_at"] is not None
                                   and p["expires_at"] <= now)}


def _exactly(rng: random.Random, packages: list[dict], ledgers: list[list], total: int) -> None:
    """Make the ledgers hold exactly `total` entries: redemptions given back (a net of zero) on sessions packages
    while short, the last entries of long ledgers dropped (sums kept right) while over."""
    count = sum(map(len, ledgers))
    while count > total:
        i = rng.randrange(len(ledgers))
        if len(ledgers[i]) > 1:
            _, quantity, _ = ledgers[i].pop()
            packages[i]["balance"] -= quantity
            count -= 1
    sessions = [i for i, p in enumerate(packages) if p["unit"] == "sessions"]
    while count < total:
        i = rng.choice(sessions)
        at = ledgers[i][0][2] + timedelta(days=1)
        pair = [("redeem", Decimal(-1), at), ("restore", Decimal(1), at + timedelta(hours=2))]
        ledgers[i][1:1] = pair[:total - count]
        packages[i]["balance"] += sum(q for _, q, _ in pair[:total - count])
        count += len(pair[:total - count])


def vacuum_analyze(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()


def ledger_truth(app, shop_id: int) -> dict:
    """Packages, owed and value per (plan, unit, month, currency), replayed from the ledger itself (not from the
    running sums)."""
    from sqlalchemy import text

    with app.extensions["packbook.db"].engine.connect() as conn:
        rows = conn.execute(text("""
            WITH sums AS (
              SELECT e.id, e.terms->>'title' AS plan, e.unit, e.currency, e.price_paid, e.expires_at,
                     SUM(l.quantity) AS left_, SUM(l.quantity) FILTER (WHERE l.kind = 'grant') AS granted
              FROM entitlements e JOIN ledger_entries l ON l.entitlement_id = e.id
              WHERE e.shop_id = :shop AND e.status = 'active' AND (e.expires_at IS NULL OR e.expires_at > now())
                AND e.unit <> 'unlimited'
              GROUP BY e.id)
            SELECT plan, unit, COALESCE(to_char(timezone('Europe/London', expires_at - interval '1 microsecond'),
                                                'YYYY-MM'), 'never'), COUNT(*), SUM(left_),
                   SUM(CASE WHEN granted > 0 AND price_paid IS NOT NULL THEN round(price_paid * left_ / granted, 2)
                       ELSE 0 END), currency
            FROM sums WHERE left_ > 0 GROUP BY 1, 2, 3, currency"""), {"shop": shop_id}).all()
    return {(plan, unit, month, currency): (count, Decimal(owed), Decimal(value))
            for plan, unit, month, count, owed, value, currency in rows}


# --- the measurement -------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def _headers(config) -> dict:
    from shopify_app.session_tokens import mint_session_token

    return {"Authorization": "Bearer " + mint_session_token(
        SHOP, api_key=config["SHOPIFY_API_KEY"], secret=config["SHOPIFY_API_SECRET"], now=int(time.time()))}


def measure(app, requests: int, calls: dict[str, str]) -> tuple[dict, dict]:
    client = app.test_client()
    answers = {}
    for name, path in calls.items():
        response = client.get(path, headers=_headers(app.config))
        assert response.status_code == 200, (path, response.status_code, response.get_data()[:300])
        answers[name] = response
    for _ in range(5):  # warm-up (psycopg prepares a statement on its 5th run)
        for path in calls.values():
            client.get(path, headers=_headers(app.config))
    gc.collect()
    gc.freeze()
    timings: dict[str, list[float]] = {name: [] for name in calls}
    try:
        for _ in range(requests):
            for name, path in calls.items():
                headers = _headers(app.config)
                started = time.perf_counter()
                response = client.get(path, headers=headers)
                timings[name].append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code}")
    finally:
        gc.unfreeze()
    return timings, answers


def explain_liability(app, shop_id: int) -> tuple[str, list[str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of exactly the SQL booking.reports.liability sends."""
    from sqlalchemy import event

    from booking.accounts import shop_zone
    from booking.reports import liability

    database = app.extensions["packbook.db"]
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    with database.sessionmaker() as session:
        zone = shop_zone(session, shop_id)
        event.listen(database.engine, "before_cursor_execute", keep)
        try:
            liability(session, shop_id, zone, datetime.now(UTC))
        finally:
            event.remove(database.engine, "before_cursor_execute", keep)
        statement, parameters = next((s, p) for s, p in captured if "FROM entitlements" in s)
        plan = [row[0] for row in session.connection().exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)]
        session.rollback()
    return statement, plan


def check(answer: dict, csv_body: bytes, truth: dict) -> dict:
    """The JSON rows and the CSV rows against the ledger's own sums."""
    import csv
    import io

    rows = answer["rows"]
    got = {(r["plan"], r["unit"], r["expires"], r["currency"]): (r["packages"], Decimal(r["owed"]), Decimal(r["value"]))
           for r in rows}
    parsed = list(csv.reader(io.StringIO(csv_body.decode("utf-8-sig"))))
    if got != truth:
        differ = sorted((k, got.get(k), truth.get(k)) for k in set(got) | set(truth) if got.get(k) != truth.get(k))
        stack.log(f"differ from the ledger (first 5): {differ[:5]}")
    return {"rows": len(rows), "matches_ledger": got == truth, "csv_rows": len(parsed) - 1,
            "csv_matches_json": [[c for c in r] for r in parsed[1:]] == [
                [str(r[k]) if r[k] is not None else "" for k in ("plan", "unit", "expires", "packages", "owed",
                                                                  "value", "currency")] for r in rows],
            "total_value": str(sum((Decimal(r["value"]) for r in rows), Decimal(0)))}


def create(url: str):
    return stack.in_process_app(url, "packbook-bench-reports")


def run(options, cleanup) -> dict:
    load_before = [round(x, 2) for x in os.getloadavg()]
    url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    app = create(url)
    cleanup.callback(app.extensions["packbook.db"].engine.dispose)
    seeded = seed(app, random.Random(options.seed), options.packages)
    vacuum_analyze(url)
    calls = {"liability": "/api/reports/liability", "liability.csv": "/api/reports/liability.csv",
             "home (overview)": "/api/overview", "redemptions (this month)": "/api/reports/redemptions"}
    stack.log(f"timing {options.requests} requests per call, interleaved")
    timings, answers = measure(app, options.requests, calls)
    statement, plan = explain_liability(app, seeded["shop_id"])
    verified = check(answers["liability"].get_json(), answers["liability.csv"].get_data(),
                     ledger_truth(app, seeded["shop_id"]))
    return {
        "facts": {"python": platform.python_version(), "cores": os.cpu_count(), "load_before": load_before,
                  "load_after": [round(x, 2) for x in os.getloadavg()], **seeded},
        "calls": {name: {"path": calls[name], "requests": len(t), "p50_ms": round(percentile(t, 50), 1),
                         "p95_ms": round(percentile(t, 95), 1), "max_ms": round(max(t), 1),
                         "bytes": len(answers[name].get_data())} for name, t in timings.items()},
        "check": verified, "explain": {"sql": statement, "plan": plan},
    }


def as_text(r: dict) -> str:
    f, c = r["facts"], r["check"]
    lines = [f"machine: {f['cores']} cores, python {f['python']}, load before {f['load_before']}, "
             f"after {f['load_after']}",
             f"data:    {f['packages']:,} packages ({f['live']:,} live, {f['owing']:,} owing a countable quantity, "
             f"{f['lapsed_unmarked']:,} lapsed but not yet marked expired), {f['ledger_entries']:,} ledger entries",
             f"check:   {c['rows']} report rows; equal to the ledger's own sums: {c['matches_ledger']}; CSV rows equal "
             f"the JSON's: {c['csv_matches_json']}; value owed {c['total_value']} GBP", "",
             f"{'call':<44}{'requests':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'bytes':>9}"]
    for name, t in r["calls"].items():
        lines.append(f"{'GET ' + t['path']:<44}{t['requests']:>9}{t['p50_ms']:>9}{t['p95_ms']:>9}{t['max_ms']:>9}"
                     f"{t['bytes']:>9}")
    lines += ["", "EXPLAIN (ANALYZE, BUFFERS) of the liability query:", r["explain"]["sql"],
              *("  " + p for p in r["explain"]["plan"]), ""]
    for name in ("liability", "liability.csv", "home (overview)"):
        p95 = r["calls"][name]["p95_ms"]
        lines.append(f"{name}: p95 {p95} ms; p95 < {TARGET_P95_MS:.0f} ms: "
                     + ("met" if p95 < TARGET_P95_MS else "MISSED"))
    return "\n".join(lines)


def main(argv=None) -> int:
    options = parse_args(argv)
    result = stack.run_with_cleanup(lambda cleanup: run(options, cleanup))
    if result is None:
        return 1
    print(json.dumps(result, indent=2, default=str) if options.json else as_text(result))
    return 0 if result["check"]["matches_ledger"] and result["check"]["csv_matches_json"] else 1


if __name__ == "__main__":
    sys.exit(main())
