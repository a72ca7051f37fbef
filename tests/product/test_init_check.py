"""`sellintegro init --non-interactive` writes a scenario that validates; `sellintegro check` is green/red."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sellintegro_baselinker_emulator import Emulator, serve

from sellintegro_subiekt_gt.demo_db import generate
from tests.conftest import run_cli

TOKEN = "check-token-123"


@pytest.fixture
def setup(tmp_path):
    db = tmp_path / "subiekt.sqlite"
    generate(db, documents=30, seed=3)
    seed = json.loads(Path(str(db) + ".orders.json").read_text())
    seed.pop("expected")
    seed["statuses"] = [{"id": 2001, "name": "Faktura wysłana"}, {"id": 2003, "name": "Brak faktury"}]
    seed["series"] = [{"id": 31, "type": "INVOICE", "name": "Subiekt"}]
    emulator = Emulator(token=TOKEN, seed=seed)
    with serve(emulator) as server:
        yield tmp_path, db, server


def _init(tmp_path: Path, db: Path, url: str, *extra: str):
    path = tmp_path / "shop.toml"
    result = run_cli("init", str(path), "--non-interactive", "--subiekt-dsn", f"sqlite:///{db}",
                     "--baselinker-url", url, "--token-env", "CHECK_TOKEN", "--on-success", "Faktura wysłana",
                     "--no-document-status", "Brak faktury", "--invoice-series", "Subiekt",
                     "--statuses", "Nowe zamówienia,Do wysłania", *extra,
                     env={"CHECK_TOKEN": TOKEN, "SELLINTEGRO_NOW": ""})
    return path, result


def test_init_writes_a_commented_valid_scenario_and_records_setup(setup):
    tmp_path, db, server = setup
    path, result = _init(tmp_path, db, server.url, "--days-back", "10", "--before-setup", "include",
                         "--before-setup-days", "5", "--every-minutes", "15", "--hours", "6:00-22:00",
                         "--weekdays", "mon,tue,wed,thu,fri", "--documents", "FS,PA")
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    assert "# sellintegro scenario" in text and "days_back = 10" in text
    assert 'hours = "6:00-22:00"' in text and 'status = "Brak faktury"' in text
    assert 'token = { env = "CHECK_TOKEN" }' in text and TOKEN not in text
    valid = run_cli("validate", str(path), env={"CHECK_TOKEN": TOKEN})
    assert valid.returncode == 0, valid.stderr
    history = json.loads(run_cli("history", str(path), "--json").stdout)
    assert history["setup_at"] is not None
    again = run_cli("init", str(path), "--non-interactive")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_init_refuses_out_of_range_answers(setup, monkeypatch):
    tmp_path, db, server = setup
    monkeypatch.setenv("SELLINTEGRO_DISABLED_PLUGINS", "si_extender")
    path, result = _init(tmp_path, db, server.url, "--days-back", "40")
    assert result.returncode != 0
    assert "from 1 to 14" in result.stderr + result.stdout
    assert not path.exists()


def test_check_all_green(setup):
    tmp_path, db, server = setup
    path, result = _init(tmp_path, db, server.url)
    assert result.returncode == 0, result.stderr
    check = run_cli("check", str(path), "--json", env={"CHECK_TOKEN": TOKEN})
    items = json.loads(check.stdout)
    failed = [i for i in items if not i["ok"]]
    assert check.returncode == 0, failed
    names = " ".join(i["name"] for i in items).lower()
    for word in ("config", "subiekt", "token", "ledger", "next scheduled run"):
        assert word in names, (word, names)
    human = run_cli("check", str(path), env={"CHECK_TOKEN": TOKEN})
    assert "all checks passed" in human.stdout


def test_check_red_for_wrong_token_and_missing_database(setup):
    tmp_path, db, server = setup
    path, result = _init(tmp_path, db, server.url)
    assert result.returncode == 0
    bad = run_cli("check", str(path), "--json", env={"CHECK_TOKEN": "wrong-token"})
    assert bad.returncode == 1
    assert any(not i["ok"] for i in json.loads(bad.stdout))
    assert "wrong-token" not in bad.stdout
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE dok__Dokument")
    broken = run_cli("check", str(path), "--json", env={"CHECK_TOKEN": TOKEN})
    assert broken.returncode == 1
    red = [i for i in json.loads(broken.stdout) if not i["ok"]]
    assert any("dok__Dokument" in i["detail"] for i in red)


def test_check_red_for_unknown_status(setup):
    tmp_path, db, server = setup
    path, _ = _init(tmp_path, db, server.url)
    path.write_text(path.read_text().replace('status = "Faktura wysłana"', 'status = "Nie ma takiego"'))
    result = run_cli("check", str(path), "--json", env={"CHECK_TOKEN": TOKEN})
    assert result.returncode == 1
    red = [i for i in json.loads(result.stdout) if not i["ok"]]
    assert any("Nie ma takiego" in i["detail"] for i in red), red
