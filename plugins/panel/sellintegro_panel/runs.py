"""Runs and plans started from the panel: one thread each, progress kept for the polling page.

A run holds the scenario's lock (``sellintegro_core.api.scenario_lock``), the same file `sellintegro run` and
`sellintegro schedule` hold, so a second run of a scenario (another tab, the CLI, the scheduler) is refused
with "already running" instead of starting.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from sellintegro_core.api import RunReport, Scenario, SellintegroError, StopFlag, run_scenario, scenario_lock

from . import live

PHASES = {"read": "reading documents", "orders": "processing orders", "done": "finished"}
KEEP_RUNS = 50


@dataclass
class PanelRun:
    id: int
    key: str
    scenario: str
    plan_only: bool
    phase: str = "starting"
    done: int = 0
    total: int | None = None
    documents: int = 0
    documents_done: int = 0
    report: RunReport | None = None
    error: str = ""
    stop: StopFlag = field(default_factory=StopFlag)

    @property
    def finished(self) -> bool:
        return self.report is not None or bool(self.error)

    @property
    def phase_text(self) -> str:
        return PHASES.get(self.phase, self.phase)


class AlreadyRunning(Exception):
    """The scenario's lock is held by another run."""


class RunManager:
    def __init__(self, host: Any) -> None:
        self.host = host
        self.runs: dict[int, PanelRun] = {}
        self._ids = itertools.count(1)
        self._guard = threading.Lock()
        self._threads: list[threading.Thread] = []

    def get(self, run_id: int) -> PanelRun | None:
        return self.runs.get(run_id)

    def start(self, key: str, scenario: Scenario, *, plan_only: bool) -> PanelRun:
        """Start a run (holding the scenario lock) or a plan; raises :class:`AlreadyRunning`."""
        lock = None
        if not plan_only:
            lock = scenario_lock(scenario)
            if not lock.acquire():
                raise AlreadyRunning(scenario.name)
        with self._guard:
            run = PanelRun(id=next(self._ids), key=key, scenario=scenario.name, plan_only=plan_only)
            self.runs[run.id] = run
            for old in sorted(self.runs)[:-KEEP_RUNS]:
                if self.runs[old].finished:
                    del self.runs[old]
        thread = threading.Thread(target=self._work, args=(run, scenario, lock), daemon=True,
                                  name=f"panel-run-{run.id}")
        self._threads.append(thread)
        thread.start()
        return run

    def _work(self, run: PanelRun, scenario: Scenario, lock: Any) -> None:
        def progress(phase: str, done: int, total: int | None) -> None:
            run.phase, run.done, run.total = phase, done, total
            if phase == "read":
                run.documents = done

        live.watch(run.scenario, run)
        try:
            run.report = run_scenario(scenario, plan_only=run.plan_only, host=self.host, progress=progress,
                                      stop=run.stop)
        except SellintegroError as exc:
            run.error = exc.message
        except Exception as exc:  # noqa: BLE001 - shown on the page instead of a dead thread
            run.error = f"unexpected {type(exc).__name__}: {exc}"
        finally:
            live.unwatch(run.scenario, run)
            if lock is not None:
                lock.release()

    def running(self, key: str) -> PanelRun | None:
        return next((r for r in self.runs.values() if r.key == key and not r.finished and not r.plan_only), None)

    def stop_all(self, timeout: float = 20.0) -> None:
        for run in self.runs.values():
            run.stop.set()
        for thread in self._threads:
            thread.join(timeout=timeout / max(len(self._threads), 1))
