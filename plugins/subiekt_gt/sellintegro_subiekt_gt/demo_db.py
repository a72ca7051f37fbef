"""Demo database generator: a SQLite file with Subiekt GT's real tables and realistic, consistent data.

``generate(path, documents=N, seed=S, now=None)`` writes ``path`` (the fixture DDL, then the data) and the
sidecar ``path + ".orders.json"`` (emulator seed: the BaseLinker orders the documents refer to, plus
``"expected"``: what a demo run with the default match settings should attach).

Everything is relative to ``now`` (default: ``sellintegro_core.clock.now()``): orders were placed during
the last ten days, documents were issued on or after their order's day, so the default 14-day window holds
them. A few documents are older (outside the window) to show the window at work.

Contents (the *showcase*, always present, then random documents of the same shapes up to N):

* the seller (own company, valid NIP) with a PLN and an EUR bank account;
* Polish companies (valid NIPs typed in several ways), consumers, one German (EU) buyer;
* ZK orders with ``B_<order id>`` in numer oryginału and the FS / PA / PAi issued from them;
* FS issued directly with the order reference in podtytuł, tytuł, uwagi or a custom field (pole własne);
* a KFS correcting an FS (return + price cut, before/after line pairs), a ZW returning part of a PA;
* an FSd (invoice to a receipt) linked through ``dok_PowiazanieFSdPA``;
* a cancelled FS and its replacement, a draft FS, a ZK whose reference has a foreign format, an FS with
  no reference at all;
* VAT 23/8/5/0/zw with discounts, an EUR invoice with the PLN VAT table;
* KSeF: numbers with a valid CRC-8 (some only in ``dok_NumerKSeF``, most in ``ksef_NumerKSeF``), SHA-256
  hashes stored as hex or Base64, invoices waiting for KSeF online and one offline24 invoice.

Lines, VAT table and totals add up to the grosz. N = 30 000 takes a few seconds (one transaction).
"""


from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .demo_catalogue import (
    DOK_COLUMNS,
    EXEMPTIONS,
    OB_COLUMNS,
    SELLER_NIP,
    TZ,
    VT_COLUMNS,
    fixture_ddl,
)
from .demo_scenarios import DemoGenerator as _Generator

__all__ = ["SELLER_NIP", "DemoSummary", "fixture_ddl", "generate"]

# The exemption reasons dictionary is not in the fixture DDL; columns as in the published Subiekt GT model.
EXEMPTION_DDL = """CREATE TABLE IF NOT EXISTS sl_ZwolnienieZVAT (
  slpzv_Id int NOT NULL PRIMARY KEY,
  slpzv_Aktywna bit NOT NULL,
  slpzv_Systemowa int NOT NULL,
  slpzv_ZrodloZwolnienia int NOT NULL,
  slpzv_Nazwa varchar(255) NOT NULL,
  slpzv_Opis varchar(500) NOT NULL,
  slpzv_RodzajZwolnienia int NOT NULL
);"""


@dataclass
class DemoSummary:
    """What ``generate`` wrote."""

    path: Path
    sidecar: Path
    now: datetime
    seller_nip: str
    counts: dict[str, int] = field(default_factory=dict)      # sales documents per kind (+ "ZK", "cancelled")
    orders: int = 0
    expected: int = 0
    showcase: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def documents(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind not in ("ZK",))

    def as_text(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(self.counts.items()))
        return (f"wrote {self.path} ({kinds}); {self.orders} orders and {self.expected} expected attachments "
                f"in {self.sidecar}")


# ------------------------------------------------------------------------------------------------ writer

_STATIC_COLUMNS = {
    "sl_Panstwo": "pa_Id, pa_Nazwa, pa_KodPanstwaUE, pa_CzlonekUE, pa_KodPanstwaISO",
    "sl_Magazyn": "mag_Id, mag_Symbol, mag_Nazwa, mag_Status, mag_Glowny",
    "sl_StawkaVAT": "vat_Id, vat_Nazwa, vat_Stawka, vat_Symbol, vat_CzySystemowa, vat_CzyWidoczna, vat_Pozycja, "
                    "vat_PozSprzedaz",
    "sl_FormaPlatnosci": "fp_Id, fp_Nazwa, fp_Termin, fp_Typ",
    "sl_PrzyczynaKorekty": "pkr_Id, pkr_Nazwa",
    "rb__RachBankowy": "rb_Id, rb_Nazwa, rb_TypObiektu, rb_Numer, rb_Bank, rb_IBAN, rb_IdWaluty, rb_Podstawowy, "
                       "rb_IdObiektu, rb_NumerZnormalizowany",
    "tw__Towar": "tw_Id, tw_Rodzaj, tw_Symbol, tw_Nazwa, tw_IdVatSp, tw_JednMiary, tw_PKWiU, tw_PodstKodKresk",
    "adr__Ewid": "adr_Id, adr_IdObiektu, adr_TypAdresu, adr_Nazwa, adr_NazwaPelna, adr_Telefon, adr_Ulica, "
                 "adr_NrDomu, adr_NrLokalu, adr_Adres, adr_Kod, adr_Miejscowosc, adr_IdPanstwo, adr_NIP",
    "adr_Historia": "adrh_Id, adrh_IdAdresu, adrh_Nazwa, adrh_NazwaPelna, adrh_Ulica, adrh_NrDomu, adrh_NrLokalu, "
                    "adrh_Adres, adrh_Kod, adrh_Miejscowosc, adrh_IdPanstwo, adrh_NIP",
    "kh__Kontrahent": "kh_Id, kh_Symbol, kh_Rodzaj, kh_EMail, kh_Osoba, kh_Imie, kh_Nazwisko, kh_Jednorazowy",
    "pw_Pole": "pwp_Id, pwp_TypObiektu, pwp_Pole, pwp_Typ, pwp_Nazwa",
}


