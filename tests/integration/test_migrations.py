"""Alembic owns the schema: the migrations produce exactly what the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db import Base


# Expression indexes the models cannot declare portably; each has its own test below.
EXPRESSION_INDEXES = {"ix_customers_search_trgm"}


def _modelled(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


def test_migrated_schema_matches_the_models(app):
    engine = app.extensions["packbook.db"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": _modelled})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_postgresql_searches_customers_through_the_trigram_index(app):
    """The search expression in booking.customers is the indexed one, so the planner can use it."""
    engine = app.extensions["packbook.db"].engine
    if engine.dialect.name != "postgresql":
        return  # SQLite scans; the embedded default serves small shops
    from sqlalchemy import select

    from booking.customers import SEARCH_TEXT
    from booking.records import Customer
    query = select(Customer.id).where(SEARCH_TEXT.like("%anna%"))
    with engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {compiled}").scalars())
    assert "ix_customers_search_trgm" in plan, plan


def test_postgresql_refuses_overlapping_exclusive_bookings_by_constraint(app):
    engine = app.extensions["packbook.db"].engine
    if engine.dialect.name != "postgresql":
        return  # SQLite serializes writers with BEGIN IMMEDIATE instead (see db.py)
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'bookings'::regclass AND contype = 'x'").scalars().all()
    assert names == ["ex_bookings_no_overlap"]


def test_migration_0011_scrubs_codes_kept_before_the_door_stripped_them(tmp_path):
    """An event stored by an older release with the full code in either shape loses it on upgrade (a fresh
    SQLite file migrated to 0010, given old rows, then upgraded)."""
    import json

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from commands import MIGRATIONS
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, "0010")
    bare = {"id": 1, "code": "7SGKHNXQ2F6JAC93", "balance": "10.00"}
    wrapped = {"gift_card": {"id": 2, "code": "ZZZZYYYYXXXX1234", "masked_code": "•••• 1234"}}
    with engine.begin() as connection:
        for n, payload in enumerate((bare, wrapped)):
            connection.execute(text(
                "INSERT INTO webhook_events (shop_domain, topic, event_id, payload, status, attempts, received_at) "
                "VALUES ('a.myshopify.com', 'gift_cards/create', :event, :payload, 'done', 1, '2026-01-01')"),
                {"event": f"e{n}", "payload": json.dumps(payload)})
    command.upgrade(config, "0011")
    with engine.connect() as connection:
        stored = [row[0] for row in connection.execute(text("SELECT payload FROM webhook_events ORDER BY id"))]
    assert "7SGKHNXQ2F6JAC93" not in stored[0] and "ZZZZYYYYXXXX1234" not in stored[1]
    assert json.loads(stored[0])["balance"] == "10.00" and json.loads(stored[1])["gift_card"]["last_characters"] == "1234"


def test_migration_0014_gives_existing_packages_the_running_sums_of_their_ledgers(tmp_path):
    """Packages written before 0014 get balance and granted from their ledger entries on upgrade."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from commands import MIGRATIONS
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, "0013")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO shops (id, domain, scopes, created_at, updated_at) VALUES (1, 'a.myshopify.com', '', '2026-01-01', '2026-01-01')"))
        connection.execute(text("INSERT INTO customers (id, shop_id, created_at) VALUES (1, 1, '2026-01-01')"))
        for package in (1, 2):
            connection.execute(text(
                "INSERT INTO entitlements (id, shop_id, customer_id, terms, source, starts_at, status, created_at) "
                "VALUES (:id, 1, 1, '{\"unit\": \"sessions\"}', 'staff', '2026-01-01', 'active', '2026-01-01')"),
                {"id": package})
        for kind, quantity in (("grant", 5), ("redeem", -1), ("adjust", 2), ("redeem", -1)):
            connection.execute(text(
                "INSERT INTO ledger_entries (shop_id, entitlement_id, kind, quantity, unit, actor, created_at) "
                "VALUES (1, 1, :kind, :quantity, 'sessions', 'system', '2026-01-02')"),
                {"kind": kind, "quantity": quantity})
    command.upgrade(config, "0014")
    with engine.connect() as connection:
        sums = connection.execute(text("SELECT id, balance, granted, unit FROM entitlements ORDER BY id")).all()
    assert [(i, float(b), float(g), u) for i, b, g, u in sums] == [(1, 5.0, 5.0, "sessions"), (2, 0.0, 0.0, "sessions")]
