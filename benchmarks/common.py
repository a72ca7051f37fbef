"""Shared pieces of the benchmarks: result rows, sizes, timers and small helpers.

Every benchmark module has ``NAME``, ``TITLE`` and ``run(size, workdir) -> Result``; ``size`` is
``"quick"`` (smoke run, seconds), ``"full"`` (the sizes of issue 8) or ``"long"`` (more repetitions).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = ("quick", "full", "long")


@dataclass
class Row:
    """One line of the results table: a metric with its target and the measured value."""

    metric: str
    target: str
    measured: str
    met: bool | None            # None: informational, no target
    note: str = ""              # for a missed target: gap, cause, next step


@dataclass
class Result:
    """What one benchmark produced: rows for the table, the method text and extra details."""

    name: str
    title: str
    method: str
    rows: list[Row] = field(default_factory=list)
    details: list[str] = field(default_factory=list)     # extra Markdown lines (tables, notes)
    seconds: float = 0.0
    size: str = "full"
    error: str = ""

    def add(self, metric: str, target: str, measured: str, met: bool | None, note: str = "") -> Row:
        row = Row(metric, target, measured, met, note)
        self.rows.append(row)
        return row


def check_size(size: str) -> str:
    if size not in SIZES:
        raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")
    return size


class Timer:
    """Accumulates wall time (``perf_counter``) of repeated sections: ``with timer: ...``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0
        self._depth = 0
        self._start = 0.0

    def __enter__(self) -> Timer:
        if self._depth == 0:
            self._start = time.perf_counter()
        self._depth += 1
        return self

    def __exit__(self, *exc: Any) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._start
            self.count += 1


@contextmanager
def env(**values: str | None) -> Iterator[None]:
    """Set (or with None remove) environment variables for the block."""
    old = {k: os.environ.get(k) for k in values}
    try:
        for key, value in values.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def cli(*args: str) -> list[str]:
    """The command line of ``sellintegro ARGS`` run with this interpreter."""
    return [sys.executable, "-m", "sellintegro_core.cli", *args]


def run_cli(*args: str, timeout: float = 600, extra_env: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment.update(extra_env or {})
    return subprocess.run(cli(*args), capture_output=True, text=True, timeout=timeout, env=environment,
                          cwd=cwd)


def fmt(value: float, digits: int = 2) -> str:
    return f"{value:,.{digits}f}".replace(",", " ")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        return float("nan")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
