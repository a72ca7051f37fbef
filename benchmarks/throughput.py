"""Benchmark 2 — throughput under the limit: a document backlog against an emulator that enforces 100 calls
per minute, with time scaled so the benchmark takes a minute or two instead of half an hour.

The emulator runs with ``requests_per_minute = 100`` and ``time_scale = S`` (its 60-second window lasts
60/S real seconds); the sink with ``requests_per_minute = 100`` and ``rate_window_seconds = 60/S`` — the
sink's documented setting for an emulator with a time scale. The backlog is the demo generator's database,
all of it in the window and never sent. Runs are repeated until one attaches nothing (corrections wait for
their invoice); a run deferred by a block would be rerun after the block's until-time (the wait counted).
PDFs: one real render per document kind and template, reused (rendering is benchmark 3; here it would hide
the limit); WeasyPrint is warmed up before the clock starts, as in a long-running scheduler.

* budget used = physical minimum ÷ wall time, where the physical minimum is calls ÷ budget
  (calls / 100 windows of 60/S s) — 100 % means every slot of every window was used;
* blocked-token errors = ``ERROR_BLOCKED_TOKEN`` answers in the emulator's call log.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .common import Result, check_size, fmt
from .harness import TOKEN, instrumented_run, make_workload, write_scenario

NAME = "throughput"
TITLE = "Throughput under the limit"
SIZES = {"quick": (200, 120.0), "full": (1000, 12.0), "long": (1000, 6.0)}   # (documents, time scale)
BUDGET = 100
TARGET_SHARE = 95.0
MAX_RUNS = 6


def _log(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _warm_up(folder: Path) -> None:
    """Import WeasyPrint and render once (fonts, Pango), as a long-running scheduler has done already."""
    from .rendering import build_renderer
    from .sample_documents import invoice

    build_renderer(folder).render(invoice(3), "pl")


def _span(entries: list[dict[str, Any]]) -> float:
    """Seconds from the first to the last call in the log."""
    times = [datetime.fromisoformat(str(e["time"]).replace("Z", "+00:00")) for e in entries if e.get("time")]
    return (max(times) - min(times)).total_seconds() if len(times) > 1 else 0.0


def run(size: str = "full", workdir: Path | None = None) -> Result:
    from sellintegro_baselinker_emulator import Emulator, serve

    check_size(size)
    documents, scale = SIZES[size]
    window = 60.0 / scale
    folder = workdir or Path.cwd()
    started = time.perf_counter()
    workload = make_workload(folder / "workload", documents)
    result = Result(NAME, TITLE, size=size, method=(__doc__ or "").split("\n\n", 1)[1].strip() + (
        f"\n\nThis run: {workload.documents} sales documents / {workload.orders} orders, time scale {scale:g} "
        f"(a BaseLinker minute = {window:g} s)."))
    log = folder / "throughput-calls.jsonl"
    if log.exists():
        log.unlink()
    emulator = Emulator(token=TOKEN, seed=workload.seed, requests_per_minute=BUDGET, time_scale=scale,
                        log_path=log)
    _warm_up(folder)
    runs: list[Any] = []
    waited_for_blocks = 0.0
    with serve(emulator) as server:
        scenario = write_scenario(folder, server.url, name="throughput", db=workload.db, on_success=True,
                                  window_seconds=window)
        t0 = time.perf_counter()
        for i in range(MAX_RUNS):
            outcome = instrumented_run(scenario, render_every=10**9, shared_cache=True)
            runs.append(outcome)
            report = outcome.report
            if report.outcome == "deferred" and report.deferred_until is not None:
                pause = (report.deferred_until - datetime.now(UTC)).total_seconds()
                if pause > 0:
                    waited_for_blocks += pause
                    time.sleep(min(pause, 120))
                continue
            if i and not outcome.attached:
                break
        wall = time.perf_counter() - t0
    entries = _log(log)
    # the last run attached nothing: its calls (reads only) still count, they were made within the budget
    calls = len(entries)
    blocked = sum(1 for e in entries if e.get("error_code") == "ERROR_BLOCKED_TOKEN")
    attached = sum(o.attached for o in runs)
    minimum = calls / BUDGET * window
    share = 100 * minimum / wall if wall > 0 else 0.0
    span = _span(entries)
    span_share = 100 * minimum / span if span > 0 else 0.0
    methods = Counter(str(e.get("method")) for e in entries)
    ok_share = share >= TARGET_SHARE
    limited = calls > BUDGET
    note = ""
    if not ok_share:
        note = (f"gap {fmt(TARGET_SHARE - share, 1)} points. " + (
            "The backlog fits in one window, so the limit never binds (quick size): not a real measurement."
            if not limited else
            "Cause: the time per call in our process (engine, ledger writes, the emulator in the same "
            "process) is a visible part of a scaled window; with BaseLinker's real 60-second window that "
            "overhead is the same in seconds but 60/S times smaller in share. Next: compare with a smaller "
            "time scale (`--long`) before optimising."))
    result.add("share of the configured budget used", f"≥ {TARGET_SHARE:g} %", f"{fmt(share, 1)} %", ok_share,
               note)
    result.add("blocked-token errors", "0", str(blocked), blocked == 0,
               "" if blocked == 0 else "the client's window and the emulator's disagree; see the call log")
    result.add("wall time vs physical minimum (calls ÷ budget)", "— (reported)",
               f"{fmt(wall, 1)} s vs {fmt(minimum, 1)} s ({calls} calls, {attached} documents)", None)
    real_minutes = calls / BUDGET
    result.details += [
        f"From the first to the last call (emulator log): {fmt(span, 1)} s, i.e. {fmt(span_share, 1)} % of the "
        "budget; the difference to the wall time is building the components and reading the source before "
        "the first call.",
        "",
        f"Runs: {len(runs)} ({', '.join(f'{o.attached} attached/{o.report.outcome}' for o in runs)}); "
        f"time waiting for blocks: {fmt(waited_for_blocks, 1)} s. Calls: "
        + ", ".join(f"{m} {n}" for m, n in methods.most_common()) + ".",
        "",
        f"On BaseLinker's real clock the same backlog needs at least {fmt(real_minutes, 1)} minutes "
        f"({calls} calls at {BUDGET}/minute); at the default `requests_per_minute = 60` (leaving 40 for other "
        f"integrations) {fmt(calls / 60, 1)} minutes.",
    ]
    result.seconds = time.perf_counter() - started
    return result
