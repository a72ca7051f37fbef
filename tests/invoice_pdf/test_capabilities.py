"""The invoice_pdf rule and html_pdf renderer, built through the plugin host as the engine builds them, are
recognised by their protocols: the rule names its statuses (checked before the first write), the renderer checks
a document in `plan` without making a PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from sellintegro_core.capabilities import BatchingSink, PlanCheckingRenderer, ReferencesStatuses
from sellintegro_core.components import ComponentContext, Renderer, Rule
from sellintegro_core.errors import DocumentError
from sellintegro_core.models import KsefInfo, updated
from sellintegro_core.plugins import PluginHost
from sellintegro_core.testing import MemoryState

from .conftest import make_fs


def build(kind: str, name: str, section: dict, tmp_path: Path) -> object:
    spec = PluginHost().component(kind, name)
    return spec.factory(spec.settings_model().model_validate(section),
                        ComponentContext(scenario="caps", base_dir=tmp_path, state=MemoryState()))


def test_the_rule_names_the_statuses_it_uses(tmp_path: Path) -> None:
    rule = build("rule", "invoice_pdf", {"on_success": {"status": "Wysłane"}, "on_failure": {"status": "Błąd"}},
                 tmp_path)
    assert isinstance(rule, Rule) and isinstance(rule, ReferencesStatuses)
    assert not isinstance(rule, BatchingSink)
    assert {"Wysłane", "Błąd"} <= set(rule.referenced_statuses())


def test_the_renderer_checks_a_document_before_the_pdf(tmp_path: Path) -> None:
    renderer = build("renderer", "html_pdf", {}, tmp_path)
    assert isinstance(renderer, Renderer) and isinstance(renderer, PlanCheckingRenderer)
    renderer.plan_check(make_fs())                                   # a good invoice passes
    with pytest.raises(DocumentError):                               # one KSeF would refuse does not
        renderer.plan_check(updated(make_fs(), {"ksef": KsefInfo(state="offline_pending")}))
