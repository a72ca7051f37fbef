"""What a command pays for at start-up (issue 17: `validate` and `plugins` within 150 ms).

Times are measured by benchmarks/startup.py, not here. These tests pin the behaviour the time depends on:
`plugins` lists components without importing their settings models, the collector is off only where that is
safe, pydantic's plugin scan is skipped only when there is no pydantic plugin, and a pattern only the `regex`
module understands is still accepted.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sellintegro_core import entry_points
from sellintegro_core.cli import main
from sellintegro_core.collection import command_starts, starting
from sellintegro_core.plugins import PluginHost
from tests.conftest import run_cli, write_dist

PROBE = """
import sys
sys.argv = ["sellintegro", *sys.argv[1:]]
from sellintegro_core.cli import main
code = main()
print("LOADED", " ".join(m for m in ("pydantic", "sellintegro_subiekt_gt.config", "sellintegro_baselinker.config",
                                      "sellintegro_invoice_pdf.config", "regex") if m in sys.modules),
      file=sys.stderr)
sys.exit(code)
"""


def _probe(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    loaded = next(line for line in done.stderr.splitlines() if line.startswith("LOADED")).split()[1:]
    return done, set(loaded)


def test_plugins_lists_every_component_without_importing_a_settings_model():
    done, loaded = _probe("plugins")
    assert done.returncode == 0, done.stderr
    for component in ("source:subiekt_gt", "sink:baselinker", "renderer:typst_pdf", "renderer:html_pdf",
                      "rule:invoice_pdf", "source:jsonl"):
        assert component in done.stdout
    assert loaded == set(), f"`plugins` imported {loaded}"


def test_validate_imports_only_the_models_the_scenario_uses(tmp_path: Path):
    scenario = tmp_path / "shop.toml"
    scenario.write_text('name = "shop"\n[source]\nplugin = "jsonl"\npath = "docs.jsonl"\n'
                        '[sink]\nplugin = "jsonl"\npath = "out.jsonl"\n[rule]\nplugin = "invoice_pdf"\n'
                        '[renderer]\nplugin = "typst_pdf"\nexemption_basis = "art. 43 ust. 1 pkt 3"\n',
                        encoding="utf-8")
    done, loaded = _probe("validate", str(scenario))
    assert done.returncode == 0, done.stderr
    assert "valid" in done.stdout
    assert "pydantic" in loaded and "sellintegro_invoice_pdf.config" in loaded
    assert not loaded & {"sellintegro_subiekt_gt.config", "sellintegro_baselinker.config"}


def test_a_settings_model_may_be_given_as_a_function():
    spec = PluginHost().component("source", "subiekt_gt")
    assert callable(spec.config_model) and not isinstance(spec.config_model, type)
    model = spec.settings_model()
    assert model.__name__ == "SubiektConfig"
    assert model.model_validate({"dsn": "sqlite:///x.sqlite"}).match.field == "numer_oryginalny"


@pytest.mark.parametrize("pattern", [r"^(?P<ref>\p{Lu}\d+)$", r"^B_(?P<ref>\d+)$", r"x*+(?P<ref>\d+)"])
def test_patterns_of_either_syntax_check_are_accepted(pattern: str):
    model = PluginHost().component("source", "subiekt_gt").settings_model()
    assert model.model_validate({"dsn": "sqlite:///x.sqlite", "match": {"pattern": pattern}}).match.pattern == pattern


@pytest.mark.parametrize(("pattern", "message"), [("(?P<ref>\\d+", "not a valid regular expression"),
                                                  (r"\p{Nope}+", "not a valid regular expression"),
                                                  (r"^B_(\d+)$", "none is named ref")])
def test_bad_patterns_are_still_refused(pattern: str, message: str):
    from pydantic import ValidationError

    model = PluginHost().component("source", "subiekt_gt").settings_model()
    with pytest.raises(ValidationError, match=message):
        model.model_validate({"dsn": "sqlite:///x.sqlite", "match": {"pattern": pattern}})


GC_COMMAND = '''
import gc
from sellintegro_core.api import CommandSpec, hookimpl

def setup(parser):
    pass

def run(args):
    print("collector", "on" if gc.isenabled() else "off")
    return 0

@hookimpl
def sellintegro_register_commands(register):
    register(CommandSpec(name="gcstate", help="print whether the cyclic collector runs", setup=setup, run=run))
'''


def test_a_command_that_does_work_runs_with_the_collector_on(tmp_path: Path):
    site = write_dist(tmp_path / "site", "sellintegro_gcstate", GC_COMMAND)
    done = run_cli("gcstate", env={"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])})
    assert done.returncode == 0, done.stderr
    assert "collector on" in done.stdout


def test_in_process_commands_leave_the_collector_as_they_found_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    frozen = gc.get_freeze_count()
    assert main(["plugins"]) == 0
    assert main(["validate", str(tmp_path / "missing.toml")]) == 2
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    gc.disable()
    try:
        with starting("run", process_ends=False):
            command_starts("run")
            assert not gc.isenabled()   # it was off before: a command does not switch it on
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_quick_commands_freeze_only_when_the_process_ends():
    frozen = gc.get_freeze_count()
    with starting("validate", process_ends=False):
        command_starts("validate")
        assert not gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    with starting("run", process_ends=True):
        command_starts("run")
        assert gc.isenabled()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_pydantic_plugin_scan_is_skipped_only_without_pydantic_plugins(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    entry_points.quiet_pydantic_plugin_scan()
    assert os.environ.get("PYDANTIC_DISABLE_PLUGINS") == "__all__"

    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS")
    site = tmp_path / "site"
    write_dist(site, "some_pydantic_plugin", "def plugin(): pass\n")
    (site / "some_pydantic_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[pydantic]\nmine = some_pydantic_plugin:plugin\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    entry_points.quiet_pydantic_plugin_scan()
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ

    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "mine")   # the user's own choice is kept
    monkeypatch.syspath_prepend(str(tmp_path / "empty"))
    entry_points.quiet_pydantic_plugin_scan()
    assert os.environ["PYDANTIC_DISABLE_PLUGINS"] == "mine"
