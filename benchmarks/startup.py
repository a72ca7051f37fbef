"""Benchmark 5 — start-up: wall time of ``sellintegro --help`` (plugins must import lazily).

Runs the installed ``sellintegro`` console script (falls back to ``python -m sellintegro_core.cli``) N times
after one warm-up run (so the OS file cache is warm, as it is for a scheduled run) and takes the median.
The bare interpreter start (``python -c pass``) is measured the same way for reference: it is the floor.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import Result, check_size, fmt, median

NAME = "startup"
TITLE = "Start-up"
TARGET_MS = 300.0
RUNS = {"quick": 3, "full": 15, "long": 40}


def command() -> list[str]:
    """The console script next to this interpreter (not a pyenv/asdf shim, which adds its own start-up)."""
    local = Path(sys.executable).parent / "sellintegro"
    script = str(local) if local.exists() else shutil.which("sellintegro")
    return [script, "--help"] if script else [sys.executable, "-m", "sellintegro_core.cli", "--help"]


def time_command(cmd: list[str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` runs of ``cmd`` (after one warm-up run); each must exit 0."""
    subprocess.run(cmd, capture_output=True, check=True, timeout=60)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=60)
        times.append(time.perf_counter() - start)
    return times


def install_kind() -> str:
    """``editable`` when sellintegro_core is imported from the source tree, else ``regular``."""
    import sellintegro_core

    here = Path(sellintegro_core.__file__).resolve()
    return "editable" if "site-packages" not in str(here) else "regular"


def run(size: str = "full", workdir: Path | None = None) -> Result:
    check_size(size)
    runs = RUNS[size]
    cmd = command()
    result = Result(NAME, TITLE, method=(
        f"`{' '.join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd))}` as a child process, "
        f"one warm-up run then the median wall time of {runs} runs; the same for `python -c pass` (the "
        "interpreter's own start, which no change of ours can remove). All plugins are installed, so the "
        "time includes loading their entry points (their `plugin` modules must import fast)."), size=size)
    started = time.perf_counter()
    ours = time_command(cmd, runs)
    floor = time_command([sys.executable, "-c", "pass"], runs)
    ms, floor_ms = median(ours) * 1000, median(floor) * 1000
    met = ms < TARGET_MS
    note = "" if met else (f"gap {fmt(ms - TARGET_MS, 0)} ms; see `python -X importtime -m sellintegro_core.cli "
                           "--help` for the slow imports; next: move them into factories/commands")
    result.add("`sellintegro --help` wall time (median)", f"< {TARGET_MS:g} ms", f"{fmt(ms, 0)} ms", met, note)
    result.add("interpreter start `python -c pass` (median)", "— (floor)", f"{fmt(floor_ms, 0)} ms", None)
    kind = install_kind()
    result.details.append(
        f"Install used: **{kind}** (`pip install -e`). "
        + ("An editable install resolves packages through setuptools' path finders; a regular (non-editable) "
           "install, as tox and users have, imports from site-packages and is usually a little faster, so "
           "this number is an upper bound." if kind == "editable" else
           "A regular install, as users have it.")
        + f" Runs: min {fmt(min(ours) * 1000, 0)} ms, max {fmt(max(ours) * 1000, 0)} ms.")
    result.seconds = time.perf_counter() - started
    return result
