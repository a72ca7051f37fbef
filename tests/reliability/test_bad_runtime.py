"""Bad input found when the run starts: wrong token, unreachable systems, a database that is not Subiekt's,
and documents with odd data. Each gives its clear message and exit code, no traceback, nothing half-written.

Odd documents (edited into a copy of the demo database with sqlite3) go through the real WeasyPrint renderer
in one ``python -m sellintegro_core.cli run``: a number longer than BaseLinker accepts is a document error
(recorded, the order gets the failure status, no BaseLinker write for it, the run goes on, exit 1); a document
without a buyer or with characters outside Latin-2 is attached; a faktura whose lines were deleted (its VAT table
and totals kept) and a korekta whose quantities were made negative without their values are data that do not
add up: the pre-upload validator refuses them with a message naming the document and the check -- never a crash.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from .stack import (
    FAILURE_STATUS,
    TOKEN,
    Demo,
    cli_env,
    emulator_seed,
    full_scenario,
    prepare,
    report_of,
    run_cli,
    snapshot,
    writes,
)


@pytest.fixture
def served(demo: Demo) -> Any:
    from sellintegro_baselinker_emulator import Emulator, serve

    with serve(Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar))) as server:
        yield server


def scenario_with(folder: Path, demo: Demo, url: str, **changes: Any) -> Path:
    """The full workload (real renderer) with ``section__key=value`` changes."""
    data = full_scenario(url, fast=False)
    for dotted, value in changes.items():
        section, key = dotted.split("__")
        data[section][key] = value
    return prepare(folder, demo, url, fast=False, data=data)


def assert_clean(result: Any, code: int, *fragments: str) -> None:
    out = result.stdout + result.stderr
    context = f"exit {result.returncode}\nstdout: {result.stdout[-1500:]}\nstderr: {result.stderr[-1500:]}"
    assert result.returncode == code, context
    assert "Traceback" not in out and "unexpected" not in out, context
    for fragment in fragments:
        assert fragment.lower() in result.stderr.lower(), f"missing {fragment!r}: {context}"


# ------------------------------------------------------------------------------------------------ BaseLinker


def test_wrong_token_exit_3_and_no_write(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url)
    result = run_cli("run", str(scenario), env=cli_env(SELLINTEGRO_RELIABILITY_TOKEN="not-the-token"))
    assert_clean(result, 3, "BaseLinker refused the API token", "ERROR_BAD_TOKEN", "sink.token", "Moje konto")
    assert "not-the-token" not in result.stdout + result.stderr
    assert not writes(served.emulator.calls)


def test_baselinker_unreachable_defers_the_run(demo: Demo, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:                 # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scenario = scenario_with(tmp_path, demo, f"http://127.0.0.1:{port}/connector.php", sink__max_retries=0)
    result = run_cli("run", str(scenario), "--json")
    assert result.returncode == 4, result.stderr
    report = report_of(result.stdout)
    assert report is not None and report["outcome"] == "deferred", result.stdout
    assert "cannot connect" in report["message"] and "deferred" in report["message"], report["message"]
    assert "Traceback" not in result.stdout + result.stderr


def test_url_that_is_not_baselinker_exit_3(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url.replace("connector.php", "api.php"))
    result = run_cli("run", str(scenario))
    assert_clean(result, 3, "answered HTTP 404", "sink.url")
    assert served.emulator.calls == []


def test_series_name_not_on_the_account_exit_2(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url, sink__invoice_series="Faktury Subiekta")
    result = run_cli("run", str(scenario))
    assert_clean(result, 2, "sink.invoice_series", "Faktury Subiekta", "Subiekt")
    assert not writes(served.emulator.calls)


def test_series_id_not_on_the_account_fails_each_document(served: Any, demo: Demo, tmp_path: Path) -> None:
    """A series given by id is not looked up first: BaseLinker refuses each placeholder, each receipt is a
    document error naming the series, the invoices still go out (exit 1). `sellintegro check` reports it."""
    scenario = scenario_with(tmp_path, demo, served.url, sink__receipt_series=999)
    result = run_cli("run", str(scenario), "--json")
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr, result.stderr
    report = report_of(result.stdout)
    assert report is not None
    failed = [r for r in report["rows"] if r["outcome"] == "failed"]
    assert failed and all("Series 999 does not exist" in r["message"] and r["document"] in r["message"]
                          for r in failed), failed
    assert {r["action"] for r in failed} == {"attach receipt"}
    assert not [c for c in served.emulator.calls if c["method"] == "addOrderReceiptFile"]


def test_status_not_on_the_account_exit_2(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url, rule__on_success={"status": "Wysłano fakturę"})
    result = run_cli("run", str(scenario))
    assert_clean(result, 2, "Wysłano fakturę", "Faktura wysłana")
    # the documents may be attached; the unknown status is never sent
    assert not [c for c in served.emulator.calls if c["method"] in ("setOrderStatus", "setOrderStatuses")]


# ------------------------------------------------------------------------------------------------ Subiekt GT


def test_sqlite_database_missing_exit_3(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url, source__dsn="sqlite:///no-such-subiekt.sqlite")
    result = run_cli("run", str(scenario))
    assert_clean(result, 3, "no-such-subiekt.sqlite", "does not exist", "sellintegro subiekt demo-db")
    assert served.emulator.calls == []


@pytest.mark.parametrize(("dsn", "fragments"), [
    ("Driver={ODBC Driver 18 for SQL Server};Server=tcp:subiekt.invalid,1433;Database=Firma;UID=bl;"
     "PWD=Pa55-odbc-Secret", ("server tcp:subiekt.invalid,1433", "not installed", "installed drivers")),
    ("DSN=SubiektNoSuchDsn;UID=bl;PWD=Pa55-odbc-Secret", ("SubiektNoSuchDsn", "not installed")),
    ("Driver=SQLite3;Database=/nonexistent-dir/subiekt.sqlite;PWD=Pa55-odbc-Secret",
     ("subiekt.sqlite",)),
])
def test_odbc_database_unreachable_exit_3(dsn: str, fragments: tuple[str, ...], served: Any, demo: Demo,
                                         tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url, source__dsn={"env": "RELIABILITY_DSN"})
    result = run_cli("run", str(scenario), env=cli_env(RELIABILITY_DSN=dsn))
    assert_clean(result, 3, "Subiekt GT", *fragments)
    assert "Pa55-odbc-Secret" not in result.stdout + result.stderr
    assert served.emulator.calls == []


@pytest.mark.parametrize(("statement", "missing"), [
    ("ALTER TABLE dok__Dokument DROP COLUMN dok_NrPelnyOryg", "dok__Dokument.dok_NrPelnyOryg"),
    ("ALTER TABLE dok_Pozycja DROP COLUMN ob_Ilosc", "dok_Pozycja.ob_Ilosc"),
    ("DROP TABLE dok_Vat", "table dok_Vat"),
])
def test_database_without_subiekt_columns_exit_2(statement: str, missing: str, served: Any, demo: Demo,
                                                 tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url)
    con = sqlite3.connect(tmp_path / "subiekt.sqlite")
    table = statement.split()[2]
    for (index,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                                "AND sql IS NOT NULL", (table,)).fetchall():
        con.execute(f'DROP INDEX "{index}"')   # SQLite refuses DROP COLUMN under an index
    con.execute(statement)
    con.commit()
    con.close()
    result = run_cli("run", str(scenario))
    assert_clean(result, 2, missing, "source.dsn")
    assert not writes(served.emulator.calls)


# ------------------------------------------------------------------------------------------------ odd documents


def _doc_id(con: sqlite3.Connection, number: str) -> int:
    row = con.execute("SELECT dok_Id FROM dok__Dokument WHERE dok_NrPelny = ?", (number,)).fetchone()
    assert row is not None, number
    return int(row[0])


LONG_INVOICE = "FS 3/11/2026/MAGAZYN-CENTRALNY1"     # 31 characters: BaseLinker keeps 30
LONG_RECEIPT = "PA 3/11/2026/KASA-0001"              # 22 characters: BaseLinker keeps 20
GREEK = "Ελληνικό μέλι"
EXOTIC = f"{GREEK} 蜂蜜 🍯 ąćęłńóśźż"


def edit_odd_documents(db: Path) -> dict[str, str]:
    """Edit a copy of the demo database; returns {role: document number after the edit}."""
    con = sqlite3.connect(db)
    long_invoice = _doc_id(con, "FS 3/11/2026")
    long_receipt = _doc_id(con, "PA 3/11/2026")
    no_buyer = _doc_id(con, "FS 5/11/2026")
    no_lines = _doc_id(con, "FS 8/11/2026")
    correction = _doc_id(con, "KFS 1/11/2026")
    exotic = _doc_id(con, "FS 16/11/2026")
    con.execute("UPDATE dok__Dokument SET dok_NrPelny = ? WHERE dok_Id = ?", (LONG_INVOICE, long_invoice))
    con.execute("UPDATE dok__Dokument SET dok_NrPelny = ? WHERE dok_Id = ?", (LONG_RECEIPT, long_receipt))
    con.execute("UPDATE dok__Dokument SET dok_PlatnikId = NULL, dok_PlatnikAdreshId = NULL, dok_OdbiorcaId = NULL, "
                "dok_OdbiorcaAdreshId = NULL WHERE dok_Id = ?", (no_buyer,))
    con.execute("DELETE FROM dok_Pozycja WHERE ob_DokHanId = ?", (no_lines,))
    con.execute("UPDATE dok_Pozycja SET ob_Ilosc = -ABS(ob_Ilosc) WHERE ob_DokHanId = ? AND ob_Znak = 1",
                (correction,))
    con.execute("UPDATE tw__Towar SET tw_Nazwa = ? WHERE tw_Id IN (SELECT ob_TowId FROM dok_Pozycja "
                "WHERE ob_DokHanId = ?)", (EXOTIC, exotic))
    con.execute("UPDATE adr_Historia SET adrh_NazwaPelna = ? WHERE adrh_Id = (SELECT dok_PlatnikAdreshId FROM "
                "dok__Dokument WHERE dok_Id = ?)", (f"Ωmega {EXOTIC}", exotic))
    con.commit()
    con.close()
    return {"long_invoice": LONG_INVOICE, "long_receipt": LONG_RECEIPT, "no_buyer": "FS 5/11/2026",
            "no_lines": "FS 8/11/2026", "negative_correction": "KFS 1/11/2026", "exotic": "FS 16/11/2026"}


def _order_of(demo: Demo, number: str) -> int:
    return next(e["order_id"] for e in demo.sidecar["expected"] if e["document_number"] == number)


def test_odd_documents(served: Any, demo: Demo, tmp_path: Path) -> None:
    scenario = scenario_with(tmp_path, demo, served.url)
    roles = edit_odd_documents(tmp_path / "subiekt.sqlite")
    rows: dict[str, dict[str, Any]] = {}
    for _ in range(3):
        result = run_cli("run", str(scenario), "--json")
        out = result.stdout + result.stderr
        assert "Traceback" not in out and "unexpected" not in out, out[-3000:]
        assert result.returncode == 1, out[-3000:]            # document errors: recorded, the run went on
        report = report_of(result.stdout)
        assert report is not None
        for row in report["rows"]:
            if row["document"] and row["outcome"] != "already_done":
                rows.setdefault(row["document"], row)
    emulator = served.emulator
    snap = snapshot(emulator)
    filed = {a.number: a for a in snap.attached}
    # numbers BaseLinker cannot hold: refused before any call for that order, the order gets the failure status
    for role, limit in (("long_invoice", 30), ("long_receipt", 20)):
        number = roles[role]
        row = rows[number]
        assert row["outcome"] == "failed", row
        assert f"{len(number)} characters" in row["message"] and f"at most {limit}" in row["message"], row
        order = _order_of(demo, number.split("/")[0] + "/11/2026" if role == "long_invoice" else "PA 3/11/2026")
        order_writes = [c for c in writes(emulator.calls) if c["method"] not in ("setOrderStatus", "setOrderStatuses")
                        and isinstance(c["parameters"], dict) and c["parameters"].get("order_id") == order]
        assert order_writes == [], f"{number}: BaseLinker writes for a refused document: {order_writes}"
        assert snap.statuses[order] == FAILURE_STATUS, (number, snap.statuses[order])
    # data that do not add up: refused by the validator, naming the document and the check, nothing uploaded
    refusals = {"no_lines": ("'VAT table matches the lines'", "in the VAT table but on no line"),
                "negative_correction": ("'lines tie'", "quantity -")}
    for role, fragments in refusals.items():
        number = roles[role]
        row = rows.get(number)
        assert row is not None and row["outcome"] == "failed", (role, row)
        assert f"{number} was not uploaded" in row["message"], row
        assert all(f in row["message"] for f in fragments) and "Fix:" in row["message"], row
        assert number not in filed, role
    # the other odd documents: attached, a readable PDF naming the document (no false refusal by the validator)
    for role in ("no_buyer", "exotic"):
        number = roles[role]
        row = rows.get(number)
        assert row is not None, f"{number} ({role}) does not appear in the run's report"
        assert number in filed, f"{number} ({role}): {row}"
        text = _pdf_text(emulator, filed[number])
        assert number.split(" ")[1] in text, f"{number}: the PDF does not name the document"
    # characters outside Latin-2 survive into the PDF (DejaVu has Greek; missing glyphs never stop a run)
    assert GREEK.split()[0] in _pdf_text(emulator, filed[roles["exotic"]])
    # the renamed products are on other invoices too, next to Polish names: none is refused for its names
    false_refusals = [r for r in rows.values() if "'mandatory elements'" in r["message"]]
    assert false_refusals == [], false_refusals


def _pdf_text(emulator: Any, attached: Any) -> str:
    """The PDF's text through poppler's pdftotext (pypdf misreads WeasyPrint's fallback CJK/emoji fonts)."""
    import subprocess

    data = (emulator.receipt_file(attached.doc_id) if attached.target == "receipt"
            else emulator.invoice_file(attached.doc_id))
    assert data and data.startswith(b"%PDF"), attached
    result = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, timeout=60, check=True)
    return result.stdout.decode("utf-8", "replace")
