"""Workloads and instrumented runs shared by the benchmarks that drive the whole stack.

* :func:`make_workload`: a demo Subiekt GT database (``sellintegro_subiekt_gt.demo_db.generate``) plus the
  emulator seed: the demo's statuses/series/extra fields, the sidecar's orders and optional *filler* orders
  (orders in the window without any Subiekt document, so the order count can exceed the document count).
* :func:`write_scenario`: the demo's scenario with the knobs the benchmarks turn.
* :func:`instrumented_run`: one engine run in this process with the source, sink and renderer wrapped in
  time accumulators (SQL = time inside ``source.read``; rendering = time inside ``renderer.render``;
  HTTP = time inside sink calls minus the rendering they trigger). The components are not modified:
  the engine's ``build_component`` is wrapped for the duration of the run.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .common import Timer, env

TOKEN = "bench-0000-sellintegro"
TOKEN_ENV = "SELLINTEGRO_BENCH_TOKEN"
NOW = "2026-11-20T12:00:00+01:00"        # SELLINTEGRO_NOW of every benchmark (a Friday noon, Warsaw)
SETUP_DAYS_AGO = 7.0   # the ledger's set-up moment: with before_setup_days = 7 the window is the full 14 days


@dataclass
class Workload:
    folder: Path
    db: Path
    seed: dict[str, Any]
    orders: int
    documents: int
    filler: int
    expected: int
    counts: dict[str, int] = field(default_factory=dict)

    def seed_path(self) -> Path:
        path = self.folder / "emulator-seed.json"
        if not path.exists():
            path.write_text(json.dumps(self.seed, ensure_ascii=False), encoding="utf-8")
        return path


@contextmanager
def spread_dates(days: float | None) -> Iterator[None]:
    """Make the demo generator place random orders over the last ``days`` days instead of its ten.

    The generator has no option for this; its ``_Generator.when(days_ago_max=10)`` default is swapped for
    the duration of the block (in this process only, the plugin's file is not changed).
    """
    if days is None:
        yield
        return
    from sellintegro_subiekt_gt import demo_db

    original = demo_db._Generator.when

    def when(self: Any, days_ago_max: float = days, days_ago_min: float = 0.05) -> Any:
        return original(self, days_ago_max, days_ago_min)

    demo_db._Generator.when = when  # type: ignore[method-assign]
    try:
        yield
    finally:
        demo_db._Generator.when = original  # type: ignore[method-assign]


def make_workload(folder: Path, documents: int, *, orders: int | None = None, seed: int = 8,
                  spread_days: float | None = None, now: str = NOW) -> Workload:
    """Generate the database and the emulator seed; ``orders`` tops the order count up with filler orders."""
    from sellintegro_baselinker.demo_part import EXTRA_FIELDS, SERIES, STATUSES
    from sellintegro_subiekt_gt.demo_db import generate

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "subiekt.sqlite"
    moment = datetime.fromisoformat(now)
    with spread_dates(spread_days):
        summary = generate(db, documents=documents, seed=seed, now=moment)
    sidecar = json.loads(Path(str(db) + ".orders.json").read_text(encoding="utf-8"))
    real = sidecar["orders"]
    filler = []
    if orders is not None and orders > len(real):
        rnd = random.Random(seed)
        next_id = max(int(o["order_id"]) for o in real) + 1000
        days = spread_days or 10.0
        for i in range(orders - len(real)):
            placed = moment - timedelta(days=rnd.uniform(0.05, days))
            filler.append({"order_id": next_id + i, "date_add": int(placed.timestamp()),
                           "status": "Nowe zamówienia", "currency": "PLN",
                           "email": f"bez-faktury{i}@poczta.example.pl", "want_invoice": "0",
                           "products": [{"name": "Kubek", "sku": "KUB-1", "quantity": 1, "price_brutto": 25.5,
                                         "tax_rate": 23}]})
    seed_data = {"statuses": STATUSES, "series": SERIES, "extra_fields": EXTRA_FIELDS, "orders": real + filler}
    return Workload(folder=folder, db=db, seed=seed_data, orders=len(real) + len(filler),
                    documents=summary.documents, filler=len(filler), expected=summary.expected,
                    counts=dict(summary.counts))


def write_scenario(folder: Path, url: str, *, name: str = "bench", db: Path, on_success: bool = True,
                   no_document: bool = False, requests_per_minute: int = 100, window_seconds: float = 60.0,
                   days_back: int = 14, before_setup_days: int = 7, wait_for_ksef: str = "b2b",
                   state: Path | None = None) -> Path:
    """The demo's scenario (`sellintegro demo`: the plugins' demo sections), pointing at ``url`` and ``db``, with
    the given knobs."""
    from sellintegro_baselinker.demo_part import section as sink_section
    from sellintegro_invoice_pdf.demo_part import section as rule_section
    from sellintegro_subiekt_gt.demo_part import section as source_section

    path = folder / f"{name}.toml"
    ledger = (state or folder / f"{name}-state.db").as_posix()
    head = (f"name = {json.dumps(name)}\ntimezone = \"Europe/Warsaw\"\n\n[window]\ndays_back = {days_back}\n"
            f"before_setup = \"include\"\nbefore_setup_days = {before_setup_days}\n\n[schedule]\nmode = \"auto\"\n"
            f"every_minutes = 5\nhours = \"1:00-23:00\"\n\n[state]\nurl = {json.dumps(f'sqlite:///{ledger}')}\n")
    sections = [source_section(f"sqlite:///{db.as_posix()}"),
                sink_section(url, token_env=TOKEN_ENV, requests_per_minute=requests_per_minute,
                             rate_window_seconds=window_seconds),
                rule_section(on_success=on_success, no_document=no_document, wait_for_ksef=wait_for_ksef)]
    path.write_text(head + "".join("\n" + text for text in sections), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ wrappers

def rss_mb() -> float:
    """Current resident set size of this process in MB (Linux /proc; 0 elsewhere)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    import os

    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Timers:
    """Wall-time accumulators of one run."""

    def __init__(self) -> None:
        self.sql = Timer()
        self.render = Timer()
        self.sink = Timer()
        self.rendered = 0          # real renders
        self.reused = 0            # sampled-out renders answered from the cache
        self.documents = 0         # documents the source yielded
        self.rss_before_read_mb = 0.0
        self.rss_after_read_mb = 0.0

    @property
    def http(self) -> float:
        """Sink time without the rendering the sink triggered (``render()`` runs inside ``sink.apply``)."""
        return max(0.0, self.sink.seconds - self.render.seconds)


