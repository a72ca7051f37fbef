"""The built-in JSONL source and sink pass the core's conformance kit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sellintegro_core.models import Action, SetStatus
from sellintegro_core.testing import SinkConformance, SourceConformance

from .conftest import make_doc


class TestJsonlSourceConformance(SourceConformance):
    component = "jsonl"

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "docs.jsonl"
        docs = [make_doc("FS 1/2026", "101", days_ago=1), make_doc("FS 2/2026", "102", days_ago=3),
                make_doc("FS 3/2026", None, days_ago=10), make_doc("FS 4/2026", "104", days_ago=40)]
        path.write_text("".join(d.model_dump_json() + "\n" for d in docs), encoding="utf-8")
        return {"path": "docs.jsonl"}


class TestJsonlSinkConformance(SinkConformance):
    component = "jsonl"

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"path": "actions.jsonl"}

    def sample_action(self) -> Action:
        return SetStatus(order_id="101", status="Wysłane", reason="conformance")

    def effects(self, sink: Any, action: Action) -> int:
        return sum(1 for record in sink.recorded() if record["key"] == action.key)
