"""``sellintegro status --state postgresql://…``: workers alive, queued and running runs, each scenario's last
outcome and next run. The same data as JSON for scripts (``--json``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..ledger_pg import PgLedger, connect
from .deployments import deployments
from .jobs import RUN_TASK, STALLED_SECONDS, ensure_schema


def gather(url: str) -> dict[str, Any]:
    ensure_schema(url)
    conn = connect(url)
    try:
        workers = [{"id": int(r[0]), "last_heartbeat": r[1].astimezone(UTC).isoformat(timespec="seconds")}
                   for r in conn.execute(
                       "SELECT id, last_heartbeat FROM procrastinate_workers WHERE last_heartbeat > NOW() - "
                       "make_interval(secs => %s) ORDER BY id", (STALLED_SECONDS,))]
        jobs = [{"job_id": int(r[0]), "scenario": r[1], "status": "running" if r[2] == "doing" else "queued",
                 "worker_id": r[3], "attempts": int(r[4])}
                for r in conn.execute(
                    "SELECT id, lock, status, worker_id, attempts FROM procrastinate_jobs WHERE task_name = %s "
                    "AND status IN ('todo', 'doing') ORDER BY id", (RUN_TASK,))]
    finally:
        conn.close()
    ledger = PgLedger(url)
    try:
        scenarios = []
        for item in deployments(ledger):
            last = ledger.runs(item["name"], limit=1)
            run = last[0] if last else None
            scenarios.append({
                "name": item["name"], "schedule": item["schedule_mode"], "next_run": item["next_run"],
                "last_outcome": (run["outcome"] or "running") if run else None,
                "last_started_at": run["started_at"] if run else None,
                "last_finished_at": run["finished_at"] if run else None,
                "last_counts": run["counts"] if run else {}})
    finally:
        ledger.close()
    return {"checked_at": datetime.now(UTC).isoformat(timespec="seconds"), "workers": workers,
            "queued": [j for j in jobs if j["status"] == "queued"],
            "running": [j for j in jobs if j["status"] == "running"], "scenarios": scenarios}


def render(data: dict[str, Any]) -> str:
    from ..terminal import plain

    lines = [f"workers alive: {len(data['workers'])}"]
    lines += [f"  worker {w['id']} (last heartbeat {w['last_heartbeat']})" for w in data["workers"]]
    lines.append(f"running: {len(data['running'])}, queued: {len(data['queued'])}")
    for job in data["running"] + data["queued"]:
        where = f" on worker {job['worker_id']}" if job["worker_id"] else ""
        lines.append(f"  {plain(job['scenario'] or '?')}: {job['status']}{where} (job {job['job_id']})")
    lines.append(f"scenarios: {len(data['scenarios'])}")
    for item in data["scenarios"]:
        last = item["last_outcome"] or "never run"
        when = f" at {item['last_finished_at'] or item['last_started_at']}" if item["last_outcome"] else ""
        nxt = item["next_run"] or ("manual (sellintegro enqueue)" if item["schedule"] != "auto" else "at next tick")
        lines.append(f"  {plain(item['name'])}: last {last}{when}; next run {nxt}")
    return "\n".join(lines)
