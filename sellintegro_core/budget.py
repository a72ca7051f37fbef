"""Shared call budgets: one sliding-window budget per API token, whichever scenario or host makes the call.

A budget is named by a key the sink derives from its token (a hash: the token itself is never stored). Taking a
slot is atomic: under a lock, calls older than the window are dropped, the rest counted, and a new call is
recorded only when fewer than ``limit`` remain. Otherwise the answer says how long to wait.

* :class:`SqliteBudgets` keeps the budgets of one host in one SQLite file (``BEGIN IMMEDIATE`` serialises
  processes). The file is ``$SELLINTEGRO_BUDGET_DB`` or ``$XDG_STATE_HOME/sellintegro/budgets.db``
  (``~/.local/state/sellintegro/budgets.db``): every scenario on the host that uses one token shares its budget.
* :class:`PgBudgets` keeps them in the PostgreSQL state (tables ``sellintegro_budget_*``, a transaction-level
  advisory lock per budget, PostgreSQL's clock): shared by every host using that database.

Block until-times (after ``ERROR_BLOCKED_TOKEN``) are shared the same way.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .errors import ConfigError

BUDGET_ENV = "SELLINTEGRO_BUDGET_DB"
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS budget_calls (id INTEGER PRIMARY KEY AUTOINCREMENT, budget TEXT NOT NULL,
    at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS budget_calls_key ON budget_calls (budget, at);
CREATE TABLE IF NOT EXISTS budget_blocks (budget TEXT PRIMARY KEY, until TEXT NOT NULL);
"""


class Budgets(Protocol):
    """What a rate limiter needs from a shared store."""

    def take(self, budget: str, limit: int, window: float) -> tuple[int | None, float]:
        """Take a slot: ``(slot_id, 0.0)``, or ``(None, seconds_to_wait)`` when the window is full."""
        ...
    def finished(self, budget: str, slot: int) -> None:
        """The call's answer arrived: count it from now."""
        ...
    def count(self, budget: str, window: float) -> int: ...
    def blocked_until(self, budget: str) -> str: ...
    def block(self, budget: str, until: str) -> None: ...


