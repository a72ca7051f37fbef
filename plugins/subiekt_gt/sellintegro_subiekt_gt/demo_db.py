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

import base64
import hashlib
import json
import random
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .checksums import make_ksef_number, nip_check_digit

TZ = ZoneInfo("Europe/Warsaw")
CENT = Decimal("0.01")
QR_HOST = "https://qr.ksef.mf.gov.pl"

SELLER_NIP = "5213870271"          # checksum-valid (see checksums.nip_is_valid)
SELLER = {
    "name": "Sklep Demo", "full": "Sklep Demo Sp. z o.o.", "street": "ul. Marszałkowska", "house": "84",
    "flat": "12", "postcode": "00-514", "city": "Warszawa", "phone": "+48 22 555 01 23",
}
ISSUER = "Anna Kowalczyk"

# VAT rates: key -> (vat_Id, symbol, percent, name). Ids are per-database configuration, never small constants.
VAT = {
    "23": (100001, "23", Decimal("23"), "Stawka podstawowa 23%"),
    "8": (100002, "8", Decimal("8"), "Stawka obniżona 8%"),
    "5": (100003, "5", Decimal("5"), "Stawka obniżona 5%"),
    "0": (100004, "0", Decimal("0"), "Stawka 0% (WDT, eksport)"),
    "zw": (100005, "zw", Decimal("0"), "Zwolniona"),
}

# symbol, name, unit, net price (PLN), VAT key, PKWiU, EAN, kind (1 goods, 2 service)
PRODUCTS: list[tuple[str, str, str, str, str, str, str, int]] = [
    ("KUB-300", "Kubek ceramiczny 300 ml", "szt.", "24.39", "23", "23.41.11.0", "5901234123457", 1),
    ("KUB-450", "Kubek termiczny 450 ml", "szt.", "56.10", "23", "25.99.12.0", "5901234123464", 1),
    ("CZJ-ZIE", "Herbata zielona sencha 100 g", "op.", "18.52", "5", "10.83.13.0", "5901234123471", 1),
    ("CZJ-CZA", "Herbata czarna assam 250 g", "op.", "27.62", "5", "10.83.13.0", "5901234123488", 1),
    ("KAW-ZIA", "Kawa ziarnista Brazylia 1 kg", "op.", "74.07", "5", "10.83.11.0", "5901234123495", 1),
    ("CIA-MAS", "Ciastka maślane 200 g", "op.", "9.26", "5", "10.72.12.0", "5901234123501", 1),
    ("KSI-PAR", "Książka: Parzenie kawy w domu", "szt.", "45.71", "5", "58.11.1", "9788301234567", 1),
    ("NAP-IZO", "Napój izotoniczny 0,5 l", "szt.", "4.07", "8", "11.07.19.0", "5901234123518", 1),
    ("SOK-JAB", "Sok jabłkowy tłoczony 1 l", "szt.", "8.33", "8", "10.32.17.0", "5901234123525", 1),
    ("DRP-CHE", "Drip do kawy, stal", "szt.", "89.43", "23", "25.99.12.0", "5901234123532", 1),
    ("MLY-REC", "Młynek ręczny żarnowy", "szt.", "162.60", "23", "28.93.17.0", "5901234123549", 1),
    ("FIL-100", "Filtry papierowe 100 szt.", "op.", "15.45", "23", "17.22.12.0", "5901234123556", 1),
    ("ZES-PRE", "Zestaw prezentowy Święta", "kpl.", "121.14", "23", "", "5901234123563", 1),
    ("SZK-BAR", "Szkolenie baristyczne online", "usł.", "300.00", "zw", "85.59.13.0", "", 2),
    ("WYS-KUR", "Wysyłka kurierska", "usł.", "12.19", "23", "53.20.11.0", "", 2),
]
EU_PRODUCTS = ("MLY-REC", "DRP-CHE", "KUB-450", "ZES-PRE")

COMPANIES = [
    ("Kawiarnia Pod Lipą s.c.", "ul. Lipowa", "7", "31-123", "Kraków"),
    ("Biuro Rachunkowe Saldo Sp. z o.o.", "al. Jana Pawła II", "15", "61-139", "Poznań"),
    ("Hotel Nadmorski Bryza Sp. j.", "ul. Bałtycka", "2", "81-345", "Gdynia"),
    ("Pracownia Zielony Liść", "ul. Ogrodowa", "44", "90-721", "Łódź"),
    ("Delikatesy Smakosz Marek Wiśniewski", "ul. Rynek", "3", "58-100", "Świdnica"),
    ("Agencja Reklamowa Kreska Sp. z o.o.", "ul. Piotrkowska", "120", "90-006", "Łódź"),
    ("Restauracja Żurawina", "ul. Długa", "18", "80-827", "Gdańsk"),
    ("Zakład Stolarski Dąb Józef Nowak", "ul. Leśna", "9", "43-300", "Bielsko-Biała"),
    ("Przedszkole Słoneczko", "ul. Szkolna", "5", "20-950", "Lublin"),
    ("Firma Handlowa Ćma Sp. z o.o.", "ul. Źródlana", "21", "15-666", "Białystok"),
    ("Studio Jogi Oddech", "ul. Kościuszki", "61", "50-011", "Wrocław"),
    ("Apteka Pod Orłem", "pl. Wolności", "1", "35-073", "Rzeszów"),
]
FIRST = ["Jan", "Anna", "Piotr", "Katarzyna", "Tomasz", "Małgorzata", "Łukasz", "Agnieszka", "Michał",
         "Zofia", "Paweł", "Ewa", "Grzegorz", "Joanna", "Krzysztof", "Magdalena", "Szymon", "Alicja"]
