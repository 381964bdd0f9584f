"""The demo-sized, realistic shop the admin benches (admin_api.py, admin_pages.py) seed; nothing here is timed.

One shop in Europe/London whose staff all perform three services, customers named from the lists below (so many
share a name, accents included), and weeks of sessions that never overlap on a member of staff. Each bench picks
its own sizes, opening days and email shapes; the seeding goes through the app's models and bulk core inserts.
"""
from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/London")
SHOP = "bench-admin.myshopify.com"
OPEN, CLOSE = 9, 19
# (name, minutes, price): every member of staff performs all three.
SERVICES = (("Massage 60", 60, "80.00"), ("Massage 30", 30, "45.00"), ("Deep tissue 90", 90, "110.00"))
SERVICE_WEIGHTS = (6, 3, 2)  # how often each is booked

FIRST = ("Olivia Amelia Isla Ava Mia Ivy Lily Isabella Rosie Sophia Grace Freya Willow Evie Ella Poppy Charlotte "
         "Emily Sophie Ruby Alice Florence Harper Sienna Matilda Daisy Zoë Chloe Hannah Jessica Lucy Maria Anna "
         "Sarah Laura Emma Priya Aisha Fatima Mei Yuki Ana Lucía Chiara Ingrid Noah Oliver George Arthur Leo "
         "Muhammad Harry Oscar Archie Henry Theo Jack Charlie Freddie Alfie Thomas James William Joshua Daniel "
         "Samuel Benjamin Lucas Adam Ryan Mark Martin David Michael Paul Peter Raj Arjun Omar Hiroshi Wei José "
         "Marco Lars Pierre Sean Connor Ethan").split()
LAST = ("Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright "
        "Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill "
        "Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
        "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox "
        "Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb "
        "Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler "
        "Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Chen Wang Nguyen Kim Tanaka García Rossi "
        "Müller Kowalski O'Brien MacDonald Fernández Silva Novak Andersson Dubois Okafor Mensah").split()
DOMAINS = ("gmail.com",) * 6 + ("outlook.com", "hotmail.co.uk", "yahoo.co.uk", "icloud.com") * 2 + (
    "btinternet.com", "proton.me", "sky.com", "live.co.uk", "mail.com")


def this_monday() -> date:
    today = datetime.now(ZONE).date()
    return today - timedelta(days=today.weekday())


def ascii_name(name: str) -> str:
    """A name as it goes into an email address: lower case, no accents, no apostrophe."""
    return name.lower().replace("'", "").translate(str.maketrans("ëéíáüöç", "eeiauoc"))


def make_customers(rng: random.Random, shop_id: int, count: int, email: Callable[..., str], *, guests: float = 0.0,
                   email_only: float = 0.0, redacted: float = 0.0, years: int = 3) -> list[dict]:
    """`count` customer rows with 13-digit Shopify ids, created over the last `years`. `email(rng, first, last, n)`
    makes the n-th address; the shares make guests (no Shopify id), customers known only by email, and redacted
    ones (no name, no email), as Shopify's sync leaves them."""
    rows, used_ids, now = [], set(), datetime.now(UTC)
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        address = email(rng, first, last, n)
        shopify_id = None if rng.random() < guests else _new_shopify_id(rng, used_ids)
        nameless, gone = rng.random() < email_only, rng.random() < redacted
        rows.append(dict(shop_id=shop_id, shopify_customer_id=shopify_id, email=None if gone else address,
                         first_name=None if nameless or gone else first,
                         last_name=None if nameless or gone else last,
                         redacted_at=now - timedelta(days=rng.randint(1, 300)) if gone else None,
                         created_at=now - timedelta(minutes=rng.randint(0, years * 365 * 24 * 60))))
    return rows


def _new_shopify_id(rng: random.Random, used: set[int]) -> int:
    # Drawn, not counted, so ids look like Shopify's; redrawn on a clash because they are unique per shop.
    while (shopify_id := 6_400_000_000_000 + rng.randrange(900_000_000_000)) in used:
        pass
    used.add(shopify_id)
    return shopify_id


def seed_shop(database, staff_names: list[str], days: tuple[str, ...]) -> tuple[int, list[int], list[tuple]]:
    """The shop with SERVICES, and a member of staff per name who performs them all, OPEN to CLOSE on `days`
    ("mon", …). Returns the shop's id, the staff ids in the order of the names, and (id, minutes) per service."""
    from booking.accounts import booking_settings
    from booking.models import Resource, Service
    from shopify_app.models import Shop

    hours = {day: [[f"{OPEN:02}:00", f"{CLOSE:02}:00"]] for day in days}
    with database.transaction() as session:
        shop = Shop(domain=SHOP, name="Bench Admin Spa", iana_timezone=ZONE.key, currency_code="GBP",
                    access_token="bench", installed_at=datetime.now(UTC))
        session.add(shop)
        session.flush()
        booking_settings(session, shop.id).timezone = ZONE.key
        services = [Service(shop_id=shop.id, name=name, duration_minutes=minutes, price=Decimal(price),
                            currency="GBP") for name, minutes, price in SERVICES]
        session.add_all(services)
        session.flush()
        staff = [Resource(shop_id=shop.id, name=name, weekly_hours=hours, services=services) for name in staff_names]
        session.add_all(staff)
        session.flush()
        return shop.id, [r.id for r in staff], [(s.id, s.duration_minutes) for s in services]


def add_plans(database, shop_id: int, bodies: list[dict]) -> list[tuple[int, dict]]:
    """A plan per body, shaped as the admin's form posts it; returns (plan id, terms) per plan."""
    from booking.api.plan_body import terms_from_body
    from booking.models import Plan

    with database.transaction() as session:
        plans = [Plan(shop_id=shop_id, title=terms.title, terms=terms.to_json())
                 for terms in map(terms_from_body, bodies)]
        session.add_all(plans)
        session.flush()
        return [(plan.id, plan.terms) for plan in plans]


