"""When scenarios run: next-run times (a pure function) and a cross-process lock per scenario.

Runs happen every ``every_minutes`` counted in wall-clock time from the start of the active ``hours`` window,
on the configured ``weekdays``, in the scenario's time zone. Across DST changes a wall-clock slot that does
not exist (spring forward) is skipped and one that exists twice (fall back) is used once.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from .config import ScheduleConfig
from .errors import ConfigError, RetriableError
from .paths import sqlite_path
from .vocabulary import WEEKDAYS

MAX_DAYS_AHEAD = 8


def _wall_exists(moment: datetime, zone: ZoneInfo) -> bool:
    round_trip = moment.astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


def slots_on(day: date, schedule: ScheduleConfig, tz: str) -> list[datetime]:
    """All run times of one local day (aware datetimes, ascending)."""
    if WEEKDAYS[day.weekday()] not in schedule.weekdays:
        return []
    zone = ZoneInfo(tz)
    start, end = schedule.active_minutes()
    out = []
    for minute in range(start, end + 1, schedule.every_minutes):
        wall = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
        if _wall_exists(wall, zone):
            out.append(wall.replace(fold=0))
    return out


def next_run(after: datetime, schedule: ScheduleConfig, tz: str) -> datetime:
    """The first scheduled run strictly after ``after`` (aware)."""
    zone = ZoneInfo(tz)
    local = after.astimezone(zone)
    for offset in range(MAX_DAYS_AHEAD):
        for slot in slots_on(local.date() + timedelta(days=offset), schedule, tz):
            if slot > after:
                return slot
    raise ValueError("no run time within a week: check schedule.weekdays")  # unreachable with a valid schedule


def in_active_window(moment: datetime, schedule: ScheduleConfig, tz: str) -> bool:
    local = moment.astimezone(ZoneInfo(tz))
    if WEEKDAYS[local.weekday()] not in schedule.weekdays:
        return False
    start, end = schedule.active_minutes()
    minute = local.hour * 60 + local.minute
    return start <= minute <= end


class ScenarioLock:
    """An exclusive, non-blocking lock file per scenario; held across processes (flock / msvcrt)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[Any] | None = None

    def acquire(self) -> bool:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the ledger lives here
            handle = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        except OSError as exc:
            raise ConfigError(f"state.url: cannot create the lock file {self.path}: {exc.strerror or exc}; "
                              "check the path and that the folder is writable") from None
        try:
            if sys.platform == "win32":  # pragma: no cover
                import msvcrt

                msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            if sys.platform != "win32":
                import fcntl

                fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> ScenarioLock:
        if not self.acquire():
            raise RetriableError(f"already running: another run of this scenario is in progress (lock "
                                 f"{self.path}); it will be picked up by the next run")
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


def lock_path(ledger_url: str, base_dir: Path, scenario: str) -> Path:
    path = sqlite_path(ledger_url, base_dir) or base_dir / "sellintegro-state.db"
    return path.with_name(f"{path.name}.{scenario}.lock")
