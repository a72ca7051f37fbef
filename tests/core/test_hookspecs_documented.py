"""Meta-tests (as datasette does): every hookspec is documented in docs/plugins.md and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from sellintegro_core.hookspecs import SellintegroSpecs
from tests.conftest import REPO

HOOKS = sorted(name for name, _ in inspect.getmembers(SellintegroSpecs, inspect.isfunction)
               if name.startswith("sellintegro_"))


def test_there_are_hooks():
    assert len(HOOKS) >= 9


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_documented_with_signature(hook):
    doc = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    assert f"### `{hook}(" in doc, f"{hook} has no section in docs/plugins.md"
    assert f"def {hook}(" in doc, f"{hook} has no signature/example in docs/plugins.md"
    assert inspect.getdoc(getattr(SellintegroSpecs, hook)), f"{hook} has no docstring"


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test(hook):
    this = Path(__file__).resolve()
    found = [p for p in (REPO / "tests").rglob("*.py")
             if p.resolve() != this and hook in p.read_text(encoding="utf-8")]
    assert found, f"no test implements or calls {hook}"
