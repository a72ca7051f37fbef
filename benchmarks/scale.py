"""Benchmark 4 — scale: peak memory of `sellintegro run --json` over windows of ~5 000, 15 000 and 30 000 documents.

For each size the demo generator writes the sales documents; their orders are spread over the last 148 days
instead of its usual ten (the generator has no option for that: its ``when()`` default is swapped in this
process, see ``harness.spread_dates``), and filler orders top the order count up to 5/3 of the documents.
``SELLINTEGRO_NOW`` is fixed; the scenario has ``days_back = 150``, ``before_setup = "include"``,
``before_setup_days = 90`` and a ledger set up 60 days before now, so the window is the full 150 days
(si_extender raises the caps to 150 and 90 days).

The emulator runs as its own process (``sellintegro baselinker emulator``, no request limit: the limit is
benchmark 2). The measured process is the run itself: ``sellintegro run SCENARIO --json --no-progress`` started
fresh (``python -c`` calling ``sellintegro_core.cli.main``), the first run, with the whole backlog, EVERY
document rendered by the scenario's default renderer (none sampled; ``SELLINTEGRO_BENCH_RENDERER=fast`` swaps
in a one-page stand-in, for iterating quickly), the JSON report written to a file. At exit the run process
reads its own peak resident set, ``VmHWM`` in ``/proc/self/status`` (a ``ru_maxrss`` read in a child of a
large parent would report the parent's peak: Linux children inherit it). The growth per document is the slope
of a least-squares line through the peaks of the three sizes.

The PDFs are made by render-ahead's worker processes (``[renderer] workers``, default: the number of cores),
so the renderer's memory is theirs, not the run process's. While the run goes on, the benchmark reads
``VmHWM`` of each child of the run process from ``/proc/<pid>/status`` every quarter of a second (``VmHWM``
only grows, so the last reading is the worker's peak up to a quarter of a second before it ended) and reports
the largest and their sum. With ``SELLINTEGRO_BENCH_IN_PROCESS=1`` (always with ``--quick``) the largest size
is run once more with ``[renderer] workers = 0``: the whole job in one process. "SQLite at most" is
``sqlite3_memory_highwater`` of the run process (every connection's page cache and statements), read at exit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .common import Result, check_size, cli, fmt
from .harness import NOW, TOKEN, TOKEN_ENV, make_workload, write_scenario

NAME = "scale"
TITLE = "Scale"
# documents of each window measured (orders: 5/3 of them, filler included)
SIZES = {"quick": (300, 900, 1800), "full": (5_000, 15_000, 30_000), "long": (5_000, 15_000, 30_000)}
TARGET_RSS_MB = 120.0
TARGET_KB_PER_DOCUMENT = 0.3
CAUSE = (
    "Cause: not the PDF stack (it runs in the render workers, reported apart). What the engine and the sink "
    "kept per document is on disk: waiting documents in a temporary SQLite file (`sellintegro_core/waiting.py`), "
    "report rows in a spool file (`--json` streams them), and the BaseLinker sink's per-run picture of the "
    "account (`holdings.py`: every invoice and receipt the batched read returns or the run creates, the orders' "
    "dates) in a private temporary SQLite database (`held_store.py`). What `tracemalloc` of the run process "
    "(`SELLINTEGRO_BENCH_TRACEMALLOC=12`) still shows at exit is bounded (pydantic's string cache, the report's "
    "kept rows); the rest is SQLite's page caches and the allocator filling up to their bounds.")
SPREAD_DAYS = 148.0
RENDERER_ENV = "SELLINTEGRO_BENCH_RENDERER"    # "fast": a one-page PDF naming the document (see FAST_RENDERER)
IN_PROCESS_ENV = "SELLINTEGRO_BENCH_IN_PROCESS"  # "1": the largest size once more with [renderer] workers = 0
SAMPLE_SECONDS = 0.25                           # how often the render workers' VmHWM is read
URL_RE = re.compile(r"(http://127\.0\.0\.1:\d+/connector\.php)")

# The run process: at exit it writes its own VmHWM / VmRSS and CPU time to argv[1], then runs the CLI.
MEASURED = """
import atexit, json, os, resource, sys
if os.environ.get("SELLINTEGRO_BENCH_TRACEMALLOC"):
    import tracemalloc
    tracemalloc.start(int(os.environ["SELLINTEGRO_BENCH_TRACEMALLOC"]))
