"""Older and damaged databases: the source adapts to missing optional columns and names missing required ones."""

from __future__ import annotations

import pytest

from sellintegro_core.errors import ConfigError

from .conftest import by_id, make_source, odbc_dsn, window

DROP_2026 = ["DROP TABLE ksef_NumerKSeF", "DROP TABLE wy_NumerKSeF",
             "ALTER TABLE dok__Dokument DROP COLUMN dok_NumerKSeFId",
             "ALTER TABLE dok__Dokument DROP COLUMN dok_DoNumerKSeFId",
             "ALTER TABLE dok_Vat DROP COLUMN vt_WartNettoWaluta", "ALTER TABLE dok_Vat DROP COLUMN vt_WartVatWaluta",
             "ALTER TABLE dok_Vat DROP COLUMN vt_WartBruttoWaluta"]
DROP_KSEF = DROP_2026 + [f"ALTER TABLE dok__Dokument DROP COLUMN {c}" for c in (
    "dok_NumerKSeF", "dok_DataNumeruKSeF", "dok_DoNumerKSeF", "dok_StatusKSeF", "dok_XmlHashKSeF",
    "dok_DataWystawieniaKSeF", "dok_FormaDokumentowania", "dok_CzekaNaKSeF", "dok_BladKSeF",
    "dok_VatRozliczanyPrzezUslugobiorce")]


@pytest.mark.parametrize("backend", ["sqlite", "odbc"])
def test_before_2026_numbers_come_from_dok_numer_ksef(demo, demo_copy, backend):
    path = demo_copy(DROP_2026)
    source = make_source(f"sqlite:///{path}" if backend == "sqlite" else odbc_dsn(path))
    docs = by_id(list(source.read(window())))
    assert source.schema.version.startswith("KSeF-aware")
    source.close()
    fs = docs[demo.showcase["fs"]["doc"]["id"]]
    legacy = docs[demo.showcase["eur"]["doc"]["id"]]
    assert legacy.ksef.state == "numbered" and legacy.ksef.number == demo.showcase["eur"]["doc"]["ksef_number"]
    # FS whose number lived only in ksef_NumerKSeF: without that table Subiekt shows it as still in progress
    assert fs.ksef.number in (None, demo.showcase["fs"]["doc"]["ksef_number"])
    eur = docs[demo.showcase["eur"]["doc"]["id"]]
    assert eur.vat_table[0].net_pln is None       # no vt_Wart*Waluta columns: one amount per VAT row
    assert all(d.totals.net == sum(r.net for r in d.vat_table) for d in docs.values() if d.currency == "PLN")


def test_before_ksef_every_document_is_outside_ksef(demo, demo_copy):
    path = demo_copy(DROP_KSEF)
    source = make_source(f"sqlite:///{path}")
    docs = list(source.read(window()))
    assert source.schema.version.startswith("before KSeF")
    assert docs and all(d.ksef.state == "not_in_ksef" and d.ksef.number is None for d in docs)
    kfs = by_id(docs)[demo.showcase["fs_kfs"]["kfs"]["id"]]
    assert kfs.corrected is not None and kfs.corrected.ksef_number is None
    assert kfs.order_ref is not None
    source.close()


@pytest.mark.parametrize("backend", ["sqlite", "odbc"])
def test_missing_required_columns_are_listed_in_one_message(demo_copy, backend):
    path = demo_copy(["ALTER TABLE dok__Dokument DROP COLUMN dok_Podtytul",
                      "ALTER TABLE tw__Towar DROP COLUMN tw_Nazwa", "DROP TABLE dok_Vat"])
    source = make_source(f"sqlite:///{path}" if backend == "sqlite" else odbc_dsn(path))
    with pytest.raises(ConfigError) as info:
        list(source.read(window()))
    message = str(info.value)
    assert "dok__Dokument.dok_Podtytul" in message and "tw__Towar.tw_Nazwa" in message
    assert "table dok_Vat" in message
    assert info.value.exit_code == 2
    items = make_source(f"sqlite:///{path}").check()
    assert len(items) == 1 and not items[0].ok and "dok_Podtytul" in items[0].detail


def test_fsd_needs_the_link_table(demo_copy):
    path = demo_copy(["DROP TABLE dok_PowiazanieFSdPA"])
    with pytest.raises(ConfigError, match="dok_PowiazanieFSdPA"):
        list(make_source(f"sqlite:///{path}").read(window()))
    docs = list(make_source(f"sqlite:///{path}", document_types=["FS", "PA"]).read(window()))
    assert docs and all(d.invoice is None for d in docs)


def test_custom_fields_need_their_tables(demo_copy):
    path = demo_copy(["DROP TABLE pw_Dane"])
    with pytest.raises(ConfigError, match="pw_Dane"):
        list(make_source(f"sqlite:///{path}", match={"field": "pole_wlasne:Zamówienie BL"}).read(window()))


def test_not_a_subiekt_database(tmp_path):
    import sqlite3

    path = tmp_path / "other.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE orders (id int)")
    con.close()
    with pytest.raises(ConfigError) as info:
        list(make_source(f"sqlite:///{path}").read(window()))
    assert "table dok__Dokument" in str(info.value) and "table dok_Pozycja" in str(info.value)