class TimedSource:
    def __init__(self, inner: Any, timers: Timers) -> None:
        self._inner, self._t = inner, timers

    def read(self, window: Any) -> Iterator[Any]:
        self._t.rss_before_read_mb = rss_mb()
        with self._t.sql:
            iterator = iter(self._inner.read(window))
        while True:
            with self._t.sql:
                try:
                    item = next(iterator)
                except StopIteration:
                    self._t.rss_after_read_mb = rss_mb()
                    return
            self._t.documents += 1
            yield item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class TimedSink:
    def __init__(self, inner: Any, timers: Timers) -> None:
        self._inner, self._t = inner, timers

    def fetch_orders(self, query: Any) -> Iterator[Any]:
        with self._t.sink:
            iterator = iter(self._inner.fetch_orders(query))
        while True:
            with self._t.sink:
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item

    def apply(self, action: Any, context: Any) -> Any:
        with self._t.sink:
            return self._inner.apply(action, context)

    def apply_batch(self, actions: Any, contexts: Any) -> Any:
        with self._t.sink:
            return self._inner.apply_batch(actions, contexts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class SampledRenderer:
    """Renders every ``every``-th document for real; the others get the last real PDF of the same template.

    ``every=1`` renders everything. Used where the number of renders would make a benchmark take hours on
    this machine while what it measures (calls, the rate limit, memory of the pipeline) does not depend on
    the PDF's content; rendering time is then extrapolated (``render seconds / rendered * total``).
    """

    def __init__(self, inner: Any, timers: Timers, every: int = 1) -> None:
        self._inner, self._t, self.every = inner, timers, max(1, every)
        self._cache: dict[str, bytes] = {}
        self._n = 0

    def render(self, document: Any, template: str = "pl", **kw: Any) -> bytes:
        self._n += 1
        key = f"{template}:{document.kind}"
        if self.every > 1 and key in self._cache and self._n % self.every:
            self._t.reused += 1
            return self._cache[key]
        with self._t.render:
            pdf: bytes = self._inner.render(document, template, **kw)
        self._t.rendered += 1
        self._cache[key] = pdf
        return pdf

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@dataclass
class RunOutcome:
    report: Any
    timers: Timers
    method_calls: dict[str, int]

    @property
    def attached(self) -> int:
        return sum(1 for r in self.report.all_rows() if r.action.startswith("attach") and r.outcome == "done")

    @property
    def statuses(self) -> int:
        return sum(1 for r in self.report.all_rows() if r.action.startswith("status") and r.outcome == "done")


_SHARED_CACHE: dict[str, bytes] = {}


def _in_this_process(scenario: Any, **kw: Any) -> None:
    """No render-ahead pool (``[renderer] workers = 0``): the renderer is built here, where it is timed."""
    return None


def instrumented_run(scenario_path: Path, *, render_every: int = 1, now: str = NOW,
                     setup_days_ago: float = SETUP_DAYS_AGO, shared_cache: bool = False) -> RunOutcome:
    """One engine run of the scenario in this process with timed components (see the module docstring).

    A new ledger's set-up moment is put ``setup_days_ago`` days before ``now`` (the scenario "was set up a
    week ago"), so ``before_setup = "include"`` does not shorten the window. ``shared_cache``: sampled-out
    renders reuse PDFs of earlier runs in this process too.
    """
    setup_at = datetime.fromisoformat(now) - timedelta(days=setup_days_ago)
    from sellintegro_core import engine as engine_module
    from sellintegro_core.config import load_scenario
    from sellintegro_core.ledger import open_ledger
    from sellintegro_core.plugins import PluginHost
    from sellintegro_core.render_ahead import pool_for

    timers = Timers()
    sinks: list[Any] = []
    original = engine_module.build_component

    def build(scenario: Any, kind: str, **kw: Any) -> Any:
        component = original(scenario, kind, **kw)
        if component is None:
            return None
        if kind == "source":
            return TimedSource(component, timers)
        if kind == "sink":
            sinks.append(component)
            return TimedSink(component, timers)
        if kind == "renderer":
            renderer = SampledRenderer(component, timers, render_every)
            if shared_cache:
                renderer._cache = _SHARED_CACHE
            return renderer
        return component

    with env(SELLINTEGRO_NOW=now, **{TOKEN_ENV: TOKEN}):
        host = PluginHost()
        scenario = load_scenario(scenario_path, host=host)
        engine_module.build_component = build  # type: ignore[assignment]
        engine_module.pool_for = _in_this_process  # type: ignore[assignment]   # the timers see every render
        try:
            ledger = open_ledger(scenario.model.state.url, scenario.base_dir)
            try:
                if ledger.setup_at(scenario.name) is None:
                    ledger.ensure_setup(scenario.name, setup_at)
                report = engine_module.Engine(scenario, host=host, ledger=ledger).run()
            finally:
                ledger.close()
        finally:
            engine_module.build_component = original  # type: ignore[assignment]
            engine_module.pool_for = pool_for  # type: ignore[assignment]
    calls = dict(getattr(sinks[0], "method_calls", {}) or {}) if sinks else {}
    return RunOutcome(report=report, timers=timers, method_calls=calls)


def log_counts(path: Path, since: int = 0) -> tuple[Counter[str], int]:
    """Per-method counts of the emulator's call log from line ``since`` on, and the log's line count."""
    counts: Counter[str] = Counter()
    n = 0
    if path.exists():
        with path.open(encoding="utf-8") as handle:
            for n, line in enumerate(handle, start=1):
                if n > since:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    counts[str(entry.get("method"))] += 1
    return counts, n
