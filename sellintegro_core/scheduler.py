"""``sellintegro schedule``: run scenarios at their scheduled times until stopped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from . import clock
from .config import Scenario, load_scenario
from .engine import RunReport, run_scenario
from .errors import ConfigError, RetriableError, SellintegroError, Stopped
from .schedule import ScenarioLock, in_active_window, lock_path, next_run
from .stopping import StopFlag

RESUME_MARGIN = timedelta(seconds=5)


def locked_run(scenario: Scenario, *, plan_only: bool = False, host: Any = None, progress: Any = None,
               stop: StopFlag | None = None) -> RunReport:
    """Run a scenario while holding its lock (never two runs of one scenario at once)."""
    if plan_only:
        return run_scenario(scenario, plan_only=True, host=host, progress=progress, stop=stop)
    url = scenario.model.state.url
    if url.startswith(("postgresql://", "postgres://")):   # one run at a time across all hosts
        from .scale.locks import PgScenarioLock

        with PgScenarioLock(url, scenario.name):
            return run_scenario(scenario, host=host, progress=progress, stop=stop)
    with ScenarioLock(lock_path(url, scenario.base_dir, scenario.name)):
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
                  max_runs: int | None = None, sleep: Callable[[float], None] | None = None,
                  echo: Callable[[str], None] = print) -> int:
    """Run each scenario at its times. Returns the number of runs made.

    A stop request while idle ends the loop at once (the caller exits 0); a stop in the middle of a run ends
    that run and raises :class:`~sellintegro_core.errors.Stopped` (exit 4) once it has recorded what it did.
    """
    # `stop or StopFlag()` would replace the caller's flag: an unset flag is falsy
    stop = stop if stop is not None else StopFlag()
    wait: Callable[[float], Any] = sleep if sleep is not None else stop.wait
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
        echo(f"{scenario.name}: next run {clock.show(upcoming[key], scenario.timezone)}")
    runs = 0
    stopped = ""
    while not stop:
        key = min(upcoming, key=lambda k: upcoming[k])
        when = upcoming[key]
        while not stop:
            remaining = (when - clock.now()).total_seconds()
            if remaining <= 0:
                break
            wait(min(remaining, 1.0))
        if stop:
            break
        try:
            current: Scenario | None = load_scenario(key, host=host)  # pick up edits made meanwhile
        except ConfigError as exc:
            echo(f"{scenarios[key].name}: scenario is invalid now, skipping this run:\n{exc}")
            current = None
        now = clock.now()
        if current is not None:
            try:
                report = locked_run(current, host=host, stop=stop)
                if report.outcome == "stopped":
                    stopped = report.message
                counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()) if v) or "nothing to do"
                echo(f"{current.name}: {report.outcome} ({counts}; BaseLinker calls {report.api_calls})")
                now = clock.now(current.timezone)
                upcoming[key] = following_run(report, now, current)
            except Stopped:
                raise
            except RetriableError as exc:
                echo(f"{current.name}: {exc.message}")
                upcoming[key] = next_run(now, current.model.schedule, current.timezone)
            except SellintegroError as exc:
                echo(f"{current.name}: run failed: {exc}")
                upcoming[key] = next_run(now, current.model.schedule, current.timezone)
            scenarios[key] = current
        else:
            upcoming[key] = next_run(now, scenarios[key].model.schedule, scenarios[key].timezone)
        runs += 1
        if stopped:
            raise Stopped(stopped)
        echo(f"{scenarios[key].name}: next run {clock.show(upcoming[key], scenarios[key].timezone)}")
        if max_runs is not None and runs >= max_runs:
            break
    return runs
