"""Scale-out benchmark: documents per minute with 1, 2 and 3 workers, the shared-token budget use, and the
PostgreSQL statements per attached document. Prints a Markdown section for docs/benchmarks.md.

    python benchmarks/workers.py [--shops 12] [--documents 8]

Needs the PostgreSQL server binaries (a throwaway cluster is started in a temp dir, with pg_stat_statements)
and ``sellintegro[postgresql]``. Each shop is a demo Subiekt database and its own emulator (no request limit
here: the limit is the second measurement); the real renderer (WeasyPrint) renders every PDF. Everything —
PostgreSQL, the emulators, the workers — shares this machine's cores.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.reliability.stack import NOW, emulator_seed, generate_demo, preset_setup, snapshot  # noqa: E402
from tests.scale.distributed import (  # noqa: E402
    call_times,
    job_counts,
    shop_env,
    shop_scenario,
    split_demo,
    start_worker,
    stop_workers,
    wait_for,
)
from tests.scale.pg import Cluster, pg_bin  # noqa: E402


def _statements(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements s JOIN pg_database d ON "
                           "d.oid = s.dbid WHERE d.datname = current_database()").fetchone()
    return int(row[0])


def throughput(cluster: Cluster, workers: int, shops: int, documents: int, work: Path) -> dict[str, Any]:
    import psycopg
    from sellintegro_baselinker_emulator import Emulator, serve

    from sellintegro_core.ledger_pg import PgLedger
    from sellintegro_core.scale import enqueue_run

    url = cluster.create_database(f"bench_w{workers}")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    demo = generate_demo(work / f"demo{workers}", documents=documents, seed=5)
    with ExitStack() as stack:
        emulators, tokens, files = [], {}, []
        for i in range(shops):
            emu = Emulator(token=f"bench-{i}", seed=emulator_seed(demo.sidecar), requests_per_minute=100)
            server = stack.enter_context(serve(emu))
            emulators.append(emu)
            tokens[f"BENCH_TOKEN_{i}"] = f"bench-{i}"
            folder = work / f"w{workers}" / f"shop{i:02d}"
            demo.copy_to(folder)
            files.append(shop_scenario(folder, f"shop{i:02d}", server.url, f"BENCH_TOKEN_{i}", url, limit=100,
                                       window=60))
        for path in files:      # the real renderer
            path.write_text(path.read_text().split("\n[renderer]")[0], encoding="utf-8")
        env = shop_env(tokens, work, work / f"budgets{workers}.db")
        subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "deploy", *map(str, files), "--state", url],
                       env=env, check=True, capture_output=True)
        ledger = PgLedger(url)
        for i in range(shops):
            ledger.ensure_setup(f"shop{i:02d}", NOW - timedelta(days=7))
        ledger.close()
        procs = [start_worker(env, url, work / f"w{workers}-{n}.log") for n in range(workers)]
        try:
            time.sleep(3)                                  # workers up (not part of the measurement)
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("SELECT pg_stat_statements_reset()")
            start = time.monotonic()
            for i in range(shops):
                enqueue_run(url, f"shop{i:02d}")
            wait_for(lambda: not {"todo", "doing"} & set(job_counts(url)), timeout=1800, every=0.2, what="runs")
            elapsed = time.monotonic() - start
            statements = _statements(url)
        finally:
            stop_workers(procs)
        attached = sum(len(snapshot(e).attached) for e in emulators)
    return {"workers": workers, "attached": attached, "seconds": elapsed, "per_minute": attached / elapsed * 60,
            "statements": statements, "per_document": statements / max(attached, 1)}


def ledger_statements(cluster: Cluster, documents: int, work: Path) -> dict[str, Any]:
    """One run in this process with the PostgreSQL ledger: the ledger's and the budget's statements per
    attached document (procrastinate's own statements excluded)."""
    import os

    from sellintegro_baselinker_emulator import Emulator, serve

    from sellintegro_core.config import load_scenario
    from sellintegro_core.engine import Engine
    from sellintegro_core.ledger_pg import PgLedger

    url = cluster.create_database("bench_ledger")
    demo = generate_demo(work / "ledger-demo", documents=documents, seed=5)
    folder = work / "ledger"
    demo.copy_to(folder)
    emu = Emulator(token="ledger", seed=emulator_seed(demo.sidecar))
    os.environ.update({"LEDGER_TOKEN": "ledger", "SELLINTEGRO_NOW": "2026-11-25T10:00:00+01:00"})
    with serve(emu) as server:
        path = shop_scenario(folder, "ledger", server.url, "LEDGER_TOKEN", url, limit=100, window=60)
        path.write_text(path.read_text().split("\n[renderer]")[0], encoding="utf-8")
        ledger = PgLedger(url)
        ledger.ensure_setup("ledger", NOW - timedelta(days=7))
        before = ledger.queries
        Engine(load_scenario(path), ledger=ledger).run()
        used = ledger.queries - before
        ledger.close()
        attached = len(snapshot(emu).attached)
    return {"attached": attached, "statements": used, "per_document": used / max(attached, 1)}


def budget_use(work: Path, limit: int = 20, window: float = 5.0) -> dict[str, Any]:
    """Two scenarios, one token, both with work: the share of the token's budget they use together."""
    from sellintegro_baselinker_emulator import Emulator, serve

    demo = generate_demo(work / "budget-demo", documents=40, seed=3)
    orders = sorted({int(e["order_id"]) for e in demo.sidecar["expected"]})
    emu = Emulator(token="shared", seed=emulator_seed(demo.sidecar), requests_per_minute=limit,
                   time_scale=60.0 / window)
    env = shop_env({"SHARED_TOKEN": "shared"}, work, work / "budget.db")
    env["PYTHONPATH"] = ""
    with serve(emu) as server:
        scenarios = []
        for name, keep in (("left", set(orders[::2])), ("right", set(orders[1::2]))):
            folder = work / "budget" / name
            split_demo(demo, folder, keep)
            scenarios.append(shop_scenario(folder, name, server.url, "SHARED_TOKEN", "sqlite:///state/l.db",
                                           limit=limit, window=window))
            scenarios[-1].write_text(scenarios[-1].read_text().split("\n[renderer]")[0], encoding="utf-8")
            preset_setup(folder / "state" / "l.db", name, NOW - timedelta(days=7))
        procs = [subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "run", str(s)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for s in scenarios]
        first_done = None
        while any(p.poll() is None for p in procs):
            if first_done is None and any(p.poll() is not None for p in procs):
                first_done = time.time()
            time.sleep(0.05)
        first_done = first_done or time.time()
    times = call_times(emu.calls)
    busy = [t for t in times if t <= first_done]
    span = first_done - times[0]
    windows = span / window
    blocked = sum(1 for c in emu.calls if c.get("error_code") == "ERROR_BLOCKED_TOKEN")
    return {"limit": limit, "window": window, "calls": len(busy), "span": span,
            "use": len(busy) / (limit * windows) if windows else 0.0, "blocked": blocked}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=12)
    parser.add_argument("--documents", type=int, default=8)
    parser.add_argument("--skip-throughput", action="store_true", help="only the ledger and budget measurements")
    args = parser.parse_args(argv)
    bindir = pg_bin()
    if bindir is None:
        print("PostgreSQL binaries not found (apt-get install postgresql)", file=sys.stderr)
        return 2
    cluster = Cluster(bindir, settings="-c shared_preload_libraries=pg_stat_statements")
    cluster.start()
    try:
        with tempfile.TemporaryDirectory(prefix="sellintegro-bench-") as tmp:
            work = Path(tmp)
            rows = [throughput(cluster, n, args.shops, args.documents, work) for n in (1, 2, 3)] \
                if not args.skip_throughput else []
            ledger = ledger_statements(cluster, args.documents, work)
            budget = budget_use(work)
    finally:
        cluster.stop()
    print("| workers | documents attached | seconds | documents/minute | PostgreSQL statements | per document |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workers']} | {r['attached']} | {r['seconds']:.1f} | {r['per_minute']:.0f} | "
              f"{r['statements']} | {r['per_document']:.1f} |")
    print()
    print(f"Ledger and budget alone (one run in-process): {ledger['statements']} statements for "
          f"{ledger['attached']} attached documents = {ledger['per_document']:.1f} per document.")
    print()
    print(f"Shared token: limit {budget['limit']} calls per {budget['window']:g} s window; {budget['calls']} calls "
          f"in {budget['span']:.1f} s while both scenarios had work = {budget['use']:.0%} of the budget; "
          f"{budget['blocked']} blocked-token errors.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
