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
from sellintegro_core.models import ActionResult, AttachDocument, Skip

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def exercise(store: Any, scenario: str) -> dict[str, Any]:
    """The engine's use of a ledger, step by step, through the scenario-bound ledger; returns everything
    readable afterwards."""
    ledger = store.scenario(scenario, now=lambda: T0)
    setup = ledger.ensure_setup(T0)
    again = ledger.ensure_setup(T0 + timedelta(days=1))
    ledger.start_run(T0)
    steps = ledger.step_log(AttachDocument.key_for("7", "d1"))
    steps.record("placeholder", {"invoice_id": 12})
    steps.record("placeholder", {"invoice_id": 13})
    ledger.record(attach("7", "d1", "FS 1/2026"), ActionResult(key="k1", outcome="done", message="attached FS 1/2026",
                                                               data={"invoice_id": 13}))
    for _ in range(3):
        ledger.record(attach("7", "d2", "FS 2/2026"), ActionResult(key="k2", outcome="skipped",
                                                                   message="waiting for KSeF", data={"code": "ksef"}))
    ledger.record(attach("8", "d3", "FS 3/2026"), ActionResult(key="k3", outcome="failed", message="number too long",
                                                               data={"code": "bad"}))
    ledger.record(Skip(order_id="8", code="gone", document_id="d4", final=True),
                  ActionResult(key="k4", outcome="skipped", message="gone for good"))
    ledger.remember_ref("shop_order_id", "S-1", "7")
    ledger.set_state("x", {"a": [1, 2]})
    ledger.finish_run(T0 + timedelta(minutes=1), "document_errors", 1, {"done": 1, "failed": 1}, 9, None)
    facts7, facts8 = ledger.facts("7"), ledger.facts("8")
    history = [{k: v for k, v in e.items() if k not in ("id", "run_id")} for e in ledger.history()]
    runs = [{k: v for k, v in r.items() if k != "id"} for r in ledger.runs()]
    return {"setup": setup, "again": again, "step": steps.get("placeholder"),
            "steps": [(s["step"], s["data"]) for s in ledger.steps(AttachDocument.key_for("7", "d1"))],
            "done7": dict(facts7.done), "failed8": dict(facts8.failed), "skips8": dict(facts8.skips),
            "history": history, "runs": runs, "ref": ledger.order_for_ref("shop_order_id", "S-1"),
            "state": ledger.get_state("x"), "missing": ledger.get_state("nope"), "order7": len(ledger.history("7"))}


def attach(order_id: str, document_id: str, number: str) -> AttachDocument:
    return AttachDocument(order_id=order_id, document_id=document_id, document_number=number, document_kind="FS",
                          target="invoice")


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
    assert got["setup"] == T0 and got["done7"] == {"attach:7:d1": {"invoice_id": 13}}
    assert got["failed8"] == {"attach:8:d3": "number too long"} and got["skips8"] == {"skip:8:d4:gone": "gone for good"}
    # repeated skip kept once; the document number is kept with the event
    assert [(e["outcome"], e["document_number"]) for e in got["history"]] == [
        ("done", "FS 1/2026"), ("skipped", "FS 2/2026"), ("failed", "FS 3/2026"), ("skipped", "")]
    assert [e["code"] for e in got["history"]] == ["", "ksef", "bad", "gone"]


def test_scenarios_are_isolated(pg_url: str) -> None:
    store = PgLedger(pg_url)
    try:
        a, b = store.scenario("iso-a", now=lambda: T0), store.scenario("iso-b", now=lambda: T0)
        a.ensure_setup(T0)
        a.start_run(T0)
        a.record(attach("1", "d", "FS 1/2026"), ActionResult(key="k", outcome="done", message="ok", data={"x": 1}))
        a.set_state("s", 1)
        assert b.facts("1").done == {}
        assert b.history() == [] and b.runs() == []
        assert b.get_state("s") is None and b.setup_at() is None
        assert a.facts("1").done == {"attach:1:d": {"x": 1}}
    finally:
        store.close()


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

    store = PgLedger(pg_url)
    ledger = store.scenario("lost", now=lambda: T0)
    ledger.start_run(T0)
    ledger.step_log("k").record("placeholder", {"invoice_id": 1})
    pid = store._db.info.backend_pid
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(SourceConnectionError) as caught:
        ledger.record(attach("1", "d", "FS 1/2026"), ActionResult(key="k", outcome="done", message="ok"))
    assert caught.value.exit_code == 3 and "not recorded" in str(caught.value)
    fresh = PgLedger(pg_url)
    try:
        again = fresh.scenario("lost")
        assert again.step_log("k").get("placeholder") == {"invoice_id": 1}
        assert again.facts("1").done == {} and again.history() == []
    finally:
        fresh.close()
