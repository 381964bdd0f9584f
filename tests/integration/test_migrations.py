"""Alembic owns the schema: the migrations produce exactly what the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from db import Base


def test_migrated_schema_matches_the_models(app):
    engine = app.extensions["packbook.db"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_postgresql_refuses_overlapping_exclusive_bookings_by_constraint(app):
    engine = app.extensions["packbook.db"].engine
    if engine.dialect.name != "postgresql":
        return  # SQLite serializes writers with BEGIN IMMEDIATE instead (see db.py)
    with engine.connect() as connection:
        names = connection.exec_driver_sql(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'bookings'::regclass AND contype = 'x'").scalars().all()
    assert names == ["ex_bookings_no_overlap"]
