"""The only module that touches rq: queue names, timeouts, retries and the worker."""
from __future__ import annotations

import importlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, SimpleWorker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.scheduler import RQScheduler
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


@dataclass(frozen=True)
class FailedJob:
    """A job rq gave up on: its id (which names what it was for), function, when, and its error's type only
    (an exception's text can quote a payload or a customer)."""

    id: str
    function: str
    failed_at: datetime | None
    error: str | None


def _error_type(traceback_text: str | None) -> str | None:
    # A traceback's last line is "module.ErrorType: message"; keep the type's own name.
    lines = [line for line in (traceback_text or "").splitlines() if line.strip()]
    if not lines:
        return None
    return lines[-1].split(":", 1)[0].strip().rpartition(".")[2][:200] or None


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

    def enqueue_many(self, func_path: str, calls: list[tuple[int, str]]) -> None:
        """Queue `func_path(arg)` for each (arg, job id), all in one Redis round trip; inline, run each."""
        if self.inline:
            for arg, _job_id in calls:
                _run_inline(func_path, arg)
            return
        try:
            with self.redis.pipeline() as pipe:
                for arg, job_id in calls:
                    self._queue.enqueue(func_path, arg, job_id=job_id, retry=Retry(**RETRY),
                                        failure_ttl=FAILURE_TTL, result_ttl=RESULT_TTL, pipeline=pipe)
                pipe.execute()
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc

    def job_states(self, job_ids: list[str]) -> dict[str, tuple[str | None, str | None]]:
        """Each job's (status, worker name) as Redis holds it; (None, None) for a job Redis does not have."""
        with self.redis.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hmget(Job.key_for(job_id), "status", "worker_name")
            rows = pipe.execute()
        return {job_id: tuple(value.decode() if value else None for value in row)
                for job_id, row in zip(job_ids, rows)}

    def forget_jobs(self, job_ids: list[str]) -> None:
        """Delete jobs (and their registry entries) that will never run, so a re-dispatch starts clean."""
        for job_id in job_ids:
            try:
                Job.fetch(job_id, connection=self.redis, serializer=JSONSerializer).delete()
            except NoSuchJobError:
                pass

    def failed_jobs(self, limit: int = 200) -> list[FailedJob]:
        """Jobs whose retries are spent, from both queues' failed registries, newest first; none inline.
        Raises QueueUnavailable when Redis does not answer."""
        if self.inline:
            return []
        try:
            found = []
            for name in (self.name, self.low_name):
                ids = self.rq_queue(name).failed_job_registry.get_job_ids(0, limit - 1, desc=True)
                for job in Job.fetch_many(ids, connection=self.redis, serializer=JSONSerializer):
                    if job is not None:
                        result = job.latest_result()
                        ended = job.ended_at
                        ended = ended.replace(tzinfo=timezone.utc) if ended and ended.tzinfo is None else ended
                        found.append(FailedJob(job.id, job.func_name, ended,
                                               _error_type(result.exc_string if result else None)))
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc
        epoch = datetime.min.replace(tzinfo=timezone.utc)
        return sorted(found, key=lambda job: job.failed_at or epoch, reverse=True)[:limit]

    def requeue_failed(self, job_id: str) -> bool:
        """Put a failed job back on its queue as it was (same function, same arguments); False if no queue's
        failed registry holds it."""
        try:
            for name in (self.name, self.low_name):
                registry = self.rq_queue(name).failed_job_registry
                if job_id in registry:
                    registry.requeue(job_id)
                    return True
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc
        return False

    ALIVE_SECONDS = 10

    def mark_alive(self, process: str) -> None:
        """This worker process is alive for the next ALIVE_SECONDS (its dispatcher renews it every second)."""
        self.redis.set(f"{self.name}:alive:{process}", "1", ex=self.ALIVE_SECONDS)

    def live_processes(self, processes: set[str]) -> set[str]:
        ordered = sorted(processes)
        if not ordered:
            return set()
        with self.redis.pipeline(transaction=False) as pipe:
            for process in ordered:
                pipe.exists(f"{self.name}:alive:{process}")
            found = pipe.execute()
        return {process for process, exists in zip(ordered, found) if exists}

    def retry_scheduler(self) -> "RetryScheduler":
        return RetryScheduler(self)

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


