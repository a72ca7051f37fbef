"""The ledger bound to one scenario: ``record(action, result)``, and a scenario never sees another's rows
(in one SQLite file; tests/scale/test_ledger_pg.py holds the same for PostgreSQL)."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from sellintegro_core import hookimpl
from sellintegro_core.components import ComponentContext, RuleSpec
from sellintegro_core.config import load_scenario
from sellintegro_core.engine import build_component
from sellintegro_core.ledger import SqliteLedger, open_ledger
from sellintegro_core.models import ActionResult, AttachDocument, SetStatus, Skip
from sellintegro_core.plugins import PluginHost
from sellintegro_core.scenario_ledger import ScenarioLedger

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def attach(order_id: str, document_id: str, number: str) -> AttachDocument:
    return AttachDocument(order_id=order_id, document_id=document_id, document_number=number, document_kind="FS",
                          target="invoice")


def fill(ledger: ScenarioLedger) -> None:
    """Everything a run writes: set-up, a run, steps, done / failed / final skip, a reference, state."""
    ledger.ensure_setup(T0)
    ledger.start_run(T0)
    ledger.step_log(AttachDocument.key_for("1", "d1")).record("placeholder", {"invoice_id": "12"})
    ledger.record(attach("1", "d1", "FS 1/2026"), ActionResult(key="", outcome="done", data={"invoice_id": "12"}))
    ledger.record(attach("1", "d2", "FS 2/2026"), ActionResult(key="", outcome="failed", message="bad NIP",
                                                               data={"code": "nip"}))
    ledger.record(Skip(order_id="1", code="gone", document_id="d3", final=True),
                  ActionResult(key="", outcome="skipped", message="gone for good"))
    ledger.record(SetStatus(order_id="1", status="Wysłane"), ActionResult(key="", outcome="done"))
    ledger.remember_ref("shop_order_id", "S-1", "1")
    ledger.set_state("limiter", [1, 2, 3])
    ledger.finish_run(T0 + timedelta(minutes=1), "document_errors", 1, {"done": 2, "failed": 1}, 4, None)


def test_a_scenario_never_sees_another_scenarios_rows(tmp_path: Path) -> None:
    store = SqliteLedger(tmp_path / "ledger.db")
    try:
        a, b = store.scenario("shop-a", now=lambda: T0), store.scenario("shop-b", now=lambda: T0)
        fill(a)
        assert a.facts("1").is_done(AttachDocument.key_for("1", "d1"))
        assert b.facts("1").done == {} and b.facts("1").failed == {} and b.facts("1").skips == {}
        assert b.history() == [] and b.history("1") == [] and b.runs() == []
        assert b.setup_at() is None and b.get_state("limiter") is None
        assert b.order_for_ref("shop_order_id", "S-1") is None
        assert b.steps(AttachDocument.key_for("1", "d1")) == []
        assert b.step_log(AttachDocument.key_for("1", "d1")).get("placeholder") is None
        # and the other way round: B's rows stay B's
        fill(b)
        assert len(a.history()) == len(b.history()) == 4 and len(a.runs()) == len(b.runs()) == 1
    finally:
        store.close()


def test_record_keeps_state_and_history_of_each_outcome(tmp_path: Path) -> None:
    store = SqliteLedger(tmp_path / "ledger.db")
    try:
        ledger = store.scenario("shop", now=lambda: T0)
        fill(ledger)
        facts = ledger.facts("1")
        assert dict(facts.done) == {AttachDocument.key_for("1", "d1"): {"invoice_id": "12"},
                                    SetStatus.key_for("1", "success"): {}}
        assert dict(facts.failed) == {AttachDocument.key_for("1", "d2"): "bad NIP"}
        assert dict(facts.skips) == {Skip.key_for("1", "d3", "gone"): "gone for good"}
        events = ledger.history("1")
        assert [(e["type"], e["outcome"], e["code"], e["document_number"]) for e in events] == [
            ("attach", "done", "", "FS 1/2026"), ("attach", "failed", "nip", "FS 2/2026"),
            ("skip", "skipped", "gone", ""), ("set_status", "done", "", "")]
        assert {e["run_id"] for e in events} == {ledger.run_id} and ledger.run_id is not None
        assert ledger.runs()[0]["counts"] == {"done": 2, "failed": 1} and ledger.runs()[0]["api_calls"] == 4
        # a repeated non-final skip with the same message adds no new event
        waiting = Skip(order_id="1", code="ksef_pending", document_id="d4")
        for _ in range(3):
            ledger.record(waiting, ActionResult(key="", outcome="skipped", message="waiting for KSeF"))
        assert [e["code"] for e in ledger.history("1")].count("ksef_pending") == 1
    finally:
        store.close()


def test_bound_ledger_reads_a_file_written_in_the_old_format(tmp_path: Path) -> None:
    """A ledger file written before (rows keyed by scenario, events without document_number) keeps working."""
    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE scenarios (name TEXT PRIMARY KEY, setup_at TEXT NOT NULL);
        CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL, started_at TEXT NOT NULL,
            finished_at TEXT, outcome TEXT, exit_code INTEGER, counts TEXT, api_calls INTEGER, deferred_until TEXT);
        CREATE TABLE actions (scenario TEXT NOT NULL, key TEXT NOT NULL, order_id TEXT NOT NULL,
            document_id TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL,
            data TEXT NOT NULL, updated_at TEXT NOT NULL, run_id INTEGER, PRIMARY KEY (scenario, key));
        CREATE TABLE steps (scenario TEXT NOT NULL, key TEXT NOT NULL, step TEXT NOT NULL, data TEXT NOT NULL,
            at TEXT NOT NULL, PRIMARY KEY (scenario, key, step));
        CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL, run_id INTEGER,
            at TEXT NOT NULL, order_id TEXT NOT NULL, document_id TEXT NOT NULL, key TEXT NOT NULL,
            type TEXT NOT NULL, outcome TEXT NOT NULL, code TEXT NOT NULL, message TEXT NOT NULL);
        CREATE TABLE refs (scenario TEXT NOT NULL, ref_key TEXT NOT NULL, ref_value TEXT NOT NULL,
            order_id TEXT NOT NULL, PRIMARY KEY (scenario, ref_key, ref_value));
        CREATE TABLE state (scenario TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (scenario, key));
        INSERT INTO scenarios VALUES ('shop', '2026-11-01T10:00:00+01:00');
        INSERT INTO actions VALUES ('shop', 'attach:1:d1', '1', 'd1', 'attach', 'done', 'ok', '{"invoice_id": "5"}',
            '2026-11-02T10:00:00+01:00', 1);
        INSERT INTO actions VALUES ('other', 'attach:1:d9', '1', 'd9', 'attach', 'done', 'ok', '{}',
            '2026-11-02T10:00:00+01:00', 1);
    """)
    db.commit()
    db.close()
    ledger = open_ledger(f"sqlite:///{path}", tmp_path).scenario("shop", now=lambda: T0)
    try:
        assert dict(ledger.facts("1").done) == {"attach:1:d1": {"invoice_id": "5"}}   # not the other scenario's
        assert ledger.setup_at() == datetime.fromisoformat("2026-11-01T10:00:00+01:00")
        ledger.start_run(T0)
        ledger.record(attach("1", "d2", "FS 2/2026"), ActionResult(key="", outcome="done"))
        assert [e["document_number"] for e in ledger.history("1")] == ["FS 2/2026"]
    finally:
        ledger.close()



