"""Benchmark the customer's booking page: a month of free times for a service with 10 staff and 5,000 bookings.

A throwaway PostgreSQL database gets one shop: a 60-minute service performed by 10 staff on weekdays 9-17,
a customer with a package, and 5,000 confirmed bookings spread over the weeks around the measured month so
that month is about half booked (hundreds of free times left, as on a real calendar). Then:

- in-process: `GET /book/services/<id>?month=…&day=…` through the app (Flask test client, same database),
- through gunicorn (2 gthread workers × 4 threads) with real HTTP,

each timed over N requests after a warm-up, with the bytes the page transfers (HTML, stylesheet, script).
Targets: p95 < 50 ms in-process and < 100 ms through gunicorn; under 100 KB transferred.

    .venv/bin/python bench/booking_page.py [--requests 200] [--json] [--database-url postgresql://…]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.append(str(BENCH))

import stack  # noqa: E402

ZONE = ZoneInfo("Europe/London")
STAFF, BOOKINGS = 10, 5_000
TARGET_IN_PROCESS_MS, TARGET_GUNICORN_MS, TARGET_BYTES = 50.0, 100.0, 100 * 1024
SHOP = "bench-spa.myshopify.com"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="timed requests per path (default 200)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def month_to_measure(today: date) -> date:
    """Next month: inside the 60-day horizon, and wholly ahead of the minimum notice."""
    first = today.replace(day=1)
    return (first + timedelta(days=32)).replace(day=1)


def seed(app, month: date) -> tuple[int, int]:
    """The shop, staff, service, customer and bookings; returns (service id, customer row id)."""
    from booking.accounts import assign_plan, booking_settings
    from booking.api.plan_body import terms_from_body
    from booking.models import Plan, Resource, Service
    from booking.records import Customer
    from shopify_app.models import Shop

    weekdays = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
    with app.extensions["packbook.db"].transaction() as session:
        shop = Shop(domain=SHOP, name="Bench Spa", iana_timezone="Europe/London", currency_code="GBP",
                    access_token="bench", installed_at=datetime.now(timezone.utc))
        session.add(shop)
        session.flush()
        booking_settings(session, shop.id).timezone = "Europe/London"
        service = Service(shop_id=shop.id, name="Massage", duration_minutes=60, currency="GBP")
        session.add(service)
        session.flush()
        staff = [Resource(shop_id=shop.id, name=f"Therapist {n}", weekly_hours=weekdays) for n in range(STAFF)]
        for resource in staff:
            resource.services = [service]
        session.add_all(staff)
        customer = Customer(shop_id=shop.id, shopify_customer_id=7001, email="ana@example.com")
        session.add(customer)
        terms = terms_from_body({"title": "10x massage", "unit": "sessions", "quantity": 10,
                                 "service_ids": [service.id]})
        plan = Plan(shop_id=shop.id, title=terms.title, terms=terms.to_json())
        session.add(plan)
        session.flush()
        assign_plan(session, shop.id, customer, plan.id, actor="staff:bench", now=datetime.now(timezone.utc))
        rows = _bookings(shop.id, service.id, [r.id for r in staff], customer.id, month)
        session.add_all(rows)
        in_month = sum(row.starts_at.astimezone(ZONE).date().replace(day=1) == month for row in rows)
        return service.id, customer.id, in_month


def _bookings(shop_id, service_id, staff_ids, customer_id, month):
    """5,000 hour-long sessions over the weeks around `month`, half of the measured month's hours taken."""
    from booking.records import Booking

    rng = random.Random(7)
    start = month - timedelta(days=70)
    hours = [datetime(d.year, d.month, d.day, h, tzinfo=ZONE)
             for d in (start + timedelta(days=n) for n in range(150)) if d.weekday() < 5 for h in range(9, 17)]
    taken = set()
    rows = []
    while len(rows) < BOOKINGS:
        at, resource = rng.choice(hours), rng.choice(staff_ids)
        in_month = at.date().replace(day=1) == month
        # Keep the measured month about half booked: accept half the draws that land in it.
        if (resource, at) in taken or (in_month and rng.random() < 0.35):
            continue
        taken.add((resource, at))
        utc = at.astimezone(timezone.utc)
        rows.append(Booking(shop_id=shop_id, customer_id=customer_id, service_id=service_id, resource_id=resource,
                            starts_at=utc, ends_at=utc + timedelta(hours=1), blocked_start=utc,
                            blocked_end=utc + timedelta(hours=1), status="confirmed", source="staff",
                            created_by="staff:bench"))
    return rows


