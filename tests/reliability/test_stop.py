"""Issue 12.1: one SIGTERM or Ctrl-C stops `run`, `schedule` and `demo --keep-running`.

Real processes (``python -m sellintegro_core.cli``), real signals. After the first signal a run records what it
did and exits 4 with "stopped; the next run continues" within 10 s (or within the current call's deadline);
an idle `schedule` exits 0 within 5 s; a second signal aborts at once. The next run continues the work without
a duplicate.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .hostile import HostileProxy, hang
from .stack import cli_env, report_of, run_cli, snapshot, writes

STOPPED = "stopped; the next run continues"


class Cli:
    """``python -m sellintegro_core.cli ARGS`` in the background, output to files."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str] | None = None) -> None:
        self.out = cwd / f"cli-{time.monotonic_ns()}.out"
        self.err = self.out.with_suffix(".err")
        with open(self.out, "wb") as out, open(self.err, "wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", *args], cwd=cwd,
                                         env=env if env is not None else cli_env(), stdout=out, stderr=err)

    @property
    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    @property
    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, condition: Callable[[], bool], timeout: float = 120, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"ended early ({what}): {self.stdout}\n{self.stderr}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}: {self.stdout}\n{self.stderr}"
            time.sleep(0.05)

    def signal_and_time(self, sig: int, timeout: float = 60) -> tuple[int, float]:
        """Send ``sig``; (exit code, seconds until the process ended)."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        took = time.monotonic() - sent
        print(f"{signal.Signals(sig).name} -> exit {code} after {took:.2f} s")   # shown with -s (measurements)
        return code, took

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def cli_procs() -> Any:
    started: list[Cli] = []
    yield started
    for proc in started:
        proc.kill()


def _slow_stack(stack_factory: Any, *, rpm: int = 3, **sink: Any) -> Any:
    """The demo stack whose scenario may make only ``rpm`` calls a minute: a run waits long for a free slot."""
    stack = stack_factory()
    data = stack.data
    data["sink"]["requests_per_minute"] = rpm
    data["sink"].update(sink)
    stack.rewrite(data)
    return stack


def _finish_and_check(stack: Any) -> None:
    """The next runs continue the stopped one: every document once, no placeholder without its file."""
    data = stack.data
    data["sink"]["requests_per_minute"] = 100
    data["sink"].pop("timeout", None)
    data["sink"]["url"] = stack.server.url
    stack.rewrite(data)
    for _ in range(4):
        before = len(stack.emulator.calls)
        done = run_cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder)
        assert done.returncode in (0, 1), done.stderr
        if not writes(stack.emulator.calls[before:]):
            break
    snap = snapshot(stack.emulator)
    assert snap.attached, "the continued runs attached nothing"
    assert all(n == 1 for n in snap.documents().values()), snap.documents()
    assert not snap.unfiled


def _runs(stack: Any) -> list[dict[str, Any]]:
    history = run_cli("history", str(stack.scenario), "--json", cwd=stack.folder)
    assert history.returncode == 0, history.stderr
    return json.loads(history.stdout)["runs"]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_one_signal_stops_a_run_within_10_s_and_the_next_run_continues(stack_factory: Any, cli_procs: list[Cli],
                                                                      sig: int) -> None:
    stack = _slow_stack(stack_factory)
    run = Cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder)
    cli_procs.append(run)
    run.wait_for(lambda: len(stack.emulator.calls) >= 3, what="the run to use its 3 calls")
    time.sleep(0.5)                                  # now it waits ~60 s for a free slot
    code, took = run.signal_and_time(sig)
    assert code == 4, (run.stdout, run.stderr)
    assert took < 10, f"took {took:.1f} s after the signal"
    report = report_of(run.stdout)
    assert report is not None and report["outcome"] == "stopped" and report["message"] == STOPPED
    assert STOPPED in run.stderr
    calls_at_stop = len(stack.emulator.calls)
    assert calls_at_stop <= 4, "the run went on calling BaseLinker after the signal"
    assert _runs(stack)[0]["outcome"] == "stopped"    # recorded in the ledger
    _finish_and_check(stack)


def test_human_output_says_stopped(stack_factory: Any, cli_procs: list[Cli]) -> None:
    stack = _slow_stack(stack_factory)
    run = Cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    cli_procs.append(run)
    run.wait_for(lambda: len(stack.emulator.calls) >= 3, what="the run to use its 3 calls")
    code, took = run.signal_and_time(signal.SIGTERM)
    assert (code, took < 10) == (4, True), (took, run.stdout, run.stderr)
    assert STOPPED in run.stdout


def test_schedule_stops_in_the_middle_of_a_run(stack_factory: Any, cli_procs: list[Cli]) -> None:
    stack = _slow_stack(stack_factory)
    sched = Cli("schedule", str(stack.scenario), cwd=stack.folder)
    cli_procs.append(sched)
    sched.wait_for(lambda: len(stack.emulator.calls) >= 3, what="the scheduled run to use its 3 calls")
    time.sleep(0.5)
    code, took = sched.signal_and_time(signal.SIGTERM)
    assert code == 4, (sched.stdout, sched.stderr)
    assert took < 10, f"took {took:.1f} s"
    assert STOPPED in sched.stdout + sched.stderr
    assert "next run" in sched.stdout and sched.stdout.count(": stopped (") == 1   # no new run started


def test_idle_schedule_exits_0_within_5_s(stack_factory: Any, cli_procs: list[Cli]) -> None:
    stack = stack_factory()
    data = stack.data
    data["schedule"]["hours"] = "20:00-22:00"          # NOW is 10:00: nothing to do until 20:00
    stack.rewrite(data)
    sched = Cli("schedule", str(stack.scenario), cwd=stack.folder)
    cli_procs.append(sched)
    sched.wait_for(lambda: "next run" in sched.stdout, what="the schedule to start waiting")
    time.sleep(1.0)
    code, took = sched.signal_and_time(signal.SIGTERM)
    assert code == 0, (sched.stdout, sched.stderr)
    assert took < 5, f"took {took:.1f} s"
    assert not stack.emulator.calls


def test_a_second_signal_aborts_at_once(stack_factory: Any, cli_procs: list[Cli]) -> None:
    """A write that hangs is given its deadline after the first signal; the second signal does not wait."""
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"addInvoice": hang()}) as proxy:
        data = stack.data
        data["sink"]["url"] = proxy.url
        data["sink"]["timeout"] = 120
        stack.rewrite(data)
        run = Cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder)
        cli_procs.append(run)
        run.wait_for(lambda: "addInvoice" in proxy.methods, what="the first addInvoice")
        run.proc.send_signal(signal.SIGTERM)
        time.sleep(1.5)
        assert run.proc.poll() is None, "the first signal must let the write in flight reach its deadline"
        code, took = run.signal_and_time(signal.SIGTERM, timeout=30)
        assert code == 130, (run.stdout, run.stderr)
        assert took < 3, f"took {took:.1f} s after the second signal"
        assert "interrupted" in run.stderr


def test_a_stopped_write_ends_within_its_deadline(stack_factory: Any, cli_procs: list[Cli]) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"addInvoice": hang()}) as proxy:
        data = stack.data
        data["sink"]["url"] = proxy.url
        data["sink"]["timeout"] = 4
        stack.rewrite(data)
        run = Cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder)
        cli_procs.append(run)
        run.wait_for(lambda: "addInvoice" in proxy.methods, what="the first addInvoice")
        code, took = run.signal_and_time(signal.SIGTERM, timeout=30)
        assert code == 4, (run.stdout, run.stderr)
        assert took < 4 + 6, f"took {took:.1f} s"
        report = report_of(run.stdout)
        assert report is not None and report["outcome"] == "stopped"
        assert proxy.methods.count("addInvoice") == 1, "the write was repeated after the stop"
    _finish_and_check(stack)


def test_demo_keep_running_stops_on_sigterm(tmp_path: Path, cli_procs: list[Cli]) -> None:
    env = cli_env()
    env.pop("SELLINTEGRO_NOW")
    demo = Cli("demo", "--dir", str(tmp_path / "demo"), "--documents", "8", "--keep-running", cwd=tmp_path,
               env=env)
    cli_procs.append(demo)
    demo.wait_for(lambda: "keep running" in demo.stdout and "next run" in demo.stdout, timeout=240,
                  what="the demo to reach its scheduler")
    time.sleep(1.0)
    code, took = demo.signal_and_time(signal.SIGTERM)
    assert code in (0, 4), (demo.stdout, demo.stderr)     # 0 idle, 4 if a scheduled run was under way
    assert took < 10, f"took {took:.1f} s"
    if code == 4:
        assert STOPPED in demo.stdout + demo.stderr


def test_demo_stops_in_its_first_run(tmp_path: Path, cli_procs: list[Cli]) -> None:
    env = cli_env()
    env.pop("SELLINTEGRO_NOW")
    demo = Cli("demo", "--dir", str(tmp_path / "demo"), "--documents", "40", "--keep-running", cwd=tmp_path,
               env=env)
    cli_procs.append(demo)
    demo.wait_for(lambda: "BaseLinker emulator:" in demo.stdout, timeout=240, what="the demo's first run")
    code, took = demo.signal_and_time(signal.SIGINT)
    assert code == 4, (demo.stdout, demo.stderr)
    assert took < 10, f"took {took:.1f} s"
    assert STOPPED in demo.stdout
    assert "keep running" not in demo.stdout

