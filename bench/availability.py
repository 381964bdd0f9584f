"""Benchmark availability: one service over 31 days, 10 resources, N existing bookings.

The pure path (working_intervals + compute_slots per resource, in-process) runs at 500, 5,000
and 50,000 bookings, so the growth with bookings shows. The target is a p95 under 50 ms at
5,000. With --db, the same bookings (500 and 5,000) also go through
booking.services.available_slots on a throwaway SQLite file (or a throwaway PostgreSQL database
with --database-url), which adds the cost of loading the rows.

    /tmp/pbvenv/bin/python bench/availability.py [--db] [--repeat 3] [--json] [--profile] [--help]
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
import statistics
import sys
import tempfile
import time
from bisect import bisect_right
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Callable, NamedTuple
from zoneinfo import ZoneInfo

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Run as a script, this folder leads sys.path, and its webhooks.py would shadow the app's
# `webhooks` (a namespace package, which loses to any plain module wherever it sits on the path).
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != BENCH]

from booking.rules.availability import (HoursException, Interval, Occupancy, SlotRequest, WeeklyHours,  # noqa: E402
                                  compute_slots, working_intervals)

ZONE = ZoneInfo("Europe/London")
# Monday 16 March 2026 for 31 days: the window takes in the spring-forward day (29 March),
# which has 23 hours.
START = datetime(2026, 3, 16, tzinfo=ZONE)
END = datetime(2026, 4, 16, tzinfo=ZONE)
NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
SIZES = (500, 5_000, 50_000)
TARGET_BOOKINGS, TARGET_P95_MS = 5_000, 50.0
MINUTE = timedelta(minutes=1)
STEP, MIN_NOTICE, HORIZON = 15 * MINUTE, 120 * MINUTE, timedelta(days=60)


class ServiceSpec(NamedTuple):
    id: int
    name: str
    duration: int       # minutes
    before: int
    after: int

    @property
    def blocked(self) -> int:
        return self.before + self.duration + self.after


# The first is the service asked about; existing bookings are a mix of all of them.
SERVICES = (ServiceSpec(1, "Massage 60", 60, 0, 10), ServiceSpec(2, "Consultation 30", 30, 0, 0),
            ServiceSpec(3, "Facial 45", 45, 5, 5), ServiceSpec(4, "Express 15", 15, 0, 5),
            ServiceSpec(5, "Deep tissue 90", 90, 0, 15))
SHORTEST = min(SERVICES, key=lambda s: s.blocked)
WEEK = ("mon", "tue", "wed", "thu", "fri", "sat")


def _days(names, *spans: tuple[str, str]) -> dict:
    return {day: [list(span) for span in spans] for day in names}


HOURS = ([_days(WEEK, ("09:00", "18:00"))] * 4 + [
    _days(WEEK, ("08:00", "17:00")),
    _days(WEEK, ("10:00", "19:00")),
    _days(WEEK[:5], ("09:00", "12:30"), ("13:30", "18:00")) | _days(["sat"], ("10:00", "14:00")),  # split day
    _days(("wed", "thu", "fri", "sat", "sun"), ("18:00", "02:00")),                                  # past midnight
    _days(WEEK[1:], ("10:00", "20:00")),
    _days(WEEK + ("sun",), ("07:00", "15:00")),
])
# Local (start, end, kind) per resource index: a week off, an extra Sunday, a closed afternoon.
EXCEPTIONS = {1: [((2026, 3, 30), (2026, 4, 4), "closed")],
              2: [((2026, 3, 22, 10), (2026, 3, 22, 16), "open")],
              4: [((2026, 4, 8, 13), (2026, 4, 8, 18), "closed")]}


@dataclass(frozen=True)
class Fixture:
    name: str
    hours_json: dict
    hours: WeeklyHours
    exceptions: tuple[HoursException, ...]


class Booked(NamedTuple):
    resource: int       # index into the fixtures
    service: ServiceSpec
    start: datetime
    fits: bool          # False when packed tighter than the shortest service: it overlaps a neighbour


@dataclass
class Timing:
    label: str
    bookings: int
    slots: int
    booked_share: float     # the bookings' blocked minutes over the open minutes; above 1, they overlap
    wall_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    round_p95s: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        return {"path": self.label, "bookings": self.bookings, "booked_share": round(self.booked_share, 3),
                "slots": self.slots, "samples": len(self.wall_ms),
                "p50_ms": round(percentile(self.wall_ms, 50), 2), "p95_ms": round(percentile(self.wall_ms, 95), 2),
                "max_ms": round(max(self.wall_ms), 2), "cpu_p50_ms": round(percentile(self.cpu_ms, 50), 2),
                "round_p95s_ms": [round(p, 2) for p in self.round_p95s]}


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: with 30 samples the p95 is the 29th smallest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=30, help="timed runs per size (default 30)")
    parser.add_argument("--reps-large", type=int, default=10, help="timed runs at 50,000 bookings (default 10)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds over all sizes, interleaved; the verdict uses the median round p95")
    parser.add_argument("--seed", type=int, default=20260316)
    parser.add_argument("--db", action="store_true", help="also time services.available_slots on a database")
    parser.add_argument("--database-url", help="PostgreSQL server for --db (a throwaway database is made on it); "
                                               "SQLite in a temp dir by default")
    parser.add_argument("--profile", action="store_true", help="cProfile the pure path at 5,000 (to stderr)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    return parser.parse_args(argv)


# --- the data (never timed) ------------------------------------------------------------------


def local(parts: tuple[int, ...]) -> datetime:
    return datetime(*parts, tzinfo=ZONE)


def make_fixtures() -> list[Fixture]:
    return [Fixture(f"Resource {i + 1}", hours, WeeklyHours.from_json(hours),
                    tuple(HoursException(local(a), local(b), kind) for a, b, kind in EXCEPTIONS.get(i, ())))
            for i, hours in enumerate(HOURS)]


def make_bookings(fixtures: list[Fixture], count: int, seed: int) -> list[Booked]:
    """`count` bookings split evenly over the resources and spread evenly over each one's open time."""
    rng = random.Random(seed)
    booked: list[Booked] = []
    for index, fixture in enumerate(fixtures):
        share = count // len(fixtures) + (index < count % len(fixtures))
        open_time = working_intervals(fixture.hours, fixture.exceptions, ZONE, START, END)
        booked += [Booked(index, *placed) for placed in _spread(open_time, share, rng)]
    return booked