class RetryScheduler:
    """Moves rq jobs whose retry time has come from the scheduled registry to their queue, from the
    dispatcher thread. rq's own scheduler runs as a child process, which outlived a `kill -9` of its worker."""

    def __init__(self, queue: JobQueue):
        self._rq = RQScheduler([queue.name, queue.low_name], connection=queue.redis, serializer=JSONSerializer)

    def run_due(self) -> None:
        if self._rq.should_reacquire_locks:
            self._rq.acquire_locks()
        if self._rq.acquired_locks:
            self._rq.heartbeat()
            self._rq.enqueue_scheduled_jobs()


def _run_inline(func_path: str, *args) -> None:
    try:
        _resolve(func_path)(*args)
    except Exception:
        # Inline mode has no retry queue. Jobs record their own failure (a webhook event is
        # left "failed" with its error) before raising, so nothing is lost: the sweep or
        # `flask webhooks retry` runs it again. The caller (often a request) must not fail.
        log.error("inline job %s%r failed", func_path, args)  # the job logged its own (redacted) error


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
    # rq retries a lost Redis itself while dequeuing, backing off to this many seconds (its default is 60):
    # once Redis is back, work resumes within seconds.
    max_connection_wait_time = 10.0

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
    """Run an rq worker on the app's queues, with this process's dispatcher thread beside it.

    A Redis outage never ends the process: the worker is started again with backoff, and the dispatcher keeps
    trying on its own. A burst worker (tests, one-off runs) dispatches what is pending, then drains the queues.
    """
    from webhooks.dispatcher import Dispatcher, dispatch_all, process_tag  # the dispatcher builds on this module

    queue, tag = get_queue(), process_tag()
    if burst:
        dispatch_all(queue)
        return _worker(app, periodic, queue, f"{tag}~burst").work(burst=True, with_scheduler=False,
                                                                  logging_level="INFO")
    dispatcher = Dispatcher(app, tag)
    dispatcher.start()
    try:
        return _work_through_outages(app, periodic, queue, tag)
    finally:
        dispatcher.stop()
        dispatcher.join(timeout=10)


def _work_through_outages(app: Flask, periodic: Callable[[], None], queue: JobQueue, tag: str) -> bool:
    backoff, attempt = 1.0, 0
    while True:
        attempt += 1
        try:
            # A new name each start: the last one's key may still be in Redis after an outage.
            return _worker(app, periodic, queue, f"{tag}~{attempt}").work(with_scheduler=False,
                                                                           logging_level="INFO")
        except RedisError as exc:
            log.warning("worker: Redis unavailable (%s); starting again in %.0f s", type(exc).__name__, backoff)
            time.sleep(backoff)
            backoff = min(backoff * 2, 10.0)


def _worker(app: Flask, periodic: Callable[[], None], queue: JobQueue, name: str) -> "AppWorker":
    # A connection of its own: rq raises the socket timeout for its blocking dequeue.
    connection = Redis.from_url(queue.redis_url)
    # Listed in priority order: webhook events first, reconciliation when those are done.
    queues = [Queue(n, connection=connection, serializer=JSONSerializer) for n in (queue.name, queue.low_name)]
    # worker_ttl bounds the blocking dequeue, so an idle worker still runs its maintenance every interval.
    return AppWorker(queues, connection=connection, serializer=JSONSerializer, app=app, name=name,
                     periodic=periodic, maintenance_interval=SWEEP_INTERVAL, worker_ttl=SWEEP_INTERVAL + 15)
