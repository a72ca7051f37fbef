"""``sellintegro schedule``: run scenarios at their scheduled times until stopped."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import clock
from .config import Scenario, load_scenario
from .engine import RunReport, StopFlag, run_scenario
from .errors import ConfigError, RetriableError, SellintegroError
from .schedule import ScenarioLock, in_active_window, lock_path, next_run

RESUME_MARGIN = timedelta(seconds=5)


def locked_run(scenario: Scenario, *, plan_only: bool = False, host: Any = None, progress: Any = None,
               stop: StopFlag | None = None) -> RunReport:
    """Run a scenario while holding its lock (never two runs of one scenario at once)."""
    if plan_only:
        return run_scenario(scenario, plan_only=True, host=host, progress=progress, stop=stop)
    with ScenarioLock(lock_path(scenario.model.state.url, scenario.base_dir, scenario.name)):
        return run_scenario(scenario, host=host, progress=progress, stop=stop)


def following_run(report: RunReport, now: datetime, scenario: Scenario) -> datetime:
    """After a run: the next slot, or shortly after a BaseLinker block lifts if that comes sooner."""
    slot = next_run(now, scenario.model.schedule, scenario.timezone)
    if report.deferred_until is not None:
        resume = report.deferred_until + RESUME_MARGIN
        if resume < slot:
            return max(resume, now)
    return slot


def schedule_loop(paths: list[Path], *, host: Any = None, stop: StopFlag | None = None,
                  max_runs: int | None = None, sleep: Callable[[float], None] = time.sleep,
                  echo: Callable[[str], None] = print) -> int:
    """Run each scenario at its times. Returns the number of runs made."""
    stop = stop if stop is not None else StopFlag()   # an unset flag is falsy: never `or`
    scenarios = {str(p): load_scenario(p, host=host) for p in paths}
    for key, scenario in scenarios.items():
        if scenario.model.schedule.mode != "auto":
            raise ConfigError(f"{key}: schedule.mode is \"manual\"; run it with `sellintegro run {key}` or set "
                              "mode = \"auto\"", errors=[("schedule.mode", "is \"manual\": not scheduled; "
                                                         "set mode = \"auto\" or use `sellintegro run`")])
    upcoming: dict[str, datetime] = {}
    for key, scenario in scenarios.items():
        now = clock.now(scenario.timezone)
        schedule = scenario.model.schedule
        upcoming[key] = now if in_active_window(now, schedule, scenario.timezone) else next_run(
            now, schedule, scenario.timezone)
        echo(f"{scenario.name}: next run {upcoming[key]:%Y-%m-%d %H:%M %Z}")
    runs = 0
    while not stop:
        key = min(upcoming, key=lambda k: upcoming[k])
        when = upcoming[key]
        while not stop:
            remaining = (when - clock.now()).total_seconds()
            if remaining <= 0:
                break
            sleep(min(remaining, 1.0))
        if stop:
            break
        try:
            scenario = load_scenario(key, host=host)  # pick up edits made while the scheduler runs
        except ConfigError as exc:
            echo(f"{scenarios[key].name}: scenario is invalid now, skipping this run:\n{exc}")
            scenario = None
        now = clock.now()
        if scenario is not None:
            try:
                report = locked_run(scenario, host=host, stop=stop)
                counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do"
                echo(f"{scenario.name}: {report.outcome} ({counts}; BaseLinker calls {report.api_calls})")
                now = clock.now(scenario.timezone)
                upcoming[key] = following_run(report, now, scenario)
            except RetriableError as exc:
                echo(f"{scenario.name}: {exc.message}")
                upcoming[key] = next_run(now, scenario.model.schedule, scenario.timezone)
            except SellintegroError as exc:
                echo(f"{scenario.name}: run failed: {exc}")
                upcoming[key] = next_run(now, scenario.model.schedule, scenario.timezone)
            scenarios[key] = scenario
        else:
            upcoming[key] = next_run(now, scenarios[key].model.schedule, scenarios[key].timezone)
        runs += 1
        echo(f"{scenarios[key].name}: next run {upcoming[key]:%Y-%m-%d %H:%M %Z}")
        if max_runs is not None and runs >= max_runs:
            break
    return runs
