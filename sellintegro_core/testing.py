"""Conformance kit: one base class per component kind, adopted by a plugin's tests in about five lines.

    from sellintegro_core.testing import SourceConformance

    class TestMySource(SourceConformance):
        component = "my_source"
        def make_config(self, tmp_path):
            return {"path": str(make_sample(tmp_path))}

Every class checks that the component is registered through the plugin host (entry point), is built through
the core's one building path (:func:`sellintegro_core.api.build`) into an object with the methods of its
kind's protocol (``Source``, ``Sink``, ``Rule``, ``Renderer``) and that its config rejects unknown keys.
Then, per kind:

- source: reads only documents inside the window, nothing for a future window, unique ids; ``find`` (when
  the source has it) finds a document by number and answers None for an unknown one;
- rule: deterministic; one action per key; ``pending`` is a bool; and ``pending() == False`` means ``decide``
  writes nothing (the engine skips such an order without fetching it, so it must be safe to);
- sink: applying an action twice has its effect once (also after a restart); an unknown order yields nothing;
- renderer: returns a PDF under 2 MiB that shows the document's number, leaves the document unchanged and
  takes the ``ksef_label`` keyword.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from . import clock
from .building import build, component_config
from .components import ApplyContext, ComponentContext, MemoryState, OrderQuery, RuleContext
from .errors import ConfigError
from .models import Action, AttachDocument, Order, OrderFacts, SalesDocument, SetField, SetStatus, Skip, Window
from .plugins import PluginHost
from .window import recent_window

__all__ = ["MemoryState", "MemoryStepLog", "RendererConformance", "RuleConformance", "SinkConformance",
           "SourceConformance", "aware", "new_writes", "settle"]


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
        return build(host.component(self.kind, self.component), self.kind, self.make_config(tmp_path),
                     self.make_context(tmp_path))

    def test_registered_through_entry_point(self, host: PluginHost) -> None:
        assert self.component in host.components(self.kind), (
            f"{self.kind} {self.component!r} is not registered by any installed plugin")

    def test_implements_the_protocol_of_its_kind(self, host: PluginHost, tmp_path: Path) -> None:
        from .components import Renderer, Rule, Sink, Source

        protocol = {"source": Source, "sink": Sink, "rule": Rule, "renderer": Renderer}[self.kind]
        component = self.build(host, tmp_path)
        assert isinstance(component, protocol), f"{type(component).__name__} lacks a method of {protocol.__name__}"

    def test_config_rejects_unknown_keys(self, host: PluginHost, tmp_path: Path) -> None:
        spec = host.component(self.kind, self.component)
        section = dict(self.make_config(tmp_path))
        section["surely_not_a_setting"] = 1
        with pytest.raises(ConfigError) as info:
            component_config(spec, self.kind, section)
        assert any(path == f"{self.kind}.surely_not_a_setting" and message.startswith("unknown setting")
                   for path, message in info.value.errors), info.value.errors


class SourceConformance(_Conformance):
    """Override ``make_config`` (and ``window`` if the sample data needs another one)."""

    kind = "source"

    def window(self) -> Window:
        now = clock.now()
        return recent_window(now, setup_at=now - timedelta(days=30))

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

    def test_find_by_number_or_unknown(self, host: PluginHost, tmp_path: Path) -> None:
        source = self.build(host, tmp_path)
        find = getattr(source, "find", None)
        if not callable(find):
            pytest.skip("the source has no find (optional: `sellintegro pdf` and the panel use it)")
        first = next(iter(source.read(self.window())))
        found = find(first.number)
        assert found is not None and found.id == first.id
        assert find("surely not a document number 0/0000") is None


class RuleConformance(_Conformance):
    """Override ``make_config`` and ``cases`` (a list of ``(order, documents, facts)``)."""

    kind = "rule"

    def cases(self) -> list[tuple[Order | None, list[SalesDocument], OrderFacts]]:
        raise NotImplementedError

    def context(self) -> RuleContext:
        now = clock.now()
        return RuleContext(now=now, window=recent_window(now, setup_at=now - timedelta(days=30)))

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

    def test_not_pending_means_decide_writes_nothing(self, host: PluginHost, tmp_path: Path) -> None:
        """Each case as given and after its decisions were applied (as the engine would record them): where
        ``pending`` says False, ``decide`` asks for no write the ledger does not already hold."""
        rule = self.build(host, tmp_path)
        context = self.context()
        checked = 0
        for order, documents, facts in self.cases():
            for state in (facts, settle(rule, order, documents, facts, context)):
                if rule.pending(documents, state.model_copy(deep=True), context):
                    continue
                checked += 1
                writes = new_writes(rule.decide(order, documents, state.model_copy(deep=True), context), state)
                assert not writes, (f"pending() is False for order {state.order_id!r}, so the engine never asks "
                                    f"decide(), but decide() wants {[a.key for a in writes]}")
        assert checked, "no case of cases() settles (pending() False): add a case whose work is done"


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

    def sample_batch(self) -> list[Action]:
        """Status or field changes for ``apply_batch`` (optional: without them the batch check is skipped)."""
        return []

    def test_apply_batch_twice_has_effect_once(self, host: PluginHost, tmp_path: Path) -> None:
        sink = self.build(host, tmp_path)
        batch = self.sample_batch()
        if not callable(getattr(sink, "apply_batch", None)) or not batch:
            pytest.skip("the sink has no apply_batch (optional), or sample_batch() gives no actions")
        steps = [MemoryStepLog() for _ in batch]
        first = sink.apply_batch(batch, [ApplyContext(steps=s) for s in steps])
        assert [r.ok for r in first] == [True] * len(batch), [r.message for r in first]
        again = self.build(host, tmp_path).apply_batch(batch, [ApplyContext(steps=s) for s in steps])
        assert [r.ok for r in again] == [True] * len(batch), [r.message for r in again]
        assert [self.effects(sink, action) for action in batch] == [1] * len(batch)

    def test_fetch_unknown_order_yields_nothing(self, host: PluginHost, tmp_path: Path) -> None:
        sink = self.build(host, tmp_path)
        assert list(sink.fetch_orders(OrderQuery(refs=["999999999"]))) == []


def new_writes(actions: list[Action], facts: OrderFacts) -> list[Action]:
    """The actions that would write: an attach, status or field the ledger does not hold as done, or a final
    skip it has not recorded."""
    return [a for a in actions
            if (isinstance(a, (AttachDocument, SetStatus, SetField)) and not facts.is_done(a.key))
            or (isinstance(a, Skip) and a.final and a.key not in facts.skips)]


def settle(rule: Any, order: Order | None, documents: list[SalesDocument], facts: OrderFacts,
           context: RuleContext, rounds: int = 6) -> OrderFacts:
    """``facts`` after the rule's decisions were applied successfully, round after round, as the engine records
    them (done actions, final skips), until the rule asks for nothing new."""
    for _ in range(rounds):
        writes = new_writes(rule.decide(order, documents, facts.model_copy(deep=True), context), facts)
        if not writes:
            break
        done = dict(facts.done)
        skips = dict(facts.skips)
        for action in writes:
            if isinstance(action, Skip):
                skips[action.key] = action.reason
            else:
                done[action.key] = {}
        facts = facts.model_copy(update={"done": done, "skips": skips,
                                         "failed": {k: v for k, v in facts.failed.items() if k not in done}})
    return facts


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

    def test_the_pdf_shows_the_document_number(self, host: PluginHost, tmp_path: Path) -> None:
        pypdf = pytest.importorskip("pypdf")
        document = self.sample_document()
        data = self.build(host, tmp_path).render(document, "pl")
        path = tmp_path / "conformance.pdf"
        path.write_bytes(data)
        try:
            text = "".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
        except pypdf.errors.PyPdfError as exc:
            raise AssertionError(f"the renderer's output is not a readable PDF: {exc}") from None
        assert document.number in " ".join(text.split()), text[:500]

    def test_render_leaves_the_document_unchanged(self, host: PluginHost, tmp_path: Path) -> None:
        document = self.sample_document()
        before = document.model_dump()
        self.build(host, tmp_path).render(document, "pl", ksef_label=None)
        assert document.model_dump() == before


def aware(year: int, month: int, day: int, hour: int = 12, tz: str = "Europe/Warsaw") -> datetime:
    """Shortcut for tests: an aware datetime in ``tz``."""
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, tzinfo=ZoneInfo(tz))