def budget_key(*parts: str) -> str:
    """A budget name from secret parts (URL + token): a hash, never the token."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def _wait(times: list[float], limit: int, window: float, now: float) -> float:
    return max(times[len(times) - limit] + window - now, 0.01)


def default_budget_path() -> Path:
    raw = os.environ.get(BUDGET_ENV)
    if raw:
        return Path(raw).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "sellintegro" / "budgets.db"


class SqliteBudgets:
    """Budgets of one host in one SQLite file."""

    def __init__(self, path: Path | None = None, *, clock: Any = time.time) -> None:
        self.path = path or default_budget_path()
        self.clock = clock
        self._lock = threading.Lock()
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if not self.path.exists():
                os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
            self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SQLITE_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise ConfigError(f"cannot open the shared call budget file {self.path}: {exc}; make its folder "
                              f"writable or point {BUDGET_ENV} at a writable file") from None

    def take(self, budget: str, limit: int, window: float) -> tuple[int | None, float]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = self.clock()
                self._db.execute("DELETE FROM budget_calls WHERE budget = ? AND at <= ?", (budget, now - window))
                times = [r[0] for r in self._db.execute(
                    "SELECT at FROM budget_calls WHERE budget = ? ORDER BY at", (budget,))]
                if len(times) >= limit:
                    self._db.execute("COMMIT")
                    return None, _wait(times, limit, window, now)
                cur = self._db.execute("INSERT INTO budget_calls (budget, at) VALUES (?, ?)", (budget, now))
                self._db.execute("COMMIT")
                return int(cur.lastrowid or 0), 0.0
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def finished(self, budget: str, slot: int) -> None:
        with self._lock:
            self._db.execute("UPDATE budget_calls SET at = MAX(at, ?) WHERE id = ?", (self.clock(), slot))

    def count(self, budget: str, window: float) -> int:
        with self._lock:
            row = self._db.execute("SELECT COUNT(*) FROM budget_calls WHERE budget = ? AND at > ?",
                                   (budget, self.clock() - window)).fetchone()
        return int(row[0])

    def blocked_until(self, budget: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT until FROM budget_blocks WHERE budget = ?", (budget,)).fetchone()
        return row[0] if row else ""

    def block(self, budget: str, until: str) -> None:
        with self._lock:
            self._db.execute("INSERT INTO budget_blocks (budget, until) VALUES (?, ?) ON CONFLICT (budget) DO "
                             "UPDATE SET until = excluded.until", (budget, until))

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PgBudgets:
    """Budgets in the PostgreSQL state, shared by all hosts (uses the ledger's connection and its guards)."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger

    def take(self, budget: str, limit: int, window: float) -> tuple[int | None, float]:
        db = self.ledger._db

        def work() -> tuple[int | None, float]:
            with self.ledger._lock, db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", ("sellintegro-budget:" + budget,))
                now = float(db.execute("SELECT EXTRACT(EPOCH FROM clock_timestamp())").fetchone()[0])
                db.execute("DELETE FROM sellintegro_budget_calls WHERE budget = %s AND at <= %s",
                           (budget, now - window))
                times = [float(r[0]) for r in db.execute(
                    "SELECT at FROM sellintegro_budget_calls WHERE budget = %s ORDER BY at", (budget,))]
                self.ledger.queries += 4
                if len(times) >= limit:
                    return None, _wait(times, limit, window, now)
                self.ledger.queries += 1
                row = db.execute("INSERT INTO sellintegro_budget_calls (budget, at) VALUES (%s, %s) RETURNING id",
                                 (budget, now)).fetchone()
                return int(row[0]) if row is not None else None, 0.0
        claimed: tuple[int | None, float] = self.ledger._guard(work)
        return claimed

    def finished(self, budget: str, slot: int) -> None:
        self.ledger._tx([("UPDATE sellintegro_budget_calls SET at = GREATEST(at, EXTRACT(EPOCH FROM "
                          "clock_timestamp())) WHERE id = %s", (slot,))])

    def count(self, budget: str, window: float) -> int:
        rows = self.ledger._rows("SELECT COUNT(*) FROM sellintegro_budget_calls WHERE budget = %s AND "
                                 "at > EXTRACT(EPOCH FROM clock_timestamp()) - %s", (budget, window))
        return int(rows[0][0])

    def blocked_until(self, budget: str) -> str:
        rows = self.ledger._rows("SELECT until FROM sellintegro_budget_blocks WHERE budget = %s", (budget,))
        return rows[0][0] if rows else ""

    def block(self, budget: str, until: str) -> None:
        self.ledger._tx([("INSERT INTO sellintegro_budget_blocks (budget, until) VALUES (%s, %s) ON CONFLICT "
                          "(budget) DO UPDATE SET until = excluded.until", (budget, until))])

    def close(self) -> None:
        """The ledger owns the connection."""


_HOST: dict[Path, SqliteBudgets] = {}
_HOST_LOCK = threading.Lock()


def host_budgets() -> SqliteBudgets:
    """This process's connection to the host's budget file (opened once per file)."""
    path = default_budget_path()
    with _HOST_LOCK:
        if path not in _HOST:
            _HOST[path] = SqliteBudgets(path)
        return _HOST[path]


class _LazyHostBudgets:
    """Opens the host's budget file on first use (only a sink that makes API calls needs it)."""

    def take(self, budget: str, limit: int, window: float) -> tuple[int | None, float]:
        return host_budgets().take(budget, limit, window)

    def finished(self, budget: str, slot: int) -> None:
        host_budgets().finished(budget, slot)

    def count(self, budget: str, window: float) -> int:
        return host_budgets().count(budget, window)

    def blocked_until(self, budget: str) -> str:
        return host_budgets().blocked_until(budget)

    def block(self, budget: str, until: str) -> None:
        host_budgets().block(budget, until)


@runtime_checkable
class HoldsBudgets(Protocol):
    """A ledger store that keeps the call budgets itself (the PostgreSQL one: shared by every host)."""

    def budgets(self) -> Budgets: ...


def open_budgets(ledger: object) -> Budgets:
    """The shared budgets that go with a ledger store: PostgreSQL's own, else the host's SQLite file."""
    if isinstance(ledger, HoldsBudgets):
        return ledger.budgets()
    return _LazyHostBudgets()
