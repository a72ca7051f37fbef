"""Every SQL statement the source runs. Only SELECT.

Plain SQL that SQL Server (T-SQL) and SQLite both accept: ``?`` parameters, no TOP/LIMIT (paging is keyset
on ``dok_Id`` with ``fetchmany``), COALESCE/NULLIF instead of ISNULL, no string concatenation, no date
functions, no schema prefix. Columns that older Subiekt versions lack are selected as ``NULL AS name`` (and
joins to missing tables are left out) according to the probed :class:`Schema`; the two catalogue queries
are the only dialect-specific statements. tests/subiekt_gt/test_queries.py parses every statement as T-SQL
and checks each column against the published 2026 schema.
"""

from __future__ import annotations

import re

from .schema import TABLES, Schema

DOC_TYPES = {"FS": 2, "FSd": 2, "KFS": 6, "ZW": 14, "PA": 21}
ZK_TYPE = 16
CUSTOM_SLOTS = tuple(f"pwd_{kind}{i:02d}" for kind in ("Tekst", "Liczba", "Kwota", "Data", "Fk", "Flaga")
                     for i in range(1, 11))


def marks(count: int) -> str:
    """``?, ?, ?`` for an IN list."""
    if count < 1:
        raise ValueError("an IN list needs at least one value")
    return ", ".join("?" for _ in range(count))


