"""Issue 12.10: ``plan`` lists exactly the actions a run takes from the same state, in the same order, with the
same outcomes (a planned write is what the run then does), and user messages carry no internal keys."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .stack import Demo, cli_env, prepare, report_of, run_cli

INTERNAL_KEY = re.compile(r"\b(attach|status|field|skip):[^\s:]+:")
SAME = {"planned": {"done", "already_done"}, "skipped": {"skipped"}, "failed": {"failed"}}


def _rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["order_id"], r["document"], r["action"]) for r in report["rows"]]


def _plan_then_run(folder: Path, scenario: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    env = cli_env()
    plan = run_cli("plan", str(scenario), "--json", env=env, cwd=folder)
    assert plan.returncode in (0, 1), plan.stderr
    run = run_cli("run", str(scenario), "--json", "--no-progress", env=env, cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    planned, done = report_of(plan.stdout), report_of(run.stdout)
    assert planned is not None and done is not None
    return planned, done


def test_plan_lists_the_runs_actions_in_order_with_the_same_outcomes(demo: Demo, tmp_path: Path,
                                                                      fast_pdf_site: Path) -> None:
    from sellintegro_baselinker_emulator import Emulator, serve

    from .stack import TOKEN, emulator_seed

    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emulator) as server:
        scenario = prepare(tmp_path, demo, server.url, fast=False)
        for round_ in range(2):            # from the fresh state, then from the state the first run left
            plan, run = _plan_then_run(tmp_path, scenario)
            assert _rows(plan) == _rows(run), f"round {round_}: plan and run differ"
            writes = 0
            for p, r in zip(plan["rows"], run["rows"], strict=True):
                expected = SAME.get(p["outcome"], {p["outcome"]})
                assert r["outcome"] in expected, f"round {round_}: {p} planned, the run did {r}"
                if p["outcome"] in ("skipped", "failed"):
                    assert p["message"] == r["message"], (p, r)
                writes += p["outcome"] == "planned"
            if round_ == 0:
                # the demo data holds attaches, status changes after them and corrections after their invoice
                actions = [p["action"] for p in plan["rows"] if p["outcome"] == "planned"]
                assert any(a.startswith("status") for a in actions), actions
                assert "attach correction" in actions, actions
            for report in (plan, run):
                for row in report["rows"]:
                    assert not INTERNAL_KEY.search(row["message"]), row


def test_plan_predicts_the_document_errors_of_the_run(demo: Demo, tmp_path: Path) -> None:
    """Documents the run refuses before any call (a number BaseLinker cannot store) fail in the plan too, and
    the order's failure status is planned as the run sets it."""
    from sellintegro_baselinker_emulator import Emulator, serve

    from .stack import TOKEN, emulator_seed
    from .test_bad_runtime import LONG_INVOICE, LONG_RECEIPT, edit_odd_documents

    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emulator) as server:
        scenario = prepare(tmp_path, demo, server.url, fast=False)
        edit_odd_documents(tmp_path / "subiekt.sqlite")
        plan, run = _plan_then_run(tmp_path, scenario)
    assert _rows(plan) == _rows(run)
    for p, r in zip(plan["rows"], run["rows"], strict=True):
        assert r["outcome"] in SAME.get(p["outcome"], {p["outcome"]}), (p, r)
    failed = {p["document"] for p in plan["rows"] if p["outcome"] == "failed"}
    assert {LONG_INVOICE, LONG_RECEIPT} <= failed
    assert any(p["action"] == "status -> Błąd faktury" and p["outcome"] == "planned" for p in plan["rows"])
