"""Load generators: wrk for maximum throughput, Python threads for a paced (open-loop) rate.

Every POST carries a unique X-Shopify-Event-Id (prefix-...), so the receiver stores each
delivery rather than taking its duplicate path, and the bench can count the rows a phase stored.
"""
from __future__ import annotations

import json
import math
from collections import Counter
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_requests.lua"
# Shopify gives up on a delivery after 5 s; a slower answer counts as an error here too.
TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Target:
    """What a phase sends: a GET, or a signed POST whose event id changes per request."""

    label: str
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_webhook(self) -> bool:
        return self.method == "POST"

    def headers_for(self, event_id: str) -> dict[str, str]:
        if not self.is_webhook:
            return self.headers
        # The HMAC covers the body only, so one signature serves every event id.
        return {**self.headers, "X-Shopify-Event-Id": event_id, "X-Shopify-Webhook-Id": event_id}


@dataclass
class Result:
    """One endpoint under one mode; latencies in milliseconds."""

    endpoint: str
    mode: str
    generator: str
    prefix: str
    completed: int      # responses received (any status)
    ok: int             # 200 responses
    sent: int           # requests sent, answered or not (wrk stops with some in flight)
    errors: int         # non-200 responses plus transport errors and timeouts
    seconds: float
    p50_ms: float
    p99_ms: float
    detail: dict = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0


def has_wrk() -> bool:
    return shutil.which("wrk") is not None


def wrk_version() -> str | None:
    if not has_wrk():
        return None
    output = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    return (output.stdout or output.stderr).splitlines()[0].split(" [")[0]


# --- closed loop: wrk ---------------------------------------------------------------


def run_wrk(base_url: str, target: Target, prefix: str, *, threads: int, connections: int,
            duration: float) -> Result:
    """Closed loop at full speed with wrk (C, epoll), so the server, not the client, is the limit."""
    with tempfile.TemporaryDirectory(prefix="packbook-bench-") as tmp:
        script_args = ["get", target.path, prefix]
        if target.is_webhook:
            script_args = ["post", target.path, prefix, *_write_request_files(Path(tmp), target)]
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s",
                   f"--timeout={TIMEOUT_SECONDS}s", "-s", str(LUA_SCRIPT), base_url + target.path,
                   "--", *script_args]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next((line for line in output.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no BENCH line:\n{output}")
    return _wrk_result(target, prefix, json.loads(line[len("BENCH "):]))


def _write_request_files(folder: Path, target: Target) -> list[str]:
    body, headers = folder / "body.json", folder / "headers.txt"
    body.write_bytes(target.body or b"")
    headers.write_text("".join(f"{name}: {value}\n" for name, value in target.headers.items()))
    return [str(body), str(headers)]


def _wrk_result(target: Target, prefix: str, data: dict) -> Result:
    # wrk's "status" errors are non-2xx/3xx responses; count every non-200 instead.
    detail = {name: count for name, count in data["errors"].items() if count and name != "status"}
    if data["requests"] > data["ok"]:
        detail["non-200"] = data["requests"] - data["ok"]
    return Result(endpoint=target.label, mode="max", generator="wrk", prefix=prefix,
                  completed=data["requests"], ok=data["ok"], sent=data["sent"],
                  errors=sum(detail.values()), seconds=data["duration_us"] / 1e6,
                  p50_ms=data["p50_us"] / 1000, p99_ms=data["p99_us"] / 1000, detail=detail)


# --- closed loop: Python fallback ----------------------------------------------------------


def run_closed_loop(base_url: str, target: Target, prefix: str, *, connections: int,
                    duration: float) -> Result:
    """Closed loop from Python threads: without wrk, and limited by the GIL of this process."""
    outcomes: list[tuple[float, int | str]] = []
    deadline = time.perf_counter() + duration

    def connection(number: int) -> None:
        with requests.Session() as session:
            count = 0
            while time.perf_counter() < deadline:
                count += 1
                started = time.perf_counter()
                status = _send(session, base_url, target, f"{prefix}-{number}-{count}")
                outcomes.append((time.perf_counter() - started, status))

    started = time.perf_counter()
    _run_threads([threading.Thread(target=connection, args=(n,), daemon=True) for n in range(connections)])
    return _summarize(target, "max", "python", prefix, outcomes, time.perf_counter() - started)


# --- open loop: paced ------------------------------------------------------------------


def run_paced(base_url: str, target: Target, prefix: str, *, rate: float, duration: float,
              pool: int) -> Result:
    """Send `rate` requests/s on a fixed schedule, whatever the server does.

    Latency runs from each request's scheduled time, not from when a sender got to it, so a
    stalled server shows up as latency instead of as fewer requests (coordinated omission).
    """
    slots: queue.Queue = queue.Queue()
    outcomes: list[tuple[float, int | str]] = []
    senders = [threading.Thread(target=_sender, args=(base_url, target, prefix, slots, outcomes),
                                daemon=True) for _ in range(pool)]
    for sender in senders:
        sender.start()
    start = time.perf_counter() + 0.05
    for index in range(round(rate * duration)):
        scheduled = start + index / rate
        _sleep_until(scheduled)
        slots.put((index, scheduled))
    for _ in senders:
        slots.put(None)
    _run_threads(senders, started=True)
    return _summarize(target, f"{rate:g}/s", "python", prefix, outcomes, time.perf_counter() - start)


def _sender(base_url: str, target: Target, prefix: str, slots: queue.Queue,
            outcomes: list[tuple[float, int | str]]) -> None:
    with requests.Session() as session:  # keep-alive, like Shopify's delivery connections
        while (slot := slots.get()) is not None:
            index, scheduled = slot
            status = _send(session, base_url, target, f"{prefix}-{index}")
            outcomes.append((time.perf_counter() - scheduled, status))


def _sleep_until(moment: float) -> None:
    delay = moment - time.perf_counter()
    if delay > 0:
        time.sleep(delay)


# --- shared ----------------------------------------------------------------------------


def _send(session: requests.Session, base_url: str, target: Target, event_id: str) -> int | str:
    """The response's status code, or the name of the transport error."""
    try:
        response = session.request(target.method, base_url + target.path, data=target.body,
                                   headers=target.headers_for(event_id), timeout=TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        return type(exc).__name__
    return response.status_code


def _run_threads(threads: list[threading.Thread], *, started: bool = False) -> None:
    # Daemon threads joined from the main thread: Ctrl-C still interrupts the join.
    if not started:
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join()


def _summarize(target: Target, mode: str, generator: str, prefix: str,
               outcomes: list[tuple[float, int | str]], seconds: float) -> Result:
    # Like wrk: latency and rate count HTTP responses; a transport error is only an error.
    answered = [(latency, status) for latency, status in outcomes if isinstance(status, int)]
    latencies = sorted(latency for latency, _ in answered)
    failures = Counter(str(status) for _, status in outcomes if status != 200)
    return Result(endpoint=target.label, mode=mode, generator=generator, prefix=prefix,
                  completed=len(answered), ok=len(outcomes) - failures.total(), sent=len(outcomes),
                  errors=failures.total(), seconds=seconds, p50_ms=percentile(latencies, 50) * 1000,
                  p99_ms=percentile(latencies, 99) * 1000, detail=dict(failures))


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 for an empty one)."""
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]
