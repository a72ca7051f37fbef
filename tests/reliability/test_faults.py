"""Faults: the emulator fails calls the way networks and gateways do; runs end or defer cleanly.

* Random faults at 10 % (5xx, timeouts, dropped connections, malformed JSON, token blocks with an until-time),
  seeded: every run exits 0, 1 or 4 with a clear report and no traceback; one logical call is tried at most
  ``max_retries + 1`` times; no call reaches BaseLinker while the token is blocked (a run started during a
  block makes no call at all); after the faults stop, rerunning until nothing is left gives exactly the
  uninterrupted result (nothing lost, nothing duplicated).
* Scripted single faults on each write step (carried out but unanswered -- the worst case): retried without a
  duplicate. A fault that persists: the run is deferred (exit 4) after bounded retries.

The emulator runs with ``time_scale = 60`` (its minute lasts a second, a 2-minute block 2 s) and the sink with
a 1-second rate window and a 2-second timeout, so the suite spends seconds, not minutes, waiting.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sellintegro_baselinker_emulator import Emulator, serve
from sellintegro_baselinker_emulator.faults import FaultInjector

from .conftest import LONG
from .stack import (
    TOKEN,
    WRITE_METHODS,
    Demo,
    ForkedRun,
    Reference,
    cli_env,
    compare_with_reference,
    emulator_seed,
    full_scenario,
    prepare,
    report_of,
    writes,
)

MAX_RETRIES = 2
FAULT_SEEDS = list(range(20)) if LONG else [1, 2, 3]
RANDOM_FAULTS = "5xx=0.02,timeout=0.02,drop=0.02,malformed=0.02,block=0.02;delay=2.5;apply=random"


def fault_scenario(url: str) -> dict[str, Any]:
    data = full_scenario(url, fast=True)
    data["sink"].update({"timeout": 2.0, "max_retries": MAX_RETRIES, "retry_max_seconds": 10.0,
                         "rate_window_seconds": 1.0, "requests_per_minute": 50})
    return data


class Rig:
    """A served emulator with faults, the prepared folder, and a log of the runs made."""

    def __init__(self, folder: Path, demo: Demo, site: Path, faults: str | None = None) -> None:
        self.emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar), faults=faults, time_scale=60,
                                 block_seconds=120)
        self._cm = serve(self.emulator)
        self.server = self._cm.__enter__()
        self.folder = folder
        self.scenario = prepare(folder, demo, self.server.url, fast=True, data=fault_scenario(self.server.url))
        self.env = cli_env(PYTHONPATH=str(site))
        self.history: list[str] = []

    def close(self) -> None:
        self._cm.__exit__(None, None, None)

    def faults_off(self) -> None:
        self.emulator.faults = FaultInjector(None)

    def run(self) -> tuple[int, dict[str, Any], list[dict[str, Any]]]:
        """One run; checks what every run must satisfy and returns (exit code, report, its calls)."""
        before = len(self.emulator.calls)
        run = ForkedRun(["run", str(self.scenario), "--json", "--no-progress"], self.folder, self.env)
        code = run.wait()
        calls = self.emulator.calls[before:]
        report = report_of(run.stdout)
        self.history.append(f"exit {code}: {report and report['outcome']} {report and report['message']!r} "
                            f"({len(calls)} calls)")
        context = f"{self.history}\nstderr: {run.stderr[-2000:]}"
        assert "Traceback" not in run.stdout + run.stderr, context
        assert code in (0, 1, 4), context
        assert report is not None, context
        if code == 4:
            assert report["outcome"] == "deferred" and report["message"], context
        assert_bounded_retries(calls, context)
        return code, report, calls

    def settle(self, max_runs: int = 8) -> None:
        """Rerun (waiting out blocks) until a run has nothing left to write."""
        for _ in range(max_runs):
            code, report, calls = self.run()
            if code == 4:
                wait_until(report)
                continue
            if not writes(calls):
                return
        raise AssertionError(f"never settled: {self.history}")


def wait_until(report: dict[str, Any]) -> None:
    until = report.get("deferred_until")
    if until:
        delay = (datetime.fromisoformat(until) - datetime.now().astimezone()).total_seconds()
        time.sleep(min(max(delay, 0) + 0.2, 20))


def assert_bounded_retries(calls: list[dict[str, Any]], context: str) -> None:
    """One run never repeats the same write more than max_retries + 1 times (reads at most a few more)."""
    same = Counter((c["method"], json.dumps(c["parameters"], sort_keys=True)) for c in calls)
    for (method, params), count in same.items():
        limit = MAX_RETRIES + 1 if method in WRITE_METHODS else 3 * (MAX_RETRIES + 1)
        assert count <= limit, f"{method} {params[:200]} sent {count} times in one run\n{context}"


def assert_no_call_during_block(calls: list[dict[str, Any]]) -> None:
    """The emulator answers ERROR_BLOCKED_TOKEN to any call while the token is blocked: the only such answers
    must be the injected blocks themselves (and no rate-limit block ever happens)."""
    during = [c for c in calls if c["error_code"] == "ERROR_BLOCKED_TOKEN" and c.get("fault") != "block"]
    assert not during, f"calls made while the token was blocked: {during}"


@pytest.fixture
def rig(tmp_path: Path, demo: Demo, fast_pdf_site: Path) -> Any:
    made: list[Rig] = []

    def make(faults: str | None = None, name: str = "rig") -> Rig:
        r = Rig(tmp_path / f"{name}{len(made)}", demo, fast_pdf_site, faults)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


@pytest.mark.parametrize("seed", FAULT_SEEDS)
def test_random_faults_at_ten_percent(seed: int, rig: Any, reference: Reference) -> None:
    r = rig(f"{RANDOM_FAULTS};seed={seed}")
    for _ in range(3):                      # a few runs while the network misbehaves
        code, report, _ = r.run()
        if code == 4 and report.get("deferred_until"):
            until = datetime.fromisoformat(report["deferred_until"])
            started = datetime.now().astimezone()
            code2, report2, calls2 = r.run()
            if (until - started).total_seconds() > 1.5:   # surely started (and ended) inside the block
                assert code2 == 4 and calls2 == [], f"a run during the block made calls: {r.history}"
            wait_until(report2 if report2.get("deferred_until") else report)
    r.faults_off()
    r.settle()
    assert_no_call_during_block(r.emulator.calls)
    faulted = [c for c in r.emulator.calls if c.get("fault")]
    assert faulted, "the seed injected no fault at all: pick another seed"
    compare_with_reference(r.emulator, r.folder, reference, f"fault seed {seed}: {r.history}")


# (kind, method): every write step once, each fault kind at least twice; "after" = carried out, unanswered
SINGLE_FAULTS = [
    ("5xx", "addInvoice"), ("timeout", "addInvoice"),
    ("drop", "addOrderInvoiceFile"), ("malformed", "addOrderInvoiceFile"),
    ("timeout", "addReceipt"), ("drop", "addOrderReceiptFile"),
    ("malformed", "addInvoiceCorrection"), ("5xx", "setOrderStatuses"),
    ("drop", "setOrderFields"), ("malformed", "getOrders"),
]


@pytest.mark.parametrize(("kind", "method"), SINGLE_FAULTS)
def test_single_fault_is_retried_without_duplicate(kind: str, method: str, rig: Any, reference: Reference) -> None:
    r = rig()
    r.emulator.inject_fault(kind, method=method, times=1, apply="after")
    code, report, calls = r.run()
    assert any(c.get("fault") == kind and c["method"] == method for c in calls) or method == "addInvoiceCorrection", \
        f"the fault was not triggered in the first run: {r.history}"
    assert code in (0, 1), f"one fault must be absorbed by a retry: {r.history}"
    r.settle()
    assert any(c.get("fault") == kind and c["method"] == method for c in r.emulator.calls), r.history
    compare_with_reference(r.emulator, r.folder, reference, f"{kind} on {method}: {r.history}")


@pytest.mark.parametrize("kind", ["5xx", "timeout", "drop", "malformed"])
def test_persistent_fault_defers_the_run_after_bounded_retries(kind: str, rig: Any, reference: Reference) -> None:
    r = rig()
    r.emulator.inject_fault(kind, method="addOrderInvoiceFile", times=1000, apply="before")
    code, report, calls = r.run()
    assert code == 4, r.history
    assert "deferred" in report["message"] and "addOrderInvoiceFile" in report["message"], report["message"]
    uploads = [c for c in calls if c["method"] == "addOrderInvoiceFile"]
    assert 1 <= len(uploads) <= MAX_RETRIES + 1, r.history
    # the run stopped at the failing call: nothing was uploaded and no status was changed
    assert not [c for c in calls if c["method"] in ("setOrderStatuses", "setOrderStatus")]
    r.emulator.faults.clear()
    r.settle()
    compare_with_reference(r.emulator, r.folder, reference, f"persistent {kind}: {r.history}")


def test_token_block_defers_and_no_call_is_made_until_it_lifts(rig: Any, reference: Reference) -> None:
    r = rig()
    r.emulator.inject_fault("block", method="addOrderInvoiceFile")
    code, report, calls = r.run()
    assert code == 4 and report["deferred_until"], r.history
    assert "blocked" in report["message"] and "until" in report["message"], report["message"]
    until = datetime.fromisoformat(report["deferred_until"])
    blocked_at = next(i for i, c in enumerate(calls) if c.get("fault") == "block")
    assert calls[blocked_at + 1:] == [], f"calls after the block answer: {calls[blocked_at + 1:]}"
    # started again at once: the run makes no call at all and says when it will resume
    code, report, calls = r.run()
    if datetime.now().astimezone() < until:
        assert code == 4 and calls == [], r.history
        assert report["deferred_until"], report
    time.sleep(max(0.0, (until - datetime.now().astimezone()).total_seconds()) + 0.2)
    r.settle()
    assert_no_call_during_block(r.emulator.calls)
    compare_with_reference(r.emulator, r.folder, reference, f"block: {r.history}")
