"""Demo data, part 1: the static dictionaries and one sales document at a time (header, lines, VAT table,
payment, KSeF rows), all adding up to the grosz."""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .checksums import make_ksef_number, nip_check_digit
from .demo_catalogue import (
    CITIES,
    COMPANIES,
    CUSTOM_FIELD_NAME,
    DOK_COLUMNS,
    FIRST,
    ISSUER,
    LAST,
    OBJ,
    PAY_CARD,
    PAY_COD,
    PAY_TRANSFER_7,
    PAY_TRANSFER_14,
    PODTYP,
    PREFIX,
    PRODUCTS,
    QR_HOST,
    SELLER,
    SELLER_NIP,
    STREETS,
    TYP,
    VAT,
    Customer,
    Line,
    money,
    q2,
    sql_dt,
)


class DocumentBuilder:
    """Static data and single documents; :class:`~.demo_scenarios.DemoGenerator` adds orders and cases."""

    def __init__(self, seed: int, now: datetime) -> None:
        self.rnd = random.Random(seed)
        self.now = now
        self.scale = 1.0                # multiplies the order ages (generate(days=...))
        self.today = now.date()
        self.rows: dict[str, list[Any]] = {     # tuples; "dok" holds dicts until written
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
            row: tuple[Any, ...]
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
            ksef_hash: str = "hex", exemption: int | None = None) -> dict[str, Any]:
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
        for key, g in groups.items():       # one method for the VAT table: per-rate net × rate (as Subiekt)
            g[1] = q2(g[0] * VAT[key][2] / 100)
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
        elif payment == "prepaid":          # paid in full by transfer before the invoice
            h.update(dok_KwPrzelew=money(gross), dok_KwDoZaplaty=money(Decimal(0)), dok_PlatId=PAY_TRANSFER_7,
                     dok_Rozliczony=1, dok_NrRachunkuBankowegoPdm=1)
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
        if exemption is not None:
            h["dok_IdPrzyczynyZwolnieniaZVAT"] = exemption
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
        slots: dict[str, str | None] = {"pwd_Tekst01": None, "pwd_Tekst02": None, "pwd_Tekst03": None}
        slots[slot] = value
        self.rows["pwd"].append((self.next_pwd, obj, dok_id, None, *slots.values()))
        self.next_pwd += 1

    # ---------------------------------------------------------------- orders
