"""Optional capabilities are named protocols: the built-in JSONL components are recognised by them, and a sink
without the batching capability still gets its status changes, one ``apply`` at a time."""

from __future__ import annotations

from pathlib import Path

from sellintegro_core.capabilities import (
    BatchingSink,
    Checkable,
    Closable,
    CountsCalls,
    Finder,
    PlanCheckingSink,
    Preflighting,
)
from sellintegro_core.components import ComponentContext, Sink, Source, close_quietly, component_checks
from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from sellintegro_core.plugins import PluginHost
from tests.core.conftest import recorded, write_scenario


def build(kind: str, section: dict, tmp_path: Path) -> object:
    spec = PluginHost().component(kind, "jsonl")
    config = spec.settings_model().model_validate(section)
    return spec.factory(config, ComponentContext(scenario="t", base_dir=tmp_path))


def test_jsonl_components_are_recognised_by_protocol(tmp_path: Path) -> None:
    (tmp_path / "docs.jsonl").write_text("", encoding="utf-8")
    source = build("source", {"path": "docs.jsonl"}, tmp_path)
    sink = build("sink", {}, tmp_path)
    assert isinstance(source, Source) and isinstance(source, Finder) and not isinstance(source, Checkable)
    assert isinstance(sink, Sink) and isinstance(sink, CountsCalls) and sink.api_calls == 0
    for missing in (BatchingSink, Preflighting, PlanCheckingSink, Closable, Checkable):
        assert not isinstance(sink, missing), missing.__name__
    close_quietly(sink)                                  # nothing to close: no error
    assert list(component_checks(sink)) == []


def test_a_sink_that_does_not_batch_gets_status_changes_one_by_one(scenario_dir: Path) -> None:
    write_scenario(scenario_dir / "shop.toml", extra_rule='status_after = "Wysłane"')
    report = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    statuses = sorted(item["key"] for item in recorded(scenario_dir) if item["key"].startswith("status:"))
    assert statuses == ["status:101:success", "status:102:success"]
    assert report.api_calls == 0 and report.exit_code == 0
