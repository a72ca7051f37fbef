"""The BaseLinker emulator is a distribution of its own (sellintegro-baselinker-emulator): the production wheel of
sellintegro-baselinker does not carry it, the sink plugin does not import it, and `sellintegro baselinker
emulator` (and `python -m sellintegro_baselinker_emulator`) come from it with the same flags."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from sellintegro_core.plugins import PluginHost
from tests.conftest import REPO, run_cli

EMULATOR_FLAGS = ("--host", "--port", "--token", "--seed", "--state", "--requests-per-minute", "--block-minutes",
                  "--time-scale", "--log", "--faults", "--journal-off")


def test_the_production_wheel_of_the_sink_has_no_emulator(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path),
                            str(REPO / "plugins" / "baselinker")], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("sellintegro_baselinker-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sellintegro_baselinker/sink.py" in names
    assert not [n for n in names if "emulator" in n.lower()], names


def test_the_sink_plugin_does_not_import_the_emulator() -> None:
    for path in (REPO / "plugins" / "baselinker" / "sellintegro_baselinker").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if "emulator" in n], f"{path.name} imports {names}"


def test_the_command_comes_from_the_emulator_distribution_with_every_flag() -> None:
    assert PluginHost().commands()["baselinker"][1] == "baselinker_emulator"
    for argv in (["baselinker", "emulator", "--help"],):
        result = run_cli(*argv, env={"COLUMNS": "200"})
        assert result.returncode == 0, result.stderr
        assert all(flag in result.stdout for flag in EMULATOR_FLAGS), result.stdout
    module = subprocess.run([sys.executable, "-m", "sellintegro_baselinker_emulator", "--help"], capture_output=True,
                            text=True, timeout=60, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})
    assert module.returncode == 0, module.stderr
    flags = set(re.findall(r"--[a-z-]+", module.stdout)) - {"--help"}
    assert flags == set(EMULATOR_FLAGS), flags
