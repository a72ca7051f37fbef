"""Helpers of the distributed suite: many shops, emulators, worker processes, and the checks on call logs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from tests.reliability.stack import NOW_ISO, Demo, scenario_data, write_scenario

HEARTBEAT_ENV = {"SELLINTEGRO_HEARTBEAT_SECONDS": "1", "SELLINTEGRO_STALLED_SECONDS": "4"}


def shop_env(tokens: dict[str, str], site: Path, budget_db: Path) -> dict[str, str]:
    env = dict(os.environ)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    env.update({"SELLINTEGRO_NOW": NOW_ISO, "NO_COLOR": "1", "PYTHONUNBUFFERED": "1", "COLUMNS": "160",
                "PYTHONPATH": path, "SELLINTEGRO_BUDGET_DB": str(budget_db), **HEARTBEAT_ENV, **tokens})
    return env


def split_demo(demo: Demo, folder: Path, keep_orders: set[int]) -> Path:
    """A copy of the demo database holding only the documents of ``keep_orders`` (two companies of one shop)."""
    path = demo.copy_to(folder)
    drop = [e["document_id"] for e in demo.sidecar["expected"] if int(e["order_id"]) not in keep_orders]
    with sqlite3.connect(path) as db:
        db.executemany("DELETE FROM dok__Dokument WHERE dok_Id = ?", [(int(d),) for d in drop])
    return path


def shop_scenario(folder: Path, name: str, url: str, token_env: str, state: str, *, limit: int,
                  window: float) -> Path:
    data = scenario_data(url, name=name, requests_per_minute=limit)
    data["state"] = {"url": state}
    data["schedule"]["mode"] = "manual"
    data["sink"]["token"] = {"env": token_env}
    data["sink"]["rate_window_seconds"] = window
    data["renderer"] = {"plugin": "reliability_fast_pdf"}
    return write_scenario(folder, data)


def start_worker(env: dict[str, str], url: str, log: Path, concurrency: int = 1) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    return subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "worker", "--state", url,
                             "--concurrency", str(concurrency)], env=env, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop_workers(workers: Iterable[subprocess.Popen[bytes]]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def job_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT status, COUNT(*) FROM procrastinate_jobs WHERE task_name = 'sellintegro.run' "
                            "GROUP BY status").fetchall()
    return {str(status): int(count) for status, count in rows}


def wait_for(predicate: Any, *, timeout: float, every: float = 0.3, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def call_times(calls: list[dict[str, Any]]) -> list[float]:
    return sorted(datetime.fromisoformat(c["time"].replace("Z", "+00:00")).timestamp() for c in calls)


def worst_window(times: list[float], window: float) -> int:
    """The most calls inside any window of ``window`` seconds (sliding: every start time checked)."""
    best = 0
    start = 0
    for end, moment in enumerate(times):
        while times[start] <= moment - window + 0.002:   # the log keeps milliseconds
            start += 1
        best = max(best, end - start + 1)
    return best
