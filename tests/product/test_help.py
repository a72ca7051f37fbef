"""`sellintegro --help` and every subcommand's help: a description line per command, help with the format for
every argument and flag, commands in the order of a set-up."""

from __future__ import annotations

import argparse
import re

from sellintegro_core.cli import build_parser
from sellintegro_core.plugins import get_host
from tests.conftest import run_cli

WORKFLOW = ["demo", "init", "validate", "check", "plan", "run", "schedule", "history", "plugins"]


def _walk(parser: argparse.ArgumentParser, path: list[str], out: list[tuple[list[str], argparse.ArgumentParser]]):
    out.append((path, parser))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                _walk(sub, [*path, name], out)
    return out


def test_every_command_has_a_description_and_every_argument_has_help() -> None:
    commands = _walk(build_parser(get_host()), ["sellintegro"], [])
    assert len(commands) >= 15, [p for p, _ in commands]         # the plugins' nested commands are there too
    missing = []
    for path, parser in commands:
        if len(path) > 1 and not (parser.description or "").strip():
            missing.append(f"{' '.join(path)}: no description")
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                continue
            if not (action.help or "").strip():
                missing.append(f"{' '.join(path)} {action.option_strings or action.dest}: no help")
    assert not missing, "\n".join(missing)


def test_flags_say_their_format() -> None:
    init = run_cli("init", "--help", env={"COLUMNS": "200"})
    assert init.returncode == 0
    text = re.sub(r"\s+", " ", init.stdout)
    for flag, fragment in (("--hours", "within 1:00-23:00"), ("--weekdays", "mon,tue,wed,thu,fri,sat,sun"),
                           ("--days-back", "1-14"), ("--every-minutes", "5-1440"), ("--documents", "FS,PA,KFS,ZW,FSd"),
                           ("--match-pattern", "group named ref"), ("--statuses", "comma-separated"),
                           ("--token-env", "environment variable")):
        part = text[text.index(f" {flag} ", text.index("options:")):]
        assert fragment in part[:300], (flag, part[:300])
    history = re.sub(r"\s+", " ", run_cli("history", "--help", env={"COLUMNS": "200"}).stdout)
    assert "digits" in history and "TOML" in history


def test_commands_are_listed_in_workflow_order_with_plugin_commands_where_they_belong() -> None:
    result = run_cli("--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    listed = re.findall(r"^    ([a-z-]+) ", result.stdout, flags=re.M)
    core = [name for name in listed if name in WORKFLOW]
    assert core == WORKFLOW, listed
    position = {name: i for i, name in enumerate(listed)}
    assert position["init"] < position["subiekt"] < position["validate"], listed     # detect follows init
    assert position["check"] < position["pdf"] < position["plan"], listed           # preview before the plan
    assert listed[-1] == "plugins"
    for name in listed:
        sub = run_cli(name, "--help", env={"COLUMNS": "200"})
        assert sub.returncode == 0, (name, sub.stderr)
        first_lines = sub.stdout.split("\n\n")
        assert len(first_lines) > 2 and first_lines[1].strip(), (name, sub.stdout[:300])   # description line
