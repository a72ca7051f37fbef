"""Schedules become periodic jobs: the tick queues due scenarios (DST-correct next runs), once per slot."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from sellintegro_core.scale.jobs import TICK_TASK, make_app, queue_due
from tests.conftest import write_dist
from tests.reliability.stack import TOKEN, emulator_seed, generate_demo, run_cli

from .distributed import job_counts, shop_env, shop_scenario, start_worker, stop_workers, wait_for

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def deployed(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sellintegro_baselinker_emulator import Emulator, serve

    folder = tmp_path_factory.mktemp("tick")
    demo = generate_demo(folder / "demo", documents=4, seed=2)
    demo.copy_to(folder)
    site = write_dist(folder / "site", "reliability_fast_pdf",
                      (Path(__file__).parents[1] / "reliability" / "fast_pdf.py").read_text(encoding="utf-8"))
    with serve(Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))) as server:
        scenario = shop_scenario(folder, "ticked", server.url, "TICK_TOKEN", pg_url, limit=100, window=60)
        text = scenario.read_text(encoding="utf-8").replace('mode = "manual"', 'mode = "auto"')
        text = text.replace("every_minutes = 30", "every_minutes = 60")
        scenario.write_text(text, encoding="utf-8")
        env = shop_env({"TICK_TOKEN": TOKEN}, site, folder / "budgets.db")
        done = run_cli("deploy", str(scenario), "--state", pg_url, env=env)
        assert done.returncode == 0 and "scheduled on the workers" in done.stdout, done.stderr
        yield {"url": pg_url, "env": env, "folder": folder}


def _next_run(url: str) -> str | None:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT next_run FROM sellintegro_deployments WHERE name = 'ticked'").fetchone()[0]


def _clear_jobs(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM procrastinate_jobs")
        conn.execute("UPDATE sellintegro_deployments SET next_run = NULL")


def test_tick_queues_a_due_slot_once_and_skips_the_missing_dst_hour(deployed: Any) -> None:
    url = deployed["url"]
    _clear_jobs(url)
    app = make_app(url)
    # 29 March 2026: Warsaw's clocks jump from 2:00 to 3:00, so the 2:00 slot does not exist
    at_one = datetime(2026, 3, 29, 1, 0, 30, tzinfo=WARSAW)
    with app.open():
        assert queue_due(app, url, now=at_one) == 1          # 1:00 is inside the hours: due now
        assert queue_due(app, url, now=at_one) == 0          # the same slot is never queued twice
        stored = datetime.fromisoformat(_next_run(url) or "")
        assert stored.astimezone(WARSAW) == datetime(2026, 3, 29, 3, 0, tzinfo=WARSAW)   # not 2:00
        assert stored.astimezone(UTC).hour == 1
        assert job_counts(url) == {"todo": 1}
        # the next slot while the first run still waits: covered by it (queueing lock), not queued twice
        queue_due(app, url, now=datetime(2026, 3, 29, 3, 0, 5, tzinfo=WARSAW))
        assert job_counts(url) == {"todo": 1}


def test_the_periodic_tick_on_a_worker_queues_and_runs_the_scenario(deployed: Any) -> None:
    """The tick as a worker runs it (the cron job defers it every minute; here it is deferred at once)."""
    url = deployed["url"]
    _clear_jobs(url)
    app = make_app(url)
    with app.open():
        app.configure_task(TICK_TASK).defer(timestamp=int(datetime.now(UTC).timestamp()))
    worker = start_worker(deployed["env"], url, deployed["folder"] / "worker.log")
    try:
        wait_for(lambda: job_counts(url).get("succeeded", 0) >= 1, timeout=120,
                 what="the tick and the run it queued")
    finally:
        stop_workers([worker])
    with psycopg.connect(url) as conn:
        runs = conn.execute("SELECT outcome FROM sellintegro_runs WHERE scenario = 'ticked'").fetchall()
    assert runs and runs[-1][0] in ("ok", "document_errors"), (deployed["folder"] / "worker.log").read_text()
    # SELLINTEGRO_NOW is 2026-11-25 10:00 in Warsaw: that slot ran, the next one is an hour later
    assert datetime.fromisoformat(_next_run(url) or "").astimezone(WARSAW) == datetime(2026, 11, 25, 11, 0,
                                                                                       tzinfo=WARSAW)
