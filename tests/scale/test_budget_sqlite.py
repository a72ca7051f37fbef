"""One budget per token on a single host with SQLite states: two scenarios (each with its own ledger file) on
one token, run at the same time as two processes, stay together within the token's budget."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sellintegro_core.budget import SqliteBudgets
from tests.conftest import write_dist
from tests.reliability.stack import NOW, emulator_seed, generate_demo, preset_setup, snapshot

from .distributed import call_times, shop_env, shop_scenario, split_demo, worst_window

LIMIT = 15
WINDOW = 2.0


def test_two_scenarios_one_token_one_host(tmp_path: Path) -> None:
    from sellintegro_baselinker_emulator import Emulator, serve

    demo = generate_demo(tmp_path / "demo", documents=10, seed=11)
    site = write_dist(tmp_path / "site", "reliability_fast_pdf",
                      (Path(__file__).parents[1] / "reliability" / "fast_pdf.py").read_text(encoding="utf-8"))
    orders = sorted({int(e["order_id"]) for e in demo.sidecar["expected"]})
    emu = Emulator(token="one-host-token", seed=emulator_seed(demo.sidecar), requests_per_minute=LIMIT,
                   time_scale=60.0 / WINDOW)
    env = shop_env({"ONE_HOST_TOKEN": "one-host-token"}, site, tmp_path / "budgets.db")
    with serve(emu) as server:
        runs = []
        for name, keep in (("left", set(orders[::2])), ("right", set(orders[1::2]))):
            folder = tmp_path / name
            split_demo(demo, folder, keep)
            scenario = shop_scenario(folder, name, server.url, "ONE_HOST_TOKEN", "sqlite:///state/ledger.db",
                                     limit=LIMIT, window=WINDOW)
            preset_setup(folder / "state" / "ledger.db", name, NOW - timedelta(days=7))
            runs.append(scenario)
        procs = [subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "run", str(s)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for s in runs]
        outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode in (0, 1), out + err
    blocked = [c for c in emu.calls if c.get("error_code") == "ERROR_BLOCKED_TOKEN"]
    assert not blocked
    times = call_times(emu.calls)
    assert len(times) > 2 * LIMIT, "too few calls to test a shared budget"
    assert worst_window(times, WINDOW) <= LIMIT
    assert snapshot(emu).attached


def test_budget_take_is_atomic_across_connections(tmp_path: Path) -> None:
    """Two stores on one file (two processes' view): never more than the limit taken in one window."""
    a, b = SqliteBudgets(tmp_path / "b.db"), SqliteBudgets(tmp_path / "b.db")
    taken = 0
    for store in (a, b) * 10:
        slot, wait = store.take("k", 7, 60.0)
        taken += slot is not None
        assert (slot is None) == (wait > 0)
    assert taken == 7 and a.count("k", 60.0) == 7
    a.block("k", "2030-01-01T00:00:00+00:00")
    assert b.blocked_until("k") == "2030-01-01T00:00:00+00:00"
