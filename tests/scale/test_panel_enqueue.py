"""Issue 16: with a PostgreSQL state, the panel's Run now queues the run on the workers (the same path as
`sellintegro enqueue`); a second Run now while it is queued says "already running" and queues nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from sellintegro_core.ledger_pg import PgLedger
from tests.conftest import write_dist
from tests.panel.conftest import PanelProcess
from tests.reliability.stack import NOW, TOKEN, cli_env, emulator_seed, generate_demo, run_cli

from .distributed import job_counts, shop_scenario

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_run_now_enqueues_on_the_workers(pg_url: str, tmp_path: Path) -> None:
    from sellintegro_baselinker_emulator import Emulator, serve

    demo = generate_demo(tmp_path / "demo", documents=4, seed=11)
    folder = tmp_path / "shop"
    demo.copy_to(folder)
    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))
    with serve(emulator) as server:
        scenario = shop_scenario(folder, "panel-shop", server.url, "PANEL_PG_TOKEN", pg_url, limit=100, window=60)
        site = write_dist(tmp_path / "site", "reliability_fast_pdf",
                          (Path(__file__).parents[1] / "reliability" / "fast_pdf.py").read_text(encoding="utf-8"))
        env = cli_env(PANEL_PG_TOKEN=TOKEN, PYTHONPATH=str(site))
        ledger = PgLedger(pg_url)
        ledger.ensure_setup("panel-shop", NOW - timedelta(days=7))
        ledger.close()
        deployed = run_cli("deploy", str(scenario), "--state", pg_url, env=env)
        assert deployed.returncode == 0, deployed.stderr
        env.pop("SELLINTEGRO_PANEL_PASSWORD", None)
        panel = PanelProcess([str(scenario), "--port", "0"], env, folder)
        try:
            with httpx.Client(base_url=panel.url, timeout=30) as client:
                page = client.get("/")
                assert page.status_code == 200
                found = CSRF.search(page.text)
                assert found, "the page carries no CSRF token"
                key = re.search(r'/scenarios/([^/"]+)/run', page.text)
                assert key, page.text[:2000]
                first = client.post(f"/scenarios/{key.group(1)}/run", data={"csrf_token": found.group(1)})
                assert first.status_code == 200, first.text
                assert "queued for the workers" in first.text
                second = client.post(f"/scenarios/{key.group(1)}/run", data={"csrf_token": found.group(1)})
                assert second.status_code == 409 and "already running" in second.text
        finally:
            panel.stop()
        counts: dict[str, Any] = job_counts(pg_url)
        assert counts == {"todo": 1}, counts              # one run queued for the workers ...
        assert not emulator.calls                         # ... and none run inside the panel
