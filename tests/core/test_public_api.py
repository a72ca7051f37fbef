"""Meta-tests of the core's one public module, ``sellintegro_core.api``.

Plugins import nothing from the core but ``sellintegro_core.api``: every import in every plugin module is read
with ``ast`` (module level, inside functions, under ``TYPE_CHECKING``, and ``importlib.import_module("…")``).
Every name ``__all__`` promises exists and is documented, and importing the module stays cheap.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sellintegro_core.api as api
from tests.conftest import REPO

PLUGINS = REPO / "plugins"
PUBLIC = "sellintegro_core.api"


def _is_core(module: str) -> bool:
    return module == "sellintegro_core" or module.startswith("sellintegro_core.")


def core_imports(path: Path) -> list[str]:
    """``"line N: what"`` for every import of the core other than ``sellintegro_core.api`` in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bad: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [f"line {node.lineno}: import {a.name}" for a in node.names if _is_core(a.name) and a.name != PUBLIC]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_core(node.module):
            if node.module == "sellintegro_core":
                names = [a.name for a in node.names if a.name != "api"]
                if names:
                    bad.append(f"line {node.lineno}: from sellintegro_core import {', '.join(names)}")
            elif node.module != PUBLIC:
                bad.append(f"line {node.lineno}: from {node.module} import "
                           f"{', '.join(a.name for a in node.names)}")
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            target = node.args[0].value
            if name in ("import_module", "__import__") and isinstance(target, str) and _is_core(target) \
                    and target != PUBLIC:
                bad.append(f"line {node.lineno}: {name}({target!r})")
    return bad


def plugin_modules() -> list[Path]:
    return sorted(p for p in PLUGINS.rglob("*.py") if "build" not in p.relative_to(PLUGINS).parts)


def test_the_scan_covers_every_shipped_plugin():
    folders = {p.relative_to(PLUGINS).parts[0] for p in plugin_modules()}
    assert {"subiekt_gt", "baselinker", "invoice_pdf", "si_extender", "panel"} <= folders


def test_plugins_import_only_the_public_api():
    found = {str(p.relative_to(REPO)): bad for p in plugin_modules() if (bad := core_imports(p))}
    assert not found, ("plugins may import only sellintegro_core.api (add a missing name to its __all__): "
                       + "; ".join(f"{path} {', '.join(bad)}" for path, bad in sorted(found.items())))


def test_the_scan_catches_every_way_of_reaching_into_the_core(tmp_path: Path):
    module = tmp_path / "bad_plugin.py"
    module.write_text(
        "from __future__ import annotations\n"
        "import importlib\n"
        "from typing import TYPE_CHECKING\n"
        "from sellintegro_core.api import hookimpl, ConfigError\n"   # allowed
        "from sellintegro_core import api\n"                         # allowed
        "import sellintegro_core.api\n"                              # allowed
        "from sellintegro_core.models import Order\n"                # 7
        "from sellintegro_core import clock\n"                       # 8
        "import sellintegro_core.engine as engine\n"                 # 9
        "if TYPE_CHECKING:\n"
        "    from sellintegro_core.components import Source\n"       # 11
        "def later():\n"
        "    from sellintegro_core.config import load_scenario\n"    # 13
        "    return importlib.import_module('sellintegro_core.ledger')\n"  # 14
        "from sellintegro_corex import nothing\n",                   # another package: allowed
        encoding="utf-8")
    lines = [entry.split(":")[0] for entry in core_imports(module)]
    assert lines == ["line 7", "line 8", "line 9", "line 11", "line 13", "line 14"]


def test_every_name_in_all_exists_once():
    assert len(api.__all__) == len(set(api.__all__))
    missing = [name for name in api.__all__ if not hasattr(api, name)]
    assert not missing, f"sellintegro_core.api.__all__ names what it does not have: {missing}"


def test_every_lazily_loaded_name_is_declared():
    assert set(api._LAZY) <= set(api.__all__)
    assert not hasattr(api, "surely_not_a_name")


def test_every_public_name_is_documented():
    doc = (REPO / "docs" / "plugins.md").read_text(encoding="utf-8")
    undocumented = [name for name in api.__all__ if f"`{name}`" not in doc]
    assert not undocumented, f"docs/plugins.md does not list: {undocumented}"


def test_importing_the_api_loads_neither_pydantic_nor_the_engine():
    """`sellintegro --help` imports every plugin, and every plugin imports the api: it must stay cheap."""
    code = ("import sys, sellintegro_core.api as api; api.hookimpl; api.CommandSpec; api.ConfigError; "
            "print(' '.join(sorted(m for m in ('pydantic', 'sellintegro_core.engine', 'sellintegro_core.ledger', "
            "'sellintegro_core.models', 'sellintegro_core.config') if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.strip() == ""
