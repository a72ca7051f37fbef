"""The source passes the core's conformance kit (registered through the entry point, strict config, window)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sellintegro_core.testing import SourceConformance
from sellintegro_subiekt_gt.demo_db import generate


class TestSubiektSourceConformance(SourceConformance):
    component = "subiekt_gt"

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        path = tmp_path / "demo.sqlite"
        if not path.exists():
            generate(path, documents=40, seed=7)        # dated relative to clock.now(), like the kit's window
        return {"dsn": "sqlite:///demo.sqlite", "document_types": ["FS", "PA", "KFS", "ZW", "FSd"]}