LAST = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zieliński", "Szymańska",
        "Woźniak", "Dąbrowski", "Kozłowska", "Jankowski", "Mazur", "Krawczyk", "Piotrowska", "Grabowski"]
STREETS = ["ul. Polna", "ul. Słoneczna", "ul. Krótka", "ul. Mickiewicza", "ul. Sienkiewicza", "ul. Łąkowa",
           "os. Przyjaźni", "ul. Żeromskiego"]
CITIES = [("00-950", "Warszawa"), ("30-001", "Kraków"), ("80-001", "Gdańsk"), ("50-001", "Wrocław"),
          ("60-001", "Poznań"), ("40-001", "Katowice"), ("70-001", "Szczecin"), ("87-100", "Toruń")]

PAY_TRANSFER_7, PAY_CARD, PAY_COD, PAY_TRANSFER_14 = 1, 2, 3, 4
CUSTOM_FIELD_NAME = "Zamówienie BL"

# ZK realised / FS / PA ... object-type codes (dok_ObiektGT, pwd_TypObiektu)
OBJ = {"FS": -2, "ZK": -8, "PA": -9, "PAi": -16, "KFS": -26, "ZW": -31, "FSd": -32}
TYP = {"FS": 2, "FSd": 2, "KFS": 6, "ZW": 14, "ZK": 16, "PA": 21, "PAi": 21}
PODTYP = {"FSd": 1, "PAi": 2}
PREFIX = {"FS": "FS", "FSd": "FSd", "KFS": "KFS", "ZW": "ZW", "ZK": "ZK", "PA": "PA", "PAi": "PAi"}

DOK_COLUMNS = (
    "dok_Id", "dok_Typ", "dok_Podtyp", "dok_MagId", "dok_Nr", "dok_NrPelny", "dok_NrPelnyOryg", "dok_DoDokId",
    "dok_DoDokNrPelny", "dok_DoDokDataWyst", "dok_MscWyst", "dok_DataWyst", "dok_DataMag", "dok_PlatnikId",
    "dok_PlatnikAdreshId", "dok_OdbiorcaId", "dok_OdbiorcaAdreshId", "dok_PlatId", "dok_PlatTermin",
    "dok_Wystawil", "dok_WartUsNetto", "dok_WartUsBrutto", "dok_WartTwNetto", "dok_WartTwBrutto",
    "dok_WartNetto", "dok_WartVat", "dok_WartBrutto", "dok_KwWartosc", "dok_KwGotowka", "dok_KwKarta",
    "dok_KwDoZaplaty", "dok_KwKredyt", "dok_KwPrzelew", "dok_Waluta", "dok_WalutaKurs", "dok_WalutaDataKursu",
    "dok_Uwagi", "dok_Tytul", "dok_Podtytul", "dok_Status", "dok_KartaId", "dok_KredytId", "dok_ObiektGT",
    "dok_DataZakonczenia", "dok_TypNrIdentNabywcy", "dok_NrIdentNabywcy", "dok_NrRachunkuBankowegoPdm",
    "dok_MechanizmPodzielonejPlatnosci", "dok_StatusEx", "dok_NumerKSeF", "dok_DataNumeruKSeF",
    "dok_DoNumerKSeF", "dok_StatusKSeF", "dok_XmlHashKSeF", "dok_DataWystawieniaKSeF",
    "dok_FormaDokumentowania", "dok_CzekaNaKSeF", "dok_NumerKSeFId", "dok_DoNumerKSeFId", "dok_JestRuchMag",
    "dok_Rozliczony", "dok_StatusFiskal",
)
OB_COLUMNS = (
    "ob_Id", "ob_DoId", "ob_Znak", "ob_DokHanId", "ob_TowId", "ob_TowRodzaj", "ob_Opis", "ob_DokHanLp",
    "ob_Ilosc", "ob_IloscMag", "ob_Jm", "ob_CenaWaluta", "ob_CenaNetto", "ob_CenaBrutto", "ob_Rabat",
    "ob_WartNetto", "ob_WartVat", "ob_WartBrutto", "ob_VatId", "ob_VatProc", "ob_PrzyczynaKorektyId",
    "ob_TowPkwiu",
)
VT_COLUMNS = ("vt_Id", "vt_DokId", "vt_VatId", "vt_VatProc", "vt_WartNetto", "vt_WartVat", "vt_WartBrutto",
              "vt_WartNettoWaluta", "vt_WartVatWaluta", "vt_WartBruttoWaluta")


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.4f}"


