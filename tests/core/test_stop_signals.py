"""SIGTERM stops `sellintegro schedule` (the flag its signal handler sets is the one the loop watches)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def test_schedule_exits_on_sigterm(scenario_dir: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "schedule",
                             str(scenario_dir / "shop.toml")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ))
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 60
        lines = []
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "test-shop: ok" in line or not line:
                break
        assert any("test-shop: ok" in line for line in lines), lines
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0          # waits for the next slot, but stops on SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
