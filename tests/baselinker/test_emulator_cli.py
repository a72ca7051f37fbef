"""``sellintegro baselinker emulator`` as a user runs it: a subprocess on a real port, stopped with SIGTERM."""

from __future__ import annotations

import json
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.baselinker.conftest import call

TOKEN = "cli-token-1"


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "baselinker", "emulator", "--port", "0",
                             "--token", TOKEN, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            line = proc.stdout.readline()
            if not line:
                break
            if "listening on " in line:
                return proc, line.split("listening on ", 1)[1].strip()
    proc.kill()
    out, err = proc.communicate(timeout=10)
    raise AssertionError(f"emulator did not start: {out}\n{err}")


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise


def test_cli_seed_state_log_and_restart(tmp_path: Path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"orders": [{"order_id": 7, "date_add": 1_780_000_000, "status": "Do wysłania"}]}),
                    encoding="utf-8")
    state, log = tmp_path / "state.json", tmp_path / "calls.jsonl"
    proc, url = start("--seed", str(seed), "--state", str(state), "--log", str(log))
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/connector.php")
        assert [o["order_id"] for o in call(url, "getOrders", token=TOKEN)["orders"]] == [7]
        assert call(url, "getOrders", token="1-23-ABC")["error_code"] == "ERROR_BAD_TOKEN"
        invoice_id = call(url, "addInvoice", token=TOKEN, order_id=7, series_id=1)["invoice_id"]
    finally:
        assert stop(proc) == 0
    assert len(log.read_text(encoding="utf-8").splitlines()) == 3

    proc, url = start("--state", str(state))  # restart: everything is still there
    try:
        (inv,) = call(url, "getInvoices", token=TOKEN, order_id=7)["invoices"]
        assert inv["invoice_id"] == invoice_id
    finally:
        assert stop(proc) == 0


def test_cli_rate_limit_options(tmp_path: Path):
    proc, url = start("--requests-per-minute", "2", "--time-scale", "60", "--block-minutes", "1")
    try:
        results = [call(url, "getSeries", token=TOKEN) for _ in range(4)]
        assert any(r.get("error_code") == "ERROR_BLOCKED_TOKEN" for r in results)
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("args, words", [
    (["--faults", "explode=1"], ["--faults", "explode"]),
    (["--seed", "/nonexistent/seed.json"], ["seed file not found"]),
])
def test_cli_configuration_errors(args, words):
    result = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "baselinker", "emulator", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    for word in words:
        assert word in result.stderr + result.stdout


def test_cli_bad_seed_content(tmp_path: Path):
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"orders": [{"order_id": 1, "status": "Nie ma"}]}), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "baselinker", "emulator",
                             "--seed", str(seed)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Nie ma" in result.stderr + result.stdout
