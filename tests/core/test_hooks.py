"""One test named for each hook (the hook meta-test requires it), through real entry points and the real CLI.

A small third-party plugin (a source and a sink; imports only ``sellintegro_core.api``) runs one scenario with
the sample rule and renderer and an observer plugin: each test below checks what its hook contributed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, write_dist
from tests.core.sample_plugin import COMMAND_PLUGIN, LIMITS_PLUGIN, OBSERVER_PLUGIN, RULE_PLUGIN

TINY_PLUGIN = '''
import json
from datetime import timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from sellintegro_core.api import (ActionResult, Order, OrderRef, Party, SalesDocument, SinkSpec, SourceSpec,
                                  Totals, hookimpl, now)


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    numbers: list[str]


class TinySource:
    def __init__(self, config, context):
        self.numbers = config.numbers

    def read(self, window):
        for i, number in enumerate(self.numbers, 1):
            yield SalesDocument(id=f"d{i}", kind="FS", number=number, issue_date=window.end.date(),
                                seller=Party(name="Sklep", nip="5260250995"),
                                totals=Totals(net=Decimal("1.00"), vat=Decimal("0.23"), gross=Decimal("1.23")),
                                order_ref=OrderRef(value=str(100 + i)))


class SinkConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str


class TinySink:
    def __init__(self, config, context):
        self.path = context.base_dir / config.path

    def fetch_orders(self, query):
        for ref in query.refs or []:
            yield Order(id=ref, status_id="1", status_name="Nowe", date_add=now() - timedelta(hours=1))

    def apply(self, action, context):
        pdf = context.render() if context.render is not None else b""
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": action.key, "pdf": pdf.decode("latin-1")}) + "\\n")
        return ActionResult(key=action.key, outcome="done", message="tiny")


@hookimpl
def sellintegro_register_sources(register):
    register(SourceSpec(name="tiny_source", config_model=SourceConfig, factory=TinySource))


@hookimpl
def sellintegro_register_sinks(register):
    register(SinkSpec(name="tiny_sink", config_model=SinkConfig, factory=TinySink))
'''

SCENARIO = '''
name = "hooks"
[window]
days_back = {days_back}
before_setup = "include"
[source]
plugin = "tiny_source"
numbers = ["FS 1/2026", "FS 2/2026"]
[sink]
plugin = "tiny_sink"
path = "applied.jsonl"
[rule]
plugin = "attach_all"
[renderer]
plugin = "text_pdf"
[state]
url = "sqlite:///state.db"
'''


def _env(site: Path, **extra: str) -> dict[str, str]:
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]), **extra}


@pytest.fixture(scope="module")
def one_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`sellintegro run` once with the tiny source and sink, the sample rule and renderer, and the observer."""
    base = tmp_path_factory.mktemp("hooks")
    site = base / "site"
    for name, source in (("sellintegro_tiny", TINY_PLUGIN), ("sellintegro_testrule", RULE_PLUGIN),
                         ("sellintegro_observer", OBSERVER_PLUGIN), ("sellintegro_hello", COMMAND_PLUGIN),
                         ("sellintegro_widewindow", LIMITS_PLUGIN)):
        write_dist(site, name, source)
    scenario = base / "hooks.toml"
    scenario.write_text(SCENARIO.format(days_back=14), encoding="utf-8")
    log = base / "observer.jsonl"
    result = run_cli("run", str(scenario), env=_env(site, OBSERVER_LOG=str(log),
                                                        SELLINTEGRO_BUDGET_DB=str(base / "budgets.db")))
    applied = base / "applied.jsonl"
    return {"site": site, "base": base, "result": result,
            "applied": [json.loads(line) for line in applied.read_text().splitlines()] if applied.exists() else [],
            "events": [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []}


def test_sellintegro_register_sources_documents_come_from_the_plugin_source(one_run):
    assert one_run["result"].returncode == 0, one_run["result"].stderr
    assert {entry["key"] for entry in one_run["applied"]} == {"attach:101:d1", "attach:102:d2"}


def test_sellintegro_register_sinks_the_plugin_sink_applies_each_action_once(one_run):
    keys = [entry["key"] for entry in one_run["applied"]]
    assert sorted(keys) == ["attach:101:d1", "attach:102:d2"]


def test_sellintegro_register_rules_the_plugin_rule_decides(one_run):
    assert one_run["applied"] and all(entry["key"].startswith("attach:") for entry in one_run["applied"])


def test_sellintegro_register_renderers_the_plugin_renderer_makes_the_file(one_run):
    assert sorted(entry["pdf"] for entry in one_run["applied"]) == ["%PDF-1.4 FS 1/2026", "%PDF-1.4 FS 2/2026"]


def test_sellintegro_run_started_is_called_first(one_run):
    assert one_run["events"][0] == {"hook": "started", "scenario": "hooks", "plan_only": False}


def test_sellintegro_action_applied_is_called_for_each_action(one_run):
    applied = [e for e in one_run["events"] if e["hook"] == "applied"]
    assert sorted((e["key"], e["outcome"]) for e in applied) == [("attach:101:d1", "done"),
                                                                  ("attach:102:d2", "done")]


def test_sellintegro_run_finished_is_called_last_with_the_outcome(one_run):
    assert one_run["events"][-1] == {"hook": "finished", "outcome": "ok", "exit_code": 0}


def test_sellintegro_register_commands_adds_a_cli_command(one_run):
    result = run_cli("hello", "world", env=_env(one_run["site"]))
    assert (result.returncode, result.stdout.strip()) == (7, "hello world")
    assert "say hello" in run_cli("--help", env=_env(one_run["site"])).stdout


def test_sellintegro_limits_raises_the_window_cap(one_run, tmp_path: Path):
    scenario = tmp_path / "wide.toml"
    scenario.write_text(SCENARIO.format(days_back=60), encoding="utf-8")
    too_wide = tmp_path / "too-wide.toml"
    too_wide.write_text(SCENARIO.format(days_back=61), encoding="utf-8")
    only_ours = _env(one_run["site"], SELLINTEGRO_DISABLED_PLUGINS="si_extender")
    assert run_cli("validate", str(scenario), env=only_ours).returncode == 0
    result = run_cli("validate", str(too_wide), env=only_ours)
    assert result.returncode == 2 and "raised by plugin 'wide_window'" in result.stdout + result.stderr
    without = run_cli("validate", str(scenario),
                      env=_env(one_run["site"], SELLINTEGRO_DISABLED_PLUGINS="si_extender,sellintegro_widewindow"))
    assert without.returncode == 2 and "window.days_back" in without.stdout + without.stderr
