"""The conformance kit itself: it fails a component that breaks its kind's contract, and passes one that keeps it.

Components are registered through the real plugin host (``extra_plugins``); the kit's test methods are called
as pytest would call them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from sellintegro_core.api import (
    ActionResult,
    AttachDocument,
    OrderFacts,
    OrderScan,
    PluginHost,
    RendererSpec,
    RuleSpec,
    SinkSpec,
    hookimpl,
)
from sellintegro_core.models import Order, SetStatus
from sellintegro_core.testing import RendererConformance, RuleConformance, SinkConformance

from .conftest import make_doc, make_order


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AttachRule:
    """Attaches every document not done; ``lazy`` makes ``pending`` say False although work is left."""

    lazy = False

    def __init__(self, config: Any, context: Any) -> None:
        pass

    def scan(self) -> OrderScan:
        return OrderScan()

    def _attaches(self, order_id: str, documents: list[Any], facts: OrderFacts) -> list[AttachDocument]:
        actions = [AttachDocument(order_id=order_id, document_id=d.id, document_number=d.number,
                                  document_kind=d.kind, target="invoice") for d in documents]
        return [a for a in actions if not facts.is_done(a.key)]

    def pending(self, documents: list[Any], facts: OrderFacts, context: Any) -> bool:
        return not self.lazy and bool(self._attaches(facts.order_id, documents, facts))

    def decide(self, order: Order | None, documents: list[Any], facts: OrderFacts, context: Any) -> list[Any]:
        return self._attaches(order.id if order else facts.order_id, documents, facts)


class LazyRule(AttachRule):
    lazy = True


class CountingSink:
    """Appends every applied action to a list shared by all instances; ``remembers`` makes it idempotent."""

    remembers = True
    applied: list[str] = []

    def __init__(self, config: Any, context: Any) -> None:
        pass

    def fetch_orders(self, query: Any) -> Any:
        return iter(())

    def apply(self, action: Any, context: Any) -> ActionResult:
        if self.remembers and context.steps.get("applied") is not None:
            return ActionResult(key=action.key, outcome="already_done")
        CountingSink.applied.append(action.key)
        context.steps.record("applied", {})
        return ActionResult(key=action.key, outcome="done")


class ForgetfulSink(CountingSink):
    remembers = False


class NumberlessRenderer:
    def __init__(self, config: Any, context: Any) -> None:
        pass

    def render(self, document: Any, template: str = "pl", *, ksef_label: str | None = None) -> bytes:
        """A readable PDF, but a blank page: not this document."""
        import io

        import pypdf

        writer = pypdf.PdfWriter()
        writer.add_blank_page(width=595, height=842)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()


class Components:
    @hookimpl
    def sellintegro_register_rules(self, register: Any) -> None:
        register(RuleSpec(name="attach_rule", config_model=Empty, factory=AttachRule))
        register(RuleSpec(name="lazy_rule", config_model=Empty, factory=LazyRule))

    @hookimpl
    def sellintegro_register_sinks(self, register: Any) -> None:
        register(SinkSpec(name="counting_sink", config_model=Empty, factory=CountingSink))
        register(SinkSpec(name="forgetful_sink", config_model=Empty, factory=ForgetfulSink))

    @hookimpl
    def sellintegro_register_renderers(self, register: Any) -> None:
        register(RendererSpec(name="numberless", config_model=Empty, factory=NumberlessRenderer))


@pytest.fixture
def host() -> PluginHost:
    return PluginHost(load_entry_points=False, extra_plugins=[Components()])


def rule_kit(name: str) -> RuleConformance:
    class Kit(RuleConformance):
        component = name

        def make_config(self, tmp_path: Path) -> dict[str, Any]:
            return {}

        def cases(self) -> list[tuple[Any, list[Any], OrderFacts]]:
            return [(make_order("101"), [make_doc("FS 1/2026", "101")], OrderFacts(order_id="101"))]

    return Kit()


def test_the_rule_kit_passes_a_rule_whose_pending_tells_the_truth(host, tmp_path):
    rule_kit("attach_rule").test_not_pending_means_decide_writes_nothing(host, tmp_path)


def test_the_rule_kit_fails_a_rule_whose_pending_hides_work(host, tmp_path):
    with pytest.raises(AssertionError, match=r"pending\(\) is False .*attach:101:FS_1-2026"):
        rule_kit("lazy_rule").test_not_pending_means_decide_writes_nothing(host, tmp_path)


def sink_kit(name: str) -> SinkConformance:
    class Kit(SinkConformance):
        component = name

        def make_config(self, tmp_path: Path) -> dict[str, Any]:
            return {}

        def sample_action(self) -> Any:
            return SetStatus(order_id="101", status="Wysłane")

        def effects(self, sink: Any, action: Any) -> int:
            return CountingSink.applied.count(action.key)

    return Kit()


def test_the_sink_kit_passes_an_idempotent_sink_and_fails_a_forgetful_one(host, tmp_path):
    CountingSink.applied.clear()
    sink_kit("counting_sink").test_apply_twice_has_effect_once(host, tmp_path)
    CountingSink.applied.clear()
    with pytest.raises(AssertionError):
        sink_kit("forgetful_sink").test_apply_twice_has_effect_once(host, tmp_path)


def test_the_renderer_kit_fails_a_pdf_without_the_document_number(host, tmp_path):
    class Kit(RendererConformance):
        component = "numberless"

        def make_config(self, tmp_path: Path) -> dict[str, Any]:
            return {}

        def sample_document(self) -> Any:
            return make_doc("FS 7/2026", "107")

    Kit().test_renders_a_pdf(host, tmp_path)
    with pytest.raises(AssertionError):
        Kit().test_the_pdf_shows_the_document_number(host, tmp_path)


def test_the_kit_builds_through_the_core_path_and_names_a_bad_key(host, tmp_path):
    from sellintegro_core.api import ConfigError

    kit = rule_kit("attach_rule")
    kit.make_config = lambda tmp_path: {"surely_not_a_setting": 1}  # type: ignore[method-assign]
    with pytest.raises(ConfigError) as info:
        kit.build(host, tmp_path)
    assert info.value.errors and info.value.errors[0][0] == "rule.surely_not_a_setting"
