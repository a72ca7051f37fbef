"""Folder names with ``# % ? &``, spaces and non-ASCII letters: the ledger, the demo database and the demo work.

A state folder named ``shop #1%41/`` broke the ledger: the SQLite URI was pasted together from the path, so
``#`` started a fragment (a stray file ``shop `` appeared) and ``%41`` was read as ``A``; ``plan`` and
``history`` failed. Real ``run``/``plan``/``history`` processes on real folders with such names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .stack import cli_env, report_of, run_cli

NAMES = ["shop #1%41", "sklep ?a=1&b=2 Łódź", "%2e%2e #x ä ß 漢"]


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if not p.name.startswith("child-")}


@pytest.mark.parametrize("name", NAMES)
def test_ledger_and_database_in_folders_with_odd_names(stack_factory: Any, tmp_path: Path, name: str) -> None:
    stack = stack_factory(folder=tmp_path / f"{name} scenario")
    data = stack.data
    data["state"]["url"] = f"sqlite:///{name}/ledger.db"                              # relative to the scenario
    data["source"]["dsn"] = f"sqlite:///{stack.db}"                                   # absolute
    stack.rewrite(data)
    env = cli_env()
    before = _files(stack.folder)

    plan = run_cli("plan", str(stack.scenario), "--json", env=env, cwd=tmp_path)      # nothing recorded yet
    assert plan.returncode in (0, 1), plan.stderr
    planned = report_of(plan.stdout)
    assert planned is not None and planned["rows"], plan.stderr
    run = run_cli("run", str(stack.scenario), "--json", env=env, cwd=tmp_path)
    assert run.returncode in (0, 1), run.stderr
    ran = report_of(run.stdout)
    assert ran is not None and ran["counts"].get("done"), ran
    ledger = stack.folder / name / "ledger.db"
    assert ledger.is_file(), sorted(_files(stack.folder))
    for args in (["plan", str(stack.scenario), "--json"], ["history", str(stack.scenario), "--json"]):
        again = run_cli(*args, env=env, cwd=tmp_path)              # the read-only ledger opens by URI
        assert again.returncode in (0, 1), (args, again.stderr)
    history = json.loads(run_cli("history", str(stack.scenario), "--json", env=env, cwd=tmp_path).stdout)
    assert history["runs"] and len(history["events"]) >= ran["counts"]["done"], history["runs"]
    # the ledger, its WAL/SHM and lock files are where the scenario says, nothing else appeared
    created = _files(stack.folder) - before
    assert all(path.startswith(name) for path in created), sorted(created)
    assert not [p for p in tmp_path.iterdir() if p.name not in (f"{name} scenario",)], sorted(tmp_path.iterdir())


def test_state_folder_from_the_issue(stack_factory: Any) -> None:
    """Only the state folder is odd (the issue's case): run, then plan and history read the ledger back."""
    stack = stack_factory()
    data = stack.data
    data["state"]["url"] = "sqlite:///shop #1%41/sellintegro-state.db"
    stack.rewrite(data)
    env = cli_env()
    run = run_cli("run", str(stack.scenario), env=env, cwd=stack.folder)
    assert run.returncode in (0, 1), run.stderr
    for args in (["plan", str(stack.scenario)], ["history", str(stack.scenario)]):
        again = run_cli(*args, env=env, cwd=stack.folder)
        assert again.returncode in (0, 1) and "error" not in again.stderr, (args, again.stderr)
    assert (stack.folder / "shop #1%41" / "sellintegro-state.db").is_file()
    stray = [p.name for p in stack.folder.iterdir() if p.name.startswith("shop") and p.name != "shop #1%41"]
    assert not stray, stray


def test_demo_in_a_folder_with_an_odd_name(tmp_path: Path) -> None:
    folder = tmp_path / "demo #1%41 ?&Łódź"
    result = run_cli("demo", "--dir", str(folder), "--documents", "12", "--seed", "2",
                     env=cli_env(SELLINTEGRO_NOW=""), cwd=tmp_path, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "demo OK" in result.stdout, result.stdout[-2000:]
    assert (folder / "subiekt-demo.sqlite").is_file() and list((folder / "pdf").glob("*.pdf"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]
    history = run_cli("history", str(folder / "demo.toml"), "--json", env=cli_env(SELLINTEGRO_NOW=""),
                      cwd=tmp_path)
    assert history.returncode == 0 and json.loads(history.stdout)["events"], history.stderr
