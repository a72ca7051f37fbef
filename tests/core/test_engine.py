"""The engine end to end with the JSONL source/sink and a test rule + renderer from a real entry point."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from sellintegro_core.ledger import SqliteLedger
from tests.conftest import run_cli, write_dist
from tests.core.conftest import recorded, write_scenario
from tests.core.sample_plugin import OBSERVER_PLUGIN


def test_run_attaches_matched_documents_and_reports_the_rest(scenario_dir):
    report = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    keys = sorted(item["key"] for item in recorded(scenario_dir))
    assert keys == ["attach:101:FS_1-11-2026", "attach:102:FS_2-11-2026"]
    by_outcome = {(row.order_id, row.outcome) for row in report.rows}
    assert ("", "skipped") in by_outcome  # the unmatched document is reported, not dropped
    assert ("404", "skipped") in by_outcome  # the order is not in the sink
    unmatched = next(r for r in report.rows if r.order_id == "")
    assert "does not match" in unmatched.message
    assert report.exit_code == 0 and report.outcome == "ok"


def test_second_run_repeats_nothing(scenario_dir):
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    report = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    assert len(recorded(scenario_dir)) == 2
    assert report.counts.get("done", 0) == 0


def test_plan_writes_nothing(scenario_dir):
    result = run_cli("plan", str(scenario_dir / "shop.toml"), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["planned"] == 2
    assert not (scenario_dir / "actions.jsonl").exists()
    assert not (scenario_dir / "sellintegro-state.db").exists()
    # with an existing ledger, plan leaves it byte-identical
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    before = (scenario_dir / "sellintegro-state.db").read_bytes()
    assert run_cli("plan", str(scenario_dir / "shop.toml")).returncode == 0
    assert (scenario_dir / "sellintegro-state.db").read_bytes() == before


def test_ledger_file_is_private(scenario_dir):
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    mode = stat.S_IMODE(os.stat(scenario_dir / "sellintegro-state.db").st_mode)
    assert mode == 0o600


def test_setup_time_fixed_at_first_run(scenario_dir, monkeypatch):
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    ledger = SqliteLedger(scenario_dir / "sellintegro-state.db")
    first = ledger.setup_at("test-shop")
    ledger.close()
    monkeypatch.setenv("SELLINTEGRO_NOW", "2026-11-25T08:00:00+01:00")
    report = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    ledger = SqliteLedger(scenario_dir / "sellintegro-state.db")
    assert ledger.setup_at("test-shop") == first
    ledger.close()
    # before_setup = include, 7 days: window starts 7 days before the first run, not before the second run
    assert report.window_start.isoformat().startswith("2026-11-13T12:00")


def test_before_setup_skip_starts_at_setup(scenario_dir):
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace('before_setup = "include"', 'before_setup = "skip"'))
    report = run_scenario(load_scenario(path))
    assert report.window_start == report.window_end  # first run: set up now, so nothing older qualifies
    assert recorded(scenario_dir) == []


def test_document_error_is_recorded_and_run_continues(scenario_dir):
    write_scenario(scenario_dir / "shop.toml", renderer='fail_on = "FS 1/11/2026"')
    result = run_cli("run", str(scenario_dir / "shop.toml"), "--json")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["counts"]["failed"] == 1 and data["counts"]["done"] == 1
    failed = next(r for r in data["rows"] if r["outcome"] == "failed")
    assert "cannot render FS 1/11/2026" in failed["message"]
    history = run_cli("history", str(scenario_dir / "shop.toml"), "--order", "101", "--json")
    events = json.loads(history.stdout)["events"]
    assert [e["outcome"] for e in events] == ["failed"]


def test_status_is_set_after_the_attach(scenario_dir):
    write_scenario(scenario_dir / "shop.toml", extra_rule='status_after = "Wysłane"')
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    keys = [item["key"] for item in recorded(scenario_dir)]
    for order in ("101", "102"):
        assert keys.index(f"status:{order}:success") > keys.index(next(k for k in keys
                                                                      if k.startswith(f"attach:{order}:")))


def test_status_waits_while_attach_failed(scenario_dir):
    write_scenario(scenario_dir / "shop.toml", extra_rule='status_after = "Wysłane"',
                   renderer='fail_on = "FS 1/11/2026"')
    report = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    keys = [item["key"] for item in recorded(scenario_dir)]
    assert "status:101:success" not in keys and "status:102:success" in keys
    assert report.exit_code == 1


def test_history_shows_per_order_audit(scenario_dir):
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    result = run_cli("history", str(scenario_dir / "shop.toml"), "--order", "102")
    assert result.returncode == 0
    assert "FS 2/11/2026" in result.stdout and "done" in result.stdout
    data = json.loads(run_cli("history", str(scenario_dir / "shop.toml"), "--json").stdout)
    assert data["runs"][0]["outcome"] == "ok"
    assert any(e["outcome"] == "skipped" and "does not match" in e["message"] for e in data["events"])


def test_observer_hooks_are_called(scenario_dir, tmp_path, monkeypatch):
    site = write_dist(tmp_path / "obs", "sellintegro_observer", OBSERVER_PLUGIN)
    log = tmp_path / "observer.jsonl"
    monkeypatch.setenv("OBSERVER_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ["PYTHONPATH"]]))
    assert run_cli("run", str(scenario_dir / "shop.toml")).returncode == 0
    events = [json.loads(line) for line in log.read_text().splitlines()]
    assert events[0]["hook"] == "started" and events[-1] == {"hook": "finished", "outcome": "ok", "exit_code": 0}
    assert {"hook": "applied", "key": "attach:101:FS_1-11-2026", "outcome": "done"} in events


CRASHING_SINK = '''
import json, os
from pathlib import Path
from pydantic import BaseModel, ConfigDict
from sellintegro_core import hookimpl
from sellintegro_core.components import SinkSpec
from sellintegro_core.models import ActionResult, Order

class Cfg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    remote: str

class TwoStepSink:
    """Creates a placeholder, then attaches the file: two remote writes, like BaseLinker."""
    api_calls = 0
    def __init__(self, config, context):
        self.remote = Path(context.base_dir) / config.remote
    def _load(self):
        return json.loads(self.remote.read_text()) if self.remote.exists() else {"placeholders": [], "files": []}
    def _save(self, data):
        self.remote.write_text(json.dumps(data))
    def fetch_orders(self, query):
        from sellintegro_core import clock
        for ref in query.refs or []:
            yield Order(id=ref, date_add=clock.now())
    def apply(self, action, context):
        data = self._load()
        placeholder = context.steps.get("placeholder")
        if placeholder is None:
            pid = f"P{len(data['placeholders']) + 1}"
            data["placeholders"].append({"id": pid, "order": action.order_id})
            self._save(data)
            context.steps.record("placeholder", {"id": pid})
            if os.environ.get("CRASH_AFTER_PLACEHOLDER") == action.order_id:
                os._exit(9)
            placeholder = {"id": pid}
        data["files"].append({"placeholder": placeholder["id"], "pdf": context.render().decode()})
        self._save(data)
        context.steps.record("file", {})
        return ActionResult(key=action.key, outcome="done", data={"placeholder": placeholder["id"]})

@hookimpl
def sellintegro_register_sinks(register):
    register(SinkSpec(name="two_step", config_model=Cfg, factory=TwoStepSink))
'''


def test_resume_after_crash_between_two_steps(scenario_dir, tmp_path, monkeypatch):
    site = write_dist(tmp_path / "crash", "sellintegro_twostep", CRASHING_SINK)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ["PYTHONPATH"]]))
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace('plugin = "jsonl"\npath = "actions.jsonl"\norders = "orders.jsonl"',
                                             'plugin = "two_step"\nremote = "remote.json"'))
    env = {"CRASH_AFTER_PLACEHOLDER": "102"}
    crashed = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "run", str(path)],
                             env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert crashed.returncode == 9  # killed between the two writes of order 102
    remote = json.loads((scenario_dir / "remote.json").read_text())
    assert [p["order"] for p in remote["placeholders"]] == ["101", "102", "404"][:len(remote["placeholders"])]
    assert run_cli("run", str(path)).returncode == 0
    remote = json.loads((scenario_dir / "remote.json").read_text())
    orders = [p["order"] for p in remote["placeholders"]]
    assert sorted(orders) == sorted(set(orders)), "a placeholder was created twice"
    attached = {p["id"]: p["order"] for p in remote["placeholders"]}
    files = sorted(attached[f["placeholder"]] for f in remote["files"])
    assert files == sorted(set(files))
    assert "102" in files and "101" in files
    assert run_cli("run", str(path)).returncode == 0
    assert json.loads((scenario_dir / "remote.json").read_text()) == remote  # nothing repeated


@pytest.mark.parametrize("days", ["0", "15"])
def test_run_with_invalid_scenario_exits_2(scenario_dir, days, monkeypatch):
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "si_extender")
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace("days_back = 14", f"days_back = {days}"))
    result = run_cli("run", str(path))
    assert result.returncode == 2
    assert "window.days_back" in result.stderr
    assert not Path(scenario_dir / "sellintegro-state.db").exists()
