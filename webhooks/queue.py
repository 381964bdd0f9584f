"""The only module that touches rq: queue names, timeouts, retries and the worker."""
from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass
from typing import Callable

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.serializers import JSONSerializer

log = logging.getLogger(__name__)

DEFAULT_QUEUE_NAME = "packbook"
JOB_TIMEOUT = 300                   # seconds a single job may run
FAILURE_TTL = 14 * 24 * 3600        # keep failed jobs two weeks for inspection
# A finished job's record (~5 KB, with its timings, which bench/purchases.py reads after a run) is kept ten
# minutes: an hour at a sustained 100 jobs/s would hold ~1.9 GB of Redis. The event row is the lasting record.
RESULT_TTL = 600
RETRY = dict(max=6, interval=[5, 30, 120, 600, 1800, 3600])  # about 1.7 hours of backoff
SWEEP_INTERVAL = 60                 # seconds between periodic sweeps on a worker
HEARTBEAT_EVERY = 1.0               # seconds; see AppWorker.heartbeat


class QueueUnavailable(Exception):
    """Redis could not take the job; the caller keeps its own record and retries later."""


@dataclass
class JobQueue:
    """Hands work to rq, or runs it in-process when no Redis is configured (the embedded default)."""

    redis_url: str | None
    name: str = DEFAULT_QUEUE_NAME

    def __post_init__(self):
        self._redis = Redis.from_url(self.redis_url, socket_timeout=2, socket_connect_timeout=1) \
            if self.redis_url else None
        self._queue = self.rq_queue() if self._redis is not None else None
        self._low_queue = self.rq_queue(self.low_name) if self._redis is not None else None

    @property
    def low_name(self) -> str:
        return f"{self.name}-low"

    @property
    def inline(self) -> bool:
        return self._redis is None

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RuntimeError("no REDIS_URL configured; jobs run inline")
        return self._redis

    def rq_queue(self, name: str | None = None) -> Queue:
        return Queue(name or self.name, connection=self.redis, serializer=JSONSerializer,
                     default_timeout=JOB_TIMEOUT)

    def enqueue(self, func_path: str, *args, job_id: str | None = None, low_priority: bool = False) -> None:
        """Queue `func_path(*args)`; args must be plain JSON values (ids, not ORM objects).

        Low-priority work (reconciliation) waits on its own queue, which workers take only when
        the webhook queue is empty.
        """
        if self.inline:
            _run_inline(func_path, *args)
            return
        queue = self._low_queue if low_priority else self._queue
        try:
            # One pipeline: the job, its queue entry and the queue registry in a single round trip.
            with self.redis.pipeline() as pipe:
                queue.enqueue(func_path, *args, job_id=job_id, retry=Retry(**RETRY),
                                    failure_ttl=FAILURE_TTL, result_ttl=RESULT_TTL, pipeline=pipe)
                pipe.execute()
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc

    def job_id(self, kind: str, object_id: int) -> str:
        """A stable rq job id, prefixed with the queue name so apps sharing a Redis never collide."""
        return f"{self.name}-{kind}-{object_id}"

    def acquire_lock(self, name: str, ttl: int) -> bool:
        """A best-effort Redis lock so only one of N workers runs a periodic task per interval."""
        if self.inline:
            return True
        return bool(self.redis.set(f"{self.name}:lock:{name}", "1", nx=True, ex=max(ttl, 1)))

    def stats(self) -> dict:
        """Queue depth and reachability, for /healthz (never the URL, which may hold a password)."""
        if self.inline:
            return {"mode": "inline", "ok": True}
        try:
            queue = self.rq_queue()
            return {"mode": "rq", "ok": True, "queued": queue.count,
                    "failed": queue.failed_job_registry.count}
        except RedisError as exc:
            return {"mode": "rq", "ok": False, "error": type(exc).__name__}


def _run_inline(func_path: str, *args) -> None:
    try:
        _resolve(func_path)(*args)
    except Exception:
        # Inline mode has no retry queue. Jobs record their own failure (a webhook event is
        # left "failed" with its error) before raising, so nothing is lost: the sweep or
        # `flask webhooks retry` runs it again. The caller (often a request) must not fail.
        log.exception("inline job %s%r failed", func_path, args)


def _resolve(func_path: str) -> Callable:
    module_name, _, attr = func_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def init_app(app: Flask) -> None:
    settings = app.config["PACKBOOK"]
    app.extensions["packbook.queue"] = JobQueue(settings.redis_url, settings.queue_name)


def get_queue() -> JobQueue:
    return current_app.extensions["packbook.queue"]


class AppWorker(SimpleWorker):
    """An rq worker that runs each job inside a fresh app context and sweeps periodically.

    SimpleWorker (no fork per job) keeps the database pool warm, which matters for
    webhook latency; the job timeout is still enforced with SIGALRM.
    """

    # Our jobs' results are never read; rq would log this line for every job.
    log_result_lifespan = False

    def __init__(self, *args, app: Flask, periodic: Callable[[], None], **kwargs):
        self._last_beat = float("-inf")
        super().__init__(*args, **kwargs)
        self.app = app
        self.periodic = periodic

    def execute_job(self, job, queue):
        with self.app.app_context():
            return super().execute_job(job, queue)

    # rq's bookkeeping costs a Redis round trip per command: about 18 per job, a large share
    # of a ~8 ms job. The two overrides below drop the redundant writes and batch the rest.

    def heartbeat(self, timeout: int | None = None, pipeline=None):
        """rq's heartbeat, at most once a second when rq sends it on its own, in one round trip.

        rq beats four times per job; the worker's key lives worker_ttl + 60 s, and every loop
        still beats once with its suspension check, so the skipped beats change nothing.
        """
        if pipeline is not None:
            self._last_beat = time.monotonic()
            return super().heartbeat(timeout, pipeline=pipeline)
        if timeout is None and time.monotonic() - self._last_beat < HEARTBEAT_EVERY:
            return
        self._last_beat = time.monotonic()
        with self.connection.pipeline(transaction=False) as batch:
            super().heartbeat(timeout, pipeline=batch)
            batch.execute()

    def set_state(self, state: str, pipeline=None):
        """Write the worker's state, unless rq is writing again the state it wrote last (idle after idle)."""
        if pipeline is None and state == self.get_state():
            return
        super().set_state(state, pipeline=pipeline)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        with self.app.app_context():
            try:
                self.periodic()
            except Exception:  # the sweep is best-effort here; the next interval tries again
                log.exception("periodic sweep failed")


def run_worker(app: Flask, periodic: Callable[[], None], *, burst: bool = False) -> bool:
    """Start an rq worker with the scheduler (needed for retry intervals) on the app's queue."""
    queue = get_queue()
    # A connection of its own: rq raises the socket timeout for its blocking dequeue.
    connection = Redis.from_url(queue.redis_url)
    # Listed in priority order: webhook events first, reconciliation when those are done.
    queues = [Queue(name, connection=connection, serializer=JSONSerializer) for name in (queue.name, queue.low_name)]
    # worker_ttl bounds the blocking dequeue, so an idle worker still sweeps every interval.
    worker = AppWorker(queues, connection=connection, serializer=JSONSerializer, app=app,
                       periodic=periodic, maintenance_interval=SWEEP_INTERVAL,
                       worker_ttl=SWEEP_INTERVAL + 15)
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
