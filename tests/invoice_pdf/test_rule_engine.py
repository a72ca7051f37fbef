"""The invoice_pdf rule inside a real run: JSONL source and sink (built into the core), the real html_pdf
renderer and the ledger. Checks what a seller sees: the file first, the status after it and only once,
the failure status for a PDF that cannot be made, and a second run that leaves settled orders alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from sellintegro_core.models import KsefInfo, Order, updated

from .conftest import make_fs, make_pa

NOW = "2026-04-20T12:00:00+02:00"
PLACED = datetime(2026, 4, 14, 10, 0, tzinfo=ZoneInfo("Europe/Warsaw"))


def write(folder: Path, *, rule: str) -> Path:
    fs = make_fs()                                            # FS 12/2026, order 1234567, numbered in KSeF
    pa = make_pa()                                            # PA 55/2026, order 2233445
    broken = make_fs(number="FS 99/2026", doc_id="1099")      # KSeF data contradicts itself: no PDF possible
    broken = updated(broken, {"ksef": KsefInfo(state="not_in_ksef", number=fs.ksef.number)})
    broken = broken.model_copy(update={"order_ref": broken.order_ref.model_copy(update={"value": "555"})})  # type: ignore[union-attr]
    (folder / "docs.jsonl").write_text("\n".join(d.model_dump_json() for d in (fs, pa, broken)) + "\n",
                                       encoding="utf-8")
    orders = [Order(id=oid, status_id="1", status_name="Nowe", date_add=PLACED + timedelta(hours=i))
              for i, oid in enumerate(("1234567", "2233445", "555", "777"))]
    (folder / "orders.jsonl").write_text("\n".join(o.model_dump_json() for o in orders) + "\n", encoding="utf-8")
    path = folder / "shop.toml"
    path.write_text(f'''
name = "rule-e2e"
timezone = "Europe/Warsaw"
[window]
days_back = 14
before_setup = "include"
before_setup_days = 14
[source]
plugin = "jsonl"
path = "docs.jsonl"
[sink]
plugin = "jsonl"
path = "actions.jsonl"
orders = "orders.jsonl"
[rule]
plugin = "invoice_pdf"
{rule}
''', encoding="utf-8")
    return path


def recorded(folder: Path) -> list[dict[str, Any]]:
    path = folder / "actions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SELLINTEGRO_NOW", NOW)
    return write(tmp_path, rule='on_success = { status = "Faktura wysłana" }\n'
                                'on_failure = { status = "Błąd faktury" }')


def test_files_first_then_statuses_once(scenario: Path) -> None:
    report = run_scenario(load_scenario(scenario))
    keys = [item["key"] for item in recorded(scenario.parent)]
    assert set(keys) == {"attach:1234567:1012", "attach:2233445:2055", "status:1234567:success",
                         "status:2233445:success", "status:555:failure"}
    assert keys.index("status:1234567:success") > keys.index("attach:1234567:1012")
    assert keys.index("status:2233445:success") > keys.index("attach:2233445:2055")
    attach = next(i["action"] for i in recorded(scenario.parent) if i["key"] == "attach:1234567:1012")
    assert attach["target"] == "invoice" and attach["ksef_label"] == "number"
    failed = [r for r in report.rows if r.outcome == "failed"]
    assert [r.document for r in failed] == ["FS 99/2026"] and "contradictory" in failed[0].message
    failure = next(i["action"] for i in recorded(scenario.parent) if i["key"] == "status:555:failure")
    assert failure["status"] == "Błąd faktury" and "contradictory" in failure["reason"]

    again = run_scenario(load_scenario(scenario))
    assert len(recorded(scenario.parent)) == 5                 # nothing twice
    # settled orders are not even decided again; only the broken invoice is retried (and fails again)
    assert {r.order_id for r in again.rows} == {"555"}
    assert [(r.action, r.outcome) for r in again.rows] == [
        ("attach invoice", "failed"), ("status -> Faktura wysłana", "skipped")]   # the status waits for the file
    assert "FS 99/2026" in again.rows[1].message and "attach:" not in again.rows[1].message   # no internal key


def test_no_document_status_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLINTEGRO_NOW", NOW)
    path = write(tmp_path, rule='no_document = { after_hours = 48, status = "Brak faktury" }')
    run_scenario(load_scenario(path))
    keys = [item["key"] for item in recorded(tmp_path)]
    assert "status:777:no_document" in keys
    assert not any(k.startswith("status:1234567") for k in keys)
    run_scenario(load_scenario(path))
    assert [item["key"] for item in recorded(tmp_path)].count("status:777:no_document") == 1


def test_ksef_wait_in_plan_recorded_once_then_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SELLINTEGRO_NOW", NOW)
    path = write(tmp_path, rule='wait_for_ksef = "all"\nsend_without_ksef_number = true')
    docs = [json.loads(line) for line in (tmp_path / "docs.jsonl").read_text(encoding="utf-8").splitlines()]
    docs[0]["ksef"] = {"state": "online_pending", "hash": docs[0]["ksef"]["hash"]}
    docs[0]["issued_at"] = "2026-04-20T09:30:00+02:00"
    (tmp_path / "docs.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n", encoding="utf-8")
    report = run_scenario(load_scenario(path), plan_only=True)
    row = next(r for r in report.rows if r.document == "FS 12/2026")
    assert row.outcome == "skipped" and "skip (waiting_for_ksef)" == row.action
    assert "2026-04-20 09:30" in row.message and "2026-04-21 09:30" in row.message
    assert recorded(tmp_path) == []

    first = run_scenario(load_scenario(path))
    assert any(r.document == "FS 12/2026" and r.action == "skip (waiting_for_ksef)" for r in first.rows)
    second = run_scenario(load_scenario(path))                    # only time passed: the order is not looked at
    assert not any(r.document == "FS 12/2026" for r in second.rows)
    monkeypatch.setenv("SELLINTEGRO_NOW", "2026-04-21T10:00:00+02:00")
    third = run_scenario(load_scenario(path))                     # the deadline passed: OFFLINE upload
    assert [r.action for r in third.rows if r.document == "FS 12/2026"] == ["attach invoice"]
    attach = next(i["action"] for i in recorded(tmp_path) if i["key"] == "attach:1234567:1012")
    assert attach["ksef_label"] == "offline" and "missing after 24 h" in attach["reason"]
