"""The PostgreSQL ledger against a real PostgreSQL: same behaviour as the SQLite ledger, schema versions,
isolation between scenarios, and a connection lost mid-run."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellintegro_core.errors import ConfigError, SourceConnectionError
from sellintegro_core.ledger import SqliteLedger, open_ledger
from sellintegro_core.ledger_pg import SCHEMA_VERSION, PgLedger

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def exercise(ledger: Any, scenario: str) -> dict[str, Any]:
    """The engine's use of a ledger, step by step; returns everything readable afterwards."""
    setup = ledger.ensure_setup(scenario, T0)
    again = ledger.ensure_setup(scenario, T0 + timedelta(days=1))
    run = ledger.start_run(scenario, T0)
    ledger.record_step(scenario, "k1", "placeholder", {"invoice_id": 12}, T0)
    ledger.record_step(scenario, "k1", "placeholder", {"invoice_id": 13}, T0)
    ledger.record_action(scenario, run, key="k1", order_id="7", document_id="d1", type="attach", outcome="done",
                         code="", message="attached FS 1/2026", data={"invoice_id": 13}, at=T0,
                         document_number="FS 1/2026")
    for _ in range(3):
        ledger.record_action(scenario, run, key="k2", order_id="7", document_id="d2", type="attach",
                             outcome="skipped", code="ksef", message="waiting for KSeF", data={}, at=T0)
    ledger.record_action(scenario, run, key="k3", order_id="8", document_id="d3", type="attach", outcome="failed",
                         code="bad", message="number too long", data={}, at=T0)
    ledger.remember_ref(scenario, "shop_order_id", "S-1", "7")
    ledger.set_state(scenario, "x", {"a": [1, 2]})
    ledger.finish_run(run, T0 + timedelta(minutes=1), "document_errors", 1, {"done": 1, "failed": 1}, 9, None)
    facts7, facts8 = ledger.facts(scenario, "7"), ledger.facts(scenario, "8")
    history = [{k: v for k, v in e.items() if k not in ("id", "run_id")} for e in ledger.history(scenario)]
    runs = [{k: v for k, v in r.items() if k != "id"} for r in ledger.runs(scenario)]
    return {"setup": setup, "again": again, "step": ledger.get_step(scenario, "k1", "placeholder"),
            "done7": facts7.done, "failed8": facts8.failed, "history": history, "runs": runs,
            "ref": ledger.order_for_ref(scenario, "shop_order_id", "S-1"), "state": ledger.get_state(scenario, "x"),
            "missing": ledger.get_state(scenario, "nope"), "order7": len(ledger.history(scenario, "7"))}


def test_same_behaviour_as_sqlite(pg_url: str, tmp_path: Path) -> None:
    sqlite = SqliteLedger(tmp_path / "ledger.db")
    pg = open_ledger(pg_url, tmp_path)
    assert isinstance(pg, PgLedger)
    try:
        expected = exercise(sqlite, "same")
        got = exercise(pg, "same")
    finally:
        sqlite.close()
        pg.close()
    assert got == expected
    assert got["setup"] == T0 and got["done7"] == {"k1": {"invoice_id": 13}}
    assert [e["outcome"] for e in got["history"]] == ["done", "skipped", "failed"]   # repeated skip kept once


def test_scenarios_are_isolated(pg_url: str) -> None:
    ledger = PgLedger(pg_url)
    try:
        ledger.ensure_setup("iso-a", T0)
        run = ledger.start_run("iso-a", T0)
        ledger.record_action("iso-a", run, key="k", order_id="1", document_id="d", type="attach", outcome="done",
                             code="", message="ok", data={"x": 1}, at=T0)
        ledger.set_state("iso-a", "s", 1)
        assert ledger.facts("iso-b", "1").done == {}
        assert ledger.history("iso-b") == [] and ledger.runs("iso-b") == []
        assert ledger.get_state("iso-b", "s") is None and ledger.setup_at("iso-b") is None
        assert ledger.facts("iso-a", "1").done == {"k": {"x": 1}}
    finally:
        ledger.close()


def test_schema_version_recorded_and_newer_refused(pg_cluster: Any) -> None:
    import psycopg

    url = pg_cluster.create_database("schema_versions")
    PgLedger(url).close()
    with psycopg.connect(url, autocommit=True) as conn:
        found = conn.execute("SELECT value FROM sellintegro_meta WHERE key = 'schema_version'").fetchone()
        assert found == (str(SCHEMA_VERSION),)
        conn.execute("UPDATE sellintegro_meta SET value = %s WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    with pytest.raises(ConfigError) as caught:
        PgLedger(url)
    text = str(caught.value)
    assert f"schema version {SCHEMA_VERSION + 1}" in text and "Upgrade sellintegro" in text
    assert caught.value.exit_code == 2


def test_old_schema_is_migrated_on_start(pg_cluster: Any) -> None:
    """A database holding only the version table at version 0 (as before the first release) gets every table."""
    import psycopg

    url = pg_cluster.create_database("schema_migrate")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sellintegro_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO sellintegro_meta VALUES ('schema_version', '0')")
    ledger = PgLedger(url)
    try:
        assert ledger.start_run("m", T0) >= 1
    finally:
        ledger.close()


def test_unreachable_database_is_exit_3_without_password(pg_cluster: Any) -> None:
    url = f"postgresql://postgres:s3cret-pw@127.0.0.1:{pg_cluster.port + 1}/nothing"
    with pytest.raises(SourceConnectionError) as caught:
        PgLedger(url)
    assert caught.value.exit_code == 3
    assert "s3cret-pw" not in str(caught.value) and "cannot connect" in str(caught.value)


def test_connection_lost_mid_run_writes_nothing_half(pg_url: str) -> None:
    """The server ends the session (as when PostgreSQL restarts): the next write raises exit 3, and what was
    written before stays whole."""
    import psycopg

    ledger = PgLedger(pg_url)
    run = ledger.start_run("lost", T0)
    ledger.record_step("lost", "k", "placeholder", {"invoice_id": 1}, T0)
    pid = ledger._db.info.backend_pid
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(SourceConnectionError) as caught:
        ledger.record_action("lost", run, key="k", order_id="1", document_id="d", type="attach", outcome="done",
                             code="", message="ok", data={}, at=T0)
    assert caught.value.exit_code == 3 and "not recorded" in str(caught.value)
    fresh = PgLedger(pg_url)
    try:
        assert fresh.get_step("lost", "k", "placeholder") == {"invoice_id": 1}
        assert fresh.facts("lost", "1").done == {} and fresh.history("lost") == []
    finally:
        fresh.close()
