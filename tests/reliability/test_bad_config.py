"""Bad scenario files: every case of ``catalogue.CATALOGUE`` gives its clear message, exit code 2, no traceback,
no ledger file and no BaseLinker call. Runs are forked children of a warm test process (``cli.main``);
a sample also runs through ``python -m sellintegro_core.cli`` to prove the real entry point prints the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .catalogue import CATALOGUE, CONFIG, Case
from .stack import (
    TOKEN,
    Demo,
    ForkedRun,
    cli_env,
    emulator_seed,
    run_cli,
    scenario_data,
    warm_up,
    write_scenario,
    writes,
)

SPAWNED_SAMPLE = ("file_not_toml", "sink_token_env_unset", "rule_documents_pai", "state_url_not_sqlite")


@pytest.fixture(scope="module")
def served(demo: Demo) -> Any:
    from sellintegro_baselinker_emulator import Emulator, serve

    warm_up()
    with serve(Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))) as server:
        yield server


def write_case(case: Case, folder: Path, demo: Demo, url: str) -> Path:
    demo.copy_to(folder)
    changed = case.apply(scenario_data(url))
    path = folder / "scenario.toml"
    if isinstance(changed, dict):
        return write_scenario(folder, changed)
    if isinstance(changed, bytes):
        path.write_bytes(changed)
    elif isinstance(changed, str):
        path.write_text(changed, encoding="utf-8")
    return path          # None: no file at all


def check(case: Case, code: int, stdout: str, stderr: str, folder: Path, command: str) -> None:
    context = f"{case.id} ({command}): exit {code}\nstdout: {stdout[-1500:]}\nstderr: {stderr[-1500:]}"
    assert code == case.exit, context
    assert "Traceback" not in stdout + stderr, context
    assert "unexpected" not in stderr, context
    for fragment in case.expect:
        assert fragment.lower() in stderr.lower(), f"missing {fragment!r}: {context}"
    first = stderr.strip().splitlines()[0] if stderr.strip() else ""
    assert first.startswith("error: "), context
    if case.exit == CONFIG:
        assert "sellintegro validate" in stderr, context      # how to check the fix


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.xfail(reason=c.bug)) if c.bug else c
                                  for c in CATALOGUE], ids=[c.id for c in CATALOGUE])
def test_bad_scenario(case: Case, demo: Demo, served: Any, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    scenario = write_case(case, folder, demo, served.url)
    env = cli_env(**case.env)
    calls_before = len(served.emulator.calls)
    commands = ["run"] if case.runtime else ["validate", "run"]
    for command in commands:
        run = ForkedRun([command, str(scenario)], folder, env)
        check(case, run.wait(), run.stdout, run.stderr, folder, command)
    # nothing half-written: no ledger and no BaseLinker call for what validation sees; no BaseLinker write when
    # the run had to start to find out (the renderer, built at the first document, may come after reads)
    new_calls = served.emulator.calls[calls_before:]
    if case.runtime:
        assert not writes(new_calls), new_calls
    else:
        assert new_calls == [], new_calls
        assert not (folder / "state").exists(), f"{case.id}: a ledger was created for an invalid scenario"


@pytest.mark.parametrize("case_id", SPAWNED_SAMPLE)
def test_bad_scenario_through_the_real_entry_point(case_id: str, demo: Demo, served: Any, tmp_path: Path) -> None:
    case = next(c for c in CATALOGUE if c.id == case_id)
    folder = tmp_path / "case"
    scenario = write_case(case, folder, demo, served.url)
    result = run_cli("run", str(scenario), env=cli_env(**case.env), cwd=folder)
    check(case, result.returncode, result.stdout, result.stderr, folder, "run (spawned)")


def test_every_error_of_one_file_is_listed_at_once(demo: Demo, served: Any, tmp_path: Path) -> None:
    """A user fixing a file sees every problem in one go, each with its section.key."""
    data = scenario_data(served.url)
    data["window"]["days_back"] = 0
    data["source"]["document_types"] = ["FV"]
    data["sink"]["requests_per_minute"] = 500
    data["rule"]["wait_for_ksef"] = "yes"
    demo.copy_to(tmp_path)
    result = run_cli("validate", str(write_scenario(tmp_path, data)), cwd=tmp_path)
    assert result.returncode == CONFIG
    for key in ("window.days_back", "source.document_types", "sink.requests_per_minute", "rule.wait_for_ksef"):
        assert key in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
