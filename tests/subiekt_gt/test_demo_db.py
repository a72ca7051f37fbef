"""The demo database: real Subiekt tables, consistent data, valid NIPs / KSeF numbers / hashes, a usable seed."""

from __future__ import annotations

import base64
import json
import re
import sqlite3
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sellintegro_subiekt_gt.checksums import ksef_number_is_valid, nip_is_valid
from sellintegro_subiekt_gt.demo_db import SELLER_NIP, generate
from tests.conftest import run_cli

from .conftest import NOW, TZ

DEFAULT_STATUSES = {"Nowe zamówienia", "Do wysłania", "Wysłane", "Anulowane", "Zwroty"}


def rows(path, sql, params=()):
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute(sql, params)]
    finally:
        con.close()


def d(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_seller_and_buyers_have_valid_tax_numbers(demo):
    assert nip_is_valid(SELLER_NIP) and demo.seller_nip == SELLER_NIP
    seller = rows(demo.path, "SELECT * FROM adr__Ewid WHERE adr_TypAdresu = 8 AND adr_IdObiektu = 1")
    assert len(seller) == 1 and seller[0]["adr_NIP"] == SELLER_NIP
    nips = [r["adrh_NIP"] for r in rows(demo.path, "SELECT adrh_NIP FROM adr_Historia WHERE adrh_NIP <> ''")]
    polish = [n for n in nips if not n.startswith("DE")]
    assert polish and all(nip_is_valid(n) for n in polish)
    assert any("-" in n for n in polish) and any(n.startswith("PL") for n in polish)
    assert any(re.fullmatch(r"\d{10}", n) for n in polish)
    assert any(n.startswith("DE") for n in nips)


def test_ksef_numbers_are_valid_and_belong_to_the_seller(demo):
    numbers = rows(demo.path, "SELECT ksefnr_NumerKSeF AS n, ksefnr_DataNadania AS t FROM ksef_NumerKSeF")
    numbers += rows(demo.path, "SELECT dok_NumerKSeF AS n, dok_DataNumeruKSeF AS t FROM dok__Dokument "
                               "WHERE dok_NumerKSeF IS NOT NULL")
    assert len(numbers) > 20
    for r in numbers:
        assert ksef_number_is_valid(r["n"]), r["n"]
        assert r["n"].startswith(SELLER_NIP + "-")
        assert r["n"][11:19] == r["t"][:10].replace("-", "")


def test_hashes_are_sha256_in_both_stored_forms(demo):
    values = [r["h"] for r in rows(demo.path, "SELECT ksefnr_Hash AS h FROM ksef_NumerKSeF "
                                              "WHERE ksefnr_Hash IS NOT NULL")]
    values += [r["h"] for r in rows(demo.path, "SELECT dok_XmlHashKSeF AS h FROM dok__Dokument "
                                               "WHERE dok_XmlHashKSeF IS NOT NULL")]
    forms = set()
    for value in values:
        if re.fullmatch(r"[0-9a-f]{64}", value):
            forms.add("hex")
            assert len(bytes.fromhex(value)) == 32
        else:
            forms.add("base64")
            assert len(value) == 44 and len(base64.b64decode(value, validate=True)) == 32
    assert forms == {"hex", "base64"}


def test_lines_vat_table_and_totals_add_up(demo):
    docs = rows(demo.path, "SELECT dok_Id, dok_NrPelny, dok_WartNetto, dok_WartVat, dok_WartBrutto, dok_Waluta "
                           "FROM dok__Dokument")
    lines = rows(demo.path, "SELECT ob_DokHanId, ob_Znak, ob_WartNetto, ob_WartVat, ob_WartBrutto, ob_Ilosc, "
                            "ob_CenaNetto FROM dok_Pozycja")
    vat = rows(demo.path, "SELECT * FROM dok_Vat")
    by_doc: dict[int, list] = {}
    for line in lines:
        by_doc.setdefault(line["ob_DokHanId"], []).append(line)
        assert d(line["ob_WartNetto"]) == d(d(line["ob_Ilosc"]) * d(line["ob_CenaNetto"]))
    vat_by_doc: dict[int, list] = {}
    for row in vat:
        vat_by_doc.setdefault(row["vt_DokId"], []).append(row)
    for doc in docs:
        net = sum(d(x["ob_Znak"]) * d(x["ob_WartNetto"]) for x in by_doc[doc["dok_Id"]])
        assert net == d(doc["dok_WartNetto"]), doc["dok_NrPelny"]
        assert d(doc["dok_WartNetto"]) + d(doc["dok_WartVat"]) == d(doc["dok_WartBrutto"])
        table = vat_by_doc[doc["dok_Id"]]
        foreign = doc["dok_Waluta"] != "PLN"
        column = "vt_WartNettoWaluta" if foreign else "vt_WartNetto"
        assert sum(d(r[column]) for r in table) == d(doc["dok_WartNetto"]), doc["dok_NrPelny"]
        vat_column = "vt_WartVatWaluta" if foreign else "vt_WartVat"
        assert sum(d(r[vat_column]) for r in table) == d(doc["dok_WartVat"]), doc["dok_NrPelny"]
        for r in table:     # one method for every row: VAT = per-rate net × rate (issue 13, item 11)
            expected = (d(r[column]) * d(r["vt_VatProc"]) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert d(r[vat_column]) == expected, (doc["dok_NrPelny"], r)


def test_every_rate_discount_and_shape_is_present(demo):
    symbols = {r["vat_Symbol"] for r in rows(demo.path, "SELECT DISTINCT v.vat_Symbol FROM dok_Pozycja p "
                                                       "JOIN sl_StawkaVAT v ON v.vat_Id = p.ob_VatId")}
    assert symbols >= {"23", "8", "5", "0", "zw"}
    assert rows(demo.path, "SELECT COUNT(*) AS n FROM dok_Pozycja WHERE ob_Rabat > 0")[0]["n"] > 0
    kinds = {(r["dok_Typ"], r["dok_Podtyp"], r["dok_Status"]) for r in
             rows(demo.path, "SELECT DISTINCT dok_Typ, dok_Podtyp, dok_Status FROM dok__Dokument")}
    assert {(2, 0, 1), (2, 1, 1), (2, 0, 2), (2, 0, 3), (6, 0, 1), (14, 0, 1), (16, 0, 8), (21, 0, 1),
            (21, 2, 1)} <= kinds
    assert rows(demo.path, "SELECT COUNT(*) AS n FROM dok_PowiazanieFSdPA")[0]["n"] >= 1
    assert rows(demo.path, "SELECT COUNT(*) AS n FROM dok__Dokument WHERE dok_Waluta = 'EUR'")[0]["n"] >= 1
    refs = [r["dok_NrPelnyOryg"] for r in rows(demo.path, "SELECT dok_NrPelnyOryg FROM dok__Dokument "
                                                         "WHERE dok_Typ = 16")]
    assert sum(bool(re.fullmatch(r"B_\d+", r)) for r in refs) >= len(refs) * 0.8


def test_sidecar_is_an_emulator_seed_with_expectations(demo):
    seed = json.loads(demo.sidecar.read_text(encoding="utf-8"))
    assert set(seed) <= {"orders", "expected", "statuses", "series", "extra_fields", "sources"}
    orders = {o["order_id"]: o for o in seed["orders"]}
    assert len(orders) == len(seed["orders"]) == demo.orders
    for order in seed["orders"]:
        assert isinstance(order["order_id"], int) and isinstance(order["date_add"], int)
        assert order["status"] in DEFAULT_STATUSES and order["order_source"] in ("shop", "personal")
        placed = datetime.fromtimestamp(order["date_add"], TZ)
        assert placed <= NOW and (placed >= NOW - timedelta(days=10) or placed < NOW - timedelta(days=20))
        assert order["products"] and all(p["quantity"] > 0 for p in order["products"])
    numbers = {r["dok_NrPelny"]: r for r in rows(demo.path, "SELECT dok_Id, dok_NrPelny, dok_DataWyst, dok_Status "
                                                            "FROM dok__Dokument")}
    assert seed["expected"] and len(seed["expected"]) == demo.expected
    for item in seed["expected"]:
        order = orders[item["order_id"]]
        doc = numbers[item["document_number"]]
        assert doc["dok_Status"] == 1 and str(doc["dok_Id"]) == item["document_id"]
        assert item["target"] == {"FS": "invoice", "FSd": "invoice", "PA": "receipt", "KFS": "correction",
                                  "ZW": "correction"}[item["kind"]]
        placed = datetime.fromtimestamp(order["date_add"], TZ)
        assert doc["dok_DataWyst"][:10] >= placed.date().isoformat()       # issued after the order
        assert placed >= NOW - timedelta(days=14)                          # inside the default window
    assert {e["kind"] for e in seed["expected"]} == {"FS", "PA", "KFS", "ZW", "FSd"}


def test_expectations_match_what_the_source_reads(demo):
    """Every expected attachment is a document the default settings read and tie to that order."""
    from .conftest import by_id, read_all

    docs = by_id(read_all(f"sqlite:///{demo.path}", match={"pattern": r"^B_(?P<ref>\d+)$"}))
    seed = json.loads(demo.sidecar.read_text(encoding="utf-8"))
    for item in seed["expected"]:
        doc = docs[item["document_id"]]
        assert doc.order_ref is not None and doc.order_ref.value == str(item["order_id"])
        assert doc.ksef.state == item["ksef_state"]
    expected_ids = {e["document_id"] for e in seed["expected"]}
    assert all(doc.order_ref is None for doc in docs.values() if doc.id not in expected_ids)


def test_same_seed_and_clock_give_the_same_database(tmp_path):
    a = generate(tmp_path / "a.sqlite", documents=80, seed=9, now=NOW)
    b = generate(tmp_path / "b.sqlite", documents=80, seed=9, now=NOW)
    assert a.sidecar.read_text() == b.sidecar.read_text()
    sql = "SELECT * FROM dok__Dokument ORDER BY dok_Id"
    assert rows(a.path, sql) == rows(b.path, sql)
    c = generate(tmp_path / "c.sqlite", documents=80, seed=10, now=NOW)
    assert rows(c.path, sql) != rows(a.path, sql)


def test_document_count_is_honoured(tmp_path):
    summary = generate(tmp_path / "n.sqlite", documents=1500, seed=4, now=NOW)
    assert summary.documents == 1500
    n = rows(summary.path, "SELECT COUNT(*) AS n FROM dok__Dokument WHERE dok_Typ IN (2, 6, 14, 21)")[0]["n"]
    assert n == 1500


def test_cli_writes_database_and_seed(tmp_path):
    target = tmp_path / "cli" / "demo.sqlite"
    result = run_cli("subiekt", "demo-db", str(target), "--documents", "40", "--seed", "2",
                     env={"SELLINTEGRO_NOW": NOW.isoformat()})
    assert result.returncode == 0, result.stderr
    assert target.is_file() and (tmp_path / "cli" / "demo.sqlite.orders.json").is_file()
    assert "demo.sqlite" in result.stdout and "orders" in result.stdout
