"""The BaseLinker sink, built through the plugin host as the engine builds it, offers the capabilities the
engine looks for by protocol (no getattr): it batches status changes, counts its calls, checks names before the
first write and in `check`, checks an attach in `plan`, and closes its client."""

from __future__ import annotations

from pathlib import Path

from sellintegro_core.capabilities import (
    BatchingSink,
    Checkable,
    Closable,
    CountsCalls,
    Finder,
    ListsSeries,
    ListsStatuses,
    PlanCheckingSink,
    Preflighting,
    ReferencesStatuses,
    StatusChecking,
)
from sellintegro_core.components import ApplyContext, ComponentContext, Sink
from sellintegro_core.ledger import SqliteLedger
from sellintegro_core.models import SetStatus
from sellintegro_core.plugins import PluginHost
from sellintegro_core.testing import MemoryState, MemoryStepLog
from tests.baselinker.fixtures.sinkkit import section


def test_the_sink_offers_its_capabilities_by_protocol(emulator, tmp_path: Path) -> None:
    spec = PluginHost().component("sink", "baselinker")
    sink = spec.factory(spec.settings_model().model_validate(section(emulator.url)),
                        ComponentContext(scenario="caps", base_dir=tmp_path, state=MemoryState()))
    try:
        assert isinstance(sink, Sink)
        for capability in (BatchingSink, CountsCalls, Preflighting, PlanCheckingSink, StatusChecking, Checkable,
                           Closable, ListsStatuses, ListsSeries):
            assert isinstance(sink, capability), capability.__name__
        for other in (Finder, ReferencesStatuses):   # not a sink's
            assert not isinstance(sink, other), other.__name__
        # the batching capability does what it says: one call sets the status of several orders
        ids = emulator.emulator.add_orders([{"date_add": 1_700_000_000} for _ in range(3)])
        before = sink.api_calls
        actions = [SetStatus(order_id=str(i), status="Wysłane") for i in ids]
        results = sink.apply_batch(actions, [ApplyContext(steps=MemoryStepLog()) for _ in actions])
        assert [r.outcome for r in results] == ["done"] * 3
        assert sink.api_calls - before <= 2      # the status list once, then one setOrderStatuses for all three
    finally:
        sink.close()


def test_the_claim_tag_is_made_from_the_scenario_ledgers_file(emulator, tmp_path: Path) -> None:
    """The sink's claim tag (which scenario uploaded a file) still includes the ledger's path now that the
    component's state is the scenario-bound ledger: files uploaded before keep being recognised as ours."""
    from sellintegro_baselinker.claims import instance_tag

    store = SqliteLedger(tmp_path / "ledger.db")
    spec = PluginHost().component("sink", "baselinker")
    sink = spec.factory(spec.settings_model().model_validate(section(emulator.url)),
                        ComponentContext(scenario="caps", base_dir=tmp_path, state=store.scenario("caps")))
    try:
        assert sink.tag == instance_tag("caps", tmp_path, None, str(tmp_path / "ledger.db"))
        assert sink.tag != instance_tag("caps", tmp_path)
    finally:
        sink.close()
        store.close()
