"""Issue 17.4: a run's memory does not grow with the window, and nothing is lost by that.

Real processes (``python -m sellintegro_core.cli``), a real emulator on 127.0.0.1 and a demo Subiekt database
larger than the run report keeps for its summary. The waiting documents live in a temporary SQLite file in
``TMPDIR`` (removed when the run ends, also after SIGTERM); ``--json`` still lists every action once, as the
ledger does; the in-memory summary keeps a bounded number of rows (the first ones and the failed ones).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from .stack import NOW, cli_env, generate_demo, preset_setup, report_of, run_cli, snapshot, writes
from .test_stop import STOPPED, Cli

LARGE_DOCUMENTS = 420          # more actions than the summary keeps (sellintegro_core.report.KEEP_FIRST)
REPORT_KEYS = {"scenario", "plan", "run_id", "timezone", "started_at", "finished_at", "window", "outcome",
               "exit_code", "counts", "api_calls", "deferred_until", "message", "rows"}
ROW_KEYS = {"order_id", "document", "action", "outcome", "message"}


@pytest.fixture(scope="module")
def large_demo(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return generate_demo(tmp_path_factory.mktemp("large-demo"), documents=LARGE_DOCUMENTS, seed=11)


def _large_stack(stack_factory: Any, large_demo: Any, tmp_path: Path, fast_pdf_site: Path, *,
                 fast_calls: bool = True) -> tuple[Any, dict[str, str], Path]:
    from datetime import timedelta

    from sellintegro_baselinker_emulator import Emulator

    from .stack import TOKEN, emulator_seed

    folder = tmp_path / "large"
    emulator = Emulator(token=TOKEN, seed=emulator_seed(large_demo.sidecar), requests_per_minute=1_000_000)
    stack = stack_factory(emulator=emulator, folder=folder)
    large_demo.copy_to(folder)                      # over the small demo the factory copied
    data = stack.data
    data["rule"]["wait_for_ksef"] = "no"
    data["renderer"]["plugin"] = "reliability_fast_pdf"
    if fast_calls:
        data["sink"]["requests_per_minute"] = 100
        data["sink"]["rate_window_seconds"] = 0.05
    else:
        data["sink"]["requests_per_minute"] = 3
    stack.rewrite(data)
    preset_setup(stack.ledger, "reliability", NOW - timedelta(days=7))
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    env = cli_env(PYTHONPATH=str(fast_pdf_site), TMPDIR=str(tmpdir))
    return stack, env, tmpdir


def _history(stack: Any, env: dict[str, str]) -> dict[str, Any]:
    done = run_cli("history", str(stack.scenario), "--json", "--runs", "50", cwd=stack.folder, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_of_a_large_run_lists_every_action_once_as_the_ledger_does(
        stack_factory: Any, large_demo: Any, tmp_path: Path, fast_pdf_site: Path) -> None:
    stack, env, tmpdir = _large_stack(stack_factory, large_demo, tmp_path, fast_pdf_site)
    done = run_cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder, env=env, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    report = json.loads(done.stdout)                 # the whole of stdout is one valid JSON document
    assert set(report) == REPORT_KEYS
    rows = report["rows"]
    assert all(set(row) == ROW_KEYS for row in rows)
    assert len(rows) == sum(report["counts"].values()) > 500, report["counts"]
    for outcome, count in report["counts"].items():
        assert sum(1 for r in rows if r["outcome"] == outcome) == count, outcome
    # every document attached once, and the rows say the same as the emulator
    attached = Counter((r["order_id"], r["document"]) for r in rows
                       if r["action"].startswith("attach") and r["outcome"] == "done")
    assert attached and max(attached.values()) == 1
    snap = snapshot(stack.emulator)
    assert {(str(a.order_id), a.number) for a in snap.attached} == set(attached)
    # the ledger (what `history` reads) has the same actions with the same outcomes
    history = _history(stack, env)
    run_id = report["run_id"]
    assert history["runs"][0]["id"] == run_id and history["runs"][0]["counts"] == report["counts"]
    events = Counter((e["order_id"], e["document_number"], e["outcome"]) for e in history["events"])
    assert Counter((r["order_id"], r["document"], r["outcome"]) for r in rows) == events
    # nothing left in the temporary folder: the waiting documents' file is gone
    assert list(tmpdir.iterdir()) == []


def test_human_summary_keeps_a_bounded_list_and_says_where_the_rest_is(
        stack_factory: Any, large_demo: Any, tmp_path: Path, fast_pdf_site: Path) -> None:
    stack, env, tmpdir = _large_stack(stack_factory, large_demo, tmp_path, fast_pdf_site)
    done = run_cli("plan", str(stack.scenario), "--no-progress", cwd=stack.folder, env=env, timeout=600)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    assert "more actions not listed here" in done.stdout and "sellintegro history SCENARIO" in done.stdout
    planned = run_cli("plan", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder, env=env,
                      timeout=600)
    report = json.loads(planned.stdout)
    assert len(report["rows"]) == sum(report["counts"].values()) > 500
    assert list(tmpdir.iterdir()) == []


def test_in_process_report_keeps_first_and_failed_rows_and_streams_all(tmp_path: Path) -> None:
    """The summary list is bounded however many actions a run makes; ``all_rows`` and ``write_json`` give
    every one, and ``write_json`` writes the same text as dumping the whole report at once."""
    import io

    from sellintegro_core.report import KEEP_FAILED, KEEP_FIRST, Row, RunReport, write_json
    from sellintegro_core.secrets import redact_data
    from sellintegro_core.terminal import json_text

    report = RunReport(scenario="s", plan_only=False, started_at=NOW, timezone="Europe/Warsaw")
    made = []
    for i in range(KEEP_FIRST + 3 * KEEP_FAILED):
        outcome = "failed" if i % 3 == 0 else "done"
        row = Row(order_id=str(i), document=f"FS {i}/2026 \u202e\u0007", action="attach invoice", outcome=outcome,
                  message=f"m{i}")
        made.append(row)
        report.add_row(row)
        report.counts[outcome] += 1
    assert len(report.rows) == KEEP_FIRST + KEEP_FAILED
    assert report.rows[:KEEP_FIRST] == made[:KEEP_FIRST]
    assert all(r.outcome == "failed" for r in report.rows[KEEP_FIRST:])
    assert list(report.all_rows()) == made
    assert list(report.all_rows()) == made                 # again: the spool is re-read from its start
    out = io.StringIO()
    write_json(report, out, dump=json_text, clean=redact_data)
    whole = report.as_dict()
    whole["rows"] = [r.__dict__ for r in made]
    assert out.getvalue() == json_text(redact_data(whole)) + "\n"
    empty = RunReport(scenario="s", plan_only=True, started_at=NOW)
    out = io.StringIO()
    write_json(empty, out, dump=json_text, clean=redact_data)
    assert out.getvalue() == json_text(redact_data(empty.as_dict())) + "\n"


def test_sigterm_removes_the_waiting_documents_file_and_the_next_run_continues(
        stack_factory: Any, large_demo: Any, tmp_path: Path, fast_pdf_site: Path) -> None:
    stack, env, tmpdir = _large_stack(stack_factory, large_demo, tmp_path, fast_pdf_site, fast_calls=False)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmpdir / f"sellintegro-waiting-{int(dead.stdout)}-left.sqlite"     # left by a killed run
    stale.write_bytes(b"")
    run = Cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder, env=env)
    try:
        run.wait_for(lambda: len(stack.emulator.calls) >= 3, what="the run to use its 3 calls")
        files = [p.name for p in tmpdir.iterdir()]
        assert len(files) == 1 and files[0].startswith("sellintegro-waiting-") and files[0] != stale.name, files
        code, took = run.signal_and_time(signal.SIGTERM)
    finally:
        run.kill()
    assert code == 4, (run.stdout, run.stderr)
    report = report_of(run.stdout)
    assert report is not None and report["outcome"] == "stopped" and report["message"] == STOPPED
    assert list(tmpdir.iterdir()) == []
    # the next runs finish the work: every document once
    data = stack.data
    data["sink"]["requests_per_minute"] = 100
    data["sink"]["rate_window_seconds"] = 0.05
    stack.rewrite(data)
    for _ in range(4):
        before = len(stack.emulator.calls)
        done = run_cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder, env=env,
                       timeout=600)
        assert done.returncode in (0, 1), done.stderr[-3000:]
        if not writes(stack.emulator.calls[before:]):
            break
    snap = snapshot(stack.emulator)
    assert snap.attached and all(n == 1 for n in snap.documents().values())
    assert not snap.unfiled
    assert list(tmpdir.iterdir()) == []


def test_a_temporary_folder_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    from sellintegro_core.errors import ConfigError
    from sellintegro_core.waiting import WaitingDocuments

    missing = tmp_path / "no-such-folder"
    with pytest.raises(ConfigError) as caught:
        WaitingDocuments(missing)
    assert f"cannot create the run's temporary file in {missing}" in caught.value.message
    assert "TMPDIR" in (caught.value.hint or "")


def test_store_gives_documents_back_by_reference_in_reading_order(tmp_path: Path) -> None:
    from sellintegro_core.models import SalesDocument
    from sellintegro_core.waiting import PENDING, WaitingDocuments

    def document(i: int, ref: str) -> SalesDocument:
        return SalesDocument.model_validate({
            "id": str(i), "kind": "FS", "number": f"FS {i}/2026", "issue_date": "2026-11-20",
            "order_ref": {"key": "order_id", "value": ref}, "currency": "PLN", "seller": {"name": "S"},
            "totals": {"net": "1", "vat": "0.23", "gross": "1.23"}})

    with WaitingDocuments(tmp_path) as store:
        for i, ref in enumerate(["7", "8", "7", "9", "7"]):
            store.add(("order_id", ref), document(i, ref))
        assert [d.id for d in store.documents(("order_id", "7"))] == ["0", "2", "4"]
        assert list(store.refs()) == [("order_id", "7"), ("order_id", "8"), ("order_id", "9")]
        store.set_state([("order_id", "8")], PENDING)
        assert list(store.refs(PENDING)) == [("order_id", "8")]
        assert store.documents(("order_id", "10")) == []
        path = store.path
        assert path.exists() and path.parent == tmp_path
    assert not path.exists()
