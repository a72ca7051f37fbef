"""Conformance kit: base classes a plugin adopts in about five lines.

    from sellintegro_core.testing import SourceConformance

    class TestMySource(SourceConformance):
        component = "my_source"
        def make_config(self, tmp_path):
            return {"path": str(make_sample(tmp_path))}

Each base class checks what architecture.md asks of its kind: the component is registered through the
plugin host (entry point), its config rejects unknown keys, and the behaviour of the kind (a source respects
the window and returns nothing for a future window; a rule is deterministic; a sink applied twice has the
effect once; a renderer returns a PDF).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from . import clock
from .components import ApplyContext, ComponentContext, MemoryState, OrderQuery, RuleContext
from .models import Action, Order, OrderFacts, SalesDocument, Window
from .plugins import PluginHost

__all__ = ["MemoryState", "MemoryStepLog", "RendererConformance", "RuleConformance", "SinkConformance",
           "SourceConformance", "aware"]


class MemoryStepLog:
    """In-memory ``StepLog`` for sink tests."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, Any]] = {}

    def get(self, step: str) -> dict[str, Any] | None:
        return self.steps.get(step)

    def record(self, step: str, data: dict[str, Any] | None = None) -> None:
        self.steps[step] = data or {}


class _Conformance:
    kind: str = ""
    component: str = ""

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        """The component's scenario section (without ``plugin``)."""
        raise NotImplementedError

    def make_context(self, tmp_path: Path) -> ComponentContext:
        return ComponentContext(scenario="conformance", base_dir=tmp_path, state=MemoryState())

    @pytest.fixture
    def host(self) -> PluginHost:
        return PluginHost()

    def build(self, host: PluginHost, tmp_path: Path) -> Any:
        spec = host.component(self.kind, self.component)
        config = spec.config_model.model_validate(self.make_config(tmp_path))
        return spec.factory(config, self.make_context(tmp_path))

    def test_registered_through_entry_point(self, host: PluginHost) -> None:
        assert self.component in host.components(self.kind), (
            f"{self.kind} {self.component!r} is not registered by any installed plugin")

    def test_config_rejects_unknown_keys(self, host: PluginHost, tmp_path: Path) -> None:
        spec = host.component(self.kind, self.component)
        section = dict(self.make_config(tmp_path))
        section["surely_not_a_setting"] = 1
        with pytest.raises(ValidationError) as info:
            spec.config_model.model_validate(section)
        assert any(err["type"] == "extra_forbidden" for err in info.value.errors())


class SourceConformance(_Conformance):
    """Override ``make_config`` (and ``window`` if the sample data needs another one)."""

    kind = "source"

    def window(self) -> Window:
        now = clock.now()
        return Window(start=now - timedelta(days=14), end=now, setup_at=now - timedelta(days=30))

    def test_reads_documents_within_window(self, host: PluginHost, tmp_path: Path) -> None:
        source = self.build(host, tmp_path)
        window = self.window()
        docs = list(source.read(window))
        assert docs, "the sample data should hold documents inside window()"
        for doc in docs:
            assert isinstance(doc, SalesDocument)
            assert window.start.date() <= doc.issue_date <= window.end.date(), doc.number
            assert isinstance(doc.totals.gross, Decimal)

    def test_future_window_is_empty(self, host: PluginHost, tmp_path: Path) -> None:
        source = self.build(host, tmp_path)
        now = clock.now()
        future = Window(start=now + timedelta(days=400), end=now + timedelta(days=401), setup_at=now)
        assert list(source.read(future)) == []

    def test_document_ids_unique(self, host: PluginHost, tmp_path: Path) -> None:
        source = self.build(host, tmp_path)
        ids = [doc.id for doc in source.read(self.window())]
        assert len(ids) == len(set(ids))


class RuleConformance(_Conformance):
    """Override ``make_config`` and ``cases`` (a list of ``(order, documents, facts)``)."""

    kind = "rule"

    def cases(self) -> list[tuple[Order | None, list[SalesDocument], OrderFacts]]:
        raise NotImplementedError

    def context(self) -> RuleContext:
        now = clock.now()
        return RuleContext(now=now, window=Window(start=now - timedelta(days=14), end=now,
                                                  setup_at=now - timedelta(days=30)))

    def test_decisions_are_deterministic(self, host: PluginHost, tmp_path: Path) -> None:
        rule = self.build(host, tmp_path)
        context = self.context()
        for order, documents, facts in self.cases():
            first = rule.decide(order, documents, facts, context)
            second = self.build(host, tmp_path).decide(order, documents, facts.model_copy(deep=True), context)
            assert [a.model_dump() for a in first] == [a.model_dump() for a in second]

    def test_action_keys_unique_per_decision(self, host: PluginHost, tmp_path: Path) -> None:
        rule = self.build(host, tmp_path)
        for order, documents, facts in self.cases():
            keys = [a.key for a in rule.decide(order, documents, facts, self.context())]
            assert len(keys) == len(set(keys)), keys

    def test_pending_is_boolean(self, host: PluginHost, tmp_path: Path) -> None:
        rule = self.build(host, tmp_path)
        for _order, documents, facts in self.cases():
            assert rule.pending(documents, facts, self.context()) in (True, False)


class SinkConformance(_Conformance):
    """Override ``make_config``, ``sample_action`` and ``effects(sink, action) -> int`` (how many times the
    action's effect is visible in the target system)."""

    kind = "sink"

    def sample_action(self) -> Action:
        raise NotImplementedError

    def sample_document(self) -> SalesDocument | None:
        return None

    def effects(self, sink: Any, action: Action) -> int:
        raise NotImplementedError

    def render(self) -> bytes:
        return b"%PDF-1.4\n% conformance\n%%EOF\n"

    def test_apply_twice_has_effect_once(self, host: PluginHost, tmp_path: Path) -> None:
        sink = self.build(host, tmp_path)
        action = self.sample_action()
        steps = MemoryStepLog()
        first = sink.apply(action, ApplyContext(steps=steps, document=self.sample_document(), render=self.render))
        assert first.ok, first.message
        again = self.build(host, tmp_path)  # a new instance, as after a restart
        second = again.apply(action, ApplyContext(steps=steps, document=self.sample_document(), render=self.render))
        assert second.ok, second.message
        assert self.effects(again, action) == 1

    def test_fetch_unknown_order_yields_nothing(self, host: PluginHost, tmp_path: Path) -> None:
        sink = self.build(host, tmp_path)
        assert list(sink.fetch_orders(OrderQuery(refs=["999999999"]))) == []


class RendererConformance(_Conformance):
    """Override ``make_config`` and ``sample_document``."""

    kind = "renderer"

    def sample_document(self) -> SalesDocument:
        raise NotImplementedError

    def test_renders_a_pdf(self, host: PluginHost, tmp_path: Path) -> None:
        renderer = self.build(host, tmp_path)
        data = renderer.render(self.sample_document(), "pl")
        assert data.startswith(b"%PDF")
        assert len(data) < 2 * 1024 * 1024


def aware(year: int, month: int, day: int, hour: int = 12, tz: str = "Europe/Warsaw") -> datetime:
    """Shortcut for tests: an aware datetime in ``tz``."""
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, tzinfo=ZoneInfo(tz))