def timed(get, count: int) -> list[float]:
    for _ in range(10):
        get()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        get()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def figures(timings: list[float]) -> dict:
    ordered = sorted(timings)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1], 1), "max_ms": round(ordered[-1], 1)}


def run(options, cleanup) -> dict:
    database_url = cleanup.enter_context(stack.throwaway_database(options.database_url))
    _, queue_name = cleanup.enter_context(stack.isolated_queue(options.redis_url))
    env = stack.app_environment(database_url, options.redis_url, queue_name)
    stack.migrate(env)
    from app import create_app

    app = create_app({**env, "TESTING": True})
    month = month_to_measure(datetime.now(ZONE).date())
    service_id, customer_id, in_month = seed(app, month)
    shop_id = app.extensions["packbook.db"].engine.connect().exec_driver_sql(
        f"SELECT id FROM shops WHERE domain = '{SHOP}'").scalar()
    day = next(month + timedelta(days=n) for n in range(7) if (month + timedelta(days=n)).weekday() == 2)
    path = f"/book/services/{service_id}?month={month:%Y-%m}&day={day.isoformat()}"

    from booking.pages import sessions
    client = app.test_client()
    with app.test_request_context():
        from flask import make_response
        cookie = sessions.start(make_response(""), shop_id, customer_id).headers["Set-Cookie"].split(";")[0]
    headers = {"Cookie": cookie}
    name, _, value = cookie.partition("=")
    client.set_cookie(name, value)  # the test client sends its own cookie jar, not a Cookie header
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    html = page.get_data()
    free = html.count(b'type="checkbox"')
    days_free = html.count(b"times free") - 1
    in_process = timed(lambda: client.get(path), options.requests)
    assets = sum(len(client.get(f"/static/{name}").get_data()) for name in ("customer.css", "month-grid.js"))

    server_env = stack.child_environment(env)
    base = cleanup.enter_context(stack.gunicorn(server_env, stack.ServerSettings(2, 4)))
    http = requests.Session()
    over_http = timed(lambda: http.get(base + path, headers=headers, timeout=10), options.requests)
    weekday_hours = sum((month + timedelta(days=n)).weekday() < 5 and (month + timedelta(days=n)).month == month.month
                        for n in range(31)) * 8 * STAFF
    return {"month": f"{month:%Y-%m}", "bookings": BOOKINGS, "staff": STAFF, "bookings_in_month": in_month,
            "month_booked_share": round(in_month / weekday_hours, 2),
            "free_times_on_the_day": free, "days_with_free_times_shown": days_free,
            "in_process": figures(in_process), "gunicorn": figures(over_http),
            "bytes": {"html": len(html), "assets": assets, "total": len(html) + assets}}


def main(argv=None) -> int:
    options = parse_args(argv)
    result = stack.run_with_cleanup(lambda cleanup: run(options, cleanup))
    if result is None:
        return 1
    if options.json:
        print(json.dumps(result))
        return 0
    print(f"month {result['month']}: {result['bookings']} bookings over {result['staff']} staff, "
          f"{result['bookings_in_month']} of them in the month ({result['month_booked_share']:.0%} of its staff-hours); "
          f"{result['free_times_on_the_day']} free times on the day shown")
    for where, target in (("in_process", TARGET_IN_PROCESS_MS), ("gunicorn", TARGET_GUNICORN_MS)):
        f = result[where]
        verdict = "met" if f["p95_ms"] < target else "MISSED"
        print(f"{where:10}  p50 {f['p50_ms']} ms  p95 {f['p95_ms']} ms  max {f['max_ms']} ms  "
              f"(target p95 < {target:.0f} ms: {verdict})")
    size = result["bytes"]
    print(f"transfer    {size['total']} bytes (html {size['html']}, css+js {size['assets']}; "
          f"target < {TARGET_BYTES}: {'met' if size['total'] < TARGET_BYTES else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
