"""Meta-tests (as datasette does): every hookspec is documented in docs/plugins.md and exercised by a test."""

from __future__ import annotations

import ast
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


def names_of_tests(path: Path) -> set[str]:
    """The names of the test functions (and methods) in a test module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")}


TEST_NAMES = {name for p in (REPO / "tests").rglob("test_*.py") for name in names_of_tests(p)}


@pytest.mark.parametrize("hook", HOOKS)
def test_hook_has_a_test_named_for_it(hook):
    named = sorted(name for name in TEST_NAMES if hook in name)
    assert named, f"no test is named for {hook}: add e.g. `def test_{hook}_...` that exercises it"


def test_the_name_check_sees_test_functions_only(tmp_path: Path):
    module = tmp_path / "test_sample.py"
    module.write_text("def test_sellintegro_limits_x():\n    pass\n\n"
                      "def helper_sellintegro_run_started():\n    pass\n\n"
                      "class TestKit:\n    async def test_sellintegro_run_finished_y(self):\n        pass\n",
                      encoding="utf-8")
    assert names_of_tests(module) == {"test_sellintegro_limits_x", "test_sellintegro_run_finished_y"}
