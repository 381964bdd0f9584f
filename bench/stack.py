"""The throwaway stack a benchmark runs against: database, Redis keys, gunicorn, rq worker.

Each piece is a context manager that removes what it made, so an ExitStack in the caller
cleans up in reverse order on success, on error and on Ctrl-C.
"""
from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import requests
from cryptography.fernet import Fernet
from redis import Redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the results (and --json stays parseable)."""
    print(f"bench: {message}", file=sys.stderr, flush=True)


def app_environment(database_url: str, redis_url: str, queue_name: str) -> dict[str, str]:
    """Fresh secrets for this run only; they reach the children through the environment."""
    return {
        "SHOPIFY_API_KEY": secrets.token_hex(16),
        "SHOPIFY_API_SECRET": secrets.token_hex(32),
        "SHOPIFY_APP_URL": "https://bench.packbook.test",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "PACKBOOK_QUEUE_NAME": queue_name,
        # Set, so a developer's .env (which never overrides set variables) cannot add them.
        "SHOPIFY_API_SECRET_PREVIOUS": "",
        "PACKBOOK_DEMO": "0",
    }


# --- PostgreSQL ---------------------------------------------------------------


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    """Create packbook_bench_<random> on the server, yield its URL, drop it WITH (FORCE) after."""
    url = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"packbook_bench_{secrets.token_hex(5)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    log(f"created database {name}")
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE: gunicorn or a worker killed mid-request may still hold connections.
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        log(f"dropped database {name}")


def in_process_app(database_url: str, queue_name: str):
    """The app built in this process on `database_url` (migrated to head), with fresh throwaway secrets: the
    benches that call it through the Flask test client."""
    from alembic import command

    from app import create_app
    from commands import alembic_config

    app = create_app({"TESTING": True, "SHOPIFY_API_KEY": secrets.token_hex(16),
                      "SHOPIFY_API_SECRET": secrets.token_hex(32), "SHOPIFY_APP_URL": "https://bench.packbook.test",
                      "SECRET_KEY": secrets.token_urlsafe(32), "TOKEN_ENCRYPTION_KEY": Fernet.generate_key().decode(),
                      "DATABASE_URL": database_url, "PACKBOOK_QUEUE_NAME": queue_name})
    with app.app_context():
        command.upgrade(alembic_config(), "head")
    return app


def migrate(env: dict[str, str]) -> None:
    """Run the app's own migrations against the bench database."""
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"flask db upgrade failed:\n{result.stderr[-3000:]}")


@contextmanager
def database_engine(url: str) -> Iterator[Engine]:
    """A small engine for the bench's own checks (row counts), disposed before the drop."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        yield engine
    finally:
        engine.dispose()


# --- Redis ----------------------------------------------------------------------


@contextmanager
def isolated_queue(redis_url: str) -> Iterator[tuple[Redis, str]]:
    """Yield (redis, packbook-bench-<random>); afterwards delete this run's keys and no others."""
    name = f"packbook-bench-{secrets.token_hex(4)}"
    redis = Redis.from_url(redis_url, socket_timeout=10)
    redis.ping()
    try:
        yield redis, name
    finally:
        log(f"deleted {delete_queue_keys(redis, name)} Redis keys of queue {name}")
        redis.close()


def queue_depth(redis: Redis, name: str) -> int:
    return redis.llen(f"rq:queue:{name}")


def delete_queue_keys(redis: Redis, name: str) -> int:
    """Delete the keys naming the queue, and the job and worker hashes that belong to it."""
    # Never FLUSHDB: the database may be shared. Job ids carry the queue name today; matching
    # job hashes on their `origin` too keeps the cleanup right if that naming ever changes.
    doomed = set(redis.scan_iter(match=f"*{name}*", count=1000))
    for key in _hashes_with(redis, "rq:job:*", "origin", name):
        job_id = key[len(b"rq:job:"):].decode()
        doomed.update({key, f"rq:job:{job_id}:dependents".encode(), f"rq:results:{job_id}".encode()})
    doomed.update(_hashes_with(redis, "rq:worker:*", "queues", name))
    redis.srem("rq:queues", f"rq:queue:{name}")
    doomed = list(doomed)
    return sum(redis.unlink(*doomed[start:start + 1000]) for start in range(0, len(doomed), 1000))


def _hashes_with(redis: Redis, pattern: str, field: str, value: str) -> list[bytes]:
    keys = list(redis.scan_iter(match=pattern, count=1000))
    pipe = redis.pipeline(transaction=False)
    for key in keys:
        pipe.hget(key, field)
    # raise_on_error=False: the pattern also matches non-hash keys (rq:job:<id>:dependents).
    found = pipe.execute(raise_on_error=False) if keys else []
    return [key for key, got in zip(keys, found) if got == value.encode()]


# --- processes --------------------------------------------------------------------


@dataclass(frozen=True)
class ServerSettings:
    workers: int
    threads: int

    def describe(self) -> str:
        return f"gunicorn gthread, {self.workers} workers x {self.threads} threads"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], settings: ServerSettings, *, probe: str = "http",
             settle: float = 0.0) -> Iterator[str]:
    """Start the app under gunicorn on a free port; yield its base URL once /healthz/live answers.

    probe="tcp" sends no HTTP request before yielding: it waits until the port accepts a connection, then
    `settle` seconds, so the caller's first request is the worker's very first.
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "app:create_app()", "--bind", f"127.0.0.1:{port}",
               "--workers", str(settings.workers), "--worker-class", "gthread",
               "--threads", str(settings.threads), "--limit-request-line", "8190", "--log-level", "warning"]
    base_url = f"http://127.0.0.1:{port}"
    with _process("gunicorn", command, env) as (process, log_path):
        if probe == "tcp":
            _wait_until_listening(port, process, log_path)
            time.sleep(settle)
        else:
            _wait_until_live(base_url, process, log_path)
        yield base_url


@contextmanager
def rq_worker(env: dict[str, str]) -> Iterator[None]:
    """Run `flask worker` on the bench queue so the queue drains while the load runs."""
    command = [sys.executable, "-m", "flask", "--app", "app", "worker"]
    with _process("rq worker", command, env):
        yield


@contextmanager
def _process(label: str, command: list[str], env: dict[str, str]):
    with tempfile.NamedTemporaryFile(prefix="packbook-bench-", suffix=".log") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
        log(f"started {label} (pid {process.pid})")
        try:
            yield process, Path(output.name)
        finally:
            _stop(process)
            log(f"stopped {label}")


def _stop(process: subprocess.Popen) -> None:
    # SIGTERM is a graceful shutdown for both gunicorn and rq; kill only if it hangs.
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_listening(port: int, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"gunicorn did not listen within {timeout:.0f} s")


def _wait_until_live(base_url: str, process: subprocess.Popen, log_path: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{base_url}/healthz/live", timeout=1).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or workers still importing
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer /healthz/live within {timeout:.0f}s")


def child_environment(app_env: dict[str, str]) -> dict[str, str]:
    """The parent's environment (PATH, locale) with the bench's app settings on top."""
    return {**os.environ, **app_env}


def run_with_cleanup(run: Callable[[ExitStack], object]) -> object | None:
    """Run a benchmark whose cleanups (database, Redis keys, processes) sit on an ExitStack.

    Returns run's result, or None when interrupted (after cleaning up).
    """
    # SIGTERM becomes SystemExit, so the ExitStack still drops the database and the keys.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # A shell without job control starts background jobs with SIGINT ignored; take it back.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with ExitStack() as cleanup:
            return run(cleanup)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return None
