"""The Subiekt source, built through the plugin host as the engine builds it, is recognised by its protocols:
it finds one document (`sellintegro pdf`), adds `check` lines and closes its connection."""

from __future__ import annotations

from pathlib import Path

from sellintegro_core.capabilities import BatchingSink, Checkable, Closable, Finder, PreviewsMatch
from sellintegro_core.components import ComponentContext, Source
from sellintegro_core.plugins import PluginHost
from sellintegro_core.testing import MemoryState
from sellintegro_subiekt_gt.demo_db import generate


def test_the_source_finds_checks_and_closes(tmp_path: Path) -> None:
    generate(tmp_path / "demo.sqlite", documents=10, seed=3)
    spec = PluginHost().component("source", "subiekt_gt")
    source = spec.factory(spec.settings_model().model_validate({"dsn": "sqlite:///demo.sqlite"}),
                          ComponentContext(scenario="caps", base_dir=tmp_path, state=MemoryState(), plan_only=True))
    try:
        assert isinstance(source, Source)
        for capability in (Finder, Checkable, Closable, PreviewsMatch):
            assert isinstance(source, capability), capability.__name__
        assert not isinstance(source, BatchingSink)
        items = source.check()
        assert items and all(item.ok for item in items), items
        assert source.find("no such document 123") is None
    finally:
        source.close()
