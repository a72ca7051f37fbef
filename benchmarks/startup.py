"""Benchmark 5 — start-up: wall time of ``sellintegro --help``, ``validate SCENARIO`` and ``plugins``.

Runs the installed ``sellintegro`` console script (falls back to ``python -m sellintegro_core.cli``) N times
after one warm-up run (so the OS file cache is warm and the modules' byte code is cached, as it is for a
scheduled run of an installed package) and takes the median. The bare interpreter start (``python -c pass``)
is measured the same way for reference: it is the floor. ``validate`` checks the demo's scenario (every
plugin's settings model is built and used); ``plugins`` lists every plugin and component.

What keeps them quick (issue 17): a spec's settings model is imported only when a scenario uses the component
(``config_model`` given as a function), ``plugins`` imports no pydantic at all, the cyclic garbage collector is
off while a command starts (``sellintegro_core/collection.py``), pydantic's own plugin scan is skipped when no
pydantic plugin is installed, and a ``[source.match]`` pattern is syntax-checked with ``re`` before the
``regex`` module is imported.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from .common import REPO, Result, check_size, fmt, median

NAME = "startup"
TITLE = "Start-up"
TARGET_MS = 300.0
TARGET_COMMAND_MS = 150.0         # `validate SCENARIO` and `plugins` (issue 17)
RUNS = {"quick": 3, "full": 15, "long": 40}
DEMO_TOKEN_ENV = "SELLINTEGRO_BENCH_TOKEN"     # the token variable of benchmarks.harness.write_scenario


def command(*args: str) -> list[str]:
    """The console script next to this interpreter (not a pyenv/asdf shim, which adds its own start-up)."""
    args = args or ("--help",)
    local = Path(sys.executable).parent / "sellintegro"
    script = str(local) if local.exists() else shutil.which("sellintegro")
    return [script, *args] if script else [sys.executable, "-m", "sellintegro_core.cli", *args]


def child_env() -> dict[str, str]:
    """The environment of the timed runs: byte code may be written (a user's install has it; a
    PYTHONDONTWRITEBYTECODE=1 in the environment would make every run compile our modules again)."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.setdefault(DEMO_TOKEN_ENV, "startup-benchmark-token")
    return env


def demo_scenario(folder: Path) -> Path:
    """The demo's scenario (a URL and database that need not exist: `validate` connects to nothing)."""
    from .harness import write_scenario

    return write_scenario(folder, "http://127.0.0.1:9/connector.php", name="startup-demo",
                          db=folder / "startup-demo.sqlite")


CPU: list[float] = []     # CPU seconds (user + sys) of each timed child, filled by time_command


def time_command(cmd: list[str], runs: int) -> list[float]:
    """Wall seconds of ``runs`` runs of ``cmd`` (after one warm-up run); each must exit 0.

    The CPU seconds of each run are left in ``CPU`` (they hardly change when the machine is busy).
    """
    import resource

    env = child_env()
    subprocess.run(cmd, capture_output=True, check=True, timeout=60, env=env)
    times = []
    CPU.clear()
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, timeout=60, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
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
    cpu_ms = median(CPU) * 1000
    floor = time_command([sys.executable, "-c", "pass"], runs)
    ms, floor_ms = median(ours) * 1000, median(floor) * 1000
    floor_cpu_ms = median(CPU) * 1000

    def note(wall: float) -> str:
        if wall < TARGET_MS:
            return ""
        busy = floor_ms > 1.5 * floor_cpu_ms + 20
        return (f"gap {fmt(wall - TARGET_MS, 0)} ms. " + (
            f"Cause: the machine was busy during this run (the bare interpreter took {fmt(floor_ms, 0)} ms of "
            f"wall time for {fmt(floor_cpu_ms, 0)} ms of CPU); the CPU time of one `sellintegro --help` was "
            f"{fmt(cpu_ms, 0)} ms. Next step: re-run `python benchmarks/run.py --only startup` on an idle "
            "machine." if busy else
            "Cause: imports at start-up; `python -X importtime -m sellintegro_core.cli --help` lists them. "
            "Next step: move the slow ones into the factories/commands that need them."))

    result.add("`sellintegro --help` wall time (median)", f"< {TARGET_MS:g} ms", f"{fmt(ms, 0)} ms", ms < TARGET_MS,
               note(ms))
    result.add("`sellintegro --help` CPU time, user + sys (median)", "— (reported)", f"{fmt(cpu_ms, 0)} ms", None)
    result.add("interpreter start `python -c pass`, wall / CPU (median)", "— (floor)",
               f"{fmt(floor_ms, 0)} ms / {fmt(floor_cpu_ms, 0)} ms", None)
    scenario = demo_scenario(workdir or Path.cwd())
    for label, args in (("`sellintegro validate SCENARIO`", ("validate", str(scenario))),
                        ("`sellintegro plugins`", ("plugins",))):
        wall = median(time_command(command(*args), runs)) * 1000
        cpu = median(CPU) * 1000
        ok = wall <= TARGET_COMMAND_MS
        result.add(f"{label} wall time (median; CPU {fmt(cpu, 0)} ms)", f"≤ {TARGET_COMMAND_MS:g} ms",
                   f"{fmt(wall, 0)} ms", ok, "" if ok else (
                       f"gap {fmt(wall - TARGET_COMMAND_MS, 0)} ms. Cause: `validate` imports pydantic and "
                       "the settings models the scenario uses (pydantic with one validated model is about 115 "
                       "ms of this machine's time before any of ours); `plugins` imports no model. If the "
                       "floor above is high the machine was busy: re-run on an idle machine. `python -X "
                       "importtime` lists the imports."))
    tox = REPO / ".tox" / "py" / "bin" / "sellintegro"
    if tox.exists():
        try:
            regular = median(time_command([str(tox), "--help"], runs)) * 1000
        except (subprocess.SubprocessError, OSError):
            regular = None
        if regular is not None:
            ok = regular < TARGET_MS
            result.add("`sellintegro --help`, non-editable install (tox env), median", f"< {TARGET_MS:g} ms",
                       f"{fmt(regular, 0)} ms", ok, note(regular))
    kind = install_kind()
    result.details.append(
        f"Install used: **{kind}** (`pip install -e`). "
        + ("An editable install resolves packages through setuptools' path finders; a regular (non-editable) "
           "install, as tox and users have, imports from site-packages and is usually a little faster, so "
           "this number is an upper bound." if kind == "editable" else
           "A regular install, as users have it.")
        + f" Runs: min {fmt(min(ours) * 1000, 0)} ms, max {fmt(max(ours) * 1000, 0)} ms."
        + (" The tox environment (`.tox/py`, wheels of the core and every plugin, as `pip install` gives a user) "
           "is timed as well when it exists; it may lag behind the working tree until tox is run again."
           if tox.exists() else " Run `tox` once to also time a non-editable install (`.tox/py`)."))
    result.seconds = time.perf_counter() - started
    return result