def _peak(path=sys.argv[1]):
    if os.environ.get("SELLINTEGRO_BENCH_TRACEMALLOC"):
        snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, "<frozen importlib*")])
        stats = [s for s in snap.statistics("traceback")
                 if not any("importlib" in f.filename for f in s.traceback)]
        with open(path + ".tracemalloc.txt", "w") as out:
            for stat in stats[:40]:
                print(stat, *stat.traceback.format()[-12:], sep="\\n", file=out)
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    try:  # SQLite's own allocations (page caches of every connection), now and at most
        import ctypes, _sqlite3
        lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = lib.sqlite3_memory_highwater.restype = ctypes.c_int64
        sqlite_kb = [lib.sqlite3_memory_used() // 1024, lib.sqlite3_memory_highwater(0) // 1024]
    except (OSError, AttributeError, ImportError):
        sqlite_kb = [0, 0]
    json.dump({"hwm_kb": int(status["VmHWM"].split()[0]), "rss_kb": int(status["VmRSS"].split()[0]),
               "cpu": usage.ru_utime + usage.ru_stime, "sqlite_kb": sqlite_kb,
               "python_blocks": sys.getallocatedblocks()}, open(path, "w"))
atexit.register(_peak)
from sellintegro_core.cli import main
sys.exit(main(sys.argv[2:]))
"""

FAST_RENDERER = '''
"""A one-page PDF naming the document: the scale benchmark's stand-in renderer (SELLINTEGRO_BENCH_RENDERER=fast)."""
from pydantic import BaseModel, ConfigDict
from sellintegro_core import hookimpl
from sellintegro_core.components import RendererSpec


class Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Renderer:
    def __init__(self, config, context):
        pass

    def render(self, document, template="pl", *, ksef_label=None):
        from sellintegro_baselinker_emulator.pdf import simple_pdf

        return simple_pdf([f"{document.kind} {document.number}"])


@hookimpl
def sellintegro_register_renderers(register):
    register(RendererSpec(name="bench_fast_pdf", config_model=Config, factory=Renderer,
                          description="one-page PDF naming the document (benchmarks only)"))
'''


def fast_renderer_site(folder: Path) -> Path:
    """A site folder with the ``bench_fast_pdf`` renderer plugin (a real entry point) for ``PYTHONPATH``."""
    site = folder / "fast-renderer-site"
    info = site / "bench_fast_pdf-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (site / "bench_fast_pdf.py").write_text(FAST_RENDERER, encoding="utf-8")
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bench_fast_pdf\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[sellintegro]\nbench_fast_pdf = bench_fast_pdf\n", encoding="utf-8")
    return site


class EmulatorProcess:
    def __init__(self, seed: Path, log: Path | None = None) -> None:
        args = cli("baselinker", "emulator", "--port", "0", "--token", TOKEN, "--seed", str(seed),
                   "--requests-per-minute", "100000000", *(["--log", str(log)] if log else []))
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 120
        self.url = ""
        while time.monotonic() < deadline and not self.url:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = URL_RE.search(line)
            if match:
                self.url = match.group(1)
        if not self.url:
            self.stop()
            raise RuntimeError(f"the emulator did not start: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def children(pid: int) -> list[int]:
    """The child processes of ``pid`` (Linux ``/proc``; none elsewhere)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(c) for c in task.read_text().split()]
        except (OSError, ValueError):
            continue
    return found


def hwm_kb(pid: int) -> int:
    """``VmHWM`` of ``pid`` in KB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except (OSError, ValueError):
        return 0


def run_sampled(args: list[str], out: Any, err: Any, env: dict[str, str], cwd: Path) -> tuple[int, dict[int, int]]:
    """Run ``args``; meanwhile read the peak (VmHWM, KB) of each of its children every SAMPLE_SECONDS."""
    proc = subprocess.Popen(args, stdout=out, stderr=err, env=env, cwd=cwd)
    peaks: dict[int, int] = {}
    deadline = time.monotonic() + 6 * 3600
    while True:
        try:
            return proc.wait(timeout=SAMPLE_SECONDS), peaks
        except subprocess.TimeoutExpired:
            if time.monotonic() > deadline:
                proc.kill()
                raise
        for child in children(proc.pid):
            peaks[child] = max(peaks.get(child, 0), hwm_kb(child))


def measure(folder: Path, documents: int, *, renderer: str, days: tuple[int, int], workers: int | None = None,
            workload: Any = None) -> dict[str, Any]:
    """One fresh workload of ``documents`` (or ``workload`` again) and one measured `sellintegro run --json`
    over it; ``workers`` sets ``[renderer] workers`` (None: the default)."""
    from sellintegro_core.ledger import open_ledger

    t0 = time.perf_counter()
    if workload is None:
        workload = make_workload(folder / "workload", documents, orders=documents * 5 // 3, spread_days=SPREAD_DAYS)
    generated = time.perf_counter() - t0
    log = folder / "calls.jsonl"
    log.unlink(missing_ok=True)
    state = folder / "state.db"
    state.unlink(missing_ok=True)
    emulator = EmulatorProcess(workload.seed_path(), log)
    try:
        scenario = write_scenario(folder, emulator.url, name="scale", db=workload.db, on_success=True,
                                  window_seconds=0.05, days_back=days[0], before_setup_days=days[1], state=state)
        env = {**os.environ, TOKEN_ENV: TOKEN, "SELLINTEGRO_NOW": NOW}
        extra = ('plugin = "bench_fast_pdf"\n' if renderer == "fast" else "") + (
            f"workers = {workers}\n" if workers is not None else "")
        scenario.write_text(scenario.read_text(encoding="utf-8").replace("[renderer]\n", "[renderer]\n" + extra),
                            encoding="utf-8")
        if renderer == "fast":
            env["PYTHONPATH"] = os.pathsep.join(p for p in (str(fast_renderer_site(folder)),
                                                            env.get("PYTHONPATH", "")) if p)
        ledger = open_ledger(f"sqlite:///{state.as_posix()}", folder)
        try:
            ledger.ensure_setup("scale", datetime.fromisoformat(NOW) - timedelta(days=60))
        finally:
            ledger.close()
        peak_file, report_file = folder / "peak.json", folder / "report.json"
        started = time.perf_counter()
        err_file = folder / "stderr.txt"
        with report_file.open("wb") as out, err_file.open("wb") as err:
            code, worker_kb = run_sampled([sys.executable, "-c", MEASURED, str(peak_file), "run", str(scenario),
                                           "--json", "--no-progress"], out, err, env, folder)
        wall = time.perf_counter() - started
    finally:
        emulator.stop()
    if code not in (0, 1):
        raise RuntimeError(f"the measured run failed ({code}): "
                           f"{err_file.read_text(encoding='utf-8', errors='replace').strip()[-2000:]}")
    with report_file.open(encoding="utf-8") as handle:
        report = json.load(handle)                 # the streamed --json report is one valid JSON document
    rows = report["rows"]
    if len(rows) != sum(report["counts"].values()):
        raise RuntimeError(f"--json lists {len(rows)} rows for counts {report['counts']}")
    peak = json.loads(peak_file.read_text(encoding="utf-8"))
    calls = sum(1 for _ in log.open(encoding="utf-8")) if log.exists() else 0
    attached = sum(1 for r in rows if r["action"].startswith("attach") and r["outcome"] == "done")
    return {"documents": workload.documents, "orders": workload.orders, "generated": generated, "wall": wall,
            "hwm_mb": peak["hwm_kb"] / 1024, "rss_mb": peak["rss_kb"] / 1024, "cpu": peak["cpu"],
            "sqlite_mb": peak.get("sqlite_kb", [0, 0])[1] / 1024,
            "outcome": report["outcome"], "message": report["message"], "rows": len(rows), "attached": attached,
            "calls": calls, "json_mb": report_file.stat().st_size / 2**20,
            "window": [report["window"]["start"], report["window"]["end"]], "workload": workload,
            "workers": len(worker_kb), "worker_max_mb": max(worker_kb.values(), default=0) / 1024,
            "worker_sum_mb": sum(worker_kb.values()) / 1024}


def slope(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (slope, intercept) of ``y = slope * x + intercept``."""
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    k = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return k, my - k * mx


def renderer_name(renderer: str) -> str:
    if renderer == "fast":
        return "`bench_fast_pdf` (a one-page PDF naming the document; SELLINTEGRO_BENCH_RENDERER=fast)"
    from sellintegro_core.plugins import PluginHost  # `[renderer] plugin` when the scenario names none

    return f"the scenario's default renderer, `{PluginHost().default_renderer()}`"


def run(size: str = "full", workdir: Path | None = None, renderer: str | None = None) -> Result:
    from sellintegro_core.plugins import PluginHost

    check_size(size)
    renderer = renderer or os.environ.get(RENDERER_ENV, "default")
    folder = workdir or Path.cwd()
    started = time.perf_counter()
    limits = PluginHost().limits()
    extender = limits.days_back >= 150 and limits.before_setup_days >= 90
    days = (150, 90) if extender else (limits.days_back, limits.before_setup_days)
    measured = []
    for documents in SIZES[size]:
        sub = folder / f"docs-{documents}"
        sub.mkdir(parents=True, exist_ok=True)
        print(f"   scale: {documents} documents ...", flush=True)
        measured.append(measure(sub, documents, renderer=renderer, days=days))
    largest = measured[-1]
    alone = None
    if size == "quick" or os.environ.get(IN_PROCESS_ENV) == "1":
        print(f"   scale: {largest['documents']} documents, [renderer] workers = 0 ...", flush=True)
        alone = measure(folder / f"docs-{largest['documents']}", largest["documents"], renderer=renderer,
                        days=days, workers=0, workload=largest["workload"])
    result = Result(NAME, TITLE, size=size, method=(__doc__ or "").split("\n\n", 1)[1].strip() + (
        f"\n\nThis run: renderer {renderer_name(renderer)}; si_extender "
        f"{'installed' if extender else 'NOT installed: the window is capped at ' + str(days[0]) + ' days'}; "
        f"window {measured[-1]['window'][0]} .. {measured[-1]['window'][1]}."), )
    k_mb, base_mb = slope([(m["documents"], m["hwm_mb"]) for m in measured])
    per_doc_kb = k_mb * 1024
    ok = largest["hwm_mb"] < TARGET_RSS_MB
    result.add(f"peak RSS of the run process (VmHWM), {largest['documents']} documents, every one rendered, "
               "`--json` on", f"< {TARGET_RSS_MB:g} MB", f"{fmt(largest['hwm_mb'], 0)} MB", ok,
               "" if ok else f"gap {fmt(largest['hwm_mb'] - TARGET_RSS_MB, 0)} MB. {CAUSE}")
    ok_slope = per_doc_kb <= TARGET_KB_PER_DOCUMENT
    result.add("memory growth per document of the window (slope of VmHWM over "
               f"{', '.join(str(m['documents']) for m in measured)} documents)",
               f"≤ {TARGET_KB_PER_DOCUMENT:g} KB", f"{fmt(per_doc_kb, 2)} KB (intercept {fmt(base_mb, 0)} MB)",
               ok_slope, "" if ok_slope else f"gap {fmt(per_doc_kb - TARGET_KB_PER_DOCUMENT, 2)} KB per document. "
               + CAUSE)
    for m in measured[:-1]:
        result.add(f"peak RSS of the run process (VmHWM), {m['documents']} documents", "— (reported)",
                   f"{fmt(m['hwm_mb'], 0)} MB", None)
    result.add(f"peak RSS of the render workers (VmHWM, read every {SAMPLE_SECONDS:g} s), {largest['documents']} "
               "documents", "— (reported)", f"largest {fmt(largest['worker_max_mb'], 0)} MB, "
               f"{largest['workers']} workers together {fmt(largest['worker_sum_mb'], 0)} MB", None)
    if alone is not None:
        result.add(f"peak RSS of the whole job in one process (`[renderer] workers = 0`), {alone['documents']} "
                   "documents", "— (reported)", f"{fmt(alone['hwm_mb'], 0)} MB ({fmt(alone['wall'], 0)} s)", None)
    result.add("wall time of the largest run (every PDF rendered)", "— (reported)",
               f"{fmt(largest['wall'], 0)} s ({fmt(largest['cpu'], 0)} s CPU of the run process)", None)
    result.details += [
        "| documents | orders | peak RSS (VmHWM) | RSS at exit | of which SQLite at most | render workers: largest / "
        "together | actions (`--json` rows) | attached | BaseLinker calls | `--json` size | wall / CPU |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(f"| {m['documents']}{' (workers = 0)' if m is alone else ''} | {m['orders']} | {fmt(m['hwm_mb'], 1)} MB | "
          f"{fmt(m['rss_mb'], 1)} MB | {fmt(m['sqlite_mb'], 1)} MB | {fmt(m['worker_max_mb'], 1)} / "
          f"{fmt(m['worker_sum_mb'], 1)} MB "
          f"({m['workers']}) | {m['rows']} | {m['attached']} | {m['calls']} | {fmt(m['json_mb'], 1)} MB | "
          f"{fmt(m['wall'], 0)} s / {fmt(m['cpu'], 0)} s |" for m in [*measured, *([alone] if alone else [])]),
        "",
        f"Outcome of the largest run: {largest['outcome']}"
        + (f" ({largest['message']})" if largest["message"] else "") + ".",
        "",
        "Earlier versions of this page reported the peak as `ru_maxrss` read in a child process started by this "
        "benchmark after it had generated the workload; on Linux such a child inherits its parent's peak, so the "
        "figure (543 MB) was the benchmark's own memory, not the run's. Measured as above (issue 17, html_pdf in "
        "the run process), the run peaked at 179 MB, 246 MB with `--json`, before the waiting documents moved to "
        "disk and the rows were streamed; with the one-page stand-in renderer, before the sink's holdings moved "
        "to disk, at 68 / 81 / 98 MB for 5 000 / 15 000 / 30 000 documents (1.21 KB per document).",
    ]
    result.seconds = time.perf_counter() - started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="scale benchmark alone (peak memory of the run process)")
    parser.add_argument("--size", default="full", choices=sorted(SIZES), help="document counts: " + "; ".join(
        f"{k}: {', '.join(map(str, v))}" for k, v in SIZES.items()))
    parser.add_argument("--quick", action="store_const", const="quick", dest="size", help="= --size quick")
    parser.add_argument("--renderer", choices=["default", "fast"], default=None,
                        help="the scenario's default renderer (the default), or a one-page stand-in (for iterating "
                        f"quickly; also {RENDERER_ENV}=fast)")
    parser.add_argument("--workdir", type=Path, default=Path("scale-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = run(args.size, args.workdir, renderer=args.renderer)
    for row in result.rows:
        print(f"{row.metric}: {row.measured} (target {row.target})")
    print("\n".join(result.details))


if __name__ == "__main__":
    main()
