"""Shared fixtures: real databases (SQLite and PostgreSQL), real Redis, one app per backend."""
from __future__ import annotations

import uuid

import pytest
from cryptography.fernet import Fernet

from tests.support import services as svc
from tests.support.factories import API_KEY, API_SECRET, PREVIOUS_SECRET

TOKEN_KEY = Fernet.generate_key().decode()
QUEUE_NAME = f"packbook-test-{uuid.uuid4().hex[:8]}"
_services: svc.Services | None = None


def app_config(database_url: str, redis_url: str | None = None, **overrides) -> dict:
    config = {
        "TESTING": True, "SHOPIFY_API_KEY": API_KEY, "SHOPIFY_API_SECRET": API_SECRET,
        "SHOPIFY_API_SECRET_PREVIOUS": PREVIOUS_SECRET, "SHOPIFY_APP_URL": "https://packbook.test",
        "SECRET_KEY": "test-secret-key-0123456789", "TOKEN_ENCRYPTION_KEY": TOKEN_KEY,
        "DATABASE_URL": database_url, "PACKBOOK_QUEUE_NAME": QUEUE_NAME,
    }
    if redis_url:
        config["REDIS_URL"] = redis_url
    config.update(overrides)
    return config


def missing(what: str):
    """Skip locally, but fail in CI, where PostgreSQL, Redis and Chromium must be exercised."""
    if svc.required():
        pytest.fail(f"{what} is required (PACKBOOK_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(scope="session")
def services():
    global _services
    _services = svc.discover()
    yield _services
    _services.close()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, services, tmp_path_factory):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'packbook.sqlite3'}"
        return
    if not services.postgres_server:
        missing("PostgreSQL")
    url, drop = svc.create_database(services.postgres_server)
    yield url
    drop()


@pytest.fixture(scope="session")
def redis_url(services):
    if not services.redis_url:
        missing("Redis")
    yield services.redis_url
    _delete_queue_keys(services.redis_url)


def _delete_queue_keys(url: str) -> None:
    # Only what this run created: keys that carry this run's unique queue name.
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match=f"*{QUEUE_NAME}*", count=500):
        client.delete(key)


def _build_app(config: dict):
    from app import create_app
    from commands import alembic_config
    from alembic import command

    app = create_app(config)
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    return app


@pytest.fixture(scope="session")
def app(database_url):
    """The app on each backend, with inline jobs (the embedded default)."""
    app = _build_app(app_config(database_url))
    yield app
    app.extensions["packbook.db"].engine.dispose()


@pytest.fixture(scope="session")
def rq_app(database_url, redis_url, app):
    """The same database, with jobs going through real Redis and rq."""
    # A queue per backend: the two apps' workers must not share locks or jobs.
    backend = database_url.split(":", 1)[0].split("+", 1)[0]
    rq_app = _build_app(app_config(database_url, redis_url, PACKBOOK_QUEUE_NAME=f"{QUEUE_NAME}-{backend}"))
    yield rq_app
    rq_app.extensions["packbook.db"].engine.dispose()


@pytest.fixture
def db_session(app):
    """A session whose work is rolled back after the test, even where the code commits."""
    database = app.extensions["packbook.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    database.sessionmaker.configure(bind=connection, join_transaction_mode="create_savepoint")
    # No app context stays pushed here: each test-client request must get (and tear down)
    # its own, exactly as in production.
    session = database.sessionmaker()
    yield session
    session.close()
    database.sessionmaker.configure(bind=database.engine, join_transaction_mode="conditional_savepoint")
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no link attempts counted (the suite sends many from one address)."""
    from booking.pages.limits import limiter
    yield
    try:
        limiter.reset()
    except Exception:  # the limiter was never initialised by this test's app
        pass


def pytest_terminal_summary(terminalreporter):
    if _services and _services.notes:
        terminalreporter.write_sep("-", "packbook test services")
        for note in _services.notes:
            terminalreporter.write_line(note)


@pytest.fixture
def committed_shops(app):
    """For tests whose work must really commit (threads, workers): unique shop domains, cleaned after."""
    from sqlalchemy import delete

    from shopify_app.models import Shop
    from webhooks.models import WebhookEvent

    domains: list[str] = []
    yield domains
    with app.extensions["packbook.db"].transaction() as session:
        session.execute(delete(WebhookEvent).where(WebhookEvent.shop_domain.in_(domains)))
        session.execute(delete(Shop).where(Shop.domain.in_(domains)))
