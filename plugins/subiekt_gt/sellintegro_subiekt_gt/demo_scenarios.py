"""Demo data, part 2: orders and the scenarios a shop meets (one order each), the fixed showcase the tests and
the demo rely on, and random documents of the same shapes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from .demo_catalogue import EU_PRODUCTS, FIRST, LAST, OBJ, PRODUCTS, VAT, Customer, Line, money
from .demo_documents import DocumentBuilder


class DemoGenerator(DocumentBuilder):
    """Orders, scenarios, the showcase and the random fill."""

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
                          ksef=None if status == 3 else ksef_mode, ksef_hash=hash_form,
                          exemption=kw.get("exemption"))
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
            fields: dict[str, Any] = {"podtytul": {"subtitle": ref}, "tytul": {"title": ref},
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
        out.update(self.shop_cases(at))
        return out

    def shop_cases(self, at: Any) -> dict[str, dict[str, Any]]:
        """The cases a PDF must get right (issue 13): zw with the basis from Subiekt (the showcase "fs" has a
        zw line without one: the scenario's fallback), card-paid and prepaid invoices, 7- and 8-digit amounts,
        a 45-line invoice. The ZW return, the WDT (eur) and the online-sent FS without a number are above."""
        p = {sym: PRODUCTS.index(next(x for x in PRODUCTS if x[0] == sym)) for sym in ("SZK-BAR", "KUB-300",
                                                                                      "MLY-REC", "ZES-PRE")}
        out = {}
        zw = [self.make_line(p["SZK-BAR"], Decimal(2), Decimal(0), Decimal("300.00"), "zw"),
              self.make_line(p["KUB-300"], Decimal(1), Decimal(0), Decimal("24.39"), "23")]
        out["zw_basis"] = self.scenario("fs", *at(3.8), buyer=self.customers[2], lines=zw, ksef="numbered",
                                        hash="hex", payment="transfer", exemption=1)
        card = [self.make_line(p["KUB-300"], Decimal(3), Decimal(0), Decimal("24.39"), "23")]
        out["fs_card"] = self.scenario("fs", *at(3.6), buyer=self.customers[3], lines=card, ksef="numbered",
                                       hash="b64", payment="card")
        prepaid = [self.make_line(p["ZES-PRE"], Decimal(2), Decimal(5), Decimal("121.14"), "23")]
        out["fs_prepaid"] = self.scenario("fs", *at(3.4), buyer=self.customers[4], lines=prepaid,
                                          ksef="numbered", hash="hex", payment="prepaid")
        big = [self.make_line(p["MLY-REC"], Decimal(12), Decimal(0), Decimal("98765.40"), "23"),
               self.make_line(p["ZES-PRE"], Decimal(100), Decimal(0), Decimal("123456.78"), "23")]
        out["big_amounts"] = self.scenario("fs", *at(3.2), buyer=self.customers[5], lines=big, ksef="numbered",
                                           hash="b64", payment="transfer")
        many = [self.make_line(i % 13, Decimal(1 + i % 4), Decimal(5 * (i % 3)), Decimal(PRODUCTS[i % 13][3]),
                               PRODUCTS[i % 13][4]) for i in range(45)]
        out["long_invoice"] = self.scenario("fs", *at(3.0), buyer=self.customers[6], lines=many,
                                            ksef="numbered", hash="hex", payment="transfer")
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