def week_sessions(rng: random.Random, monday: date, services: list[tuple], staff: int, days: int,
                  gaps: tuple[int, ...]) -> list[tuple]:
    """(staff index, service id, minutes, local start) for one week: each member of staff's first `days` weekdays
    filled back to back from OPEN to CLOSE, with a gap in minutes drawn from `gaps` after each session, so no two
    sessions of one person overlap. Bookings are then drawn from these."""
    found = []
    for person in range(staff):
        for weekday in range(days):
            day = monday + timedelta(days=weekday)
            at = datetime(day.year, day.month, day.day, OPEN, tzinfo=ZONE)
            close = at.replace(hour=CLOSE)
            while True:
                service_id, minutes = rng.choices(services, weights=SERVICE_WEIGHTS)[0]
                if at + timedelta(minutes=minutes) > close:
                    break
                found.append((person, service_id, minutes, at))
                at += timedelta(minutes=minutes + rng.choice(gaps))
    return found


def booking_row(rng: random.Random, shop_id: int, staff_ids: list[int], slot: tuple, customer_id: int,
                now: datetime, *, cancelled: int, booked_within: int) -> dict:
    """A booking row for a slot from week_sessions, made by staff or paid at checkout 1 to `booked_within` days
    ahead. Past ones are mostly completed, with some no-shows and cancellations; `cancelled` in 100 upcoming ones
    are cancelled. The bench turns some into package redemptions (see insert_bookings)."""
    staff_index, service_id, minutes, local_start = slot
    starts = local_start.astimezone(UTC)
    ends = starts + timedelta(minutes=minutes)
    past = ends < now
    status = rng.choices(("completed", "no_show", "cancelled") if past else ("confirmed", "cancelled"),
                         weights=(88, 4, 8) if past else (100 - cancelled, cancelled))[0]
    created = min(starts - timedelta(days=rng.randint(1, booked_within), minutes=rng.randint(0, 600)), now)
    return dict(shop_id=shop_id, service_id=service_id, resource_id=staff_ids[staff_index], customer_id=customer_id,
                starts_at=starts, ends_at=ends, blocked_start=starts, blocked_end=ends, exclusive=True,
                status=status, entitlement_id=None, redeemed_quantity=None,
                source=rng.choice(("staff", "paid_checkout")), created_by="staff:1", created_at=created,
                updated_at=created,
                cancelled_at=min(starts, now) - timedelta(hours=30) if status == "cancelled" else None)


def insert_bookings(database, shop_id: int, rows: list[dict], packages: dict) -> int:
    """Insert the packages, then the booking rows, then the ledger; returns the number of ledger entries.

    A row redeeming a package carries, in entitlement_id, its key in `packages`, which maps it to (customer id,
    plan id, terms, sessions, first use): the real ids only exist once the packages are in."""
    from sqlalchemy import insert

    from booking.records import Booking, Entitlement, LedgerEntry

    now = datetime.now(UTC)
    with database.transaction() as session:
        ids = session.scalars(insert(Entitlement).returning(Entitlement.id, sort_by_parameter_order=True),
                              [_entitlement(shop_id, *package, now) for package in packages.values()]).all()
        package_ids = dict(zip(packages, ids))
        for row in rows:
            if row["entitlement_id"] is not None:
                row["entitlement_id"] = package_ids[row["entitlement_id"]]
        session.execute(insert(Booking), rows)
        ledger = [dict(shop_id=shop_id, entitlement_id=package_ids[key], kind="grant",
                       quantity=Decimal(package[3]), unit="sessions", actor="staff:1")
                  for key, package in packages.items()]
        ledger += _redemptions(session, shop_id)
        session.execute(insert(LedgerEntry), ledger)
        _running_sums(session, shop_id)
    return len(ledger)


def _running_sums(session, shop_id: int) -> None:
    """What accounts.write_entry keeps on each package (bulk inserts bypass it): its unit, what is left and what
    was granted, from the ledger just written (as migration 0014 fills them for older packages)."""
    from sqlalchemy import text

    session.execute(text(
        "UPDATE entitlements SET unit = 'sessions', "
        "balance = COALESCE((SELECT SUM(quantity) FROM ledger_entries e WHERE e.entitlement_id = entitlements.id), 0), "
        "granted = COALESCE((SELECT SUM(quantity) FROM ledger_entries e WHERE e.entitlement_id = entitlements.id "
        "AND e.kind = 'grant'), 0) WHERE shop_id = :shop"), {"shop": shop_id})


def _entitlement(shop_id: int, customer_id: int, plan_id: int, terms: dict, sessions: int, first_use: datetime,
                 now: datetime) -> dict:
    # Bought by the front desk a week before its first use (never in the future), for a year.
    bought = min(first_use - timedelta(days=7), now)
    return dict(shop_id=shop_id, customer_id=customer_id, plan_id=plan_id, terms=terms, source="staff",
                starts_at=bought, expires_at=bought + timedelta(days=365), status="active", created_at=bought)


def _redemptions(session, shop_id: int) -> list[dict]:
    """A redeem ledger entry per booking paid from a package, as the app writes when staff book one."""
    from sqlalchemy import select

    from booking.records import Booking

    paid = session.execute(select(Booking.id, Booking.entitlement_id, Booking.service_id)
                           .where(Booking.shop_id == shop_id, Booking.entitlement_id.is_not(None))
                           .order_by(Booking.id))
    return [dict(shop_id=shop_id, entitlement_id=e, kind="redeem", quantity=Decimal(-1), unit="sessions",
                 service_id=s, booking_id=b, actor="staff:1") for b, e, s in paid]