def _spread(open_time: list[Interval], count: int, rng: random.Random):
    # Cut the open minutes, end to end, into `count` equal chunks, one booking per chunk, its
    # blocked range (buffers included) inside the chunk, so none overlap while they fit.
    lengths = [i.duration // MINUTE for i in open_time]
    offsets = [sum(lengths[:k]) for k in range(len(lengths))]
    total = sum(lengths)
    for n in range(count):
        at, until = n * total // count, (n + 1) * total // count
        k = bisect_right(offsets, at) - 1
        room = min(until, offsets[k] + lengths[k]) - at
        fitting = [s for s in SERVICES if s.blocked <= room]
        service = rng.choice(fitting) if fitting else SHORTEST
        begin = at - offsets[k] + rng.randint(0, max(0, room - service.blocked)) + service.before
        yield service, open_time[k].start + timedelta(minutes=begin), bool(fitting)


def occupancies(booked: list[Booked], resources: int) -> list[list[Occupancy]]:
    per_resource: list[list[Occupancy]] = [[] for _ in range(resources)]
    for b in booked:
        per_resource[b.resource].append(Occupancy(b.start, b.start + timedelta(minutes=b.service.duration),
                                                  timedelta(minutes=b.service.before),
                                                  timedelta(minutes=b.service.after), b.service.id))
    return per_resource


# --- timing ----------------------------------------------------------------------------------


def slot_request() -> SlotRequest:
    s = SERVICES[0]
    return SlotRequest(duration=timedelta(minutes=s.duration), buffer_before=timedelta(minutes=s.before),
                       buffer_after=timedelta(minutes=s.after), capacity=1, service_id=s.id, step=STEP,
                       min_notice=MIN_NOTICE, horizon=HORIZON)


def pure_availability(fixtures: list[Fixture], occupied: list[list[Occupancy]], request: SlotRequest) -> int:
    """What is timed: the service's slots on every resource over the window, as services.py does it."""
    count = 0
    for fixture, occupancies_here in zip(fixtures, occupied):
        open_time = working_intervals(fixture.hours, fixture.exceptions, ZONE, START, END)
        count += len(compute_slots(open_time, occupancies_here, request, now=NOW, zone=ZONE))
    return count


def time_runs(timing: Timing, run: Callable[[object], int], reps: int,
              prepare: Callable[[], object] = lambda: None, warmup: int = 2) -> None:
    for _ in range(warmup):
        run(prepare())
    gc.collect()
    walls = []
    for _ in range(reps):
        # Fresh inputs for each run, untimed: a request builds its own, so nothing cached on them
        # (a cached_property, say) may carry over from the last run.
        data = prepare()
        wall, cpu = time.perf_counter(), time.process_time()
        slots = run(data)
        walls.append((time.perf_counter() - wall) * 1000)
        timing.cpu_ms.append((time.process_time() - cpu) * 1000)
        if slots != timing.slots:
            raise RuntimeError(f"{timing.label}: {slots} slots, expected {timing.slots}: not deterministic")
    timing.wall_ms += walls
    timing.round_p95s.append(percentile(walls, 95))


def measure_pure(args: argparse.Namespace, fixtures: list[Fixture]) -> list[Timing]:
    request = slot_request()
    booked = {n: make_bookings(fixtures, n, args.seed) for n in SIZES}
    run = partial(pure_availability, fixtures, request=request)
    open_minutes = sum(i.duration // MINUTE for f in fixtures
                       for i in working_intervals(f.hours, f.exceptions, ZONE, START, END))
    timings = {n: Timing("pure", n, run(occupancies(booked[n], len(fixtures))),
                         sum(b.service.blocked for b in booked[n]) / open_minutes) for n in SIZES}
    for _ in range(args.repeat):
        for n in SIZES:
            time_runs(timings[n], run, args.reps_large if n >= 50_000 else args.reps,
                      prepare=partial(occupancies, booked[n], len(fixtures)))
    return list(timings.values())


def profile_pure(fixtures: list[Fixture], seed: int) -> str:
    booked, request = make_bookings(fixtures, TARGET_BOOKINGS, seed), slot_request()
    inputs = [occupancies(booked, len(fixtures)) for _ in range(5)]
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [pure_availability(fixtures, occupied, request) for occupied in inputs])
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- the database path -----------------------------------------------------------------------