class _Cols:
    """Select-list builder: ``alias.column`` when the column exists, else ``NULL AS column``."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def __call__(self, alias: str, table: str, column: str, name: str | None = None) -> str:
        if self.schema.has(table, column):
            return f"{alias}.{column}" + (f" AS {name}" if name else "")
        return f"NULL AS {name or column}"


# ---------------------------------------------------------------------------------------------- catalogue

CATALOG_SQLSERVER = (
    "SELECT c.TABLE_NAME, c.COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS c "
    f"WHERE c.TABLE_SCHEMA = 'dbo' AND c.TABLE_NAME IN ({marks(len(TABLES))})")
CATALOG_SQLITE = (
    "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m "
    "JOIN pragma_table_info(m.name) p ON 1 = 1 WHERE m.type = 'table'")


# ---------------------------------------------------------------------------------------------- headers

_HEADER_COLUMNS = (
    "dok_Id", "dok_Typ", "dok_Podtyp", "dok_Status", "dok_ObiektGT", "dok_NrPelny", "dok_NrPelnyOryg", "dok_Tytul",
    "dok_Podtytul", "dok_Uwagi", "dok_DataWyst", "dok_DataZakonczenia", "dok_PlatTermin", "dok_MscWyst",
    "dok_PlatnikId", "dok_PlatnikAdreshId", "dok_OdbiorcaId", "dok_OdbiorcaAdreshId", "dok_DoDokId",
    "dok_DoDokNrPelny", "dok_DoDokDataWyst", "dok_WartNetto", "dok_WartVat", "dok_WartBrutto", "dok_Waluta",
    "dok_WalutaKurs", "dok_WalutaDataKursu", "dok_KwGotowka", "dok_KwKarta", "dok_KwKredyt", "dok_KwPrzelew",
    "dok_KwDoZaplaty", "dok_PlatId", "dok_KartaId", "dok_KredytId", "dok_NrRachunkuBankowegoPdm",
    "dok_TypNrIdentNabywcy", "dok_NrIdentNabywcy", "dok_Wystawil", "dok_MechanizmPodzielonejPlatnosci",
    "dok_FakturaUproszczona", "dok_MetodaKasowa", "dok_VatMarza", "dok_ProceduraMarzy",
    "dok_VatRozliczanyPrzezUslugobiorce", "dok_StatusKSeF", "dok_FormaDokumentowania", "dok_CzekaNaKSeF",
    "dok_DataWystawieniaKSeF", "dok_BladKSeF", "dok_IdPrzyczynyZwolnieniaZVAT",
)


def header_select(schema: Schema) -> str:
    """SELECT ... FROM dok__Dokument d [LEFT JOIN ksef_NumerKSeF ...] — headers with their KSeF data."""
    c = _Cols(schema)
    cols = [c("d", "dok__Dokument", name) for name in _HEADER_COLUMNS]
    has_table = schema.has("ksef_NumerKSeF", "ksefnr_NumerKSeF")
    own = has_table and schema.has("dok__Dokument", "dok_NumerKSeFId")
    corrected = has_table and schema.has("dok__Dokument", "dok_DoNumerKSeFId")
    joins = []

    def coalesce(name: str, parts: list[str], text: bool = True) -> str:
        parts = [f"NULLIF({p}, '')" if text else p for p in parts]
        if not parts:
            return f"NULL AS {name}"
        if len(parts) == 1:
            return f"{parts[0]} AS {name}"
        return f"COALESCE({', '.join(parts)}) AS {name}"

    def present(column: str) -> list[str]:
        return [f"d.{column}"] if schema.has("dok__Dokument", column) else []

    if own:
        joins.append("LEFT JOIN ksef_NumerKSeF k ON k.ksefnr_Id = d.dok_NumerKSeFId")
    if corrected:
        joins.append("LEFT JOIN ksef_NumerKSeF kd ON kd.ksefnr_Id = d.dok_DoNumerKSeFId")
    k_number = ["k.ksefnr_NumerKSeF"] if own else []
    k_date = ["k.ksefnr_DataNadania"] if own and schema.has("ksef_NumerKSeF", "ksefnr_DataNadania") else []
    k_hash = ["k.ksefnr_Hash"] if own and schema.has("ksef_NumerKSeF", "ksefnr_Hash") else []
    kd_number = ["kd.ksefnr_NumerKSeF"] if corrected else []
    cols += [
        coalesce("numer_ksef", k_number + present("dok_NumerKSeF")),
        coalesce("data_numeru_ksef", k_date + present("dok_DataNumeruKSeF"), text=False),
        coalesce("hash_ksef", k_hash + present("dok_XmlHashKSeF")),
        coalesce("numer_ksef_korygowanej", kd_number + present("dok_DoNumerKSeF")),
    ]
    return "SELECT " + ", ".join(cols) + " FROM dok__Dokument d" + "".join(" " + j for j in joins)


def headers_in_window(schema: Schema, types: int, statuses: int) -> str:
    """One page of documents: params = types..., statuses..., start, end (exclusive), last dok_Id."""
    return (header_select(schema) + f" WHERE d.dok_Typ IN ({marks(types)}) AND d.dok_Status IN ({marks(statuses)})"
            " AND d.dok_DataWyst >= ? AND d.dok_DataWyst < ? AND d.dok_Id > ? ORDER BY d.dok_Id")


def headers_by_ids(schema: Schema, count: int) -> str:
    """Headers of given documents (related documents: ZK, corrected invoice, receipts, FSd)."""
    return header_select(schema) + f" WHERE d.dok_Id IN ({marks(count)}) ORDER BY d.dok_Id"


def headers_by_number(schema: Schema, types: int) -> str:
    """Documents printed with a number (not unique in Subiekt): params = number, types..."""
    return (header_select(schema) + f" WHERE d.dok_NrPelny = ? AND d.dok_Typ IN ({marks(types)})"
            " AND d.dok_Status <> 2 ORDER BY d.dok_Id")


def count_in_window(types: int, statuses: int) -> str:
    """Documents per kind in a date window (for `sellintegro check`)."""
    return ("SELECT d.dok_Typ, d.dok_Podtyp, COUNT(*) AS n FROM dok__Dokument d"
            f" WHERE d.dok_Typ IN ({marks(types)}) AND d.dok_Status IN ({marks(statuses)})"
            " AND d.dok_DataWyst >= ? AND d.dok_DataWyst < ? GROUP BY d.dok_Typ, d.dok_Podtyp")


def _reference_select(schema: Schema) -> str:
    c = _Cols(schema)
    return ("SELECT d.dok_Id, d.dok_Typ, d.dok_Podtyp, " + c("d", "dok__Dokument", "dok_ObiektGT") +
            ", d.dok_NrPelny, d.dok_NrPelnyOryg, d.dok_Tytul, d.dok_Podtytul, d.dok_Uwagi, d.dok_DoDokId,"
            " d.dok_DataWyst FROM dok__Dokument d")


def recent_of_type(schema: Schema) -> str:
    """Most recent documents of one kind, newest first (detect): params = dok_Typ. Read with fetchmany."""
    return _reference_select(schema) + " WHERE d.dok_Typ = ? AND d.dok_Status <> 2 ORDER BY d.dok_Id DESC"


def references_by_ids(schema: Schema, count: int) -> str:
    """The reference fields of given documents (detect: the ZK of sampled FS/PA)."""
    return _reference_select(schema) + f" WHERE d.dok_Id IN ({marks(count)})"


# ---------------------------------------------------------------------------------------------- details


def lines_by_documents(schema: Schema, count: int) -> str:
    """Lines of many documents at once, in print order."""
    return (_lines_select(schema) +
            f" WHERE p.ob_DokHanId IN ({marks(count)}) ORDER BY p.ob_DokHanId, p.ob_DokHanLp, p.ob_Znak, p.ob_Id")


def lines_by_ids(schema: Schema, count: int) -> str:
    """Given lines (the receipt lines a ZW returns, by ``ob_DoId``)."""
    return _lines_select(schema) + f" WHERE p.ob_Id IN ({marks(count)}) ORDER BY p.ob_Id"


def _lines_select(schema: Schema) -> str:
    c = _Cols(schema)
    pkwiu = ("COALESCE(NULLIF(p.ob_TowPkwiu, ''), t.tw_PKWiU) AS pkwiu"
             if schema.has("dok_Pozycja", "ob_TowPkwiu") and schema.has("tw__Towar", "tw_PKWiU")
             else c("t", "tw__Towar", "tw_PKWiU", "pkwiu"))
    reason_join = (" LEFT JOIN sl_PrzyczynaKorekty r ON r.pkr_Id = p.ob_PrzyczynaKorektyId"
                   if schema.has("sl_PrzyczynaKorekty") and schema.has("dok_Pozycja", "ob_PrzyczynaKorektyId")
                   else "")
    reason = "r.pkr_Nazwa" if reason_join else "NULL AS pkr_Nazwa"
    cols = ["p.ob_Id", "p.ob_DokHanId", "p.ob_DokHanLp", "p.ob_Znak", c("p", "dok_Pozycja", "ob_DoId"),
            "p.ob_TowId", c("p", "dok_Pozycja", "ob_TowRodzaj"), "t.tw_Symbol", "t.tw_Nazwa",
            c("t", "tw__Towar", "tw_JednMiary"), c("p", "dok_Pozycja", "ob_Opis"), pkwiu, "p.ob_Ilosc",
            c("p", "dok_Pozycja", "ob_Jm"), "p.ob_CenaNetto", "p.ob_CenaBrutto", c("p", "dok_Pozycja", "ob_Rabat"),
            "p.ob_WartNetto", "p.ob_WartVat", "p.ob_WartBrutto", "p.ob_VatId", "p.ob_VatProc", "v.vat_Symbol",
            c("p", "dok_Pozycja", "ob_OznaczenieGTU"), reason]
    return ("SELECT " + ", ".join(cols) + " FROM dok_Pozycja p"
            " LEFT JOIN tw__Towar t ON t.tw_Id = p.ob_TowId"
            " LEFT JOIN sl_StawkaVAT v ON v.vat_Id = p.ob_VatId" + reason_join)


def vat_by_documents(schema: Schema, count: int) -> str:
    """VAT tables of many documents at once."""
    c = _Cols(schema)
    cols = ["vt.vt_Id", "vt.vt_DokId", "vt.vt_VatId", "v.vat_Symbol", "v.vat_Stawka", "vt.vt_VatProc",
            "vt.vt_WartNetto", "vt.vt_WartVat", "vt.vt_WartBrutto", c("vt", "dok_Vat", "vt_WartNettoWaluta"),
            c("vt", "dok_Vat", "vt_WartVatWaluta"), c("vt", "dok_Vat", "vt_WartBruttoWaluta")]
    return ("SELECT " + ", ".join(cols) + " FROM dok_Vat vt LEFT JOIN sl_StawkaVAT v ON v.vat_Id = vt.vt_VatId"
            f" WHERE vt.vt_DokId IN ({marks(count)}) ORDER BY vt.vt_DokId, vt.vt_VatProc DESC, vt.vt_Id")


def _address_columns(schema: Schema, alias: str, table: str, prefix: str) -> list[str]:
    c = _Cols(schema)
    names = ("Nazwa", "NazwaPelna", "NIP", "Ulica", "NrDomu", "NrLokalu", "Adres", "Kod", "Miejscowosc", "Telefon")
    return [c(alias, table, f"{prefix}_{n}", f"a_{n}") for n in names]


def _country(schema: Schema, alias: str, table: str, column: str) -> tuple[str, list[str]]:
    if schema.has("sl_Panstwo") and schema.has(table, column):
        return (f" LEFT JOIN sl_Panstwo pa ON pa.pa_Id = {alias}.{column}",
                ["pa.pa_KodPanstwaISO AS a_KodPanstwa", "pa.pa_Nazwa AS a_Panstwo"])
    return "", ["NULL AS a_KodPanstwa", "NULL AS a_Panstwo"]


def address_snapshots(schema: Schema, count: int) -> str:
    """Buyer / recipient data as printed on documents (``adr_Historia``), by ``adrh_Id``."""
    join, country = _country(schema, "h", "adr_Historia", "adrh_IdPanstwo")
    cols = ["h.adrh_Id AS a_Id"] + _address_columns(schema, "h", "adr_Historia", "adrh") + country
    return "SELECT " + ", ".join(cols) + " FROM adr_Historia h" + join + f" WHERE h.adrh_Id IN ({marks(count)})"


def customer_addresses(schema: Schema, count: int) -> str:
    """Current main address of customers (fallback when a document has no snapshot), by ``kh_Id``."""
    join, country = _country(schema, "a", "adr__Ewid", "adr_IdPanstwo")
    cols = ["a.adr_IdObiektu AS a_Id"] + _address_columns(schema, "a", "adr__Ewid", "adr") + country
    return ("SELECT " + ", ".join(cols) + " FROM adr__Ewid a" + join +
            f" WHERE a.adr_TypAdresu = 1 AND a.adr_IdObiektu IN ({marks(count)})")


def seller_address(schema: Schema) -> str:
    """The own company (``adr_TypAdresu = 8``, ``adr_IdObiektu = 1``)."""
    join, country = _country(schema, "a", "adr__Ewid", "adr_IdPanstwo")
    cols = ["a.adr_Id AS a_Id"] + _address_columns(schema, "a", "adr__Ewid", "adr") + country
    return ("SELECT " + ", ".join(cols) + " FROM adr__Ewid a" + join +
            " WHERE a.adr_TypAdresu = 8 AND a.adr_IdObiektu = 1 ORDER BY a.adr_Id")


def customers(schema: Schema, count: int) -> str:
    """E-mail and person/company flag of customers, by ``kh_Id``."""
    c = _Cols(schema)
    return ("SELECT k.kh_Id, " + ", ".join([c("k", "kh__Kontrahent", "kh_EMail"),
                                             c("k", "kh__Kontrahent", "kh_Osoba")]) +
            f" FROM kh__Kontrahent k WHERE k.kh_Id IN ({marks(count)})")


def bank_accounts(count: int, schema: Schema | None = None) -> str:
    """Seller bank accounts printed on documents, by ``rb_Id``, with the BIC/SWIFT when the table has a column
    for it (the 2026 schema dump shows none; any ``rb_…SWIFT…`` / ``rb_…BIC…`` column is used)."""
    columns = sorted(schema.tables.get("rb__rachbankowy", ())) if schema is not None else []
    found = next((c for c in columns if re.fullmatch(r"rb_\w*(swift|bic)\w*", c)), None)
    swift = f"r.{found} AS rb_SWIFT" if found else "NULL AS rb_SWIFT"
    return (f"SELECT r.rb_Id, r.rb_Numer, r.rb_Bank, {swift} FROM rb__RachBankowy r"
            f" WHERE r.rb_Id IN ({marks(count)})")


def exemption_reasons(schema: Schema) -> str:
    """The VAT exemption dictionary (``sl_ZwolnienieZVAT``) a document's ``dok_IdPrzyczynyZwolnieniaZVAT``
    points at."""
    c = _Cols(schema)
    return ("SELECT z.slpzv_Id, z.slpzv_Nazwa, " + c("z", "sl_ZwolnienieZVAT", "slpzv_Opis") +
            " FROM sl_ZwolnienieZVAT z")


PAYMENT_FORMS = "SELECT f.fp_Id, f.fp_Nazwa FROM sl_FormaPlatnosci f"


def fsd_links_by_receipts(count: int) -> str:
    """FSd invoices issued to receipts: params = PA ids."""
    return (f"SELECT l.dfd_IdFS, l.dfd_IdPA FROM dok_PowiazanieFSdPA l WHERE l.dfd_IdPA IN ({marks(count)})"
            " ORDER BY l.dfd_IdFS")


def fsd_links_by_invoices(count: int) -> str:
    """Receipts covered by FSd invoices: params = FSd ids."""
    return (f"SELECT l.dfd_IdFS, l.dfd_IdPA FROM dok_PowiazanieFSdPA l WHERE l.dfd_IdFS IN ({marks(count)})"
            " ORDER BY l.dfd_IdPA")


def ksef_print_data(count: int) -> str:
    """KSeF verification links Subiekt prepared for printing (KOD I, and KOD II for offline invoices)."""
    return ("SELECT w.wydk_DokId, w.wydk_link, w.wydk_linkCert, w.wydk_numerKSeF FROM wy_NumerKSeF w"
            f" WHERE w.wydk_DokId IN ({marks(count)})")


CUSTOM_FIELD_DEFINITIONS = (
    "SELECT f.pwp_Id, f.pwp_TypObiektu, f.pwp_Pole, f.pwp_Nazwa FROM pw_Pole f ORDER BY f.pwp_Id")


def custom_field_values(slots: list[str], types: int, count: int) -> str:
    """Header-level custom field values of documents. ``slots`` must come from :data:`CUSTOM_SLOTS`."""
    bad = [s for s in slots if s not in CUSTOM_SLOTS]
    if bad or not slots:
        raise ValueError(f"not a pw_Dane value column: {bad}")
    return ("SELECT v.pwd_TypObiektu, v.pwd_IdObiektu, " + ", ".join(f"v.{s}" for s in slots) +
            f" FROM pw_Dane v WHERE v.pwd_TypObiektu IN ({marks(types)}) AND v.pwd_IdObiektu IN ({marks(count)})"
            " AND COALESCE(v.pwd_IdPozycji, 0) = 0")


def all_queries(schema: Schema) -> dict[str, str]:
    """Every statement with representative IN-list sizes (for the tests and for review)."""
    gated = {"exemption_reasons": exemption_reasons(schema)} if schema.has("sl_ZwolnienieZVAT") else {}
    return gated | {
        "headers_in_window": headers_in_window(schema, 4, 2),
        "headers_by_ids": headers_by_ids(schema, 3),
        "headers_by_number": headers_by_number(schema, 4),
        "count_in_window": count_in_window(4, 2),
        "recent_of_type": recent_of_type(schema),
        "references_by_ids": references_by_ids(schema, 3),
        "lines_by_documents": lines_by_documents(schema, 3),
        "vat_by_documents": vat_by_documents(schema, 3),
        "address_snapshots": address_snapshots(schema, 3),
        "customer_addresses": customer_addresses(schema, 3),
        "seller_address": seller_address(schema),
        "customers": customers(schema, 3),
        "lines_by_ids": lines_by_ids(schema, 3),
        "bank_accounts": bank_accounts(3, schema),
        "payment_forms": PAYMENT_FORMS,
        "fsd_links_by_receipts": fsd_links_by_receipts(3),
        "fsd_links_by_invoices": fsd_links_by_invoices(3),
        "ksef_print_data": ksef_print_data(3),
        "custom_field_definitions": CUSTOM_FIELD_DEFINITIONS,
        "custom_field_values": custom_field_values(["pwd_Tekst01", "pwd_Liczba02"], 2, 3),
        "catalog_sqlserver": CATALOG_SQLSERVER,
        "catalog_sqlite": CATALOG_SQLITE,
    }
