"""Shared test helpers: scenario files and a tiny plugin distribution installed through a real entry point."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _fresh_plugin_host():
    """Every test gets a freshly loaded plugin host (environment and sys.path may differ per test)."""
    from sellintegro_core.plugins import reset_host

    reset_host()
    yield
    reset_host()


def write_dist(site: Path, name: str, module_source: str, *, entry_name: str | None = None,
               version: str = "1.0") -> Path:
    """Write a minimal installed distribution (module + .dist-info with an entry point) into ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{name}.py").write_text(textwrap.dedent(module_source), encoding="utf-8")
    info = site / f"{name}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[sellintegro]\n{entry_name or name} = {name}\n", encoding="utf-8")
    return site


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed ``sellintegro`` CLI as a user would (a subprocess)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "sellintegro_core.cli", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd, timeout=timeout)


@pytest.fixture(autouse=True)
def _own_budget_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own host budget file (BaseLinker calls per token are shared across a host's scenarios;
    tests running side by side must not share one budget)."""
    monkeypatch.setenv("SELLINTEGRO_BUDGET_DB", str(tmp_path_factory.mktemp("budget") / "budgets.db"))