DB_SIZES = (500, TARGET_BOOKINGS)


def measure_db(args: argparse.Namespace, fixtures: list[Fixture], pure: dict[int, Timing]) -> list[Timing]:
    """The pure path's bookings through services.available_slots, which loads them first; a shop per size."""
    with ExitStack() as cleanup:
        if args.database_url:
            from bench import stack  # PostgreSQL only: it imports redis and requests

            url = cleanup.enter_context(stack.throwaway_database(args.database_url))
        else:
            url = f"sqlite:///{cleanup.enter_context(tempfile.TemporaryDirectory())}/bench.sqlite3"
        database = migrated_app(url).extensions["packbook.db"]
        cleanup.callback(database.engine.dispose)
        runs = {}
        for n in DB_SIZES:
            started = time.perf_counter()
            ids = seed_database(database, fixtures, make_bookings(fixtures, n, args.seed), f"bench-{n}")
            _log(f"inserted {n} bookings on {database.backend} in {time.perf_counter() - started:.1f} s")
            runs[n] = _db_run(database, *ids)
        timings = {n: Timing(f"db {database.backend}", n, run(), pure[n].booked_share) for n, run in runs.items()}
        for n, timing in timings.items():
            if timing.slots != pure[n].slots:
                _log(f"MISMATCH at {n}: the database path finds {timing.slots} slots, the pure path {pure[n].slots}")
        for _ in range(args.repeat):
            for n in DB_SIZES:
                time_runs(timings[n], runs[n], args.reps)
        return list(timings.values())


