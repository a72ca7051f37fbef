"""The ledger: what happened, per scenario. Makes retries safe (at-least-once delivery, exactly-once effect).

``SqliteLedger`` is the embedded store (stdlib sqlite3, file created with mode 0600); ``PgLedger``
(:mod:`.ledger_pg`) implements the same :class:`~.scenario_ledger.LedgerStore` interface. The engine uses a store
through ``store.scenario(name)``, a :class:`~.scenario_ledger.ScenarioLedger` bound to one scenario.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .ledger_file import check_ledger_file, create_ledger_file
from .models import OrderFacts
from .paths import sqlite_path, sqlite_uri
from .scenario_ledger import BindsScenario, Entry, LedgerStore, facts_of

SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (name TEXT PRIMARY KEY, setup_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL, started_at TEXT NOT NULL,
    finished_at TEXT, outcome TEXT, exit_code INTEGER, counts TEXT, api_calls INTEGER,
    deferred_until TEXT);
CREATE TABLE IF NOT EXISTS actions (
    scenario TEXT NOT NULL, key TEXT NOT NULL, order_id TEXT NOT NULL, document_id TEXT NOT NULL,
    type TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, data TEXT NOT NULL,
    updated_at TEXT NOT NULL, run_id INTEGER, PRIMARY KEY (scenario, key));
CREATE INDEX IF NOT EXISTS actions_order ON actions (scenario, order_id);
CREATE TABLE IF NOT EXISTS steps (
    scenario TEXT NOT NULL, key TEXT NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (scenario, key, step));
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL, run_id INTEGER, at TEXT NOT NULL,
    order_id TEXT NOT NULL, document_id TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL,
    outcome TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL, document_number TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS events_order ON events (scenario, order_id);
CREATE TABLE IF NOT EXISTS refs (
    scenario TEXT NOT NULL, ref_key TEXT NOT NULL, ref_value TEXT NOT NULL, order_id TEXT NOT NULL,
    PRIMARY KEY (scenario, ref_key, ref_value));
CREATE TABLE IF NOT EXISTS state (scenario TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (scenario, key));
"""


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class SqliteLedger(BindsScenario):
    """Ledger in one SQLite file (several scenarios may share it; every row is keyed by scenario)."""

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self._lock = threading.RLock()
        check_ledger_file(self.path)  # damaged: exit 2 with the way out; missing: a new ledger (adopts)
        try:
            if read_only:
                if self.path.exists():
                    self._db = sqlite3.connect(sqlite_uri(self.path, read_only=True), uri=True,
                                               check_same_thread=False)
                else:  # nothing recorded yet: an empty in-memory ledger, and no file is created
                    self._db = sqlite3.connect(":memory:", check_same_thread=False)
                    self._db.executescript(SCHEMA)
            else:
                self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not self.path.exists():
                    create_ledger_file(self.path, SCHEMA)
                self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(SCHEMA)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
                if "document_number" not in columns:   # a ledger written before events kept the number
                    self._db.execute("ALTER TABLE events ADD COLUMN document_number TEXT NOT NULL DEFAULT ''")
                for extra in ("-wal", "-shm"):
                    side = Path(str(self.path) + extra)
                    if side.exists():
                        os.chmod(side, 0o600)
        except (sqlite3.Error, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise ConfigError(f"state.url: cannot open the ledger {self.path}: {reason}; check the path and "
                              "that the folder is writable") from exc
        self._db.row_factory = sqlite3.Row

    @property
    def location(self) -> str:
        return str(self.path)

    # -- helpers
    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        if self.read_only:
            raise RuntimeError("ledger opened read-only (plan mode) was asked to write")
        with self._lock, self._db:
            return self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    # -- scenario set-up
    def setup_at(self, scenario: str) -> datetime | None:
        rows = self._rows("SELECT setup_at FROM scenarios WHERE name = ?", (scenario,))
        return datetime.fromisoformat(rows[0]["setup_at"]) if rows else None

    def ensure_setup(self, scenario: str, moment: datetime) -> datetime:
        """Record the set-up moment the first time; afterwards it never moves."""
        self._write("INSERT OR IGNORE INTO scenarios (name, setup_at) VALUES (?, ?)", (scenario, _iso(moment)))
        found = self.setup_at(scenario)
        assert found is not None
        return found

    # -- runs
    def start_run(self, scenario: str, started_at: datetime) -> int:
        cur = self._write("INSERT INTO runs (scenario, started_at) VALUES (?, ?)", (scenario, _iso(started_at)))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, finished_at: datetime, outcome: str, exit_code: int,
                   counts: dict[str, int], api_calls: int, deferred_until: datetime | None) -> None:
        self._write("UPDATE runs SET finished_at = ?, outcome = ?, exit_code = ?, counts = ?, api_calls = ?, "
                    "deferred_until = ? WHERE id = ?",
                    (_iso(finished_at), outcome, exit_code, json.dumps(counts, sort_keys=True), api_calls,
                     _iso(deferred_until) if deferred_until else None, run_id))

    def runs(self, scenario: str, limit: int = 20) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM runs WHERE scenario = ? ORDER BY id DESC LIMIT ?", (scenario, limit))
        out = []
        for row in rows:
            item = dict(row)
            item["counts"] = json.loads(item["counts"]) if item["counts"] else {}
            out.append(item)
        return out

    # -- actions and facts
    def facts(self, scenario: str, order_id: str) -> OrderFacts:
        rows = self._rows("SELECT key, status, message, data FROM actions WHERE scenario = ? AND order_id = ?",
                          (scenario, order_id))
        return facts_of(order_id, ((r["key"], r["status"], r["message"], json.loads(r["data"])) for r in rows))

    def record(self, scenario: str, run_id: int | None, entry: Entry) -> None:
        """Record an action's result: durable state (done / failed / final skip) plus a history event.

        Repeated non-final skips with an unchanged message add no new event (a document waiting for KSeF
        for a day does not write 48 identical lines).
        """
        if self.read_only:
            raise RuntimeError("ledger opened read-only (plan mode) was asked to write")
        status = entry.status
        with self._lock, self._db:
            if status is not None:
                self._db.execute(
                    "INSERT INTO actions (scenario, key, order_id, document_id, type, status, message, data, "
                    "updated_at, run_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scenario, key) DO "
                    "UPDATE SET status = excluded.status, message = excluded.message, data = excluded.data, "
                    "updated_at = excluded.updated_at, run_id = excluded.run_id",
                    (scenario, entry.key, entry.order_id, entry.document_id, entry.type, status, entry.message,
                     json.dumps(dict(entry.data), sort_keys=True, default=str), _iso(entry.at), run_id))
            if entry.outcome == "skipped":
                last = self._db.execute(
                    "SELECT outcome, message FROM events WHERE scenario = ? AND key = ? ORDER BY id DESC LIMIT 1",
                    (scenario, entry.key)).fetchone()
                if last is not None and last["outcome"] == entry.outcome and last["message"] == entry.message:
                    return
            self._db.execute(
                "INSERT INTO events (scenario, run_id, at, order_id, document_id, key, type, outcome, code, "
                "message, document_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (scenario, run_id, _iso(entry.at), entry.order_id, entry.document_id, entry.key, entry.type,
                 entry.outcome, entry.code, entry.message, entry.document_number))

    def history(self, scenario: str, order_id: str | None = None) -> list[dict[str, Any]]:
        if order_id is None:
            rows = self._rows("SELECT * FROM events WHERE scenario = ? ORDER BY id", (scenario,))
        else:
            rows = self._rows("SELECT * FROM events WHERE scenario = ? AND order_id = ? ORDER BY id",
                              (scenario, order_id))
        return [dict(r) for r in rows]

    # -- steps inside one action
    def get_step(self, scenario: str, key: str, step: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT data FROM steps WHERE scenario = ? AND key = ? AND step = ?",
                          (scenario, key, step))
        return json.loads(rows[0]["data"]) if rows else None

    def record_step(self, scenario: str, key: str, step: str, data: dict[str, Any], at: datetime) -> None:
        self._write("INSERT INTO steps (scenario, key, step, data, at) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (scenario, key, step) DO UPDATE SET data = excluded.data, at = excluded.at",
                    (scenario, key, step, json.dumps(data, sort_keys=True, default=str), _iso(at)))

    def steps(self, scenario: str, key: str) -> list[dict[str, Any]]:
        """Every recorded sub-step of one action (step, data, at), in the order they happened."""
        rows = self._rows("SELECT step, data, at FROM steps WHERE scenario = ? AND key = ? ORDER BY at, rowid",
                          (scenario, key))
        return [{"step": r["step"], "data": json.loads(r["data"]), "at": r["at"]} for r in rows]

    # -- order references (shop_order_id / external_order_id -> order_id)
    def order_for_ref(self, scenario: str, ref_key: str, ref_value: str) -> str | None:
        if ref_key == "order_id":
            return ref_value
        rows = self._rows("SELECT order_id FROM refs WHERE scenario = ? AND ref_key = ? AND ref_value = ?",
                          (scenario, ref_key, ref_value))
        return rows[0]["order_id"] if rows else None

    def remember_ref(self, scenario: str, ref_key: str, ref_value: str, order_id: str) -> None:
        if ref_key == "order_id":
            return
        self._write("INSERT OR REPLACE INTO refs (scenario, ref_key, ref_value, order_id) VALUES (?, ?, ?, ?)",
                    (scenario, ref_key, ref_value, order_id))

    # -- component state
    def get_state(self, scenario: str, key: str) -> Any | None:
        rows = self._rows("SELECT value FROM state WHERE scenario = ? AND key = ?", (scenario, key))
        return json.loads(rows[0]["value"]) if rows else None

    def set_state(self, scenario: str, key: str, value: Any) -> None:
        if self.read_only:
            return  # plan mode: components may try to persist e.g. limiter state; nothing is written
        self._write("INSERT INTO state (scenario, key, value) VALUES (?, ?, ?) ON CONFLICT (scenario, key) "
                    "DO UPDATE SET value = excluded.value", (scenario, key, json.dumps(value, default=str)))

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def iter_actions(self, scenario: str) -> Iterator[dict[str, Any]]:
        for row in self._rows("SELECT * FROM actions WHERE scenario = ? ORDER BY order_id, key", (scenario,)):
            yield dict(row)


def open_ledger(url: str, base_dir: Path, *, read_only: bool = False) -> LedgerStore:
    """Open the ledger store named by ``[state] url`` (``sqlite:///relative/or/absolute.db`` or
    ``postgresql://…``); ``.scenario(name)`` binds it to one scenario."""
    if url.startswith(("postgresql://", "postgres://")):
        from .ledger_pg import PgLedger

        return PgLedger(url, read_only=read_only)
    path = sqlite_path(url, base_dir)
    if path is None:
        raise ConfigError(f"state.url: {url!r} is not supported; use sqlite:///path/to/file.db or "
                          "postgresql://user@host:5432/database")
    return SqliteLedger(path, read_only=read_only)
