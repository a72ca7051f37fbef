"""The distributed suite: 3 worker processes, 20 shops (two of them on one BaseLinker token), a worker
SIGKILLed mid-run, against real emulators over HTTP and a real PostgreSQL.

Each shop has its own emulator account except the pair ``shop-00a``/``shop-00b``: one shop with two Subiekt
databases (two companies), one token, documents of different orders. The emulators and the scenarios use a
scaled rate window (``rate_window_seconds`` = the emulator's minute), so the budget is tested in seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sellintegro_core.ledger_pg import PgLedger
from tests.conftest import write_dist
from tests.reliability.stack import NOW, TOKEN, Demo, emulator_seed, generate_demo, run_cli, snapshot

from .distributed import (
    call_times,
    job_counts,
    shop_env,
    shop_scenario,
    split_demo,
    start_worker,
    stop_workers,
    wait_for,
    worst_window,
)

SHOPS = 20                 # scenarios; shop-00a and shop-00b share one token
WORKERS = 3
LIMIT = 20                 # requests per (scaled) minute, per token
WINDOW = 3.0               # seconds: the emulator's minute (time scale 20) and the scenarios' rate window
ROUND_TIMEOUT = 240


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return generate_demo(tmp_path_factory.mktemp("demo"), documents=8, seed=5)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = (Path(__file__).parents[1] / "reliability" / "fast_pdf.py").read_text(encoding="utf-8")
    return write_dist(tmp_path_factory.mktemp("site"), "reliability_fast_pdf", source)


def emulator(demo: Demo, token: str) -> Any:
    from sellintegro_baselinker_emulator import Emulator

    return Emulator(token=token, seed=emulator_seed(demo.sidecar), requests_per_minute=LIMIT,
                    time_scale=60.0 / WINDOW)


@pytest.fixture(scope="module")
def reference(demo: Demo, site: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Two uninterrupted runs of one shop on SQLite: what every shop must end with."""
    from sellintegro_baselinker_emulator import serve

    from tests.reliability.stack import preset_setup

    folder = tmp_path_factory.mktemp("reference")
    demo.copy_to(folder)
    emu = emulator(demo, TOKEN)
    with serve(emu) as server:
        scenario = shop_scenario(folder, "reference", server.url, "SCALE_REF_TOKEN", "sqlite:///state/ledger.db",
                                 limit=LIMIT, window=WINDOW)
        preset_setup(folder / "state" / "ledger.db", "reference", NOW - timedelta(days=7))
        env = shop_env({"SCALE_REF_TOKEN": TOKEN}, site, folder / "budgets.db")
        for _ in range(2):
            done = run_cli("run", str(scenario), "--json", env=env)
            assert done.returncode in (0, 1, 4), done.stderr
        snap = snapshot(emu)
    assert snap.attached, "the reference runs attached nothing: the demo or the scenario is wrong"
    return snap


@pytest.fixture
def shops(demo: Demo, site: Path, tmp_path: Path, pg_url: str) -> Iterator[dict[str, Any]]:
    from contextlib import ExitStack

    from sellintegro_baselinker_emulator import serve

    with ExitStack() as stack:
        emulators: dict[str, Any] = {}
        tokens: dict[str, str] = {}
        files: list[Path] = []
        orders = sorted({int(e["order_id"]) for e in demo.sidecar["expected"]})
        halves = {"shop-00a": set(orders[::2]), "shop-00b": set(orders[1::2])}
        for i in range(SHOPS - 1):
            token = f"scale-token-{i:02d}"
            emu = emulator(demo, token)
            server = stack.enter_context(serve(emu))
            emulators[f"tok{i:02d}"] = emu
            tokens[f"SCALE_TOKEN_{i:02d}"] = token
            names = ["shop-00a", "shop-00b"] if i == 0 else [f"shop-{i:02d}"]
            for name in names:
                folder = tmp_path / name
                if name in halves:
                    split_demo(demo, folder, halves[name])
                else:
                    demo.copy_to(folder)
                files.append(shop_scenario(folder, name, server.url, f"SCALE_TOKEN_{i:02d}", pg_url, limit=LIMIT,
                                           window=WINDOW))
        env = shop_env(tokens, site, tmp_path / "budgets.db")
        deployed = run_cli("deploy", *map(str, files), "--state", pg_url, env=env)
        assert deployed.returncode == 0, deployed.stderr
        ledger = PgLedger(pg_url)
        for path in files:
            ledger.ensure_setup(path.parent.name, NOW - timedelta(days=7))
        ledger.close()
        yield {"emulators": emulators, "env": env, "names": [p.parent.name for p in files], "url": pg_url,
               "logs": tmp_path}


def run_round(shops: dict[str, Any], workers: list[subprocess.Popen[bytes]], *, kill: bool) -> int | None:
    """Queue every shop, optionally SIGKILL a worker while all are busy, wait until every run job ended."""
    from sellintegro_core.scale import enqueue_run

    url = shops["url"]
    for name in shops["names"]:
        enqueue_run(url, name)
    killed = None
    if kill:
        wait_for(lambda: job_counts(url).get("doing", 0) >= WORKERS, timeout=60, what="every worker busy")
        time.sleep(1.0)                                  # well inside a run: documents are being attached
        victim = workers[0]
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
        killed = victim.pid
    wait_for(lambda: not {"todo", "doing"} & set(job_counts(url)), timeout=ROUND_TIMEOUT,
             what="all run jobs to finish (a stalled job must be taken over)")
    return killed


def test_twenty_shops_three_workers_one_killed(shops: dict[str, Any], reference: Any) -> None:
    url, env = shops["url"], shops["env"]
    workers = [start_worker(env, url, shops["logs"] / f"worker{i}.log") for i in range(WORKERS)]
    try:
        assert run_round(shops, workers, kill=True) is not None
        run_round(shops, workers[1:], kill=False)       # corrections go out one run after their invoice
    finally:
        stop_workers(workers)
    logs = "\n".join((shops["logs"] / f"worker{i}.log").read_text(errors="replace") for i in range(WORKERS))

    # the killed run was detected as stalled and taken over by another worker
    assert "stopped answering; queued again" in logs, logs[-3000:]
    assert job_counts(url).get("failed", 0) == 0, logs[-3000:]
    ledger = PgLedger(url)
    try:
        unfinished = [n for n in shops["names"] if any(r["outcome"] is None for r in ledger.runs(n))]
        assert unfinished, "no run was cut by the SIGKILL"
        for name in shops["names"]:
            assert ledger.runs(name)[0]["outcome"] in ("ok", "document_errors"), name
    finally:
        ledger.close()

    expected = reference.documents()
    for key, emu in shops["emulators"].items():
        snap = snapshot(emu)
        docs = snap.documents()
        twice = {d: n for d, n in docs.items() if n > 1}
        assert not twice, f"{key}: attached more than once: {twice}"
        assert not snap.unfiled, f"{key}: documents added but no file attached: {snap.unfiled}"
        assert docs == expected, f"{key}: attached {sorted(docs)} instead of {sorted(expected)}"
        blocked = [c for c in emu.calls if c.get("error_code") == "ERROR_BLOCKED_TOKEN"]
        assert not blocked, f"{key}: BaseLinker blocked the token {len(blocked)} times"
        worst = worst_window(call_times(emu.calls), WINDOW)
        assert worst <= LIMIT, f"{key}: {worst} calls in one {WINDOW} s window (budget {LIMIT})"