def _insert(con: sqlite3.Connection, table: str, columns: str | tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    cols = columns if isinstance(columns, str) else ", ".join(columns)
    marks = ", ".join("?" for _ in cols.split(","))
    con.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def _write(path: Path, gen: _Generator) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(fixture_ddl())
        con.executescript(EXEMPTION_DDL)     # not in the fixture DDL: the dictionary of exemption reasons
        with con:
            for table, columns in _STATIC_COLUMNS.items():
                _insert(con, table, columns, gen.static.get(table, []))
            _insert(con, "sl_ZwolnienieZVAT", "slpzv_Id, slpzv_Aktywna, slpzv_Systemowa, slpzv_ZrodloZwolnienia, "
                                              "slpzv_Nazwa, slpzv_Opis, slpzv_RodzajZwolnienia", EXEMPTIONS)
            dok = [tuple(h[c] for c in DOK_COLUMNS) for h in gen.rows["dok"]]
            _insert(con, "dok__Dokument", DOK_COLUMNS, dok)
            _insert(con, "dok_Pozycja", OB_COLUMNS, gen.rows["ob"])
            _insert(con, "dok_Vat", VT_COLUMNS, gen.rows["vt"])
            _insert(con, "ksef_NumerKSeF", "ksefnr_Id, ksefnr_NumerKSeF, ksefnr_DataNadania, ksefnr_Hash",
                    gen.rows["ksef"])
            _insert(con, "wy_NumerKSeF", "wydk_DokId, wydk_link, wydk_numerKSeF, wydk_linkCert", gen.rows["wy"])
            _insert(con, "dok_PowiazanieFSdPA", "dfd_IdFS, dfd_IdPA, dfd_Typ", gen.rows["dfd"])
            _insert(con, "pw_Dane", "pwd_Id, pwd_TypObiektu, pwd_IdObiektu, pwd_IdPozycji, pwd_Tekst01, "
                                    "pwd_Tekst02, pwd_Tekst03", gen.rows["pwd"])
    finally:
        con.close()


def _default_now() -> datetime:
    try:
        from sellintegro_core.api import now

        return now()
    except ImportError:  # pragma: no cover - the core is a dependency
        return datetime.now(TZ)


def generate(path: str | Path, documents: int = 60, seed: int = 1, now: datetime | None = None,
             days: float = 10.0) -> DemoSummary:
    """Write a demo Subiekt GT database to ``path`` (replaced if it exists) and its ``.orders.json`` sidecar.

    ``documents`` is the number of sales documents (FS, PA, KFS, ZW, FSd, drafts and cancelled ones; ZK
    orders come on top); the fixed showcase set is always written, so small values give about 25.
    Orders are placed over the last ``days`` days (10 by default; the showcase keeps its relative spacing),
    plus one order 25 days old that a default window leaves out.
    """
    path = Path(path)
    now = (now or _default_now())
    if now.tzinfo is None:
        now = now.replace(tzinfo=TZ)
    now = now.astimezone(TZ)
    gen = _Generator(seed, now)
    gen.scale = days / 10.0
    gen.build_static(customers=min(400, max(12, documents // 20)))
    showcase = gen.showcase()
    gen.fill(documents)
    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, gen)
    sidecar = Path(str(path) + ".orders.json")
    in_window = now - timedelta(days=14)
    expected = _in_window(gen, in_window)
    indent = 1 if len(gen.orders) <= 500 else None      # the C encoder (no indent) is much faster
    sidecar.write_text(json.dumps({"orders": gen.orders, "expected": expected}, ensure_ascii=False, indent=indent),
                       encoding="utf-8")
    summary = DemoSummary(path=path, sidecar=sidecar, now=now, seller_nip=SELLER_NIP, counts=dict(gen.counts),
                          orders=len(gen.orders), expected=len(expected))
    for key, item in showcase.items():
        summary.showcase[key] = _describe(item)
    return summary


def _in_window(gen: _Generator, since: datetime) -> list[dict[str, Any]]:
    placed = {o["order_id"]: o["date_add"] for o in gen.orders}
    cutoff = since.timestamp()
    return [e for e in gen.expected if placed[e["order_id"]] >= cutoff]


def _describe(item: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in item.items():
        if isinstance(value, dict) and "dok_Id" in value:
            out[key] = {"id": str(value["dok_Id"]), "number": value["dok_NrPelny"], "kind": value["_kind"],
                        "ksef_number": value.get("_ksef_number"), "issue_date": value["dok_DataWyst"][:10]}
        elif isinstance(value, dict) and "order_id" in value:
            out[key] = {"order_id": value["order_id"], "shop_order_id": value["shop_order_id"],
                        "external_order_id": value["external_order_id"]}
        else:
            out[key] = value
    return out
