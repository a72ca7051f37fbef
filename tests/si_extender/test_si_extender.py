"""SI Extender raises the caps when installed; without it a scenario asking for more names it."""

from __future__ import annotations

import pytest

from sellintegro_core.config import load_scenario
from sellintegro_core.errors import ConfigError
from sellintegro_core.plugins import PluginHost
from tests.conftest import run_cli
from tests.core.conftest import write_scenario


@pytest.fixture
def wide(scenario_dir):
    path = write_scenario(scenario_dir / "shop.toml")
    path.write_text(path.read_text().replace("days_back = 14", "days_back = 150")
                    .replace("before_setup_days = 7", "before_setup_days = 90"))
    return path


def test_installed_extender_allows_150_and_90(wide):
    host = PluginHost()
    limits = host.limits()
    assert (limits.days_back, limits.before_setup_days) == (150, 90)
    assert limits.raised_by == {"days_back": "si_extender", "before_setup_days": "si_extender"}
    scenario = load_scenario(wide, host=host)
    assert scenario.model.window.days_back == 150


def test_extender_caps_still_apply(wide):
    wide.write_text(wide.read_text().replace("days_back = 150", "days_back = 151"))
    result = run_cli("validate", str(wide))
    assert result.returncode == 2
    assert "window.days_back: 151 is over the limit: the limit is 150 (raised by plugin 'si_extender')" in result.stderr


def test_without_extender_the_message_names_it(wide, monkeypatch):
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "si_extender")
    with pytest.raises(ConfigError) as info:
        load_scenario(wide, host=PluginHost())
    errors = dict(info.value.errors)
    assert "install the si_extender plugin" in errors["window.days_back"]
    assert "up to 150" in errors["window.days_back"]
    assert "up to 90" in errors["window.before_setup_days"]


def test_extender_listed_by_plugins_command():
    result = run_cli("plugins", "--json")
    assert '"si_extender"' in result.stdout and "sellintegro_limits" in result.stdout