def _db_run(database, shop_id: int, service_id: int) -> Callable[[object], int]:
    from booking.bookings import available_slots

    def run(_: object = None) -> int:
        # A fresh session per run, as each request gets one.
        with database.sessionmaker() as session:
            per_resource = available_slots(session, shop_id, service_id, None, START, END, NOW)
            session.rollback()
        return sum(len(slots) for slots in per_resource.values())
    return run


def migrated_app(url: str):
    from alembic import command
    from cryptography.fernet import Fernet

    from app import create_app
    from commands import alembic_config

    app = create_app({"TESTING": True, "SHOPIFY_API_KEY": "bench-key", "SHOPIFY_API_SECRET": "bench-secret-0123456789",
                      "SHOPIFY_APP_URL": "https://bench.packbook.test", "SECRET_KEY": os.urandom(24).hex(),
                      "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(), "DATABASE_URL": url,
                      "PACKBOOK_QUEUE_NAME": "packbook-bench-availability"})
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    return app


def seed_database(database, fixtures: list[Fixture], booked: list[Booked], name: str) -> tuple[int, int]:
    """A shop with the fixtures' resources, every service, and `booked` inserted in one statement."""
    from sqlalchemy import insert

    from booking.models import BookingSettings, Resource, ResourceException, Service
    from booking.records import Booking, Customer
    from shopify_app.models import Shop

    with database.transaction() as session:
        shop = Shop(domain=f"{name}.myshopify.com", iana_timezone=ZONE.key)
        session.add(shop)
        session.flush()
        session.add(BookingSettings(shop_id=shop.id, timezone=ZONE.key, slot_interval_minutes=STEP // MINUTE,
                                    min_notice_minutes=MIN_NOTICE // MINUTE, horizon_days=HORIZON.days))
        services = [Service(shop_id=shop.id, name=s.name, duration_minutes=s.duration, buffer_before_minutes=s.before,
                            buffer_after_minutes=s.after, capacity=1) for s in SERVICES]
        resources = [Resource(shop_id=shop.id, name=f.name, weekly_hours=f.hours_json, services=services,
                              exceptions=[ResourceException(starts_at=x.start, ends_at=x.end, kind=x.kind)
                                          for x in f.exceptions]) for f in fixtures]
        customer = Customer(shop_id=shop.id, email="bench@example.com")
        session.add_all(services + resources + [customer])
        session.flush()
        session.execute(insert(Booking), [_booking_row(b, shop.id, services, resources, customer.id) for b in booked])
    return shop.id, services[0].id


def _booking_row(b: Booked, shop_id: int, services, resources, customer_id: int) -> dict:
    service, ends_at = services[b.service.id - 1], b.start + timedelta(minutes=b.service.duration)
    # Only the bookings that fit are exclusive: PostgreSQL's exclusion constraint would refuse the rest.
    return dict(shop_id=shop_id, service_id=service.id, resource_id=resources[b.resource].id, customer_id=customer_id,
                starts_at=b.start, ends_at=ends_at, blocked_start=b.start - timedelta(minutes=b.service.before),
                blocked_end=ends_at + timedelta(minutes=b.service.after), exclusive=b.fits, status="confirmed",
                source="staff", created_by="bench")


# --- output ----------------------------------------------------------------------------------


def results(args: argparse.Namespace, timings: list[Timing], db: list[Timing], load_before) -> dict:
    by_size = {t.bookings: t.summary() for t in timings}
    target = by_size[TARGET_BOOKINGS]
    p95 = statistics.median(target["round_p95s_ms"])
    ratio = lambda a, b, key: round(by_size[a][key] / by_size[b][key], 2)  # noqa: E731
    return {
        "facts": {"python": platform.python_version(), "cores": os.cpu_count(), "load_before": load_before,
                  "load_after": [round(x, 2) for x in os.getloadavg()], "zone": ZONE.key, "window": [
                      START.isoformat(), END.isoformat()], "resources": len(HOURS), "service": SERVICES[0]._asdict(),
                  "step_minutes": STEP // MINUTE, "seed": args.seed, "repeat": args.repeat},
        "pure": list(by_size.values()),
        "target": {"bookings": TARGET_BOOKINGS, "p95_ms": p95, "limit_ms": TARGET_P95_MS, "met": p95 < TARGET_P95_MS},
        "growth": {f"{a}/{b}": {"p50": ratio(a, b, "p50_ms"), "p95": ratio(a, b, "p95_ms"), "bookings": a / b}
                   for a, b in zip(SIZES[1:], SIZES)},
        "db": [_db_summary(t, by_size[t.bookings]) for t in db],
    }


def _db_summary(timing: Timing, pure: dict) -> dict:
    summary = timing.summary()
    # What the database path adds to the same computation: the queries, the ORM rows, the Occupancy objects.
    return {**summary, "slots_match_pure": timing.slots == pure["slots"],
            "added_p50_ms": round(summary["p50_ms"] - pure["p50_ms"], 1)}


def as_table(r: dict) -> str:
    f = r["facts"]
    lines = [f"machine: {f['cores']} cores, python {f['python']}, load before {f['load_before']}, "
             f"after {f['load_after']}",
             f"window:  {f['window'][0]} .. {f['window'][1]} ({f['zone']}), {f['resources']} resources, "
             f"service {f['service']['duration']} min + {f['service']['after']} min buffer, "
             f"step {f['step_minutes']} min",
             "", f"{'path':<14}{'bookings':>9}{'booked':>8}{'runs':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
                 f"{'cpu p50':>9}{'slots':>7}  p95 per round"]
    lines += [_table_row(row) for row in r["pure"] + r["db"]]
    t, rounds = r["target"], f" (median of {f['repeat']} rounds)" if f["repeat"] > 1 else ""
    lines += ["", f"pure p95 at {t['bookings']:,} bookings{rounds}: {t['p95_ms']:.1f} ms "
                  f"(target < {t['limit_ms']:.0f} ms)  " + ("met" if t["met"] else "MISSED")]
    lines += [f"growth {k}: p50 x{g['p50']}, p95 x{g['p95']} for x{g['bookings']:g} bookings"
              for k, g in r["growth"].items()]
    lines += [f"{d['path']} at {d['bookings']:,}: +{d['added_p50_ms']:.1f} ms over pure (p50); slots "
              + ("match" if d["slots_match_pure"] else "DIFFER") for d in r["db"]]
    return "\n".join(lines)


def _table_row(row: dict) -> str:
    rounds = " ".join(f"{p:.1f}" for p in row["round_p95s_ms"])
    return (f"{row['path']:<14}{row['bookings']:>9,}{row['booked_share']:>8.0%}{row['samples']:>6}"
            f"{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['max_ms']:>9.1f}{row['cpu_p50_ms']:>9.1f}"
            f"{row['slots']:>7}  {rounds}")


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    fixtures = make_fixtures()
    _log(f"pure path: sizes {', '.join(map(str, SIZES))}, {args.reps} runs ({args.reps_large} at 50,000) "
         f"x {args.repeat} round(s)")
    timings = measure_pure(args, fixtures)
    db = measure_db(args, fixtures, {t.bookings: t for t in timings}) if args.db else []
    if args.profile:
        print(profile_pure(fixtures, args.seed), file=sys.stderr)
    report = results(args, timings, db, load_before)
    print(json.dumps(report, indent=2) if args.json else as_table(report))
    return 0 if all(d["slots_match_pure"] for d in report["db"]) else 1


if __name__ == "__main__":
    sys.exit(main())
