"""Engine, session factory and session lifecycle for requests, jobs and commands."""
from __future__ import annotations

import functools
import traceback
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from flask import Flask, current_app, g
from sqlalchemy import JSON, BigInteger, DateTime, Integer, MetaData, TypeDecorator, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names so Alembic migrations can refer to them on both databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on both PostgreSQL and SQLite (which stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Packbook stores UTC-aware datetimes only")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def describe_error(exc: BaseException) -> str:
    """An error as logs and stored errors may show it: its type and first line, never a value it was binding
    nor the database's DETAIL (where PostgreSQL quotes the failing row, payload included)."""
    source = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = str(source)
    return f"{type(source).__name__}: {text.splitlines()[0] if text else ''}"[:500]


def traceback_lines(exc: BaseException) -> str:
    """Where an error happened, frame by frame: file, line and code, without any exception's message."""
    return "".join(traceback.format_tb(exc.__traceback__))


JSONType = JSON().with_variant(JSONB(), "postgresql")

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def insert_skipping_duplicates(session: Session, model, unique_columns: tuple[str, ...]):
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING RETURNING the model, on the session's backend.

    A row whose key already exists (a repeat, or a concurrent transaction that got there first:
    PostgreSQL waits for it to commit) is skipped without an error and without a savepoint;
    only the rows inserted come back. Pass the values as execute parameters (a dict, or a list
    for several rows): the statement is built once per backend, since building one costs more
    than sending it.
    """
    return _insert_skipping(session.get_bind().dialect.name, model, unique_columns)


@functools.cache
def _insert_skipping(dialect: str, model, unique_columns: tuple[str, ...]):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=list(unique_columns)).returning(model)


def make_engine(url: str) -> Engine:
    """Create an engine tuned for its backend (SQLite gets the locking it needs for concurrency)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed)
    # hide_parameters: an error's text (logged, kept as an event's last_error) never carries the values it
    # was binding, such as a webhook's payload or a customer's email.
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def _sqlite_engine(parsed) -> Engine:
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite so every transaction starts with
        # BEGIN IMMEDIATE: writers queue on the database lock instead of failing with
        # "database is locked" when two deferred transactions try to upgrade at once.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """One engine and session factory per app (never a process-global session)."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error: for jobs and commands."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def init_app(app: Flask) -> None:
    app.extensions["packbook.db"] = Database(app.config["PACKBOOK"].database_url)
    app.teardown_appcontext(_close_request_session)


def get_db() -> Database:
    return current_app.extensions["packbook.db"]


def session() -> Session:
    """The current request's session, opened on first use and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def _close_request_session(exc: BaseException | None) -> None:
    request_session = g.pop("db_session", None)
    if request_session is not None:
        if exc is not None:
            request_session.rollback()
        request_session.close()
