"""The quickstart's "your own scenario against the emulator" works as written: no hand-written seed, the
emulator's new account has the series and statuses it names."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

SECTION = "### Your own scenario against the emulator"


def _blocks() -> list[str]:
    text = (REPO / "docs" / "quickstart.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ")]
    return re.findall(r"```bash\n(.*?)```", section, flags=re.S)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quickstart_against_the_emulator_runs_as_written(tmp_path: Path) -> None:
    database, emulator, scenario = _blocks()
    bin_dir = tmp_path / "bin"                 # `sellintegro` on PATH is this Python's CLI
    bin_dir.mkdir()
    (bin_dir / "sellintegro").write_text(f'#!/bin/sh\nexec {sys.executable} -m sellintegro_core.cli "$@"\n')
    (bin_dir / "sellintegro").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SELLINTEGRO_") and k != "BASELINKER_TOKEN"}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env['PATH']}", COLUMNS="200")
    port = str(_free_port())

    def bash(script: str, **kwargs):
        return subprocess.run(["bash", "-euo", "pipefail", "-c", script.replace("8765", port)], cwd=tmp_path,
                              env=env, capture_output=True, text=True, **kwargs)

    made = bash(database, timeout=300)
    assert made.returncode == 0, made.stderr
    assert "8765" in emulator and "--seed" in emulator and "statuses" not in emulator
    server = subprocess.Popen(["bash", "-c", "exec " + emulator.strip().replace("8765", port)], cwd=tmp_path,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "listening" not in server.stdout.readline():
            pass
        result = bash(scenario, timeout=600)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr
        assert "all checks passed" in result.stdout
        done = re.search(r"ok: done (\d+)", result.stdout)
        assert done and int(done.group(1)) >= 10, result.stdout[-2000:]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
