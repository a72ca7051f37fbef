"""Fixtures of the reliability suites (crash, faults, bad input, security); helpers live in ``stack.py``.

``SELLINTEGRO_LONG=1`` selects the long setting (more crash seeds and fault rounds); CI runs the short one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .stack import (
    TOKEN,
    Demo,
    ForkedRun,
    Reference,
    cli_env,
    emulator_seed,
    files_before_first_status,
    generate_demo,
    prepare,
    report_of,
    scenario_data,
    snapshot,
    status_changes_after_files,
    warm_up,
    write_scenario,
    writes,
)

LONG = os.environ.get("SELLINTEGRO_LONG", "") not in ("", "0")
DEMO_DOCUMENTS = 24
DEMO_SEED = 5


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One small demo database for the session (copied into each test's folder before use)."""
    return generate_demo(tmp_path_factory.mktemp("demo"), documents=DEMO_DOCUMENTS, seed=DEMO_SEED)


class Stack:
    """A test's folder with a copy of the demo database, a served emulator and a scenario file."""

    def __init__(self, folder: Path, demo: Demo, server: Any, data: dict[str, Any]) -> None:
        self.folder = folder
        self.demo = demo
        self.server = server
        self.emulator = server.emulator
        self.data = data
        self.db = folder / "subiekt.sqlite"
        self.ledger = folder / "state" / "ledger.db"
        self.scenario = write_scenario(folder, data)

    def rewrite(self, data: dict[str, Any]) -> Path:
        self.data = data
        self.scenario = write_scenario(self.folder, data)
        return self.scenario


@pytest.fixture
def stack_factory(tmp_path: Path, demo: Demo) -> Iterator[Callable[..., Stack]]:
    """``stack_factory(emulator=None, folder=None, **Emulator options) -> Stack`` (servers stopped afterwards)."""
    from sellintegro_baselinker_emulator import Emulator, serve

    started: list[Any] = []

    def make(*, emulator: Any = None, folder: Path | None = None, **options: Any) -> Stack:
        from .stack import TOKEN

        folder = folder or tmp_path / f"stack{len(started)}"
        demo.copy_to(folder)
        emu = emulator or Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar), **options)
        cm = serve(emu)
        server = cm.__enter__()
        started.append(cm)
        return Stack(folder, demo, server, scenario_data(server.url))

    yield make
    for cm in reversed(started):
        cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def fast_pdf_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A site folder holding the ``reliability_fast_pdf`` renderer plugin (a real entry point); put it on
    ``PYTHONPATH`` of a run to use it (the test process itself never loads it)."""
    from tests.conftest import write_dist

    source = (Path(__file__).parent / "fast_pdf.py").read_text(encoding="utf-8")
    return write_dist(tmp_path_factory.mktemp("site"), "reliability_fast_pdf", source)


@pytest.fixture(scope="session")
def reference(demo: Demo, fast_pdf_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """Uninterrupted runs of the full workload (fast renderer), repeated until nothing is left to write."""
    from sellintegro_baselinker_emulator import Emulator, serve

    warm_up()
    folder = tmp_path_factory.mktemp("reference")
    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emulator) as server:
        scenario = prepare(folder, demo, server.url, fast=True)
        runs = 0
        first_calls = 0
        while True:  # a correction goes out one run after the invoice it corrects
            before = len(emulator.calls)
            run = ForkedRun(["run", str(scenario), "--json", "--no-progress"], folder,
                            cli_env(PYTHONPATH=str(fast_pdf_site)))
            code = run.wait()
            assert code in (0, 1), run.stderr
            assert report_of(run.stdout) is not None, run.stdout
            runs += 1
            first_calls = first_calls or len(emulator.calls)
            if not writes(emulator.calls[before:]):
                break
            assert runs < 5, "the uninterrupted runs do not settle"
        snap = snapshot(emulator)
        calls = emulator.calls
    # the reference itself: what the demo sidecar expects, each once, statuses after files
    expected = {(e["order_id"], e["document_number"]) for e in demo.sidecar["expected"]}
    attached = snap.documents()
    assert len(attached) >= 8, f"the workload is too small to mean much: {sorted(attached)}"
    assert {t for _, t, _ in attached} >= {"invoice", "receipt", "correction"}, sorted(attached)
    assert all(count == 1 for count in attached.values())
    assert {(o, n) for o, _, n in attached} <= expected
    assert not snap.unfiled
    assert not status_changes_after_files(calls, emulator)
    return Reference(snapshot=snap, exit_code=code, calls=first_calls,
                     required=files_before_first_status(calls, emulator), runs=runs)
