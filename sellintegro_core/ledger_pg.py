"""The ledger in PostgreSQL (``[state] url = "postgresql://…"``), through psycopg 3.

Same interface as :class:`~sellintegro_core.ledger.SqliteLedger`, so the engine does not change. Every method is
one transaction: a connection lost in the middle leaves no half-written step, and the run ends with exit 3
(:class:`StateConnectionLost`). The schema is versioned (table ``sellintegro_meta``): older schemas are migrated
on start under an advisory lock, a newer one is refused. Rows are keyed by scenario, and every query names its
scenario, so scenarios sharing one database never see each other's rows.

psycopg is an optional dependency: ``pip install 'sellintegro[postgresql]'`` (or the ``sellintegro-scale``
plugin, which needs it anyway).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .errors import ConfigError, SourceConnectionError

if TYPE_CHECKING:
    from .budget import PgBudgets
from .models import OrderFacts
from .scenario_ledger import BindsScenario, Entry, facts_of

SCHEMA_VERSION = 1
MIGRATION_LOCK = 7_262_016          # pg_advisory_xact_lock key while migrating
T = TypeVar("T")

MIGRATIONS: dict[int, str] = {
    1: """
CREATE TABLE IF NOT EXISTS sellintegro_scenarios (name TEXT PRIMARY KEY, setup_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sellintegro_runs (
    id BIGSERIAL PRIMARY KEY, scenario TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, outcome TEXT,
    exit_code INTEGER, counts TEXT, api_calls INTEGER, deferred_until TEXT);
CREATE INDEX IF NOT EXISTS sellintegro_runs_scenario ON sellintegro_runs (scenario, id);
CREATE TABLE IF NOT EXISTS sellintegro_actions (
    scenario TEXT NOT NULL, key TEXT NOT NULL, order_id TEXT NOT NULL, document_id TEXT NOT NULL,
    type TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, data TEXT NOT NULL,
    updated_at TEXT NOT NULL, run_id BIGINT, PRIMARY KEY (scenario, key));
CREATE INDEX IF NOT EXISTS sellintegro_actions_order ON sellintegro_actions (scenario, order_id);
CREATE TABLE IF NOT EXISTS sellintegro_steps (
    scenario TEXT NOT NULL, key TEXT NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL, at TEXT NOT NULL,
    PRIMARY KEY (scenario, key, step));
CREATE TABLE IF NOT EXISTS sellintegro_events (
    id BIGSERIAL PRIMARY KEY, scenario TEXT NOT NULL, run_id BIGINT, at TEXT NOT NULL, order_id TEXT NOT NULL,
    document_id TEXT NOT NULL, key TEXT NOT NULL, type TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT NOT NULL,
    message TEXT NOT NULL, document_number TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS sellintegro_events_order ON sellintegro_events (scenario, order_id);
CREATE INDEX IF NOT EXISTS sellintegro_events_key ON sellintegro_events (scenario, key, id);
CREATE TABLE IF NOT EXISTS sellintegro_refs (
    scenario TEXT NOT NULL, ref_key TEXT NOT NULL, ref_value TEXT NOT NULL, order_id TEXT NOT NULL,
    PRIMARY KEY (scenario, ref_key, ref_value));
CREATE TABLE IF NOT EXISTS sellintegro_state (scenario TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (scenario, key));
CREATE TABLE IF NOT EXISTS sellintegro_budget_calls (
    id BIGSERIAL PRIMARY KEY, budget TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX IF NOT EXISTS sellintegro_budget_calls_key ON sellintegro_budget_calls (budget, at);
CREATE TABLE IF NOT EXISTS sellintegro_budget_blocks (budget TEXT PRIMARY KEY, until TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sellintegro_deployments (
    name TEXT PRIMARY KEY, source TEXT NOT NULL, file_name TEXT NOT NULL, deployed_at TEXT NOT NULL,
    next_run TEXT, schedule_mode TEXT NOT NULL DEFAULT 'auto');
""",
}


class StateConnectionLost(SourceConnectionError):
    """The PostgreSQL state cannot be reached (at start or mid-run). Exit 3; the last step was not written."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - depends on the installation
        raise ConfigError("state.url: a postgresql:// state needs psycopg 3; install it with "
                          "`pip install 'sellintegro[postgresql]'` (or the sellintegro-scale plugin)") from None
    return psycopg


def safe_url(url: str) -> str:
    """The URL without its password (for messages)."""
    head, sep, tail = url.partition("://")
    if "@" in tail:
        creds, _, rest = tail.rpartition("@")
        user = creds.split(":", 1)[0]
        return f"{head}{sep}{user}@{rest}"
    return url


def connect(url: str, *, what: str = "the PostgreSQL state") -> Any:
    """A psycopg connection in autocommit mode (transactions are explicit), or exit 3 with a clear message."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10, application_name="sellintegro")
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StateConnectionLost(f"state.url: cannot connect to {what} at {safe_url(url)}: {first}; check that "
                                  "PostgreSQL runs and the URL is right") from None
    except psycopg.ProgrammingError as exc:
        raise ConfigError(f"state.url: {safe_url(url)} is not a valid PostgreSQL URL: {exc}; use "
                          "postgresql://user@host:5432/database") from None


def migrate(conn: Any) -> int:
    """Bring the schema to :data:`SCHEMA_VERSION`; refuse a newer one. Returns the version found at start."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute("CREATE TABLE IF NOT EXISTS sellintegro_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = conn.execute("SELECT value FROM sellintegro_meta WHERE key = 'schema_version'").fetchone()
        found = int(row[0]) if row else 0
        if found > SCHEMA_VERSION:
            raise ConfigError(
                f"state.url: the PostgreSQL state has schema version {found}, newer than this sellintegro "
                f"understands (version {SCHEMA_VERSION}); a newer sellintegro wrote it. Upgrade sellintegro on "
                "this host to the version the other hosts run; nothing was changed")
        for version in range(found + 1, SCHEMA_VERSION + 1):
            conn.execute(MIGRATIONS[version])
        if found < SCHEMA_VERSION:
            conn.execute("INSERT INTO sellintegro_meta (key, value) VALUES ('schema_version', %s) ON CONFLICT (key) "
                         "DO UPDATE SET value = excluded.value", (str(SCHEMA_VERSION),))
    return found


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class PgLedger(BindsScenario):
    """Ledger in PostgreSQL. Thread-safe (one connection, one lock); ``queries`` counts statements sent."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        self.queries = 0
        self._lock = threading.RLock()
        self._psycopg = _psycopg()
        self._db = connect(url)
        self._guard(lambda: migrate(self._db))

    @property
    def location(self) -> str:
        return ""        # as before the ledger was bound to a scenario: the claim tags of PostgreSQL setups stay

    # -- helpers
    def _guard(self, work: Callable[[], T]) -> T:
        try:
            return work()
        except self._psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StateConnectionLost(
                f"state.url: lost the connection to the PostgreSQL state at {safe_url(self.url)}: {first}; the "
                "step in progress was not recorded and the next run repeats it safely") from None

    def _tx(self, statements: list[tuple[str, tuple[Any, ...]]]) -> list[Any]:
        """Run statements in one transaction; returns each statement's rows (or [] when none)."""
        if self.read_only:
            raise RuntimeError("ledger opened read-only (plan mode) was asked to write")

        def work() -> list[Any]:
            out = []
            with self._lock, self._db.transaction():
                for sql, params in statements:
                    cur = self._db.execute(sql, params)
                    self.queries += 1
                    out.append(cur.fetchall() if cur.description else [])
            return out
        return self._guard(work)

    def _rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        def work() -> list[Any]:
            with self._lock:
                cur = self._db.execute(sql, params)
                self.queries += 1
                rows: list[Any] = cur.fetchall()
                return rows
        return self._guard(work)

    def _dicts(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        def work() -> list[dict[str, Any]]:
            with self._lock:
                cur = self._db.execute(sql, params)
                self.queries += 1
                names = [d.name for d in cur.description]
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
        return self._guard(work)

    # -- scenario set-up
    def setup_at(self, scenario: str) -> datetime | None:
        rows = self._rows("SELECT setup_at FROM sellintegro_scenarios WHERE name = %s", (scenario,))
        return datetime.fromisoformat(rows[0][0]) if rows else None

    def ensure_setup(self, scenario: str, moment: datetime) -> datetime:
        self._tx([("INSERT INTO sellintegro_scenarios (name, setup_at) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                   (scenario, _iso(moment)))])
        found = self.setup_at(scenario)
        assert found is not None
        return found

    # -- runs
    def start_run(self, scenario: str, started_at: datetime) -> int:
        rows = self._tx([("INSERT INTO sellintegro_runs (scenario, started_at) VALUES (%s, %s) RETURNING id",
                          (scenario, _iso(started_at)))])
        return int(rows[0][0][0])

    def finish_run(self, run_id: int, finished_at: datetime, outcome: str, exit_code: int,
                   counts: dict[str, int], api_calls: int, deferred_until: datetime | None) -> None:
        self._tx([("UPDATE sellintegro_runs SET finished_at = %s, outcome = %s, exit_code = %s, counts = %s, "
                   "api_calls = %s, deferred_until = %s WHERE id = %s",
                   (_iso(finished_at), outcome, exit_code, json.dumps(counts, sort_keys=True), api_calls,
                    _iso(deferred_until) if deferred_until else None, run_id))])

    def runs(self, scenario: str, limit: int = 20) -> list[dict[str, Any]]:
        out = self._dicts("SELECT * FROM sellintegro_runs WHERE scenario = %s ORDER BY id DESC LIMIT %s",
                          (scenario, limit))
        for item in out:
            item["counts"] = json.loads(item["counts"]) if item["counts"] else {}
        return out

    # -- actions and facts
    def facts(self, scenario: str, order_id: str) -> OrderFacts:
        rows = self._rows("SELECT key, status, message, data FROM sellintegro_actions WHERE scenario = %s AND "
                          "order_id = %s", (scenario, order_id))
        return facts_of(order_id, ((key, status, message, json.loads(data)) for key, status, message, data in rows))

    def record(self, scenario: str, run_id: int | None, entry: Entry) -> None:
        """Durable state plus a history event, in one transaction (see ``SqliteLedger.record``)."""
        if self.read_only:
            raise RuntimeError("ledger opened read-only (plan mode) was asked to write")
        status = entry.status

        def work() -> None:
            with self._lock, self._db.transaction():
                if status is not None:
                    self.queries += 1
                    self._db.execute(
                        "INSERT INTO sellintegro_actions (scenario, key, order_id, document_id, type, status, "
                        "message, data, updated_at, run_id) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                        "ON CONFLICT (scenario, key) DO UPDATE SET status = excluded.status, message = "
                        "excluded.message, data = excluded.data, updated_at = excluded.updated_at, "
                        "run_id = excluded.run_id",
                        (scenario, entry.key, entry.order_id, entry.document_id, entry.type, status, entry.message,
                         json.dumps(dict(entry.data), sort_keys=True, default=str), _iso(entry.at), run_id))
                if entry.outcome == "skipped":
                    self.queries += 1
                    last = self._db.execute(
                        "SELECT outcome, message FROM sellintegro_events WHERE scenario = %s AND key = %s "
                        "ORDER BY id DESC LIMIT 1", (scenario, entry.key)).fetchone()
                    if last is not None and last[0] == entry.outcome and last[1] == entry.message:
                        return
                self.queries += 1
                self._db.execute(
                    "INSERT INTO sellintegro_events (scenario, run_id, at, order_id, document_id, key, type, "
                    "outcome, code, message, document_number) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                    (scenario, run_id, _iso(entry.at), entry.order_id, entry.document_id, entry.key, entry.type,
                     entry.outcome, entry.code, entry.message, entry.document_number))
        self._guard(work)

    def history(self, scenario: str, order_id: str | None = None) -> list[dict[str, Any]]:
        if order_id is None:
            return self._dicts("SELECT * FROM sellintegro_events WHERE scenario = %s ORDER BY id", (scenario,))
        return self._dicts("SELECT * FROM sellintegro_events WHERE scenario = %s AND order_id = %s ORDER BY id",
                           (scenario, order_id))

    # -- steps inside one action
    def get_step(self, scenario: str, key: str, step: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT data FROM sellintegro_steps WHERE scenario = %s AND key = %s AND step = %s",
                          (scenario, key, step))
        return json.loads(rows[0][0]) if rows else None

    def record_step(self, scenario: str, key: str, step: str, data: dict[str, Any], at: datetime) -> None:
        self._tx([("INSERT INTO sellintegro_steps (scenario, key, step, data, at) VALUES (%s, %s, %s, %s, %s) "
                   "ON CONFLICT (scenario, key, step) DO UPDATE SET data = excluded.data, at = excluded.at",
                   (scenario, key, step, json.dumps(data, sort_keys=True, default=str), _iso(at)))])

    def steps(self, scenario: str, key: str) -> list[dict[str, Any]]:
        """Every recorded sub-step of one action (step, data, at), in the order they happened."""
        rows = self._rows("SELECT step, data, at FROM sellintegro_steps WHERE scenario = %s AND key = %s "
                          "ORDER BY at, step", (scenario, key))
        return [{"step": step, "data": json.loads(data), "at": at} for step, data, at in rows]

    # -- order references
    def order_for_ref(self, scenario: str, ref_key: str, ref_value: str) -> str | None:
        if ref_key == "order_id":
            return ref_value
        rows = self._rows("SELECT order_id FROM sellintegro_refs WHERE scenario = %s AND ref_key = %s AND "
                          "ref_value = %s", (scenario, ref_key, ref_value))
        return rows[0][0] if rows else None

    def remember_ref(self, scenario: str, ref_key: str, ref_value: str, order_id: str) -> None:
        if ref_key == "order_id":
            return
        self._tx([("INSERT INTO sellintegro_refs (scenario, ref_key, ref_value, order_id) VALUES (%s, %s, %s, %s) "
                   "ON CONFLICT (scenario, ref_key, ref_value) DO UPDATE SET order_id = excluded.order_id",
                   (scenario, ref_key, ref_value, order_id))])

    # -- component state
    def get_state(self, scenario: str, key: str) -> Any | None:
        rows = self._rows("SELECT value FROM sellintegro_state WHERE scenario = %s AND key = %s", (scenario, key))
        return json.loads(rows[0][0]) if rows else None

    def set_state(self, scenario: str, key: str, value: Any) -> None:
        if self.read_only:
            return
        self._tx([("INSERT INTO sellintegro_state (scenario, key, value) VALUES (%s, %s, %s) ON CONFLICT "
                   "(scenario, key) DO UPDATE SET value = excluded.value",
                   (scenario, key, json.dumps(value, default=str)))])

    def iter_actions(self, scenario: str) -> Iterator[dict[str, Any]]:
        yield from self._dicts("SELECT * FROM sellintegro_actions WHERE scenario = %s ORDER BY order_id, key",
                               (scenario,))

    def budgets(self) -> PgBudgets:
        """The shared per-token call budget, in this database (see :mod:`sellintegro_core.budget`)."""
        from .budget import PgBudgets

        return PgBudgets(self)

    def close(self) -> None:
        with self._lock:
            self._db.close()
