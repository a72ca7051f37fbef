"""`sellintegro history` names documents by their numbers (FS 2/11/2026), not by internal ids."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from tests.conftest import run_cli
from tests.core.conftest import make_doc


def _with_internal_ids(folder: Path) -> None:
    docs = [make_doc("FS 1/11/2026", "101", doc_id="1027"), make_doc("FS 2/11/2026", "102", doc_id="1028"),
            make_doc("FS 3/11/2026", None, doc_id="1029")]
    docs[2] = docs[2].model_copy(update={"match": docs[2].match.model_copy(
        update={"problem": 'numer oryginału "XYZ" does not match ^B_(?P<ref>\\d+)$'})})
    (folder / "docs.jsonl").write_text("\n".join(d.model_dump_json() for d in docs) + "\n", encoding="utf-8")


def test_history_shows_document_numbers_not_internal_ids(scenario_dir: Path) -> None:
    _with_internal_ids(scenario_dir)
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    table = run_cli("history", str(scenario_dir / "shop.toml"), env={"COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    assert "FS 2/11/2026" in table.stdout and "FS 3/11/2026" in table.stdout
    assert "1028" not in table.stdout and "1029" not in table.stdout
    one = run_cli("history", str(scenario_dir / "shop.toml"), "--order", "102", env={"COLUMNS": "200"})
    assert "FS 2/11/2026" in one.stdout and "FS 1/11/2026" not in one.stdout
    events = json.loads(run_cli("history", str(scenario_dir / "shop.toml"), "--json").stdout)["events"]
    numbers = {e["document_id"]: e["document_number"] for e in events}
    assert numbers["1028"] == "FS 2/11/2026" and numbers["1029"] == "FS 3/11/2026"


def test_a_ledger_from_before_numbers_were_kept_still_opens_and_shows_what_it_has(scenario_dir: Path) -> None:
    _with_internal_ids(scenario_dir)
    ledger = scenario_dir / "sellintegro-state.db"
    run_scenario(load_scenario(scenario_dir / "shop.toml"))
    with sqlite3.connect(ledger) as con:          # the events table as older versions wrote it
        con.execute("ALTER TABLE events DROP COLUMN document_number")
    table = run_cli("history", str(scenario_dir / "shop.toml"), env={"COLUMNS": "200"})
    assert table.returncode == 0, table.stderr
    assert "1028" in table.stdout                 # the id is all an old event has
    run_scenario(load_scenario(scenario_dir / "shop.toml"))   # a run adds the column back and goes on
    with sqlite3.connect(ledger) as con:
        columns = {row[1] for row in con.execute("PRAGMA table_info(events)")}
    assert "document_number" in columns
