"""Which tables and columns this Subiekt GT database has (probed once per run), and what the reader needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sellintegro_core.api import ConfigError

# Without these the reader cannot work at all (checked at start-up; one message lists everything missing).
REQUIRED: dict[str, tuple[str, ...]] = {
    "dok__Dokument": ("dok_Id", "dok_Typ", "dok_Podtyp", "dok_Status", "dok_NrPelny", "dok_NrPelnyOryg",
                      "dok_Tytul", "dok_Podtytul", "dok_Uwagi", "dok_DataWyst", "dok_PlatnikId",
                      "dok_PlatnikAdreshId", "dok_DoDokId", "dok_WartNetto", "dok_WartVat", "dok_WartBrutto",
                      "dok_Waluta", "dok_WalutaKurs"),
    "dok_Pozycja": ("ob_Id", "ob_DokHanId", "ob_DokHanLp", "ob_Znak", "ob_TowId", "ob_Ilosc", "ob_CenaNetto",
                    "ob_CenaBrutto", "ob_WartNetto", "ob_WartVat", "ob_WartBrutto", "ob_VatId", "ob_VatProc"),
    "dok_Vat": ("vt_Id", "vt_DokId", "vt_VatId", "vt_VatProc", "vt_WartNetto", "vt_WartVat", "vt_WartBrutto"),
    "sl_StawkaVAT": ("vat_Id", "vat_Symbol", "vat_Stawka"),
    "tw__Towar": ("tw_Id", "tw_Symbol", "tw_Nazwa"),
    "adr_Historia": ("adrh_Id", "adrh_NazwaPelna", "adrh_NIP", "adrh_Kod", "adrh_Miejscowosc"),
    "adr__Ewid": ("adr_Id", "adr_IdObiektu", "adr_TypAdresu", "adr_NazwaPelna", "adr_NIP"),
}
REQUIRED_FOR_FSD: dict[str, tuple[str, ...]] = {"dok_PowiazanieFSdPA": ("dfd_IdFS", "dfd_IdPA")}
REQUIRED_FOR_CUSTOM_FIELDS = {
    "pw_Pole": ("pwp_Id", "pwp_TypObiektu", "pwp_Pole", "pwp_Nazwa"),
    "pw_Dane": ("pwd_TypObiektu", "pwd_IdObiektu", "pwd_IdPozycji"),
}
# Every table the reader may touch (the catalogue query is limited to these).
TABLES = ("dok__Dokument", "dok_Pozycja", "dok_Vat", "sl_StawkaVAT", "tw__Towar", "adr_Historia", "adr__Ewid",
          "sl_Panstwo", "kh__Kontrahent", "rb__RachBankowy", "sl_FormaPlatnosci", "sl_PrzyczynaKorekty",
          "ksef_NumerKSeF", "wy_NumerKSeF", "dok_PowiazanieFSdPA", "pw_Pole", "pw_Dane",
          "sl_ZwolnienieZVAT")


@dataclass
class Schema:
    """Columns per table, compared case-insensitively (SQL Server's collation is, SQLite's names too)."""

    tables: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Schema:
        schema = cls()
        for table, column in pairs:
            schema.tables.setdefault(str(table).lower(), set()).add(str(column).lower())
        return schema

    def has(self, table: str, column: str | None = None) -> bool:
        columns = self.tables.get(table.lower())
        if columns is None:
            return False
        return column is None or column.lower() in columns

    def missing(self, required: dict[str, tuple[str, ...]]) -> list[str]:
        out = []
        for table, columns in required.items():
            if not self.has(table):
                out.append(f"table {table}")
                continue
            out.extend(f"{table}.{c}" for c in columns if not self.has(table, c))
        return out

    def require(self, required: dict[str, tuple[str, ...]], target: str, why: str = "") -> None:
        missing = self.missing(required)
        if missing:
            raise ConfigError(
                f"the Subiekt GT database ({target}) lacks what the sellintegro source needs{why}: "
                f"{', '.join(missing)}. Is source.dsn pointing at a Subiekt GT company database (not master "
                "or another program's)? Does the SQL login have SELECT on these tables?")

    @property
    def has_ksef(self) -> bool:
        return self.has("dok__Dokument", "dok_StatusKSeF")

    @property
    def version(self) -> str:
        """A human description of the schema generation."""
        if self.has("ksef_NumerKSeF") and self.has("dok__Dokument", "dok_NumerKSeFId"):
            return "2026 (KSeF number table ksef_NumerKSeF)"
        if self.has_ksef:
            return "KSeF-aware (KSeF columns on dok__Dokument, no ksef_NumerKSeF table)"
        return "before KSeF (no KSeF columns: every document is treated as outside KSeF)"
