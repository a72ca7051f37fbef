"""`sellintegro demo --keep-running` prints the exact commands that run the demo scenario from another terminal,
and they work as printed; demo.toml says how; the summary explains its two counts."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import run_cli


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float) -> str:
    assert proc.stdout is not None
    out = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        out += line
        if marker in line:
            return out
    raise AssertionError(f"{marker!r} not printed in {timeout} s; output:\n{out}")


def _stop(proc: subprocess.Popen[str]) -> int:
    """Ctrl-C as a user presses it: once, and again ("press Ctrl-C again to abort") if it is still running."""
    for _ in range(2):
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            continue
    proc.kill()
    proc.wait(timeout=15)
    raise AssertionError("the demo did not stop on Ctrl-C")


def test_keep_running_prints_commands_that_work_as_printed(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLINTEGRO_")}
    env["COLUMNS"] = "200"
    proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "demo", "--keep-running", "--documents",
                             "20", "--dir", "demo"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out = _read_until(proc, "  sellintegro history ", timeout=300)
        summary = out[out.index("PDFs saved"):]
        done = int(re.search(r"ok: done (\d+)", out).group(1))
        calls = int(re.search(r"BaseLinker calls: (\d+)\n", out).group(1))
        attached = int(re.search(r"this run attached (\d+)", summary).group(1))
        explained = re.search(r'"done (\d+)" above counts every action the run completed: (\d+) documents attached '
                              r"and (\d+) order updates", summary)
        assert explained, summary
        assert (int(explained.group(1)), int(explained.group(2))) == (done, attached)
        assert int(explained.group(2)) + int(explained.group(3)) == done
        writes = re.search(rf'"BaseLinker calls: {calls}" counts every call: (\d+) writes .* and (\d+) reads', summary)
        assert writes and int(writes.group(1)) + int(writes.group(2)) == calls, summary
        commands = [line.strip() for line in out[out.index("run the scenario yourself"):].splitlines()[1:4]]
        export, run, history = commands
        assert export.startswith("export ") and run.startswith("sellintegro run ") and "history" in history
        name, value = export.removeprefix("export ").split("=", 1)
        own_env = dict(env, **{name: value})
        for command in (run, history):                     # exactly as printed, from another "terminal"
            args = shlex.split(command)[1:]
            result = run_cli(*args, env=own_env, cwd=tmp_path)
            assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr)
        assert "ok:" in run_cli(*shlex.split(run)[1:], env=own_env, cwd=tmp_path).stdout
    finally:
        code = _stop(proc)
    assert code in (0, 4, 130), code
    header = (tmp_path / "demo" / "demo.toml").read_text(encoding="utf-8").split("\nname =")[0]
    assert "sellintegro demo --keep-running" in header and "SELLINTEGRO_DEMO_TOKEN" in header
    assert "run it again with `sellintegro run`" not in header


def test_without_keep_running_the_demo_says_how_to_run_the_scenario_yourself(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLINTEGRO_")}
    result = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "demo", "--documents", "12", "--dir",
                             "demo"], cwd=tmp_path, env=dict(env, COLUMNS="200"), capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "to run the scenario yourself, start `sellintegro demo --keep-running`" in result.stdout
