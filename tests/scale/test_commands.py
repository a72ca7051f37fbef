"""The scale-out commands from outside: deploy, enqueue, status, worker and run with a PostgreSQL state."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sellintegro_core.ledger_pg import PgLedger
from sellintegro_core.scale.locks import PgScenarioLock
from tests.conftest import write_dist
from tests.reliability.stack import NOW, TOKEN, Demo, emulator_seed, generate_demo, run_cli, snapshot

from .distributed import job_counts, shop_env, shop_scenario, start_worker, stop_workers, wait_for


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return generate_demo(tmp_path_factory.mktemp("demo"), documents=6, seed=7)


@pytest.fixture(scope="module")
def shop(demo: Demo, pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    from sellintegro_baselinker_emulator import Emulator, serve

    site = write_dist(tmp_path_factory.mktemp("site"), "reliability_fast_pdf",
                      (Path(__file__).parents[1] / "reliability" / "fast_pdf.py").read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp("shop")
    demo.copy_to(folder)
    emu = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emu) as server:
        scenario = shop_scenario(folder, "cmd-shop", server.url, "SCALE_CMD_TOKEN", "sqlite:///state/x.db",
                                 limit=100, window=60)
        env = shop_env({"SCALE_CMD_TOKEN": TOKEN}, site, folder / "budgets.db")
        yield {"scenario": scenario, "env": env, "emulator": emu, "url": pg_url, "folder": folder}


def cli(shop: Any, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, env=shop["env"])


def test_deploy_stores_env_references_never_the_token(shop: Any) -> None:
    done = cli(shop, "deploy", str(shop["scenario"]), "--state", shop["url"])
    assert done.returncode == 0, done.stderr
    assert "deployed cmd-shop" in done.stdout
    import psycopg

    with psycopg.connect(shop["url"]) as conn:
        source = conn.execute("SELECT source FROM sellintegro_deployments WHERE name = 'cmd-shop'").fetchone()[0]
        dump = "\n".join(str(r) for t in ("sellintegro_deployments", "sellintegro_state", "sellintegro_events")
                         for r in conn.execute(f"SELECT * FROM {t}").fetchall())
    assert 'env = "SCALE_CMD_TOKEN"' in source
    assert TOKEN not in dump and TOKEN not in done.stdout + done.stderr


def test_enqueue_unknown_name_is_a_config_error(shop: Any) -> None:
    cli(shop, "deploy", str(shop["scenario"]), "--state", shop["url"])
    done = cli(shop, "enqueue", "cmd-shpo", "--state", shop["url"])
    assert done.returncode == 2
    assert "no scenario named 'cmd-shpo' is deployed" in done.stderr and "cmd-shop" in done.stderr


def test_second_enqueue_says_already_running_exit_4_then_worker_runs_it(shop: Any) -> None:
    url = shop["url"]
    ledger = PgLedger(url)
    ledger.ensure_setup("cmd-shop", NOW - timedelta(days=7))
    ledger.close()
    cli(shop, "deploy", str(shop["scenario"]), "--state", url)
    first = cli(shop, "enqueue", "cmd-shop", "--state", url)
    assert first.returncode == 0 and "queued (job" in first.stdout, first.stderr
    second = cli(shop, "enqueue", "cmd-shop", "--state", url)
    assert second.returncode == 4 and "already running" in second.stderr, second.stderr

    status = cli(shop, "status", "--state", url, "--json")
    data = json.loads(status.stdout)
    assert [j["scenario"] for j in data["queued"]] == ["cmd-shop"]
    assert data["scenarios"][0]["name"] == "cmd-shop" and data["scenarios"][0]["last_outcome"] is None

    worker = start_worker(shop["env"], url, shop["folder"] / "worker.log")
    try:
        wait_for(lambda: not {"todo", "doing"} & set(job_counts(url)), timeout=120, what="the queued run")
        wait_for(lambda: len(json.loads(cli(shop, "status", "--state", url, "--json").stdout)["workers"]) == 1,
                 timeout=30, what="the worker's heartbeat")
        text = cli(shop, "status", "--state", url)
    finally:
        stop_workers([worker])
    assert worker.returncode == 0
    ledger = PgLedger(url)
    outcome = ledger.runs("cmd-shop")[0]["outcome"]
    ledger.close()
    assert outcome in ("ok", "document_errors")          # the worker ran it to the end
    assert "workers alive: 1" in text.stdout and f"cmd-shop: last {outcome} at" in text.stdout, text.stdout
    assert snapshot(shop["emulator"]).attached


def test_run_with_postgresql_state_holds_the_shared_lock(shop: Any, tmp_path: Path) -> None:
    """`sellintegro run` from any host uses the scenario's lock in PostgreSQL: while it is held elsewhere, a
    second start says "already running" and exits 4."""
    url = shop["url"]
    data = shop["scenario"].read_text(encoding="utf-8").replace('url = "sqlite:///state/x.db"', f'url = "{url}"')
    scenario = shop["folder"] / "pg.toml"
    scenario.write_text(data, encoding="utf-8")
    from sellintegro_core.api import load_scenario, scenario_lock

    lock = scenario_lock(load_scenario(scenario, validate_components=False))   # the panel's path to it
    assert isinstance(lock, PgScenarioLock) and lock.acquire()
    try:
        busy = cli(shop, "run", str(scenario))
    finally:
        lock.release()
    assert busy.returncode == 4 and "already running" in busy.stderr + busy.stdout, busy.stderr
    done = cli(shop, "run", str(scenario), "--json")
    assert done.returncode in (0, 1), done.stderr
    assert json.loads(done.stdout)["outcome"] in ("ok", "document_errors")


def test_state_that_is_not_postgresql_is_refused(shop: Any) -> None:
    done = cli(shop, "status", "--state", "sqlite:///x.db")
    assert done.returncode == 2 and "is not a PostgreSQL URL" in done.stderr


def test_worker_sigterm_exits_cleanly(shop: Any) -> None:
    worker = start_worker(shop["env"], shop["url"], shop["folder"] / "idle.log")
    time.sleep(3)
    stop_workers([worker])
    assert worker.returncode == 0, (shop["folder"] / "idle.log").read_text()


def test_connection_lost_mid_run_exits_3_and_the_next_run_completes_once(shop: Any, demo: Demo,
                                                                         tmp_path: Path) -> None:
    import psycopg
    from sellintegro_baselinker_emulator import Emulator, serve

    url = shop["url"]
    demo.copy_to(tmp_path)
    emu = Emulator(token="lost-token", seed=emulator_seed(demo.sidecar), requests_per_minute=12, time_scale=20)
    env = dict(shop["env"], LOST_TOKEN="lost-token")
    ledger = PgLedger(url)
    ledger.ensure_setup("lost-shop", NOW - timedelta(days=7))
    ledger.close()
    with serve(emu) as server:
        scenario = shop_scenario(tmp_path, "lost-shop", server.url, "LOST_TOKEN", url, limit=12, window=3)
        run = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "run", str(scenario)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def steps() -> int:
            with psycopg.connect(url) as conn:
                return int(conn.execute("SELECT COUNT(*) FROM sellintegro_steps WHERE scenario = 'lost-shop'")
                           .fetchone()[0])

        wait_for(lambda: steps() > 0 or run.poll() is not None, timeout=60, what="the run's first step")
        assert run.poll() is None, "the run ended before the connection could be cut"
        with psycopg.connect(url, autocommit=True) as admin:      # as when PostgreSQL restarts
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
                          "'sellintegro' AND pid <> pg_backend_pid()")
        out, err = run.communicate(timeout=60)
        assert run.returncode == 3, out + err
        assert "lost the connection to the PostgreSQL state" in err
        again = run_cli("run", str(scenario), "--json", env=env)
        assert again.returncode in (0, 1), again.stderr
        snap = snapshot(emu)
    assert snap.attached and not snap.unfiled
    assert all(n == 1 for n in snap.documents().values()), snap.documents()