class _ContextKeeper:
    """A rule plugin whose factory keeps the context it was given."""

    contexts: list[ComponentContext] = []

    @hookimpl
    def sellintegro_register_rules(self, register: Any) -> None:
        def factory(config: Any, context: ComponentContext) -> Any:
            _ContextKeeper.contexts.append(context)
            return object()

        register(RuleSpec(name="context_keeper", config_model=_Empty, factory=factory))


class _Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


def test_components_get_the_scenario_ledger_as_state_with_its_location(scenario_dir: Path) -> None:
    """A component's state is its scenario's ledger, and its location is the ledger file (the BaseLinker sink's
    claim tag is made from it: it must stay what it was before the ledger was bound to a scenario)."""
    host = PluginHost(extra_plugins=[_ContextKeeper()])
    toml = (scenario_dir / "shop.toml").read_text(encoding="utf-8").replace('plugin = "attach_all"',
                                                                         'plugin = "context_keeper"')
    (scenario_dir / "shop.toml").write_text(toml, encoding="utf-8")
    scenario = load_scenario(scenario_dir / "shop.toml", host=host)
    store = open_ledger(scenario.model.state.url, scenario.base_dir)
    try:
        _ContextKeeper.contexts = []
        build_component(scenario, "rule", host=host, ledger=store.scenario(scenario.name))
        (context,) = _ContextKeeper.contexts
        assert isinstance(context.state, ScenarioLedger) and context.state.scenario == "test-shop"
        assert context.state.location == str(scenario_dir / "sellintegro-state.db")
        context.state.set_state("seen", 1)
        assert store.scenario("other").get_state("seen") is None
        assert store.scenario("test-shop").get_state("seen") == 1
    finally:
        store.close()
