"""The bench's checks on the stored events, and its output: a compact table or JSON."""
from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from load import Result

WEBHOOK, TRIVIAL = "POST /webhooks", "GET /healthz/live"
TARGET_RATIO = 0.60      # webhook max throughput / trivial endpoint max throughput
TARGET_P99_MS = 50.0     # webhook p99 at the paced rate


@dataclass
class Report:
    facts: dict
    results: list[Result]
    storage: dict
    queue: dict
    statuses: dict


def check_storage(engine: Engine, webhook_results: list[Result]) -> dict:
    """Every 200 from /webhooks must be a stored row, and every stored row a request we sent."""
    count = text("SELECT count(*) FROM webhook_events WHERE event_id LIKE :prefix")
    with engine.connect() as conn:
        phases = [{"phase": f"{r.mode} ({r.prefix})", "ok": r.ok, "sent": r.sent,
                   "rows": conn.scalar(count, {"prefix": f"{r.prefix}-%"})} for r in webhook_results]
        total_rows = conn.scalar(text("SELECT count(*) FROM webhook_events"))
    # wrk stops with requests in flight: the server may still store them after the last 200
    # wrk counted, so a phase may hold up to (sent - ok) more rows than 200s, never fewer.
    for phase in phases:
        phase["passed"] = phase["ok"] <= phase["rows"] <= phase["sent"]
    ok = sum(p["ok"] for p in phases)
    sent = sum(p["sent"] for p in phases)
    passed = all(p["passed"] for p in phases) and total_rows == sum(p["rows"] for p in phases)
    return {"rows": total_rows, "ok_responses": ok, "sent_without_200": sent - ok,
            "passed": passed, "phases": phases}


def event_statuses(engine: Engine) -> dict:
    """Stored events by status: all "queued" without a worker; "pending" means Redis refused."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT status, count(*) FROM webhook_events GROUP BY status"))
        return {status: count for status, count in rows}


def _runs(results: list[Result], endpoint: str, max_mode: bool) -> list[Result]:
    return [r for r in results if r.endpoint == endpoint and (r.mode == "max") == max_mode]


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def targets(results: list[Result]) -> dict:
    """The two acceptance figures (medians over --repeat rounds) and whether each is met."""
    webhook, trivial = _runs(results, WEBHOOK, True), _runs(results, TRIVIAL, True)
    paced = _runs(results, WEBHOOK, False)
    ratio = 0.0
    if webhook and trivial:
        ratio = _median([r.rate for r in webhook]) / _median([r.rate for r in trivial])
    p99 = _median([r.p99_ms for r in paced])
    # A figure measured while requests failed says nothing about the target: errors miss it.
    clean = all(r.errors == 0 for r in webhook + trivial + paced)
    return {"ratio": round(ratio, 3), "ratio_met": clean and ratio >= TARGET_RATIO,
            "paced_mode": paced[0].mode if paced else None,
            "webhook_p99_ms": round(p99, 2), "p99_met": clean and p99 < TARGET_P99_MS,
            "errors": not clean, "rounds": len(webhook)}


def as_json(report: Report) -> str:
    results = [{**asdict(r), "rate": round(r.rate, 1)} for r in report.results]
    return json.dumps({"facts": report.facts, "results": results, "targets": targets(report.results),
                       "storage": report.storage, "queue": report.queue,
                       "event_statuses": report.statuses}, indent=2)


def as_table(report: Report) -> str:
    lines = _facts_lines(report.facts) + [""]
    lines.append(f"{'endpoint':<18}{'mode':<8}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for r in report.results:
        lines.append(f"{r.endpoint:<18}{r.mode:<8}{r.rate:>9.1f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
                     f"{r.errors:>8}")
        if r.errors:
            lines.append(f"{'':<18}errors: {', '.join(f'{k} {v}' for k, v in r.detail.items())}")
    lines += [""] + _target_lines(targets(report.results)) + _check_lines(report)
    return "\n".join(lines)


def _facts_lines(facts: dict) -> list[str]:
    pg = facts["postgres"]
    return [f"machine: {facts['nproc']} cores ({facts['cpu']}), load before run "
            + " ".join(str(x) for x in facts["loadavg_before"]),
            f"server:  {facts['server']}; python {facts['python']}",
            f"load:    {facts['generator']}; orders/paid body {facts['body_bytes']} bytes",
            f"db:      PostgreSQL {pg['server_version']}, fsync={pg['fsync']}, "
            f"synchronous_commit={pg['synchronous_commit']}; rq worker: "
            + ("running" if facts["rq_worker"] else "none (accept-and-enqueue only)")] \
        + (["note:    the max figures are bound by the Python generator, not the server; install wrk"]
           if facts["generator_bound"] else [])


def _target_lines(t: dict) -> list[str]:
    def verdict(met: bool) -> str:
        return "met" if met else "MISSED"

    errors = ["(targets count as missed: some requests failed, see errors above)"] if t["errors"] else []
    median = " (medians of {} rounds)".format(t["rounds"]) if t["rounds"] > 1 else ""
    return errors + [f"webhook/trivial throughput ratio{median}: {t['ratio']:.2f}  "
            f"(target >= {TARGET_RATIO:.2f})  " + verdict(t["ratio_met"]),
            f"webhook p99 at {t['paced_mode']}: {t['webhook_p99_ms']:.1f} ms  "
            f"(target < {TARGET_P99_MS:.0f} ms)  " + verdict(t["p99_met"])]


def _check_lines(report: Report) -> list[str]:
    s, q = report.storage, report.queue
    lines = [f"stored rows: {s['rows']}; 200 responses from /webhooks: {s['ok_responses']}; "
             f"sent without a 200 (in flight when wrk stopped, or errors): {s['sent_without_200']}  "
             + ("OK" if s["passed"] else "MISMATCH")]
    lines += [f"  {p['phase']}: {p['rows']} rows, {p['ok']} x 200, {p['sent']} sent"
              for p in s["phases"] if not p["passed"]]
    lines.append("event statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(report.statuses.items())))
    queue = f"queue depth after load: {q['depth_after_load']}"
    if q["worker"]:
        queue += f"; after draining {q['drain_seconds']}s: {q['depth_at_end']}"
    return lines + [queue]
