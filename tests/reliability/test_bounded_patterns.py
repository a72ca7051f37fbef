"""[source.match] patterns never run unbounded (ReDoS): ``plan``/``run``/``subiekt detect`` as real processes.

The issue's pattern ``^B_(?P<ref>(\\d+)+)$`` on ``uwagi`` with one 35-character remark made ``plan`` run for
278 s (Python's ``re`` backtracks 2^32 times). Patterns now run on the ``regex`` module with a time limit per
value and a cap on the value's length; a value a pattern cannot be applied to within them is a document error
on that document (``match_failed``) and the run goes on.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from .stack import cli_env, report_of, run_cli

ISSUE_PATTERN = r"^B_(?P<ref>(\d+)+)$"
SLOW_PATTERN = r"^B_(?P<ref>(\d|\d)+)$"       # exponential even on the regex module: it must time out
REMARK = "B_" + "1" * 32 + "X"                  # 35 characters
MATCHED, HOSTILE = "FS 8/11/2026", "FS 5/11/2026"


def _remarks(db: Path) -> str:
    """uwagi of MATCHED = its order reference; uwagi of HOSTILE = the 35-character remark. Returns MATCHED's order."""
    con = sqlite3.connect(db)
    order = con.execute("SELECT z.dok_NrPelnyOryg FROM dok__Dokument d JOIN dok__Dokument z ON z.dok_Id = "
                        "d.dok_DoDokId WHERE d.dok_NrPelny = ?", (MATCHED,)).fetchone()[0]
    con.execute("UPDATE dok__Dokument SET dok_Uwagi = ? WHERE dok_NrPelny = ?", (order, MATCHED))
    con.execute("UPDATE dok__Dokument SET dok_Uwagi = ? WHERE dok_NrPelny = ?", (REMARK, HOSTILE))
    con.commit()
    con.close()
    return str(order).removeprefix("B_")


def _stack_with(stack_factory: Any, pattern: str) -> Any:
    stack = stack_factory()
    data = stack.data
    data["source"]["match"] = {"field": "uwagi", "pattern": pattern, "via_order_document": False,
                               "order_key": "order_id"}
    stack.rewrite(data)
    return stack


def _rows(report: dict[str, Any], number: str) -> list[dict[str, Any]]:
    return [row for row in report["rows"] if row["document"] == number]


def test_issue_pattern_on_a_35_character_remark_finishes(stack_factory: Any) -> None:
    stack = _stack_with(stack_factory, ISSUE_PATTERN)
    order = _remarks(stack.db)
    started = time.monotonic()
    result = run_cli("plan", str(stack.scenario), "--json", env=cli_env(), cwd=stack.folder, timeout=120)
    took = time.monotonic() - started
    assert took < 60, f"plan took {took:.0f} s"
    assert result.returncode in (0, 1), result.stderr
    report = report_of(result.stdout)
    assert report is not None, result.stderr
    matched = _rows(report, MATCHED)
    assert matched and matched[0]["order_id"] == order, matched
    hostile = _rows(report, HOSTILE)
    assert hostile and hostile[0]["outcome"] in ("skipped", "failed"), hostile


def test_a_pattern_that_times_out_is_a_document_error_and_the_run_goes_on(stack_factory: Any) -> None:
    stack = _stack_with(stack_factory, SLOW_PATTERN)
    validate = run_cli("validate", str(stack.scenario), env=cli_env(), cwd=stack.folder)
    assert validate.returncode == 0, validate.stderr           # a valid pattern: slow only on some values
    order = _remarks(stack.db)
    started = time.monotonic()
    result = run_cli("run", str(stack.scenario), "--json", env=cli_env(), cwd=stack.folder, timeout=120)
    took = time.monotonic() - started
    assert took < 60, f"run took {took:.0f} s"
    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    assert result.returncode == 1, (result.returncode, result.stderr)      # document errors
    report = report_of(result.stdout)
    assert report is not None
    (hostile,) = _rows(report, HOSTILE)
    assert hostile["outcome"] == "failed", hostile
    assert "took longer than" in hostile["message"] and "uwagi of FS 5/11/2026" in hostile["message"], hostile
    assert "simplify source.match.pattern" in hostile["message"], hostile
    # the run went on: the document whose remark is an order reference was attached
    attached = [row for row in _rows(report, MATCHED) if row["action"].startswith("attach")]
    assert attached and attached[0]["outcome"] == "done" and attached[0]["order_id"] == order, attached
    assert any(inv["external_invoice_number"] == MATCHED for inv in stack.emulator.invoices())
    # recorded: history shows the document error
    history = run_cli("history", str(stack.scenario), env=cli_env(COLUMNS="300"), cwd=stack.folder)
    assert history.returncode == 0 and "took longer than" in " ".join(history.stdout.split()), history.stdout


def test_detect_with_long_hostile_remarks_finishes(stack_factory: Any) -> None:
    """``sellintegro subiekt detect`` applies its own shapes to every field of the sample: long odd remarks
    (the longest uwagi Subiekt holds, 500 characters) do not slow it down, and are printed as plain text."""
    stack = stack_factory()
    con = sqlite3.connect(stack.db)
    odd = ("zamówienie " + "x" * 30 + "1234") * 11 + "\x1b[2J[/red]"
    con.execute("UPDATE dok__Dokument SET dok_Uwagi = ?", (odd[:500],))
    con.commit()
    con.close()
    started = time.monotonic()
    result = run_cli("subiekt", "detect", str(stack.scenario), env=cli_env(), cwd=stack.folder, timeout=120)
    assert time.monotonic() - started < 60
    assert result.returncode == 0, result.stderr
    assert "Suggested" in result.stdout, result.stdout
    assert "\x1b" not in result.stdout + result.stderr
