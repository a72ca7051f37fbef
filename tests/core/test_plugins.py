"""Plugin loading through real entry points: listing, broken plugins, allow/deny lists, duplicates."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pluggy
import pytest

from sellintegro_core.errors import PluginError
from sellintegro_core.plugins import PluginHost
from tests.conftest import run_cli, write_dist
from tests.core.sample_plugin import (
    BROKEN_PLUGIN,
    COMMAND_PLUGIN,
    DUPLICATE_PLUGIN,
    RULE_PLUGIN,
    UNKNOWN_HOOK_PLUGIN,
)


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **plugins: str) -> Path:
    site = tmp_path / "site"
    for name, source in plugins.items():
        write_dist(site, name, source)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return site


def test_plugin_distribution_loads_through_entry_point(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_testrule=RULE_PLUGIN)
    host = PluginHost()
    assert "attach_all" in host.components("rule")
    assert "text_pdf" in host.components("renderer")
    info = {i.name: i for i in host.plugin_infos()}["sellintegro_testrule"]
    assert info.version == "1.0"
    assert "sellintegro_register_rules" in info.hooks
    assert "rule:attach_all" in info.components


def test_plugins_command_lists_name_version_hooks_components(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_testrule=RULE_PLUGIN)
    result = run_cli("plugins", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    plugin = next(p for p in data["plugins"] if p["name"] == "sellintegro_testrule")
    assert plugin["version"] == "1.0"
    assert "sellintegro_register_renderers" in plugin["hooks"]
    assert "renderer:text_pdf" in plugin["components"]
    table = run_cli("plugins")
    assert "sellintegro_testrule" in table.stdout and "rule:attach_all" in table.stdout


def test_broken_plugin_is_reported_and_skipped(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_broken=BROKEN_PLUGIN, sellintegro_testrule=RULE_PLUGIN)
    host = PluginHost()
    assert [f.name for f in host.failures] == ["sellintegro_broken"]
    assert "this_module_does_not_exist_anywhere" in host.failures[0].error
    assert "attach_all" in host.components("rule")  # the good plugin still loads
    result = run_cli("plugins")
    assert result.returncode == 0
    assert "sellintegro_broken" in result.stdout + result.stderr


def test_strict_plugins_reraises(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_broken=BROKEN_PLUGIN)
    with pytest.raises(PluginError, match="sellintegro_broken"):
        PluginHost(strict=True)
    result = run_cli("--strict-plugins", "plugins")
    assert result.returncode == 2
    assert "sellintegro_broken" in result.stderr
    assert "Traceback" not in result.stderr


def test_load_and_disable_lists(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_broken=BROKEN_PLUGIN, sellintegro_testrule=RULE_PLUGIN)
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "sellintegro_broken")
    host = PluginHost()
    assert host.failures == []
    assert "attach_all" in host.components("rule")
    monkeypatch.delenv("SELLINTEGRO_DISABLED_PLUGINS")
    monkeypatch.setenv("SELLINTEGRO_LOAD_PLUGINS", "sellintegro_broken")
    host = PluginHost()
    assert [f.name for f in host.failures] == ["sellintegro_broken"]
    assert "attach_all" not in host.components("rule")


def test_duplicate_component_names_name_both_plugins(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_dup=DUPLICATE_PLUGIN)
    host = PluginHost()
    with pytest.raises(PluginError) as info:
        host.components("source")
    assert "'jsonl'" in str(info.value.message) and "sellintegro_dup" in info.value.message


def test_hook_without_spec_is_rejected(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_unknown=UNKNOWN_HOOK_PLUGIN)
    with pytest.raises(pluggy.PluginValidationError, match="sellintegro_no_such_hook"):
        PluginHost()


def test_plugin_command_is_added_to_cli(tmp_path, monkeypatch):
    _site(tmp_path, monkeypatch, sellintegro_hello=COMMAND_PLUGIN)
    result = run_cli("hello", "world")
    assert result.returncode == 7
    assert result.stdout.strip() == "hello world"
    assert "say hello" in run_cli("--help").stdout
