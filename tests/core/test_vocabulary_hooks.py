"""The hooks that keep product words out of the core: sellintegro_default_renderer, sellintegro_init_questions
and sellintegro_demo_parts, tested through real entry points and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sellintegro_core.config import load_scenario
from sellintegro_core.errors import ConfigError
from sellintegro_core.plugins import PluginHost
from tests.conftest import run_cli, write_dist
from tests.core.conftest import write_scenario

TAKE_OVER_DEFAULT = '''
from sellintegro_core import hookimpl

@hookimpl(tryfirst=True)
def sellintegro_default_renderer():
    return "text_pdf"
'''

SHOP_SINK_QUESTIONS = '''
from sellintegro_core import hookimpl
from sellintegro_core.api import InitSection, Question, env_name

def render(answers):
    return "[sink]\\nplugin = \\"jsonl\\"\\npath = \\"actions.jsonl\\"\\n# token variable " + answers["shop_token_env"]

@hookimpl
def sellintegro_init_questions(register):
    register(InitSection(kind="sink", plugin="jsonl", render=render, questions=(
        Question("shop_token_env", "Shop: environment variable holding the token (token sklepu)",
                 "--shop-token-env", default="SHOP_TOKEN", step=5, check=env_name, metavar="VARIABLE",
                 help="environment variable holding the shop token (default SHOP_TOKEN)"),
    )))
'''


def _site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, source: str) -> dict[str, str]:
    site = write_dist(tmp_path / f"site-{name}", name, source)
    monkeypatch.syspath_prepend(str(site))
    path = os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])
    monkeypatch.setenv("PYTHONPATH", path)
    return {"PYTHONPATH": path}


# ---------------------------------------------------------------------------- sellintegro_default_renderer


def test_sellintegro_default_renderer_the_installed_renderer_plugin_declares_the_default() -> None:
    assert PluginHost().default_renderer() == "typst_pdf"


def test_a_plugin_takes_the_default_over_with_tryfirst(scenario_dir: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _site(tmp_path, monkeypatch, "take_over_default", TAKE_OVER_DEFAULT)
    path = write_scenario(scenario_dir / "shop.toml")
    path.write_text(path.read_text().replace('plugin = "text_pdf"\n', ""), encoding="utf-8")
    scenario = load_scenario(path, host=PluginHost())
    assert scenario.plugin_name("renderer") == "text_pdf"
    result = run_cli("run", str(path), "--json", env={"PYTHONPATH": os.environ["PYTHONPATH"]})
    assert result.returncode == 0, result.stderr
    assert '"done"' in result.stdout


def test_without_a_default_renderer_a_renderer_section_must_name_one(scenario_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "invoice_pdf")
    path = write_scenario(scenario_dir / "shop.toml")
    path.write_text(path.read_text().replace('plugin = "text_pdf"\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_scenario(path, host=PluginHost())
    assert dict(info.value.errors)["renderer.plugin"].startswith("no renderer is installed to be the default")


# ---------------------------------------------------------------------------- sellintegro_init_questions


def test_sellintegro_init_questions_a_plugin_contributes_questions_flags_and_its_section(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    env = _site(tmp_path, monkeypatch, "shop_sink_questions", SHOP_SINK_QUESTIONS)
    env["SELLINTEGRO_DISABLED_PLUGINS"] = "baselinker"
    helped = run_cli("init", "--help", env=dict(env, COLUMNS="200"))
    assert "--shop-token-env VARIABLE" in helped.stdout and "--token-env" not in helped.stdout
    path = tmp_path / "shop.toml"
    bad = run_cli("init", str(path), "--non-interactive", "--shop-token-env", "not a name", env=env)
    assert bad.returncode == 2 and "--shop-token-env: 'not a name' is not an environment variable name" in bad.stderr
    assert not path.exists()
    made = run_cli("init", str(path), "--non-interactive", "--shop-token-env", "MY_SHOP",
                   "--subiekt-dsn", "sqlite:///x.sqlite", env=env)
    assert made.returncode == 0, made.stderr
    text = path.read_text(encoding="utf-8")
    assert '[sink]\nplugin = "jsonl"' in text and "# token variable MY_SHOP" in text
    assert text.index("[source]") < text.index("[sink]") < text.index("[rule]")


def test_two_plugins_asking_for_one_section_is_an_error_naming_both(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    env = _site(tmp_path, monkeypatch, "shop_sink_questions", SHOP_SINK_QUESTIONS)
    result = run_cli("init", str(tmp_path / "x.toml"), "--non-interactive", env=env)
    assert result.returncode != 0
    assert "'baselinker' and 'shop_sink_questions'" in result.stderr, result.stderr


def test_questions_are_numbered_in_step_order_across_plugins() -> None:
    from sellintegro_core.init import core_questions
    from sellintegro_core.wizard import init_sections, ordered

    host = PluginHost()
    asked = [(prefix.strip(), q.flag) for prefix, q in ordered(core_questions(host), init_sections(host))
             if not q.boolean and q.asked is not False]
    numbered = [(n, flag) for n, flag in asked if n]
    assert [n for n, _ in numbered] == [f"{i}." for i in range(1, len(numbered) + 1)]
    flags = [flag for _, flag in asked]
    assert flags.index("--weekdays") < flags.index("--token-env") < flags.index("--subiekt-dsn-env") \
        < flags.index("--statuses") < flags.index("--template") < flags.index("--exemption-basis") \
        < flags.index("--invoice-series") < flags.index("--match-field") < flags.index("--paragon-with-invoice")


# ---------------------------------------------------------------------------- sellintegro_demo_parts


def test_the_demo_names_a_missing_part(tmp_path: Path) -> None:
    result = run_cli("demo", "--dir", str(tmp_path / "d"), env={"SELLINTEGRO_DISABLED_PLUGINS": "baselinker"})
    assert result.returncode == 2
    assert "the demo needs a plugin with a demo sink" in result.stderr
    assert "pip install . ./plugins/*" in result.stderr


def test_sellintegro_demo_parts_without_the_emulator_names_the_package(tmp_path: Path) -> None:
    script = ("import sys; sys.modules['sellintegro_baselinker_emulator'] = None\n"
              "from sellintegro_core.cli import main\n"
              f"sys.exit(main(['demo', '--dir', {str(tmp_path / 'd')!r}, '--documents', '12']))\n")
    env = dict(os.environ, SELLINTEGRO_DISABLED_PLUGINS="baselinker_emulator")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 2, result.stdout[-2000:] + result.stderr
    assert "pip install sellintegro-baselinker-emulator" in result.stderr
    assert "pip install ./plugins/baselinker_emulator" in result.stderr
    assert not (tmp_path / "d" / "emulator-state.json").exists()


def test_the_set_up_modules_of_the_core_name_no_product() -> None:
    """init, the wizard, the demo and the scenario model speak through the hooks above, not in a plugin's words."""
    from tests.conftest import REPO

    words = ("baselinker", "subiekt", "si_extender", "si-extender", "html_pdf", "invoice_pdf", "emulator-state")
    for name in ("init.py", "wizard.py", "demo.py", "demo_parts.py", "config.py", "answers.py", "models.py"):
        text = (REPO / "sellintegro_core" / name).read_text(encoding="utf-8").lower()
        assert not [w for w in words if w in text], (name, [w for w in words if w in text])
