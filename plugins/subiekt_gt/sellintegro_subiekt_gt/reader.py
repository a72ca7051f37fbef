"""The ``subiekt_gt`` source: streams Subiekt GT sales documents as :class:`SalesDocument`.

Reading a window: one keyset-paged header query (``dok_Id > ?``, ``fetchmany``), then per page a fixed
number of batch queries (lines, VAT tables, addresses, customers, bank accounts, FSd links, related
documents, custom fields, KSeF print data) — never one query per document, and memory stays at one page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_core.api import (
    CheckItem,
    ComponentContext,
    ConfigError,
    Party,
    SalesDocument,
    SellintegroError,
    Window,
)

from . import queries as q
from .config import SubiektConfig
from .connection import Database
from .convert import Row, chunks, kind_of, text
from .mapping import DocumentMapper, Page
from .matching import Matcher
from .schema import REQUIRED, REQUIRED_FOR_CUSTOM_FIELDS, REQUIRED_FOR_FSD, TABLES, Schema

# Sfera object-type codes per (dok_Typ, dok_Podtyp), used when dok_ObiektGT is empty
OBJECT_TYPES: dict[tuple[Any, Any], int] = {(2, 0): -2, (2, 1): -32, (16, 0): -8, (21, 0): -9, (21, 2): -16,
                                            (6, 0): -26, (14, 0): -31}


# ---------------------------------------------------------------------------------------------- source


class SubiektSource(DocumentMapper):
    """Reads FS, PA, KFS, ZW and FSd documents from a Subiekt GT database (SELECT only)."""

    def __init__(self, config: SubiektConfig, context: ComponentContext) -> None:
        self.config = config
        self.context = context
        self.tz = ZoneInfo(config.timezone or context.timezone or "Europe/Warsaw")
        self.db: Database | None = None
        self.schema: Schema | None = None
        self._seller: Party | None = None
        self._payment_forms: dict[int, str] | None = None
        self._exemptions: dict[int, str] | None = None
        self._custom_defs: dict[int, str] | None = None     # object type -> pw_Dane column
        self.matcher = Matcher(config.match, self._custom_value)
        self._custom_values: dict[tuple[int, int], Row] = {}

    # ------------------------------------------------------------------ connection and schema

    @property
    def dsn(self) -> str:
        value = self.config.dsn
        return value.get_secret_value() if hasattr(value, "get_secret_value") else str(value)

    def connect(self) -> Database:
        """Open the connection and probe the schema (once)."""
        if self.db is not None:
            return self.db
        db = Database.open(self.dsn, base_dir=self.context.base_dir, timeout=self.config.timeout_seconds,
                           encoding=self.config.encoding)
        try:
            self.schema = self._probe(db)
            self.schema.require(REQUIRED, db.target)
            if "FSd" in self.config.document_types:
                self.schema.require(REQUIRED_FOR_FSD, db.target, " for FSd documents")
            if self.config.match.custom_field is not None:
                self.schema.require(REQUIRED_FOR_CUSTOM_FIELDS, db.target,
                                    f" for source.match.field = {self.config.match.field!r}")
        except BaseException:
            db.close()
            raise
        self.db = db
        return db

    @staticmethod
    def _probe(db: Database) -> Schema:
        if db.sqlite:
            rows = db.rows(q.CATALOG_SQLITE)
        else:
            rows = db.rows(q.CATALOG_SQLSERVER, list(TABLES))
        return Schema.from_pairs(tuple(row.values())[:2] for row in rows)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    # ------------------------------------------------------------------ public API

    def read(self, window: Window) -> Iterator[SalesDocument]:
        """Documents of the configured kinds issued from ``window.start``'s day to ``window.end``'s day."""
        db = self.connect()
        assert self.schema is not None
        start = datetime.combine(window.start.astimezone(self.tz).date(), time())
        end = datetime.combine(window.end.astimezone(self.tz).date() + timedelta(days=1), time())
        if end <= start:
            return
        types = sorted({q.DOC_TYPES[k] for k in self.config.document_types})
        statuses = [0, 1, 3] if self.config.include_drafts else [0, 1]
        sql = q.headers_in_window(self.schema, len(types), len(statuses))
        size = self.config.page_size
        last = 0
        while True:
            page = db.page(sql, [*types, *statuses, start, end, last], size)
            if not page:
                return
            last = page[-1]["dok_Id"]
            wanted = [r for r in page if kind_of(r) in self.config.document_types]
            if wanted:
                yield from self._build(wanted)
            if len(page) < size:
                return

    def find(self, ref: str) -> SalesDocument | None:
        """A document by its printed number (``"FS 12/11/2026"``; the newest if repeated) or by its id."""
        db = self.connect()
        assert self.schema is not None
        ref = ref.strip()
        types = sorted(set(q.DOC_TYPES.values()))
        rows = db.rows(q.headers_by_number(self.schema, len(types)), [ref, *types])
        if not rows and ref.isdigit():
            rows = [r for r in db.rows(q.headers_by_ids(self.schema, 1), [int(ref)])
                    if kind_of(r) in q.DOC_TYPES and r.get("dok_Status") != 2]
        if not rows:
            return None
        return next(iter(self._build([rows[-1]])))

    def match_preview(self, match: dict[str, Any], sample: int = 20) -> list[dict[str, str]]:
        """Optional: how the newest ``sample`` FS/PA would match with ``match`` (the panel's Test pattern)."""
        from .match_preview import match_preview

        return match_preview(self, match, sample)

    def check(self) -> list[CheckItem]:
        """Lines for `sellintegro check`: reachable, schema, documents in the last 14 days, matchable."""
        items: list[CheckItem] = []
        try:
            db = self.connect()
        except ConfigError as exc:
            return [CheckItem("Subiekt GT schema", False, str(exc))]
        except SellintegroError as exc:
            return [CheckItem("Subiekt GT reachable", False, str(exc))]
        assert self.schema is not None
        items.append(CheckItem("Subiekt GT reachable", True, f"{db.target} ({db.dbms or db.kind})"))
        items.append(CheckItem("Subiekt GT schema", True, self.schema.version))
        from sellintegro_core.api import now, recent_window

        window = recent_window(now(str(self.tz)), timezone=str(self.tz))
        try:
            counts = self.count(window)
            total = matched = 0
            problem = ""
            for doc in self.read(window):
                total += 1
                if doc.order_ref is not None:
                    matched += 1
                elif not problem:
                    problem = f"; e.g. {doc.number}: {doc.match.problem}"
        except SellintegroError as exc:
            items.append(CheckItem("Subiekt GT documents", False, str(exc)))
            return items
        shown = ", ".join(f"{k} {counts.get(k, 0)}" for k in self.config.document_types)
        items.append(CheckItem("Subiekt GT documents (14 days)", True, shown))
        ok = total == 0 or matched > 0
        detail = (f"{matched} of {total} have an order reference ({self.matcher.label}"
                  f"{', also on the ZK' if self.config.match.via_order_document else ''}){problem}")
        if total and not matched:
            detail += " — run `sellintegro subiekt detect SCENARIO` to find the right [source.match]"
        items.append(CheckItem("Subiekt GT documents matchable", ok, detail))
        return items

    def count(self, window: Window) -> dict[str, int]:
        """Documents per kind in the window (drafts only with include_drafts)."""
        db = self.connect()
        start = datetime.combine(window.start.astimezone(self.tz).date(), time())
        end = datetime.combine(window.end.astimezone(self.tz).date() + timedelta(days=1), time())
        types = sorted({q.DOC_TYPES[k] for k in self.config.document_types})
        statuses = [0, 1, 3] if self.config.include_drafts else [0, 1]
        out: dict[str, int] = defaultdict(int)
        for row in db.rows(q.count_in_window(len(types), len(statuses)), [*types, *statuses, start, end]):
            kind = kind_of({k: row[k] for k in ("dok_Typ", "dok_Podtyp")})
            if kind:
                out[kind] += int(row["n"])
        return dict(out)

    # ------------------------------------------------------------------ batch loading

    def _batch(self, builder: Any, ids: Iterable[Any], *extra: Any) -> list[Row]:
        """Run ``builder(count)`` for ``ids`` in chunks; ``extra`` params go before the ids."""
        assert self.db is not None
        values = sorted({i for i in ids if i is not None})
        out: list[Row] = []
        for part in chunks(values, 500):
            out.extend(self.db.rows(builder(len(part)), [*extra, *part]))
        return out

    def _related(self, headers: list[Row], receipts: dict[int, list[int]],
                 invoices: dict[int, list[int]]) -> dict[int, Row]:
        """Headers of documents linked to the page: ZK, corrected documents (chains), receipts, FSd."""
        assert self.schema is not None
        known: dict[int, Row] = {h["dok_Id"]: h for h in headers}
        wanted = {h.get("dok_DoDokId") for h in headers}
        wanted |= {i for ids in receipts.values() for i in ids} | {i for ids in invoices.values() for i in ids}
        related: dict[int, Row] = {}
        for _ in range(4):
            wanted = {i for i in wanted if i and i not in related and i not in known}
            if not wanted:
                break
            rows = self._batch(lambda n: q.headers_by_ids(self.schema, n), wanted)
            related.update({r["dok_Id"]: r for r in rows})
            wanted = {r.get("dok_DoDokId") for r in rows if r.get("dok_Typ") != q.ZK_TYPE}
        related.update(known)
        return related

    def _build(self, headers: list[Row]) -> Iterator[SalesDocument]:
        assert self.db is not None and self.schema is not None
        schema = self.schema
        ids = [h["dok_Id"] for h in headers]
        page = Page(lines=defaultdict(list), vat=defaultdict(list))
        for row in self._batch(lambda n: q.lines_by_documents(schema, n), ids):
            page.lines[row["ob_DokHanId"]].append(row)
        for row in self._batch(lambda n: q.vat_by_documents(schema, n), ids):
            page.vat[row["vt_DokId"]].append(row)
        returned = [r.get("ob_DoId") for h in headers if kind_of(h) == "ZW" for r in page.lines.get(h["dok_Id"], [])]
        if schema.has("dok_Pozycja", "ob_DoId"):
            page.corrected_lines = {r["ob_Id"]: r for r in self._batch(lambda n: q.lines_by_ids(schema, n),
                                                                       returned)}
        receipts: dict[int, list[int]] = defaultdict(list)     # FSd id -> PA ids
        invoices: dict[int, list[int]] = defaultdict(list)     # PA id -> FSd ids
        if schema.has("dok_PowiazanieFSdPA"):
            fsd_ids = [h["dok_Id"] for h in headers if kind_of(h) == "FSd"]
            pa_ids = [h["dok_Id"] for h in headers if kind_of(h) == "PA"]
            for row in self._batch(q.fsd_links_by_invoices, fsd_ids):
                receipts[row["dfd_IdFS"]].append(row["dfd_IdPA"])
            for row in self._batch(q.fsd_links_by_receipts, pa_ids):
                invoices[row["dfd_IdPA"]].append(row["dfd_IdFS"])
        page.receipts, page.invoices = receipts, invoices
        page.related = self._related(headers, receipts, invoices)

        snapshot_ids = [h.get(c) for h in headers for c in ("dok_PlatnikAdreshId", "dok_OdbiorcaAdreshId")]
        page.snapshots = {r["a_Id"]: r for r in self._batch(lambda n: q.address_snapshots(schema, n), snapshot_ids)}
        kh_ids = [h.get(c) for h in headers for c in ("dok_PlatnikId", "dok_OdbiorcaId")]
        if schema.has("kh__Kontrahent", "kh_Id"):
            page.customers = {r["kh_Id"]: r for r in self._batch(lambda n: q.customers(schema, n), kh_ids)}
        missing_snapshot = [h.get("dok_PlatnikId") for h in headers if not h.get("dok_PlatnikAdreshId")]
        page.current = {r["a_Id"]: r for r in self._batch(lambda n: q.customer_addresses(schema, n),
                                                          missing_snapshot)}
        if schema.has("rb__RachBankowy", "rb_Numer"):
            page.banks = {r["rb_Id"]: r for r in self._batch(
                lambda n: q.bank_accounts(n, schema), [h.get("dok_NrRachunkuBankowegoPdm") for h in headers])}
        if schema.has("wy_NumerKSeF", "wydk_linkCert"):
            page.prints = {r["wydk_DokId"]: r for r in self._batch(q.ksef_print_data, ids)}
        if self.config.match.custom_field is not None:
            self._load_custom_values(list(page.related))
        seller = self.seller()
        for header in headers:
            yield self._document(header, seller=seller, page=page)

    # ------------------------------------------------------------------ reference data (once per run)

    def seller(self) -> Party:
        if self._seller is None:
            assert self.db is not None and self.schema is not None
            rows = self.db.rows(q.seller_address(self.schema))
            if not rows:
                raise ConfigError(f"the Subiekt GT database ({self.db.target}) has no own-company address "
                                  "(adr__Ewid with adr_TypAdresu = 8 and adr_IdObiektu = 1): fill in the "
                                  "company data in Subiekt (Administracja → Dane firmy)")
            self._seller = self._party(rows[0], company=True)
        return self._seller

    def payment_forms(self) -> dict[int, str]:
        if self._payment_forms is None:
            assert self.db is not None and self.schema is not None
            self._payment_forms = {}
            if self.schema.has("sl_FormaPlatnosci", "fp_Nazwa"):
                self._payment_forms = {r["fp_Id"]: text(r["fp_Nazwa"]) for r in self.db.rows(q.PAYMENT_FORMS)}
        return self._payment_forms

    def exemptions(self) -> dict[int, str]:
        """``sl_ZwolnienieZVAT``: id -> the printed legal basis of the exemption (name, and its description)."""
        if self._exemptions is None:
            assert self.db is not None and self.schema is not None
            self._exemptions = {}
            if self.schema.has("sl_ZwolnienieZVAT", "slpzv_Nazwa"):
                for r in self.db.rows(q.exemption_reasons(self.schema)):
                    name, about = text(r.get("slpzv_Nazwa"))[:300], text(r.get("slpzv_Opis"))[:300]
                    self._exemptions[r["slpzv_Id"]] = (f"{name} ({about})" if about and about.casefold()
                                                       not in name.casefold() else name) or about
        return self._exemptions

    def custom_definitions(self) -> dict[int, str]:
        """Object type -> pw_Dane column of the configured custom field (``pole_wlasne:<name>``)."""
        if self._custom_defs is None:
            assert self.db is not None
            name = (self.config.match.custom_field or "").casefold()
            rows = self.db.rows(q.CUSTOM_FIELD_DEFINITIONS)
            defs = {r["pwp_TypObiektu"]: text(r["pwp_Pole"]) for r in rows
                    if text(r["pwp_Nazwa"]).casefold() == name and text(r["pwp_Pole"]) in q.CUSTOM_SLOTS}
            if not defs:
                known = sorted({text(r["pwp_Nazwa"]) for r in rows if text(r["pwp_Nazwa"])})
                raise ConfigError(
                    f"source.match.field: Subiekt GT has no custom field (pole własne) named "
                    f"{self.config.match.custom_field!r}; defined fields: {', '.join(known) or 'none'}")
            self._custom_defs = defs
        return self._custom_defs

    def _load_custom_values(self, ids: list[int]) -> None:
        defs = self.custom_definitions()
        slots = sorted(set(defs.values()))
        types = sorted(defs)
        self._custom_values = {}
        for row in self._batch(lambda n: q.custom_field_values(slots, len(types), n), ids, *types):
            self._custom_values[(row["pwd_TypObiektu"], row["pwd_IdObiektu"])] = row

    def _custom_value(self, header: Row) -> str | None:
        defs = self.custom_definitions()
        obj = header.get("dok_ObiektGT") or OBJECT_TYPES.get((header.get("dok_Typ"), header.get("dok_Podtyp") or 0))
        candidates = [obj] if obj in defs else list(defs)
        for typ in candidates:
            row = self._custom_values.get((typ, header["dok_Id"]))
            if row is not None and row.get(defs[typ]) not in (None, ""):
                return str(row[defs[typ]])
        return None
