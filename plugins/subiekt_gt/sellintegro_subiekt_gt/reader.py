"""The ``subiekt_gt`` source: streams Subiekt GT sales documents as :class:`SalesDocument`.

Reading a window: one keyset-paged header query (``dok_Id > ?``, ``fetchmany``), then per page a fixed
number of batch queries (lines, VAT tables, addresses, customers, bank accounts, FSd links, related
documents, custom fields, KSeF print data) — never one query per document, and memory stays at one page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_core.components import CheckItem, ComponentContext
from sellintegro_core.errors import ConfigError, SellintegroError
from sellintegro_core.models import (
    DocumentLine,
    DocumentRef,
    KsefInfo,
    Party,
    Payment,
    SalesDocument,
    Totals,
    VatRow,
    Window,
)

from . import queries as q
from .config import SubiektConfig
from .connection import Database
from .matching import Matcher
from .schema import REQUIRED, REQUIRED_FOR_CUSTOM_FIELDS, REQUIRED_FOR_FSD, TABLES, Schema

Row = dict[str, Any]
FOUR = Decimal("0.0001")
NOT_NUMERIC_RATES = ("zw", "np", "oo", "nd")
# Sfera object-type codes per (dok_Typ, dok_Podtyp), used when dok_ObiektGT is empty
OBJECT_TYPES = {(2, 0): -2, (2, 1): -32, (16, 0): -8, (21, 0): -9, (21, 2): -16, (6, 0): -26, (14, 0): -31}
KSEF_STATUS = {0: "brak", 1: "do wysłania", 2: "e-faktura wygenerowana", 3: "w trakcie wysyłania",
               4: "przetwarzana w KSeF", 5: "zarejestrowano w KSeF", 6: "odrzucono w KSeF",
               7: "nie spełnia wymagań KSeF", 8: "błąd komunikacji z KSeF"}
PAYMENT_DEFAULTS = {"przelew": "przelew", "gotowka": "gotówka", "karta": "karta", "kredyt": "pobranie"}


# ---------------------------------------------------------------------------------------------- conversion


def dec(value: Any) -> Decimal | None:
    """Any numeric value from pyodbc/sqlite3 (Decimal, float, int, text) -> Decimal with 4 places."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        out = value
    elif isinstance(value, float):
        out = Decimal(repr(value))
    else:
        try:
            out = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            return None
    return out.quantize(FOUR)


def dec0(value: Any) -> Decimal:
    return dec(value) or Decimal("0.0000")