def sql_dt(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def fixture_ddl() -> str:
    """The fixture DDL shipped with the package: real Subiekt GT table and column names (see
    docs/reference/subiekt_gt_database.md in the source repository)."""
    return resources.files("sellintegro_subiekt_gt").joinpath("data/subiekt_gt_fixture_ddl.sql").read_text(
        encoding="utf-8")


# ------------------------------------------------------------------------------------------------ data types


@dataclass
class Customer:
    kh_id: int
    adrh_id: int
    name: str
    nip: str            # as typed ('' for consumers)
    email: str
    country: str = "PL"
    company: bool = True
    first: str = ""
    last: str = ""


@dataclass
class Line:
    product: int                # index into PRODUCTS
    qty: Decimal
    discount: Decimal
    unit_net: Decimal           # after discount, document currency
    unit_gross: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal
    vat_key: str
    list_net: Decimal = Decimal(0)   # unit net before discount
    ob_id: int = 0


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


# ------------------------------------------------------------------------------------------------ generator


class _Generator:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rnd = random.Random(seed)
        self.now = now
        self.scale = 1.0                # multiplies the order ages (generate(days=...))
        self.today = now.date()
        self.rows: dict[str, list[tuple[Any, ...]]] = {
            "dok": [], "ob": [], "vt": [], "ksef": [], "wy": [], "dfd": [], "pwd": []}
        self.next_dok = 1000
        self.next_ob = 1
        self.next_vt = 1
        self.next_ksef = 1
        self.next_pwd = 1
        self.numbers: dict[tuple[str, int, int], int] = {}
        self.customers: list[Customer] = []
        self.consumers: list[Customer] = []
        self.eu_buyer: Customer | None = None
        self.static: dict[str, list[tuple[Any, ...]]] = {}
        self.orders: list[dict[str, Any]] = []
        self.expected: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.next_order = 7_100_001 + self.rnd.randrange(0, 5000) * 10

    # ---------------------------------------------------------------- static configuration

    def build_static(self, customers: int) -> None:
        rnd = self.rnd
        s = self.static
        s["sl_Panstwo"] = [(1, "Polska", "PL", 1, "PL"), (2, "Niemcy", "DE", 1, "DE"), (3, "Czechy", "CZ", 1, "CZ")]
        s["sl_Magazyn"] = [(1, "MAG", "Magazyn główny", 1, 1)]
        s["sl_StawkaVAT"] = [(vid, name, money(rate), sym, 1, 1, i + 1, i + 1)
                             for i, (vid, sym, rate, name) in enumerate(VAT.values())]
        s["sl_FormaPlatnosci"] = [(PAY_TRANSFER_7, "Przelew 7 dni", 7, 1), (PAY_CARD, "Karta płatnicza", 0, 2),
                                  (PAY_COD, "Pobranie", 0, 3), (PAY_TRANSFER_14, "Przelew 14 dni", 14, 1)]
        s["sl_PrzyczynaKorekty"] = [(1, "Zwrot towaru"), (2, "Rabat udzielony po sprzedaży"),
                                    (3, "Błędna cena na fakturze")]
        s["rb__RachBankowy"] = [
            (1, "Rachunek główny", 0, "PL61 1090 1014 0000 0712 1981 2874", "Santander Bank Polska S.A.", 1,
             "PLN", 1, 1, "61109010140000071219812874"),
            (2, "Rachunek EUR", 0, "PL27 1140 2004 0000 3702 7555 3442", "mBank S.A.", 1, "EUR", 0, 1,
             "27114020040000370275553442")]
        s["tw__Towar"] = [(i + 1, rod, sym, name, VAT[vk][0], unit, pkwiu, ean)
                          for i, (sym, name, unit, _p, vk, pkwiu, ean, rod) in enumerate(PRODUCTS)]
        adr = [(1, 1, 8, SELLER["name"], SELLER["full"], SELLER["phone"], SELLER["street"], SELLER["house"],
                SELLER["flat"], f"{SELLER['street']} {SELLER['house']}/{SELLER['flat']}", SELLER["postcode"],
                SELLER["city"], 1, SELLER_NIP)]
        adrh: list[tuple[Any, ...]] = []
        kh: list[tuple[Any, ...]] = []

        def add(name: str, nip: str, street: str, house: str, postcode: str, city: str, country: int,
                email: str, person: bool, first: str = "", last: str = "") -> Customer:
            kh_id = len(kh) + 1
            adr_id = len(adr) + 1
            adrh_id = len(adrh) + 1
            kh.append((kh_id, f"K{kh_id:05d}", 0 if person else 1, email, 1 if person else 0, first, last,
                       1 if person else 0))
            row = (name[:53], name, street, house, "", f"{street} {house}", postcode, city, country, nip)
            adr.append((adr_id, kh_id, 1, *row[:2], "", *row[2:]))
            adrh.append((adrh_id, adr_id, *row))
            return Customer(kh_id, adrh_id, name, nip, email, company=not person, first=first, last=last,
                            country={1: "PL", 2: "DE", 3: "CZ"}[country])

        for i in range(max(len(COMPANIES), customers)):
            name, street, house, postcode, city = COMPANIES[i % len(COMPANIES)]
            if i >= len(COMPANIES):
                name = f"{name} Oddział {i // len(COMPANIES) + 1}"
            nip = self.random_nip()
            style = i % 3
            typed = nip if style == 0 else (f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}" if style == 1
                                             else f"PL{nip}")
            email = f"biuro{i + 1}@firma{i + 1}.example.pl"
            self.customers.append(add(name, typed, street, house, postcode, city, 1, email, False))
        for i in range(max(len(FIRST), customers)):
            first, last = FIRST[i % len(FIRST)], LAST[rnd.randrange(len(LAST))]
            postcode, city = CITIES[rnd.randrange(len(CITIES))]
            self.consumers.append(add(f"{first} {last}", "", STREETS[rnd.randrange(len(STREETS))],
                                      str(rnd.randint(1, 120)), postcode, city, 1,
                                      f"{first.lower()}.{i + 1}@poczta.example.pl", True, first, last))
        self.eu_buyer = add("Müller Kaffeehandel GmbH", "DE811907980", "Königstraße", "28", "70173", "Stuttgart",
                            2, "einkauf@mueller-kaffee.example.de", False)
        s["adr__Ewid"] = adr
        s["adr_Historia"] = adrh
        s["kh__Kontrahent"] = kh
        s["pw_Pole"] = [(1, OBJ["FS"], "pwd_Tekst01", 1, CUSTOM_FIELD_NAME),
                        (2, OBJ["ZK"], "pwd_Tekst02", 1, CUSTOM_FIELD_NAME),
                        (3, OBJ["FS"], "pwd_Tekst03", 1, "Kurier")]

    def random_nip(self) -> str:
        while True:
            first9 = str(self.rnd.randint(1, 9)) + "".join(str(self.rnd.randint(0, 9)) for _ in range(8))
            check = nip_check_digit(first9)
            if check is not None:
                return first9 + str(check)

    # ---------------------------------------------------------------- helpers

    def number(self, kind: str, day: date) -> tuple[int, str]:
        key = (PREFIX[kind], day.year, day.month)
        n = self.numbers.get(key, 0) + 1
        self.numbers[key] = n
        return n, f"{PREFIX[kind]} {n}/{day.month:02d}/{day.year}"

    def lines(self, product_ids: list[int] | None = None, *, rate: Decimal = Decimal(1),
              vat_override: str | None = None, count: int | None = None) -> list[Line]:
        rnd = self.rnd
        if product_ids is None:
            count = count or rnd.choice((1, 1, 2, 2, 3, 4))
            product_ids = rnd.sample(range(len(PRODUCTS) - 2), count)
            if rnd.random() < 0.4:
                product_ids.append(len(PRODUCTS) - 1)       # shipping
        out = []
        for pid in product_ids:
            _s, _n, _u, price, vat_key, _pk, _e, _r = PRODUCTS[pid]
            vat_key = vat_override or vat_key
            qty = Decimal(1) if pid == len(PRODUCTS) - 1 else Decimal(rnd.choice((1, 1, 1, 2, 2, 3, 5)))
            discount = Decimal(rnd.choice((0, 0, 0, 0, 5, 10, 15)))
            out.append(self.make_line(pid, qty, discount, q2(Decimal(price) / rate), vat_key))
        return out

    @staticmethod
    def make_line(pid: int, qty: Decimal, discount: Decimal, list_net: Decimal, vat_key: str) -> Line:
        percent = VAT[vat_key][2]
        unit_net = q2(list_net * (100 - discount) / 100)
        net = q2(unit_net * qty)
        vat = q2(net * percent / 100)
        return Line(pid, qty, discount, unit_net, q2(unit_net * (100 + percent) / 100), net, vat, net + vat,
                    vat_key, list_net)

    def vat_rows(self, dok_id: int, groups: dict[str, list[Decimal]], rate: Decimal | None) -> None:
        for key in sorted(groups, key=lambda k: (-VAT[k][2], k)):
            net, vat = groups[key]
            vid, _sym, percent, _name = VAT[key]
            if rate is None:
                row = (self.next_vt, dok_id, vid, money(percent), money(net), money(vat), money(net + vat),
                       None, None, None)
            else:
                net_pln, vat_pln = q2(net * rate), q2(vat * rate)
                row = (self.next_vt, dok_id, vid, money(percent), money(net_pln), money(vat_pln),
                       money(net_pln + vat_pln), money(net), money(vat), money(net + vat))
            self.rows["vt"].append(row)
            self.next_vt += 1

    def add_lines(self, dok_id: int, lines: list[Line], *, sign: int = 1, start: int = 1,
                  corrects: list[int] | None = None, reason: int | None = None) -> None:
        for i, line in enumerate(lines):
            sym, name, unit, _p, _vk, pkwiu, _e, rodzaj = PRODUCTS[line.product]
            line.ob_id = self.next_ob
            self.next_ob += 1
            vid, _s, percent, _n = VAT[line.vat_key]
            self.rows["ob"].append((
                line.ob_id, corrects[i] if corrects else None, sign, dok_id, line.product + 1, rodzaj, "",
                start + i, money(line.qty), money(line.qty), unit, money(line.unit_net), money(line.unit_net),
                money(line.unit_gross), money(line.discount), money(line.net), money(line.vat), money(line.gross),
                vid, money(percent), reason, pkwiu))

    def doc(self, kind: str, day: date, *, buyer: Customer | None, lines: list[Line], status: int = 1,
            ref: str = "", title: str = "", subtitle: str = "", remarks: str = "", parent: dict | None = None,
            currency: str = "PLN", rate: Decimal | None = None, payment: str = "transfer",
            before: list[Line] | None = None, reason: int | None = None, ksef: str | None = None,
            ksef_hash: str = "hex") -> dict[str, Any]:
        """Add one document (header, lines, VAT table, KSeF rows); returns its header as a dict."""
        dok_id = self.next_dok
        self.next_dok += 1
        nr, number = self.number(kind, day)
        groups: dict[str, list[Decimal]] = {}
        goods = [Decimal(0), Decimal(0)]
        services = [Decimal(0), Decimal(0)]

        def account(ls: list[Line], sign: int) -> None:
            for ln in ls:
                g = groups.setdefault(ln.vat_key, [Decimal(0), Decimal(0)])
                g[0] += sign * ln.net
                g[1] += sign * ln.vat
                bucket = services if PRODUCTS[ln.product][7] == 2 else goods
                bucket[0] += sign * ln.net
                bucket[1] += sign * ln.gross

        if before is not None:      # KFS: pairs (-1 before, +1 after)
            account(before, -1)
        account(lines, 1)
        net = sum((g[0] for g in groups.values()), Decimal(0))
        vat = sum((g[1] for g in groups.values()), Decimal(0))
        gross = net + vat
        if before is not None:
            for i, (b, a) in enumerate(zip(before, lines, strict=True)):
                corrected = b.ob_id
                self.add_lines(dok_id, [replace(b)], sign=-1, start=i + 1, corrects=[corrected], reason=reason)
                self.add_lines(dok_id, [a], sign=1, start=i + 1, corrects=[corrected], reason=reason)
        else:
            corrects = [ln.ob_id for ln in parent["_lines"]][: len(lines)] if kind == "ZW" and parent else None
            self.add_lines(dok_id, lines, corrects=corrects, reason=reason)
        self.vat_rows(dok_id, groups, rate if currency != "PLN" else None)

        h: dict[str, Any] = dict.fromkeys(DOK_COLUMNS)
        h.update(dok_Id=dok_id, dok_Typ=TYP[kind], dok_Podtyp=PODTYP.get(kind, 0), dok_MagId=1, dok_Nr=nr,
                 dok_NrPelny=number, dok_NrPelnyOryg=ref, dok_DoDokNrPelny="", dok_MscWyst=SELLER["city"],
                 dok_DataWyst=sql_dt(day), dok_DataMag=sql_dt(day), dok_Wystawil=ISSUER,
                 dok_WartUsNetto=money(services[0]), dok_WartUsBrutto=money(services[1]),
                 dok_WartTwNetto=money(goods[0]), dok_WartTwBrutto=money(goods[1]), dok_WartNetto=money(net),
                 dok_WartVat=money(vat), dok_WartBrutto=money(gross), dok_KwWartosc=money(gross),
                 dok_Waluta=currency, dok_WalutaKurs=money(rate or Decimal(1)), dok_Uwagi=remarks,
                 dok_Tytul=title, dok_Podtytul=subtitle, dok_Status=status, dok_ObiektGT=OBJ[kind],
                 dok_TypNrIdentNabywcy=0, dok_MechanizmPodzielonejPlatnosci=0, dok_StatusEx=0,
                 dok_StatusKSeF=0, dok_FormaDokumentowania=0, dok_CzekaNaKSeF=0, dok_JestRuchMag=1,
                 dok_Rozliczony=0, dok_StatusFiskal=0)
        if currency != "PLN":
            h["dok_WalutaDataKursu"] = sql_dt(day - timedelta(days=1))
        if kind in ("FS", "FSd", "KFS"):
            h["dok_DataZakonczenia"] = sql_dt(day)
        if buyer is not None:
            h.update(dok_PlatnikId=buyer.kh_id, dok_PlatnikAdreshId=buyer.adrh_id, dok_OdbiorcaId=buyer.kh_id,
                     dok_OdbiorcaAdreshId=buyer.adrh_id)
            if kind == "PAi" and buyer.nip:
                h.update(dok_TypNrIdentNabywcy=1, dok_NrIdentNabywcy=buyer.nip)
        if parent is not None:
            h.update(dok_DoDokId=parent["dok_Id"])
            if kind in ("KFS", "ZW"):
                h.update(dok_DoDokNrPelny=parent["dok_NrPelny"], dok_DoDokDataWyst=parent["dok_DataWyst"],
                         dok_DoNumerKSeF=parent.get("dok_NumerKSeF") or parent.get("_ksef_number"),
                         dok_DoNumerKSeFId=parent.get("dok_NumerKSeFId"), dok_StatusEx=1 if kind == "ZW" else 0)
        # payment
        if kind in ("PA", "PAi", "ZW"):
            if payment == "card":
                h.update(dok_KwKarta=money(gross), dok_KartaId=PAY_CARD, dok_KwDoZaplaty=money(Decimal(0)))
            else:
                h.update(dok_KwGotowka=money(gross), dok_KwDoZaplaty=money(Decimal(0)))
            h["dok_Rozliczony"] = 1
            h["dok_StatusFiskal"] = 1 if kind != "ZW" else 0
        elif kind == "KFS":
            h.update(dok_KwPrzelew=money(gross), dok_KwDoZaplaty=money(gross), dok_PlatId=PAY_TRANSFER_7,
                     dok_PlatTermin=sql_dt(day + timedelta(days=7)), dok_NrRachunkuBankowegoPdm=1)
        elif payment == "card":
            h.update(dok_KwKarta=money(gross), dok_KartaId=PAY_CARD, dok_KwDoZaplaty=money(Decimal(0)),
                     dok_Rozliczony=1, dok_NrRachunkuBankowegoPdm=1)
        elif payment == "cod":
            h.update(dok_KwKredyt=money(gross), dok_KredytId=PAY_COD, dok_KwDoZaplaty=money(gross),
                     dok_NrRachunkuBankowegoPdm=1)
        else:
            days = 14 if (buyer and buyer.company) else 7
            h.update(dok_KwPrzelew=money(gross), dok_KwDoZaplaty=money(gross),
                     dok_PlatId=PAY_TRANSFER_14 if days == 14 else PAY_TRANSFER_7,
                     dok_PlatTermin=sql_dt(day + timedelta(days=days)),
                     dok_NrRachunkuBankowegoPdm=2 if currency == "EUR" else 1)
        if kind in ("FS", "FSd") and gross >= Decimal("15000") and buyer and buyer.company:
            h["dok_MechanizmPodzielonejPlatnosci"] = 1
        if ksef:
            self.apply_ksef(h, day, ksef, ksef_hash)
        h["_lines"] = lines
        h["_kind"] = kind
        self.rows["dok"].append(h)  # converted to a tuple when written
        counted = "cancelled" if status == 2 else ("draft" if status == 3 else
                                                   {"PAi": "PA"}.get(kind, kind))
        self.counts[counted] = self.counts.get(counted, 0) + 1
        return h

    def apply_ksef(self, h: dict[str, Any], day: date, mode: str, hash_form: str) -> None:
        """``numbered`` (ksef_NumerKSeF row), ``numbered_legacy`` (dok_NumerKSeF only), ``online_pending``,
        ``offline_pending`` or ``traditional`` (B2C outside KSeF)."""
        digest = hashlib.sha256(f"demo-xml-{h['dok_Id']}-{h['dok_NrPelny']}".encode()).digest()
        hex_hash = digest.hex() if hash_form == "hex" else None
        b64_hash = base64.b64encode(digest).decode("ascii") if hash_form != "hex" else None
        sent = datetime(day.year, day.month, day.day, 9, 0) + timedelta(minutes=self.rnd.randrange(0, 480))
        latest = self.now.replace(tzinfo=None) - timedelta(minutes=10)      # never in the future
        if sent > latest:
            sent = max(datetime(day.year, day.month, day.day), latest - timedelta(minutes=self.rnd.randrange(0, 30)))
        if mode == "traditional":
            return
        h.update(dok_FormaDokumentowania=1, dok_DataWystawieniaKSeF=sql_dt(sent),
                 dok_XmlHashKSeF=hex_hash or b64_hash)
        if mode in ("numbered", "numbered_legacy"):
            assigned = min(sent + timedelta(seconds=self.rnd.randrange(3, 90)), latest)
            number = make_ksef_number(SELLER_NIP, assigned.strftime("%Y%m%d"),
                                      f"{self.rnd.getrandbits(48):012X}")
            h.update(dok_StatusKSeF=5, dok_DataNumeruKSeF=sql_dt(assigned), _ksef_number=number)
            if mode == "numbered":
                ksef_id = self.next_ksef
                self.next_ksef += 1
                self.rows["ksef"].append((ksef_id, number, sql_dt(assigned), b64_hash))
                h["dok_NumerKSeFId"] = ksef_id
                if b64_hash:
                    h["dok_XmlHashKSeF"] = None
                if self.rnd.random() < 0.5:
                    h["dok_NumerKSeF"] = number
            else:
                h["dok_NumerKSeF"] = number
            qr = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            self.rows["wy"].append((h["dok_Id"], f"{QR_HOST}/invoice/{SELLER_NIP}/{day:%d-%m-%Y}/{qr}", number,
                                    None))
        elif mode == "online_pending":
            h.update(dok_StatusKSeF=4, dok_CzekaNaKSeF=1)
        elif mode == "offline_pending":
            h.update(dok_StatusKSeF=1, dok_CzekaNaKSeF=1, dok_FormaDokumentowania=3)
            qr = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
            signature = base64.urlsafe_b64encode(hashlib.sha256(b"sig" + digest).digest() * 2).rstrip(
                b"=").decode("ascii")
            self.rows["wy"].append((
                h["dok_Id"], f"{QR_HOST}/invoice/{SELLER_NIP}/{day:%d-%m-%Y}/{qr}", None,
                f"{QR_HOST}/certificate/Nip/{SELLER_NIP}/{SELLER_NIP}/01F20A5D352AE590/{qr}/{signature}"))

    def custom_field(self, dok_id: int, obj: int, slot: str, value: str) -> None:
        slots = {"pwd_Tekst01": None, "pwd_Tekst02": None, "pwd_Tekst03": None}
        slots[slot] = value
        self.rows["pwd"].append((self.next_pwd, obj, dok_id, None, *slots.values()))
        self.next_pwd += 1

    # ---------------------------------------------------------------- orders

    def order(self, placed: datetime, buyer: Customer | None, lines: list[Line], *, want_invoice: bool,
              status: str = "Nowe zamówienia", currency: str = "PLN") -> dict[str, Any]:
        order_id = self.next_order
        self.next_order += self.rnd.randint(1, 40)
        name = buyer.name if buyer else f"{self.rnd.choice(FIRST)} {self.rnd.choice(LAST)}"
        products = [{"name": PRODUCTS[ln.product][1], "sku": PRODUCTS[ln.product][0], "quantity": int(ln.qty),
                     "price_brutto": float(ln.unit_gross),
                     "tax_rate": int(VAT[ln.vat_key][2]) if ln.vat_key != "zw" else -1} for ln in lines]
        source = self.rnd.choice(("shop", "shop", "personal")) if buyer is None or not buyer.company else "shop"
        order = {
            "order_id": order_id, "date_add": int(placed.timestamp()), "status": status,
            "order_source": source, "order_source_id": 1 if source == "shop" else 0,
            "shop_order_id": order_id - 7_000_000, "external_order_id": f"WWW-{order_id - 7_000_000}",
            "want_invoice": "1" if want_invoice else "0", "currency": currency,
            "email": buyer.email if buyer else f"klient{order_id}@poczta.example.pl",
            "delivery_fullname": name if not (buyer and buyer.company) else "Dział zakupów",
            "invoice_company": buyer.name if buyer and buyer.company else "",
            "invoice_fullname": name if not (buyer and buyer.company) else "",
            "invoice_nip": buyer.nip if buyer and buyer.company else "",
            "invoice_country_code": buyer.country if buyer else "PL", "products": products,
        }
        self.orders.append(order)
        return order

    def zk(self, order: dict[str, Any] | None, day: date, buyer: Customer | None, lines: list[Line], *,
           ref: str | None = None, status: int = 8) -> dict[str, Any]:
        ref = ref if ref is not None else f"B_{order['order_id']}" if order else ""
        copy = [replace(ln) for ln in lines]
        h = self.doc("ZK", day, buyer=buyer, lines=copy, status=status, ref=ref, payment="none")
        for key in ("dok_KwPrzelew", "dok_KwDoZaplaty", "dok_PlatId", "dok_PlatTermin"):
            h[key] = None
        h["dok_JestRuchMag"] = 0
        return h

    def expect(self, order: dict[str, Any], h: dict[str, Any]) -> None:
        kind = h["_kind"]
        kind = {"PAi": "PA"}.get(kind, kind)
        target = {"FS": "invoice", "FSd": "invoice", "PA": "receipt", "KFS": "correction",
                  "ZW": "correction"}[kind]
        state = {0: "not_in_ksef"}.get(h["dok_FormaDokumentowania"], "")
        if kind in ("PA", "ZW"):
            state = "not_in_ksef"
        elif h.get("_ksef_number"):
            state = "numbered"
        elif h["dok_FormaDokumentowania"] == 3:
            state = "offline_pending"
        elif h["dok_FormaDokumentowania"] == 1:
            state = "online_pending"
        self.expected.append({"order_id": order["order_id"], "document_number": h["dok_NrPelny"], "kind": kind,
                              "target": target, "document_id": str(h["dok_Id"]), "ksef_state": state})

    # ---------------------------------------------------------------- scenarios (one order each)

    def when(self, days_ago_max: float = 10.0, days_ago_min: float = 0.05) -> tuple[datetime, date]:
        placed = self.now - timedelta(days=self.rnd.uniform(days_ago_min, days_ago_max * self.scale))
        issue = min(placed.date() + timedelta(days=self.rnd.choice((0, 0, 0, 1, 1, 2))), self.today)
        return placed, issue

    def scenario(self, name: str, placed: datetime | None = None, issue: date | None = None,
                 **kw: Any) -> dict[str, Any]:
        rnd = self.rnd
        if placed is None or issue is None:
            placed, issue = self.when()
        company = rnd.choice(self.customers)
        consumer = rnd.choice(self.consumers)
        ksef_mode = kw.get("ksef") or rnd.choices(
            ("numbered", "numbered_legacy", "online_pending", "offline_pending", "traditional"),
            (70, 8, 14, 3, 5))[0]
        hash_form = kw.get("hash") or rnd.choice(("hex", "b64"))
        out: dict[str, Any] = {"scenario": name}
        if name in ("fs", "fs_kfs", "cancelled", "draft", "rates", "old"):
            buyer = kw.get("buyer") or (company if rnd.random() < 0.8 else consumer)
            lines = kw.get("lines") or self.lines()
            order = self.order(placed, buyer, lines, want_invoice=True,
                               status=rnd.choice(("Nowe zamówienia", "Nowe zamówienia", "Do wysłania")))
            zk = self.zk(order, placed.date(), buyer, lines)
            payment = kw.get("payment") or rnd.choice(("transfer", "transfer", "card", "cod"))
            if name == "cancelled":
                bad = self.doc("FS", issue, buyer=buyer, lines=lines, status=2, parent=zk, payment=payment)
                out["cancelled"] = bad
                lines = self.lines([ln.product for ln in lines])
            status = 3 if name == "draft" else 1
            fs = self.doc("FS", issue, buyer=buyer, lines=lines, status=status, parent=zk, payment=payment,
                          ksef=None if status == 3 else ksef_mode, ksef_hash=hash_form)
            out.update(order=order, zk=zk, doc=fs)
            if status == 1:
                self.expect(order, fs)
            if name == "fs_kfs":
                before, after = self.correction_lines(fs["_lines"])
                kfs_day = min(issue + timedelta(days=rnd.choice((0, 1, 2))), self.today)
                kfs = self.doc("KFS", kfs_day, buyer=buyer, lines=after, before=before, parent=fs,
                               reason=rnd.choice((1, 2, 3)), ksef=kw.get("kfs_ksef") or rnd.choice(
                                   ("numbered", "numbered", "online_pending")), ksef_hash=hash_form)
                out["kfs"] = kfs
                self.expect(order, kfs)
        elif name in ("pa", "pa_fsd", "pa_zw", "pai"):
            buyer = company if name in ("pa_fsd", "pai") else None
            lines = kw.get("lines") or self.lines()
            order = self.order(placed, buyer or consumer, lines, want_invoice=name != "pa")
            zk = self.zk(order, placed.date(), buyer or consumer, lines)
            kind = "PAi" if name == "pai" else "PA"
            pa = self.doc(kind, issue, buyer=buyer if name == "pai" else None, lines=lines, parent=zk,
                          payment=rnd.choice(("cash", "card")))
            out.update(order=order, zk=zk, doc=pa)
            self.expect(order, pa)
            if name == "pa_fsd":
                fsd_day = min(issue + timedelta(days=rnd.choice((0, 1, 3))), self.today)
                fsd_lines = [self.make_line(ln.product, ln.qty, Decimal(0), ln.unit_net, ln.vat_key)
                             for ln in lines]
                fsd = self.doc("FSd", fsd_day, buyer=company, lines=fsd_lines, payment="card", ksef=ksef_mode,
                               ksef_hash=hash_form)
                fsd["dok_KwDoZaplaty"] = money(Decimal(0))
                self.rows["dfd"].append((fsd["dok_Id"], pa["dok_Id"], 0))
                out["fsd"] = fsd
                self.expect(order, fsd)
            if name == "pa_zw":
                ret = pa["_lines"][0]
                back = self.make_line(ret.product, Decimal(1), ret.discount, ret.list_net, ret.vat_key)
                zw_day = min(issue + timedelta(days=rnd.choice((1, 2, 3))), self.today)
                zw = self.doc("ZW", zw_day, buyer=None, lines=[back], parent=pa, payment="cash", reason=1)
                out["zw"] = zw
                self.expect(order, zw)
        elif name == "eur":
            buyer = self.eu_buyer
            rate = Decimal("4.2537")
            lines = self.lines([PRODUCTS.index(next(p for p in PRODUCTS if p[0] == s)) for s in
                                rnd.sample(EU_PRODUCTS, 2)], rate=Decimal("4.25"), vat_override="0")
            order = self.order(placed, buyer, lines, want_invoice=True, currency="EUR")
            zk = self.zk(order, placed.date(), buyer, lines)
            fs = self.doc("FS", issue, buyer=buyer, lines=lines, parent=zk, currency="EUR", rate=rate,
                          ksef=kw.get("ksef") or "numbered_legacy", ksef_hash=hash_form,
                          remarks="Wewnątrzwspólnotowa dostawa towarów (WDT), art. 42 ustawy o VAT.")
            out.update(order=order, zk=zk, doc=fs)
            self.expect(order, fs)
        elif name in ("podtytul", "tytul", "uwagi", "pole"):
            buyer = company
            lines = self.lines()
            order = self.order(placed, buyer, lines, want_invoice=True)
            ref = f"B_{order['order_id']}"
            fields = {"podtytul": {"subtitle": ref}, "tytul": {"title": ref},
                      "uwagi": {"remarks": f"Zamówienie BaseLinker nr {order['order_id']}, dziękujemy!"},
                      "pole": {}}[name]
            fs = self.doc("FS", issue, buyer=buyer, lines=lines, ksef=ksef_mode, ksef_hash=hash_form, **fields)
            if name == "pole":
                self.custom_field(fs["dok_Id"], OBJ["FS"], "pwd_Tekst01", ref)
            out.update(order=order, doc=fs)
        elif name == "bad_ref":
            buyer = company
            lines = self.lines()
            zk = self.zk(None, placed.date(), buyer, lines, ref=f"ALLEGRO-{rnd.randint(1000, 9999)}")
            fs = self.doc("FS", issue, buyer=buyer, lines=lines, parent=zk, ksef=ksef_mode, ksef_hash=hash_form)
            out.update(zk=zk, doc=fs)
        elif name == "no_ref":
            buyer = consumer
            lines = self.lines()
            fs = self.doc("FS", issue, buyer=buyer, lines=lines, payment="card", ksef="traditional")
            out.update(doc=fs)
        else:  # pragma: no cover - programming error
            raise ValueError(name)
        return out

    def correction_lines(self, lines: list[Line]) -> tuple[list[Line], list[Line]]:
        """Before/after pairs: the first line loses one unit (or gets 10 % off), the rest are untouched."""
        first = lines[0]
        before = [first]
        list_net = first.list_net
        if first.qty > 1:
            after = [self.make_line(first.product, first.qty - 1, first.discount, list_net, first.vat_key)]
        else:
            after = [self.make_line(first.product, first.qty, first.discount + 10, list_net, first.vat_key)]
        return before, after

    # ---------------------------------------------------------------- showcase + fill

    def showcase(self) -> dict[str, dict[str, Any]]:
        """Fixed documents the tests and the demo rely on (one of every shape)."""
        now = self.now
        t = self.today

        def at(days: float) -> tuple[datetime, date]:
            placed = now - timedelta(days=days * self.scale)
            return placed, min(placed.date() + timedelta(days=1), t)

        out = {}
        rates = [self.make_line(PRODUCTS.index(p), Decimal(q), Decimal(d), Decimal(p[3]), p[4]) for p, q, d in (
            (PRODUCTS[1], 2, 10), (PRODUCTS[4], 1, 0), (PRODUCTS[8], 6, 5), (PRODUCTS[13], 1, 0),
            (PRODUCTS[14], 1, 0))]
        out["fs"] = self.scenario("fs", *at(9), buyer=self.customers[0], lines=rates, ksef="numbered",
                                  hash="hex", payment="transfer")
        out["pa"] = self.scenario("pa", *at(8.5))
        out["fs_kfs"] = self.scenario("fs_kfs", *at(8), buyer=self.customers[1], ksef="numbered", hash="b64",
                                      kfs_ksef="online_pending", lines=self.lines(count=3))
        out["pa_fsd"] = self.scenario("pa_fsd", *at(7.5), ksef="numbered", hash="b64")
        out["pa_zw"] = self.scenario("pa_zw", *at(7))
        out["pai"] = self.scenario("pai", *at(6.5))
        out["eur"] = self.scenario("eur", *at(6), ksef="numbered_legacy", hash="hex")
        out["cancelled"] = self.scenario("cancelled", *at(5.5), ksef="numbered")
        out["online_pending"] = self.scenario("fs", *at(1.2), ksef="online_pending", hash="b64")
        out["offline_pending"] = self.scenario("fs", *at(1.1), ksef="offline_pending", hash="hex")
        out["traditional"] = self.scenario("fs", *at(4), buyer=self.consumers[0], ksef="traditional")
        out["draft"] = self.scenario("draft", *at(2))
        out["podtytul"] = self.scenario("podtytul", *at(5), ksef="numbered")
        out["tytul"] = self.scenario("tytul", *at(4.5), ksef="numbered")
        out["uwagi"] = self.scenario("uwagi", *at(3.5), ksef="numbered")
        out["pole"] = self.scenario("pole", *at(3), ksef="numbered")
        out["bad_ref"] = self.scenario("bad_ref", *at(2.5), ksef="numbered")
        out["no_ref"] = self.scenario("no_ref", *at(1.5))
        old_placed = now - timedelta(days=25)
        out["old"] = self.scenario("old", old_placed, old_placed.date(), ksef="numbered")
        return out

    def fill(self, documents: int) -> None:
        weights = {"fs": 38, "pa": 30, "fs_kfs": 7, "pa_fsd": 5, "pa_zw": 4, "pai": 4, "eur": 2,
                   "cancelled": 2, "podtytul": 2, "bad_ref": 2, "no_ref": 2, "draft": 2}
        size = {"fs_kfs": 2, "pa_fsd": 2, "pa_zw": 2, "cancelled": 2}
        names, w = list(weights), list(weights.values())
        while self.sales_documents() < documents:
            remaining = documents - self.sales_documents()
            name = self.rnd.choices(names, w)[0]
            if size.get(name, 1) > remaining:
                name = "fs"
            self.scenario(name)

    def sales_documents(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind != "ZK")


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
        with con:
            for table, columns in _STATIC_COLUMNS.items():
                _insert(con, table, columns, gen.static.get(table, []))
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
        from sellintegro_core import clock

        return clock.now()
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
