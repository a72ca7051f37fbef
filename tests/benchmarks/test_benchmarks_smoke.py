"""Smoke test of the benchmark command: the modules import, and the quick rendering and start-up benchmarks
produce result rows (timings are not asserted: benchmarks measure, tests check behaviour)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

MODULES = ["calls_per_document", "throughput", "rendering", "render_ahead", "scale", "startup"]


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_module_imports_and_has_run(name: str) -> None:
    module = importlib.import_module(f"benchmarks.{name}")
    assert callable(module.run)
    assert module.TITLE


def test_quick_rendering_and_startup_write_a_results_table(tmp_path: Path) -> None:
    from benchmarks import run

    output = tmp_path / "bench.md"
    code = run.main(["--quick", "--only", "rendering", "startup", "--workdir", str(tmp_path), "--output",
                     str(output)])
    assert code == 0
    text = output.read_text(encoding="utf-8")
    table = [line for line in text.splitlines() if line.startswith("| Rendering |") or line.startswith("| Start-up |")]
    assert any("3 lines" in line and " ms" in line and "typst_pdf" in line for line in table)
    assert any("sellintegro --help" in line and " ms " in line for line in table)
    assert "## Missed targets" in text and "**Method.**" in text