def as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    text = str(value).strip().replace("T", " ")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        try:
            return datetime.strptime(text[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None


def as_date(value: Any) -> date | None:
    moment = as_datetime(value)
    return moment.date() if moment else None


def text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() not in ("", "0", "false", "False")
    return bool(value)


def kind_of(row: Row) -> str | None:
    typ, sub = row.get("dok_Typ"), row.get("dok_Podtyp") or 0
    if typ == 2:
        return "FSd" if sub == 1 else "FS"
    return {6: "KFS", 14: "ZW", 21: "PA", 16: "ZK"}.get(typ)


def chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


# ---------------------------------------------------------------------------------------------- source


class SubiektSource:
    """Reads FS, PA, KFS, ZW and FSd documents from a Subiekt GT database (SELECT only)."""

    def __init__(self, config: SubiektConfig, context: ComponentContext) -> None:
        self.config = config
        self.context = context
        self.tz = ZoneInfo(config.timezone or context.timezone or "Europe/Warsaw")
        self.db: Database | None = None
        self.schema: Schema | None = None
        self._seller: Party | None = None
        self._payment_forms: dict[int, str] | None = None
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
        from sellintegro_core import clock

        now = clock.now(str(self.tz))
        window = Window(start=now - timedelta(days=14), end=now, timezone=str(self.tz))
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
        lines: dict[int, list[Row]] = defaultdict(list)
        for row in self._batch(lambda n: q.lines_by_documents(schema, n), ids):
            lines[row["ob_DokHanId"]].append(row)
        vat: dict[int, list[Row]] = defaultdict(list)
        for row in self._batch(lambda n: q.vat_by_documents(schema, n), ids):
            vat[row["vt_DokId"]].append(row)

        receipts: dict[int, list[int]] = defaultdict(list)     # FSd id -> PA ids
        invoices: dict[int, list[int]] = defaultdict(list)     # PA id -> FSd ids
        if schema.has("dok_PowiazanieFSdPA"):
            fsd_ids = [h["dok_Id"] for h in headers if kind_of(h) == "FSd"]
            pa_ids = [h["dok_Id"] for h in headers if kind_of(h) == "PA"]
            for row in self._batch(q.fsd_links_by_invoices, fsd_ids):
                receipts[row["dfd_IdFS"]].append(row["dfd_IdPA"])
            for row in self._batch(q.fsd_links_by_receipts, pa_ids):
                invoices[row["dfd_IdPA"]].append(row["dfd_IdFS"])
        related = self._related(headers, receipts, invoices)

        snapshot_ids = [h.get(c) for h in headers for c in ("dok_PlatnikAdreshId", "dok_OdbiorcaAdreshId")]
        snapshots = {r["a_Id"]: r for r in self._batch(lambda n: q.address_snapshots(schema, n), snapshot_ids)}
        kh_ids = [h.get(c) for h in headers for c in ("dok_PlatnikId", "dok_OdbiorcaId")]
        customers: dict[int, Row] = {}
        if schema.has("kh__Kontrahent", "kh_Id"):
            customers = {r["kh_Id"]: r for r in self._batch(lambda n: q.customers(schema, n), kh_ids)}
        missing_snapshot = [h.get("dok_PlatnikId") for h in headers if not h.get("dok_PlatnikAdreshId")]
        current = {r["a_Id"]: r for r in self._batch(lambda n: q.customer_addresses(schema, n), missing_snapshot)}
        banks: dict[int, Row] = {}
        if schema.has("rb__RachBankowy", "rb_Numer"):
            banks = {r["rb_Id"]: r for r in self._batch(q.bank_accounts,
                                                         [h.get("dok_NrRachunkuBankowegoPdm") for h in headers])}
        prints: dict[int, Row] = {}
        if schema.has("wy_NumerKSeF", "wydk_linkCert"):
            prints = {r["wydk_DokId"]: r for r in self._batch(q.ksef_print_data, ids)}
        if self.config.match.custom_field is not None:
            self._load_custom_values(list(related))
        seller = self.seller()
        for header in headers:
            yield self._document(header, seller=seller, lines=lines.get(header["dok_Id"], []),
                                 vat=vat.get(header["dok_Id"], []), related=related, receipts=receipts,
                                 invoices=invoices, snapshots=snapshots, customers=customers, current=current,
                                 banks=banks, prints=prints)

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

    # ------------------------------------------------------------------ mapping

    def _aware(self, value: Any) -> datetime | None:
        moment = as_datetime(value)
        if moment is None:
            return None
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)

    @staticmethod
    def _party(row: Row, *, company: bool | None = None, customer: Row | None = None) -> Party:
        street = text(row.get("a_Adres"))
        if not street:
            street = " ".join(p for p in (text(row.get("a_Ulica")), text(row.get("a_NrDomu"))) if p)
            if text(row.get("a_NrLokalu")):
                street += "/" + text(row.get("a_NrLokalu"))
        nip = text(row.get("a_NIP")) or None
        if company is None:
            person = customer.get("kh_Osoba") if customer else None
            company = bool(nip) if person is None else not flag(person)
        return Party(name=text(row.get("a_NazwaPelna")) or text(row.get("a_Nazwa")), nip=nip, street=street,
                     postcode=text(row.get("a_Kod")), city=text(row.get("a_Miejscowosc")),
                     country=text(row.get("a_Panstwo")), country_code=(text(row.get("a_KodPanstwa")) or "PL").upper(),
                     is_company=company, email=text(customer.get("kh_EMail")) or None if customer else None,
                     phone=text(row.get("a_Telefon")) or None)

    def _buyer(self, header: Row, snapshots: dict[int, Row], customers: dict[int, Row],
               current: dict[int, Row]) -> Party | None:
        kh = header.get("dok_PlatnikId")
        customer = customers.get(kh) if kh else None
        row = snapshots.get(header.get("dok_PlatnikAdreshId") or 0) or (current.get(kh) if kh else None)
        if row is not None:
            party = self._party(row, customer=customer)
            if not party.nip and text(header.get("dok_NrIdentNabywcy")):
                party.nip = text(header.get("dok_NrIdentNabywcy"))
            return party
        if text(header.get("dok_NrIdentNabywcy")):      # receipt with the buyer's NIP only
            return Party(nip=text(header.get("dok_NrIdentNabywcy")), is_company=True)
        return None

    def _lines(self, rows: list[Row]) -> tuple[list[DocumentLine], str]:
        paired = any((r.get("ob_Znak") or 1) < 0 for r in rows)
        out, reason = [], ""
        for i, r in enumerate(rows):
            symbol = text(r.get("vat_Symbol"))
            rate = dec(r.get("ob_VatProc"))
            if not symbol:
                symbol = f"{rate.normalize():f}" if rate is not None else ""
            numeric = symbol.lower() not in NOT_NUMERIC_RATES
            gtu = r.get("ob_OznaczenieGTU")
            side = None
            if paired:
                side = "before" if (r.get("ob_Znak") or 1) < 0 else "after"
            name = text(r.get("tw_Nazwa")) or text(r.get("ob_Opis")) or "(pozycja bez nazwy)"
            out.append(DocumentLine(
                position=int(r.get("ob_DokHanLp") or i + 1), name=name, symbol=text(r.get("tw_Symbol")),
                unit=text(r.get("ob_Jm")) or text(r.get("tw_JednMiary")) or "szt.",
                quantity=dec0(r.get("ob_Ilosc")), unit_net=dec0(r.get("ob_CenaNetto")),
                unit_gross=dec0(r.get("ob_CenaBrutto")), discount_percent=dec0(r.get("ob_Rabat")),
                vat_symbol=symbol, vat_rate=rate if numeric else None, net=dec0(r.get("ob_WartNetto")),
                vat=dec0(r.get("ob_WartVat")), gross=dec0(r.get("ob_WartBrutto")),
                pkwiu=text(r.get("pkwiu")) or None, gtu=f"GTU_{int(gtu):02d}" if gtu else None,
                correction_side=side))
            reason = reason or text(r.get("pkr_Nazwa"))
        return out, reason

    @staticmethod
    def _vat(rows: list[Row], foreign: bool) -> list[VatRow]:
        out = []
        for r in rows:
            rate = dec(r.get("vt_VatProc"))
            symbol = text(r.get("vat_Symbol")) or (f"{rate.normalize():f}" if rate is not None else "")
            numeric = symbol.lower() not in NOT_NUMERIC_RATES
            in_currency = foreign and r.get("vt_WartNettoWaluta") is not None
            if in_currency:
                out.append(VatRow(vat_symbol=symbol, vat_rate=rate if numeric else None,
                                  net=dec0(r.get("vt_WartNettoWaluta")), vat=dec0(r.get("vt_WartVatWaluta")),
                                  gross=dec0(r.get("vt_WartBruttoWaluta")), net_pln=dec0(r.get("vt_WartNetto")),
                                  vat_pln=dec0(r.get("vt_WartVat")), gross_pln=dec0(r.get("vt_WartBrutto"))))
            else:
                out.append(VatRow(vat_symbol=symbol, vat_rate=rate if numeric else None,
                                  net=dec0(r.get("vt_WartNetto")), vat=dec0(r.get("vt_WartVat")),
                                  gross=dec0(r.get("vt_WartBrutto"))))
        return out

    def _payment(self, h: Row, gross: Decimal, bank: Row | None) -> Payment:
        forms = self.payment_forms()
        parts = []
        for amount, form_id, default in ((h.get("dok_KwPrzelew"), h.get("dok_PlatId"), "przelew"),
                                         (h.get("dok_KwGotowka"), None, "gotówka"),
                                         (h.get("dok_KwKarta"), h.get("dok_KartaId"), "karta"),
                                         (h.get("dok_KwKredyt"), h.get("dok_KredytId"), "pobranie")):
            if (dec(amount) or 0) != 0:
                name = forms.get(form_id) if form_id is not None else None
                if name not in parts:
                    parts.append(name or default)
        to_pay = dec(h.get("dok_KwDoZaplaty"))
        paid = max(gross - to_pay, Decimal("0.0000")) if to_pay is not None and gross > 0 else Decimal("0.0000")
        return Payment(form=", ".join(p for p in parts if p), due_date=as_date(h.get("dok_PlatTermin")),
                       paid=paid, to_pay=to_pay, bank_account=text(bank.get("rb_Numer")) or None if bank else None)

    def _ksef(self, h: Row, kind: str) -> KsefInfo:
        number = text(h.get("numer_ksef")) or None
        status = h.get("dok_StatusKSeF")
        status_text = f"{status} {KSEF_STATUS.get(status, '')}".strip() if status is not None else None
        form = h.get("dok_FormaDokumentowania") or 0
        error = text(h.get("dok_BladKSeF"))
        if error and status in (6, 7, 8):
            status_text = f"{status_text}: {error[:200]}"
        info = KsefInfo(number=number, hash=text(h.get("hash_ksef")) or None, status=status_text,
                        issued_at=self._aware(h.get("data_numeru_ksef")),
                        sent_at=self._aware(h.get("dok_DataWystawieniaKSeF")))
        if kind in ("PA", "ZW"):
            info.state = "not_in_ksef"
        elif number:
            info.state = "numbered"
        elif form in (2, 3):
            info.state = "offline_pending"
        elif form == 1 or (status or 0) > 0 or flag(h.get("dok_CzekaNaKSeF")):
            info.state = "online_pending"
        else:
            info.state = "not_in_ksef"
        return info

    def _ref(self, row: Row) -> DocumentRef:
        return DocumentRef(id=str(row["dok_Id"]), kind=kind_of(row) or "", number=text(row.get("dok_NrPelny")),
                           issue_date=as_date(row.get("dok_DataWyst")),
                           ksef_number=text(row.get("numer_ksef")) or None)

    def _document(self, h: Row, *, seller: Party, lines: list[Row], vat: list[Row], related: dict[int, Row],
                  receipts: dict[int, list[int]], invoices: dict[int, list[int]], snapshots: dict[int, Row],
                  customers: dict[int, Row], current: dict[int, Row], banks: dict[int, Row],
                  prints: dict[int, Row]) -> SalesDocument:
        kind = kind_of(h) or "FS"
        currency = text(h.get("dok_Waluta")).upper() or "PLN"
        foreign = currency != "PLN"
        issue = as_datetime(h["dok_DataWyst"])
        assert issue is not None
        doc_lines, reason = self._lines(lines)
        bank = banks.get(h.get("dok_NrRachunkuBankowegoPdm") or 0)
        seller = seller.model_copy()
        if bank:
            seller.bank_account = text(bank.get("rb_Numer")) or None
            seller.bank_name = text(bank.get("rb_Bank")) or None
        totals = Totals(net=dec0(h.get("dok_WartNetto")), vat=dec0(h.get("dok_WartVat")),
                        gross=dec0(h.get("dok_WartBrutto")))
        buyer = self._buyer(h, snapshots, customers, current)
        recipient = None
        rec_id = h.get("dok_OdbiorcaAdreshId")
        if rec_id and rec_id != h.get("dok_PlatnikAdreshId") and rec_id in snapshots:
            recipient = self._party(snapshots[rec_id], customer=customers.get(h.get("dok_OdbiorcaId") or 0))
        corrected = None
        if kind in ("KFS", "ZW"):
            parent = related.get(h.get("dok_DoDokId") or 0)
            if parent is not None:
                corrected = self._ref(parent)
                corrected.ksef_number = text(h.get("numer_ksef_korygowanej")) or corrected.ksef_number
            elif text(h.get("dok_DoDokNrPelny")):
                corrected = DocumentRef(id=str(h.get("dok_DoDokId") or ""), kind="FS" if kind == "KFS" else "PA",
                                        number=text(h.get("dok_DoDokNrPelny")),
                                        issue_date=as_date(h.get("dok_DoDokDataWyst")),
                                        ksef_number=text(h.get("numer_ksef_korygowanej")) or None)
        receipt_refs = [self._ref(related[i]) for i in receipts.get(h["dok_Id"], []) if i in related]
        invoice = next((self._ref(related[i]) for i in invoices.get(h["dok_Id"], [])
                        if i in related and related[i].get("dok_Status") != 2), None)
        order_ref, match = self.matcher.match(h, related, receipts)
        extra: dict[str, Any] = {"subiekt": {"dok_Typ": h.get("dok_Typ"), "dok_Podtyp": h.get("dok_Podtyp") or 0,
                                             "dok_Status": h.get("dok_Status")}}
        printed = prints.get(h["dok_Id"])
        if printed and kind not in ("PA", "ZW"):
            if text(printed.get("wydk_link")):
                extra["ksef_kod1_url"] = text(printed.get("wydk_link"))
            if text(printed.get("wydk_linkCert")):
                extra["ksef_kod2_url"] = text(printed.get("wydk_linkCert"))
        sale = issue.date() if kind in ("PA", "ZW") else (as_date(h.get("dok_DataZakonczenia")) or issue.date())
        rate = dec(h.get("dok_WalutaKurs")) if foreign else None
        return SalesDocument(
            id=str(h["dok_Id"]), kind=kind, number=text(h.get("dok_NrPelny")), issue_date=issue.date(),
            issued_at=self._aware(h.get("dok_DataWystawieniaKSeF")) or self._aware(issue), sale_date=sale,
            place_of_issue=text(h.get("dok_MscWyst")), issued_by=text(h.get("dok_Wystawil")), seller=seller,
            buyer=buyer, recipient=recipient, lines=doc_lines, vat_table=self._vat(vat, foreign), totals=totals,
            currency=currency, exchange_rate=rate,
            exchange_rate_date=as_date(h.get("dok_WalutaDataKursu")) if foreign else None,
            payment=self._payment(h, totals.gross, bank), remarks=text(h.get("dok_Uwagi")),
            title=text(h.get("dok_Tytul")), subtitle=text(h.get("dok_Podtytul")),
            original_number=text(h.get("dok_NrPelnyOryg")), order_ref=order_ref, match=match, corrected=corrected,
            correction_reason=reason, receipts=receipt_refs, invoice=invoice, ksef=self._ksef(h, kind),
            split_payment=flag(h.get("dok_MechanizmPodzielonejPlatnosci")),
            simplified=flag(h.get("dok_FakturaUproszczona")), cash_accounting=flag(h.get("dok_MetodaKasowa")),
            margin_scheme=flag(h.get("dok_VatMarza")) or bool(h.get("dok_ProceduraMarzy")),
            reverse_charge=flag(h.get("dok_VatRozliczanyPrzezUslugobiorce")), extra=extra)
