"""What the panel serves: its scenarios (by a URL key), the plugin host, cached check lines, the last runs."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sellintegro_core.api import (
    CheckItem,
    ConfigError,
    Scenario,
    get_host,
    load_scenario,
    next_run,
    now,
    open_ledger,
    run_checks,
)

from .runs import RunManager


@dataclass
class Entry:
    key: str
    path: Path


def _key(path: Path, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-.") or "scenario"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


def fmt_time(value: str | datetime | None, tz: str = "Europe/Warsaw") -> str:
    """An ISO time (or datetime) as ``2026-11-25 10:00 CET`` in the scenario's zone."""
    if not value:
        return ""
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%d %H:%M %Z")


class Panel:
    def __init__(self, paths: list[Path], *, password: str | None = None) -> None:
        taken: set[str] = set()
        self.entries: dict[str, Entry] = {}
        for path in paths:
            key = _key(path, taken)
            taken.add(key)
            self.entries[key] = Entry(key, path)
        self.password = password
        self.host = get_host()
        self.runs = RunManager(self.host)
        self.checks: dict[str, tuple[str, list[CheckItem]]] = {}
        self._check_lock = threading.Lock()

    def entry(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def load(self, key: str, *, validate_components: bool = True) -> Scenario:
        return load_scenario(self.entries[key].path, host=self.host, validate_components=validate_components)

    def run_checks(self, key: str) -> list[CheckItem]:
        """The `sellintegro check` lines (cached until "Check again")."""
        with self._check_lock:
            items = run_checks(self.entries[key].path, host=self.host)
        self.checks[key] = (fmt_time(now()), items)
        return items

    def summary(self, key: str) -> dict[str, Any]:
        """Name, last run and next run of one scenario for the Scenarios page (no network)."""
        entry = self.entries[key]
        info: dict[str, Any] = {"key": key, "path": str(entry.path), "name": entry.path.stem, "error": "",
                                "last": None, "next": "", "running": self.runs.running(key) is not None}
        try:
            scenario = self.load(key, validate_components=False)
        except ConfigError as exc:
            info["error"] = str(exc)
            return info
        info["name"] = scenario.name
        tz = scenario.timezone
        schedule = scenario.model.schedule
        if schedule.mode == "auto":
            info["next"] = fmt_time(next_run(now(tz), schedule, tz), tz)
        else:
            info["next"] = "manual (only when started)"
        info["last"] = self.last_run(scenario)
        return info

    def last_run(self, scenario: Scenario) -> dict[str, Any] | None:
        try:
            ledger = open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True)
        except Exception:  # noqa: BLE001 - no ledger yet (or unreadable): shown as never run
            return None
        try:
            runs = ledger.runs(scenario.name, limit=1)
        except Exception:  # noqa: BLE001 - a ledger without tables yet
            runs = []
        finally:
            ledger.close()
        if not runs:
            return None
        run = runs[0]
        counts = ", ".join(f"{k} {v}" for k, v in sorted(run["counts"].items()) if v) or "nothing to do"
        return {"started": fmt_time(run["started_at"], scenario.timezone),
                "outcome": run["outcome"] or "running or crashed", "counts": counts,
                "api_calls": run["api_calls"] or 0}
