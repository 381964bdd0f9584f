"""Find (or start) the PostgreSQL and Redis servers the tests run against.

TEST_DATABASE_URL / TEST_REDIS_URL win. Otherwise a private server is started from the
local binaries if they exist, and as a last resort the suite runs on SQLite with inline
jobs and says so. With PACKBOOK_REQUIRE_SERVICES=1 (CI) a missing server is a failure.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@dataclass
class Services:
    postgres_server: str | None = None   # a server URL; each test session makes its own database
    redis_url: str | None = None
    notes: list[str] = field(default_factory=list)
    _cleanups: list = field(default_factory=list)

    def close(self) -> None:
        for cleanup in reversed(self._cleanups):
            cleanup()


def required() -> bool:
    return os.environ.get("PACKBOOK_REQUIRE_SERVICES") == "1"


def discover() -> Services:
    services = Services()
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL"):
        if os.environ.get(name):
            services.notes.append(f"using {name} ({make_url(os.environ[name]).render_as_string()})")
    services.postgres_server = os.environ.get("TEST_DATABASE_URL") or _private_postgres(services)
    services.redis_url = os.environ.get("TEST_REDIS_URL") or _private_redis(services)
    if not os.path.exists("/usr/bin/chromium"):
        services.notes.append("Chromium not found at /usr/bin/chromium: browser tests skipped")
    return services


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(check, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start within {timeout:.0f}s")


def _private_redis(services: Services) -> str | None:
    binary = shutil.which("redis-server")
    if not binary:
        services.notes.append("redis-server not found: queue tests use inline jobs only")
        return None
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL)
    services._cleanups.append(lambda: (process.terminate(), process.wait(10)))
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for(lambda: _redis_answers(url), "private redis-server")
    services.notes.append(f"started a private redis-server on port {port}")
    return url


def _redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _postgres_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _private_postgres(services: Services) -> str | None:
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if not (initdb and pg_ctl):
        services.notes.append("PostgreSQL binaries not found: database tests run on SQLite only")
        return None
    run_as = _postgres_runner()
    if run_as is None:
        services.notes.append("running as root with no 'postgres' user: database tests run on SQLite only")
        return None
    data = tempfile.mkdtemp(prefix="packbook-pg-")
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = free_port()
    subprocess.run(run_as + [initdb, "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, stdout=subprocess.DEVNULL)
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(run_as + [pg_ctl, "-D", data, "-o", options, "-l", f"{data}/log", "-w", "start"],
                   check=True, stdout=subprocess.DEVNULL)
    services._cleanups.append(lambda: (
        subprocess.run(run_as + [pg_ctl, "-D", data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL),
        shutil.rmtree(data, ignore_errors=True)))
    services.notes.append(f"started a private PostgreSQL on port {port}")
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def _postgres_runner() -> list[str] | None:
    # PostgreSQL refuses to run as root; drop to the 'postgres' user when we are root.
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ["runuser", "-u", "postgres", "--"]


def create_database(server_url: str) -> tuple[str, callable]:
    """Create a throwaway database on the server; returns its URL and a function that drops it."""
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"packbook_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop
