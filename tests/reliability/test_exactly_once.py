"""Exactly once without trusting the ledger (issue 11): BaseLinker is the source of truth.

* the ledger deleted, truncated to 0 bytes, or replaced by another scenario's ledger between any two runs of
  the full workload: a damaged file stops the run (exit 2, the command to move it aside); a missing or foreign
  ledger adopts what the account holds; in the end every Subiekt document is held by exactly one BaseLinker
  document with one file, and nothing is left unfiled;
* twin scenarios (copies of one scenario in two folders, two ledgers) started together against one account,
  over 20 seeds (100 with ``SELLINTEGRO_LONG=1``; random start offsets and call latencies): every document
  lands exactly once, the scenario that did not claim a document skips it naming the one that did;
* a placeholder series that Base sends to KSeF itself (emulator ``"ksef": true``): exit 3 with one error naming
  the series; after the series is disconnected the run finishes the job, still exactly once.
"""

from __future__ import annotations

import json
import random
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from sellintegro_baselinker_emulator.app import Emulator

from .conftest import LONG
from .stack import (
    TOKEN,
    ForkedRun,
    Reference,
    cli_env,
    emulator_seed,
    prepare,
    report_of,
    snapshot,
    writes,
)

MAX_RUNS = 6
TWIN_SEEDS = 20
LONG_TWIN_SEEDS = 100


def _scenario(url: str, name: str = "reliability") -> dict[str, Any]:
    """The full workload; its window reaches back 14 days even from a new ledger's set-up, so a new ledger
    sees (and must adopt) every document the account already holds."""
    from .stack import full_scenario

    data = full_scenario(url, fast=True)
    data["name"] = name
    data["window"]["before_setup_days"] = 14
    return data


TWIN_TIME_SCALE = 10


def _twin(url: str) -> dict[str, Any]:
    """One of two scenarios on one token: each keeps half of BaseLinker's 100 calls a minute (docs/baselinker.md),
    so together they never get the token blocked."""
    data = _scenario(url)
    data["sink"]["requests_per_minute"] = 50
    data["sink"]["rate_window_seconds"] = 60 / TWIN_TIME_SCALE
    return data


def _run(folder: Path, scenario: Path, site: Path) -> ForkedRun:
    return ForkedRun(["run", str(scenario), "--json", "--no-progress"], folder, cli_env(PYTHONPATH=str(site)))


def _settle(emulator: Any, folder: Path, scenario: Path, site: Path) -> list[dict[str, Any]]:
    """Run until a run writes nothing; the reports."""
    reports = []
    for _ in range(MAX_RUNS):
        before = len(emulator.calls)
        run = _run(folder, scenario, site)
        code = run.wait()
        assert code in (0, 1), f"exit {code}: {run.stderr}"
        report = report_of(run.stdout)
        assert report is not None, run.stdout
        reports.append(report)
        if not writes(emulator.calls[before:]):
            return reports
    raise AssertionError(f"the runs do not settle after {MAX_RUNS}")


def _exactly_once(emulator: Any, reference: Reference, context: str) -> None:
    snap = snapshot(emulator)
    attached = snap.documents()
    duplicates = {k: v for k, v in attached.items() if v > 1}
    assert not duplicates, f"{context}: held more than once: {duplicates}"
    assert attached == reference.snapshot.documents(), (
        f"{context}: missing {sorted(set(reference.snapshot.documents()) - set(attached))}, "
        f"extra {sorted(set(attached) - set(reference.snapshot.documents()))}")
    assert not snap.unfiled, f"{context}: BaseLinker documents without a file: {snap.unfiled}"
    for invoice in emulator.invoices():      # one file each, and it is a PDF
        assert (emulator.invoice_file(invoice["invoice_id"]) or b"").startswith(b"%PDF"), invoice
    for receipt in emulator.receipts():
        assert (emulator.receipt_file(receipt["receipt_id"]) or b"").startswith(b"%PDF"), receipt


def _damage(ledger: Path, how: str, other: Path) -> None:
    if how == "deleted":
        for extra in ("", "-wal", "-shm"):
            Path(f"{ledger}{extra}").unlink(missing_ok=True)
    elif how == "truncated":
        ledger.write_bytes(b"")
    elif how == "cut_short":
        data = ledger.read_bytes()
        ledger.write_bytes(data[: len(data) // 3])
    elif how == "garbage":
        ledger.write_bytes(b"this is not a ledger\n" * 50)
    else:  # replaced by another scenario's ledger (its own name, its own account's history)
        for extra in ("-wal", "-shm"):
            Path(f"{ledger}{extra}").unlink(missing_ok=True)
        shutil.copy(other, ledger)


@pytest.fixture(scope="module")
def other_ledger(demo: Any, fast_pdf_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ledger of another scenario ("other"), which ran the same workload on another account."""
    from sellintegro_baselinker_emulator import serve

    folder = tmp_path_factory.mktemp("other")
    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emulator) as server:
        scenario = prepare(folder, demo, server.url, fast=True, data=_scenario(server.url, "other"))
        _settle(emulator, folder, scenario, fast_pdf_site)
    return folder / "state" / "ledger.db"


@pytest.mark.parametrize("how", ["deleted", "truncated", "cut_short", "replaced"])
def test_lost_or_damaged_ledger_between_any_two_runs(how: str, demo: Any, reference: Reference,
                                                      fast_pdf_site: Path, other_ledger: Path,
                                                      tmp_path: Path) -> None:
    from sellintegro_baselinker_emulator import serve

    for after in range(1, reference.runs + 1):      # between run `after` and the next one
        folder = tmp_path / f"{how}-{after}"
        emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
        with serve(emulator) as server:
            scenario = prepare(folder, demo, server.url, fast=True, data=_scenario(server.url))
            ledger = folder / "state" / "ledger.db"
            for _ in range(after):
                assert _run(folder, scenario, fast_pdf_site).wait() in (0, 1)
            _damage(ledger, how, other_ledger)
            if how in ("truncated", "cut_short", "garbage"):
                before = len(emulator.calls)
                run = _run(folder, scenario, fast_pdf_site)
                assert run.wait() == 2, run.stderr
                assert len(emulator.calls) == before, "a damaged ledger must stop the run before any call"
                message = run.stderr
                assert str(ledger) in message and "damaged" in message, message
                command = next(line.strip() for line in message.splitlines() if line.strip().startswith("mv "))
                subprocess.run(shlex.split(command.split(" && ")[0]), check=True)   # the command it gave
                assert not ledger.exists()
            reports = _settle(emulator, folder, scenario, fast_pdf_site)
            created = [c for c in emulator.calls if c["method"] in ("addInvoice", "addReceipt",
                                                                       "addInvoiceCorrection")]
            _exactly_once(emulator, reference, f"ledger {how} after run {after}")
            adopted = reports[0]["counts"].get("already_done", 0)
            assert adopted > 0, f"the new ledger adopted nothing: {reports[0]['counts']}"
            assert len([c for c in created if c["status"] == "SUCCESS"]) == \
                len(reference.snapshot.attached), "a BaseLinker document was created twice"


def _twin_emulator(demo: Any, seed: int) -> Emulator:
    rng = random.Random(seed)

    class Jittery(Emulator):
        def process(self, *args: Any, **kwargs: Any) -> Any:  # random latency: other interleavings per seed
            time.sleep(rng.random() * 0.004)
            return super().process(*args, **kwargs)

    # a time-scaled emulator (its 100 calls a minute counted over 6 s) keeps the twins' waits for the budget short
    return Jittery(token=TOKEN, seed=emulator_seed(demo.sidecar), time_scale=TWIN_TIME_SCALE)


def test_twin_scenarios_started_together(demo: Any, reference: Reference, fast_pdf_site: Path,
                                         tmp_path: Path) -> None:
    from sellintegro_baselinker_emulator import serve

    named_claims = 0
    for seed in range(LONG_TWIN_SEEDS if LONG else TWIN_SEEDS):
        rng = random.Random(seed)
        emulator = _twin_emulator(demo, seed)
        with serve(emulator) as server:
            folders = [tmp_path / f"s{seed}" / "a", tmp_path / f"s{seed}" / "b"]
            scenarios = [prepare(f, demo, server.url, fast=True, data=_twin(server.url)) for f in folders]
            for _ in range(MAX_RUNS):
                runs = []
                for folder, scenario in zip(folders, scenarios, strict=True):
                    runs.append(_run(folder, scenario, fast_pdf_site))
                    time.sleep(rng.random() * 0.02 if seed % 2 else 0)     # together, or within 20 ms
                outputs = []
                for run in runs:
                    assert run.wait() in (0, 1), run.stderr + run.stdout[:1200]
                    outputs.append(run.stdout)
                for out in outputs:
                    report = report_of(out) or {}
                    for row in report.get("rows", []):
                        if "attached by scenario 'reliability'" in row["message"] or \
                                "held by scenario 'reliability'" in row["message"]:
                            named_claims += 1
                snap = snapshot(emulator)
                if snap.documents() == reference.snapshot.documents() and not snap.unfiled:
                    break                 # done (a duplicate would never disappear again)
            else:
                raise AssertionError(f"seed {seed}: the twins do not finish the job")
            _exactly_once(emulator, reference, f"twins, seed {seed}")
    assert named_claims > 0, "no run skipped a document claimed by its twin, naming it"


def test_ksef_connected_placeholder_series(demo: Any, reference: Reference, fast_pdf_site: Path,
                                           tmp_path: Path) -> None:
    from sellintegro_baselinker_emulator import serve

    seed = emulator_seed(demo.sidecar)
    seed = json.loads(json.dumps(seed))
    for series in seed["series"]:
        if series["name"] == "Subiekt":
            series["ksef"] = True
    emulator = Emulator(token=TOKEN, seed=seed)
    with serve(emulator) as server:
        scenario = prepare(tmp_path, demo, server.url, fast=True, data=_scenario(server.url))
        run = _run(tmp_path, scenario, fast_pdf_site)
        assert run.wait() == 3, run.stderr
        message = run.stderr + run.stdout
        assert "'Subiekt'" in message and "disconnect" in message.lower(), message
        created = [c for c in emulator.calls if c["method"] == "addInvoice" and c["status"] ==
                   "SUCCESS"]
        assert len(created) == 1, "placeholders were created after the first one showed KSeF data"
        again = _run(tmp_path, scenario, fast_pdf_site)
        assert again.wait() == 3, again.stderr
        assert len([c for c in emulator.calls if c["method"] == "addInvoice"]) <= 2
        # the user disconnects the series from Base's KSeF integration; the job then finishes, exactly once
        with emulator._lock:
            for series in emulator.account.series:
                series.pop("ksef", None)
        _settle(emulator, tmp_path, scenario, fast_pdf_site)
        _exactly_once(emulator, reference, "after the KSeF series was disconnected")
