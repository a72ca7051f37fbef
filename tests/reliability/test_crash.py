"""Crash anywhere: SIGKILL a run at random points between BaseLinker calls, rerun until done, compare.

Each cycle (one seed) gets a fresh emulator seeded with the demo orders and a fresh ledger. The emulator
kills the run while serving its k-th call (k random per seed), in one of three ways:

* ``before`` -- the call never reaches BaseLinker (killed while sending);
* ``after``  -- BaseLinker carried the call out, the run dies before hearing the answer (the worst case);
* ``late``   -- the answer is sent and the run is killed 0-30 ms later (while it records the step in the ledger,
  renders the next PDF, ...).

Some seeds kill twice or three times. Then the run is repeated until it ends normally, and once more. The
result must equal an uninterrupted run's: every document attached exactly once, no order with two
BaseLinker invoices or receipts, no orphan placeholder, every status change after its file (call-log order),
the ledger consistent with the emulator, and the final run writes nothing.

CI runs ``CI_SEEDS`` forked cycles (a warm fork of the test process runs ``cli.main``; the fast renderer
plugin) plus ``SPAWN_SEEDS`` cycles with ``python -m sellintegro_core.cli`` and the real WeasyPrint renderer.
``SELLINTEGRO_LONG=1`` runs ``LONG_SEEDS`` + ``LONG_SPAWN_SEEDS``.
"""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import pytest
from sellintegro_baselinker_emulator.app import Emulator, Outcome

from .conftest import LONG
from .stack import (
    TOKEN,
    ForkedRun,
    Reference,
    SpawnedRun,
    cli_env,
    compare_with_reference,
    emulator_seed,
    prepare,
    writes,
)

CI_SEEDS = 50
SPAWN_SEEDS = 3
LONG_SEEDS = 200
LONG_SPAWN_SEEDS = 20
MODES = ("before", "after", "late")
MAX_RUNS = 10


class KillingEmulator(Emulator):
    """The emulator, able to SIGKILL the run it is serving while handling its k-th call."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._kill_lock = threading.Lock()
        self._armed: tuple[Any, int, str, float] | None = None
        self.served = 0
        self.killed: list[tuple[int, str, str | None]] = []   # (k, mode, method)

    def arm(self, victim: Any, at: int, mode: str, delay: float = 0.0) -> None:
        with self._kill_lock:
            self.served = 0
            self._armed = (victim, at, mode, delay)

    def disarm(self) -> None:
        with self._kill_lock:
            self._armed = None

    def process(self, method: str | None, raw_parameters: str | None, token: str | None) -> Outcome:
        with self._kill_lock:
            self.served += 1
            armed = self._armed
            hit = armed is not None and self.served == armed[1]
            if hit:
                self._armed = None
        if not hit:
            return super().process(method, raw_parameters, token)
        victim, at, mode, delay = armed  # type: ignore[misc]
        self.killed.append((at, mode, method))
        if mode == "before":
            victim.kill()
            return Outcome(200, b"", drop=True)
        outcome = super().process(method, raw_parameters, token)
        if mode == "after":
            victim.kill()
        else:
            threading.Timer(delay, victim.kill).start()
        return outcome


def crash_cycle(seed: int, *, demo: Any, reference: Reference, folder: Path, site: Path, spawn: bool) -> None:
    """One seed: kill, rerun until done, run once more, compare with the reference (AssertionError if not)."""
    from sellintegro_baselinker_emulator import serve

    rng = random.Random(seed)
    emulator = KillingEmulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    env = cli_env(PYTHONPATH=str(site))
    history: list[str] = []
    with serve(emulator) as server:
        scenario = prepare(folder, demo, server.url, fast=not spawn)
        args = ["run", str(scenario), "--json", "--no-progress"]
        kills = rng.choice((1, 1, 1, 2, 3))
        first = True
        done = False
        for _ in range(MAX_RUNS):
            before = len(emulator.calls)
            run = (SpawnedRun if spawn else ForkedRun)(args, folder, env)
            if kills:
                at = rng.randint(1, reference.calls if first else 8)
                emulator.arm(run, at, rng.choice(MODES), delay=rng.uniform(0.0, 0.03))
            code = run.wait()
            emulator.disarm()
            first = False
            history.append(f"exit {code}" + (f" (killed at call {emulator.killed[-1]})" if code == -9 else ""))
            if code == -9:
                kills -= 1
                continue
            context = f"seed {seed}: {history}\nstdout: {run.stdout[-1500:]}\nstderr: {run.stderr[-1500:]}"
            assert "Traceback" not in run.stdout + run.stderr, context
            assert code in (0, 1), context
            if not writes(emulator.calls[before:]):   # done: this run had nothing left to write
                assert code == reference.exit_code, context
                done = True
                break
        context = f"seed {seed}: {history}"
        assert done, f"{context}: never settled"
        compare_with_reference(emulator, folder, reference, context)


def _seeds(count: int, offset: int) -> list[int]:
    return list(range(offset, offset + count))


@pytest.mark.parametrize("block", range(5))
def test_crash_anywhere_forked(block: int, demo: Any, reference: Reference, fast_pdf_site: Path,
                               tmp_path: Path) -> None:
    """CI: 50 seeds in 5 blocks of 10 (long setting: 200 in 5 blocks of 40)."""
    per_block = (LONG_SEEDS if LONG else CI_SEEDS) // 5
    for seed in _seeds(per_block, 1000 + block * per_block):
        crash_cycle(seed, demo=demo, reference=reference, folder=tmp_path / f"seed{seed}", site=fast_pdf_site,
                    spawn=False)


@pytest.mark.parametrize("seed", _seeds(LONG_SPAWN_SEEDS if LONG else SPAWN_SEEDS, 5000))
def test_crash_anywhere_real_process(seed: int, demo: Any, reference: Reference, fast_pdf_site: Path,
                                     tmp_path: Path) -> None:
    """``python -m sellintegro_core.cli run`` with the real WeasyPrint renderer, killed the same way."""
    crash_cycle(seed, demo=demo, reference=reference, folder=tmp_path / f"seed{seed}", site=fast_pdf_site,
                spawn=True)
