"""Scenario files: precise errors with field paths, exit code 2, secrets from env, window caps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from sellintegro_core.config import load_scenario
from sellintegro_core.errors import ConfigError
from sellintegro_core.secrets import EnvSecret
from tests.conftest import run_cli, write_dist
from tests.core.conftest import write_scenario
from tests.core.sample_plugin import LIMITS_PLUGIN


def _errors(path: Path) -> dict[str, str]:
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    return dict(info.value.errors)


def test_valid_scenario_loads(scenario_dir):
    scenario = load_scenario(scenario_dir / "shop.toml")
    assert scenario.name == "test-shop"
    assert scenario.model.window.days_back == 14
    assert scenario.configs["sink"].orders == "orders.jsonl"


def test_errors_name_section_and_field(scenario_dir):
    path = scenario_dir / "shop.toml"
    text = path.read_text().replace('before_setup = "include"', 'before_setup = "sometimes"')
    text = text.replace('path = "actions.jsonl"', 'path = "actions.jsonl"\ncolour = "red"')
    text = text.replace('[window]', '[schedule]\nhours = "0:00-24:00"\nweekdays = ["mon", "funday"]\n[window]')
    path.write_text(text)
    errors = _errors(path)
    assert "window.before_setup" in errors and "'skip' or 'include'" in errors["window.before_setup"]
    assert "sink.colour" in errors and "unknown setting" in errors["sink.colour"]
    assert "schedule.hours" in errors
    assert "schedule.weekdays.1" in errors


def test_unknown_plugin_lists_installed(scenario_dir):
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace('plugin = "attach_all"', 'plugin = "nope"'))
    errors = _errors(path)
    assert "no rule named 'nope'" in errors["rule.plugin"]
    assert "attach_all" in errors["rule.plugin"]


def test_validate_cli_prints_paths_and_exits_2(scenario_dir):
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace("days_back = 14", "days_back = 0"))
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "window.days_back: Input should be greater than or equal to 1" in result.stderr
    assert "Traceback" not in result.stderr
    ok = run_cli("validate", str(scenario_dir / "shop.toml").replace("shop", "missing"))
    assert ok.returncode == 2 and "does not exist" in ok.stderr


def test_broken_toml_is_a_config_error(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\n[window\n')
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr


def test_days_back_over_cap_names_the_plugin(scenario_dir, monkeypatch):
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "si_extender")
    path = write_scenario(scenario_dir / "shop.toml")
    path.write_text(path.read_text().replace("days_back = 14", "days_back = 30"))
    errors = _errors(path)
    assert "limit is 14" in errors["window.days_back"]
    assert "si_extender" in errors["window.days_back"]
    path.write_text(path.read_text().replace("before_setup_days = 7", "before_setup_days = 8"))
    assert "si_extender" in _errors(path)["window.before_setup_days"]


def test_limits_raised_by_plugin_hook(scenario_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "si_extender")
    site = write_dist(tmp_path / "site2", "sellintegro_widewindow", LIMITS_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    path = scenario_dir / "shop.toml"
    path.write_text(path.read_text().replace("days_back = 14", "days_back = 60")
                    .replace("before_setup_days = 7", "before_setup_days = 30"))
    scenario = load_scenario(path)
    assert scenario.model.window.days_back == 60
    path.write_text(path.read_text().replace("days_back = 60", "days_back = 61"))
    message = _errors(path)["window.days_back"]
    assert "limit is 60" in message and "wide_window" in message


class _SecretModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: EnvSecret


def test_secret_from_environment(monkeypatch):
    monkeypatch.setenv("TEST_TOKEN_XYZ", "s3cr3t-value")
    model = _SecretModel.model_validate({"token": {"env": "TEST_TOKEN_XYZ"}})
    assert model.token.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(model) and "s3cr3t-value" not in model.model_dump_json()


def test_secret_literal_or_missing_env_refused(monkeypatch):
    monkeypatch.delenv("TEST_TOKEN_MISSING", raising=False)
    with pytest.raises(ValueError, match="TEST_TOKEN_MISSING is not set"):
        _SecretModel.model_validate({"token": {"env": "TEST_TOKEN_MISSING"}})
    with pytest.raises(ValueError, match="not written in the scenario file"):
        _SecretModel.model_validate({"token": "plain-text-token"})


def test_relative_state_url_defaults_next_to_scenario(scenario_dir):
    scenario = load_scenario(scenario_dir / "shop.toml")
    assert scenario.model.state.url == "sqlite:///sellintegro-state.db"
    assert scenario.base_dir == scenario_dir.resolve()
    assert os.path.isabs(scenario.path)


def test_exemption_basis_is_accepted_by_every_renderer(scenario_dir):
    """`[renderer] exemption_basis` is the core's key: a third-party renderer with a strict model accepts it."""
    path = scenario_dir / "shop.toml"
    text = path.read_text(encoding="utf-8")
    assert '[renderer]\nplugin = "text_pdf"' in text
    basis = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
    path.write_text(text.replace('[renderer]\nplugin = "text_pdf"',
                                 f'[renderer]\nplugin = "text_pdf"\nexemption_basis = "{basis}"'), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.exemption_basis == basis and scenario.plugin_name("renderer") == "text_pdf"
    assert scenario.section("renderer") == {}


def test_renderer_section_without_plugin_is_the_default_renderer(scenario_dir):
    path = scenario_dir / "shop.toml"
    text = path.read_text(encoding="utf-8").replace('[renderer]\nplugin = "text_pdf"',
                                                    '[renderer]\nexemption_basis = "art. 113 ust. 1"')
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.plugin_name("renderer") == "typst_pdf" and scenario.exemption_basis == "art. 113 ust. 1"
    path.write_text(text.replace('"art. 113 ust. 1"', '"  "'), encoding="utf-8")
    assert "is empty" in _errors(path)["renderer.exemption_basis"]
