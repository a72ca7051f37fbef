"""Reading the demo database as a user's scenario would: through sqlite:/// and through the SQLite ODBC driver."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sellintegro_subiekt_gt.checksums import ksef_number_is_valid
from sellintegro_subiekt_gt.demo_db import SELLER_NIP

from .conftest import NOW, by_id, make_source, read_all, window


def test_reads_every_kind_in_the_window_and_nothing_else(dsn, demo):
    docs = read_all(dsn)
    kinds = {d.kind for d in docs}
    assert kinds == {"FS", "PA", "KFS", "ZW", "FSd"}
    start = (NOW - timedelta(days=14)).date()
    assert all(start <= d.issue_date <= NOW.date() for d in docs)
    assert len({d.id for d in docs}) == len(docs)
    ids = [int(d.id) for d in docs]
    assert ids == sorted(ids)
    old = demo.showcase["old"]["doc"]
    assert old["id"] not in by_id(docs)          # issued 25 days ago: outside a 14-day window
    assert old["id"] in by_id(read_all(dsn, days=30))


def test_only_configured_kinds(dsn):
    docs = read_all(dsn, document_types=["PA"])
    assert docs and {d.kind for d in docs} == {"PA"}
    fsd = read_all(dsn, document_types=["FSd"])
    assert fsd and {d.kind for d in fsd} == {"FSd"}


def test_future_window_is_empty(dsn):
    source = make_source(dsn)
    future = window(now=NOW + timedelta(days=400), days=1)
    assert list(source.read(future)) == []
    source.close()


def test_paging_returns_the_same_documents_as_one_page(dsn):
    small = [d.id for d in read_all(dsn, page_size=10)]
    large = [d.id for d in read_all(dsn, page_size=1000)]
    assert small == large and len(small) > 10


def test_cancelled_documents_are_never_read(dsn, demo):
    cancelled = demo.showcase["cancelled"]["cancelled"]
    replacement = demo.showcase["cancelled"]["doc"]
    for drafts in (False, True):
        docs = by_id(read_all(dsn, include_drafts=drafts))
        assert cancelled["id"] not in docs
        assert replacement["id"] in docs
    source = make_source(dsn)
    found = source.find(cancelled["number"])
    assert found is None or found.id != cancelled["id"]
    assert source.find(cancelled["id"]) is None
    source.close()


def test_drafts_only_when_asked(dsn, demo):
    draft = demo.showcase["draft"]["doc"]["id"]
    assert draft not in by_id(read_all(dsn))
    assert draft in by_id(read_all(dsn, include_drafts=True))


def test_amounts_are_decimal_and_tie_out_to_the_grosz(dsn):
    docs = read_all(dsn)
    for doc in docs:
        assert isinstance(doc.totals.gross, Decimal)
        assert doc.totals.net + doc.totals.vat == doc.totals.gross, doc.number
        assert sum(r.net for r in doc.vat_table) == doc.totals.net, doc.number
        assert sum(r.vat for r in doc.vat_table) == doc.totals.vat, doc.number
        assert sum(r.gross for r in doc.vat_table) == doc.totals.gross, doc.number
        sign = {"before": -1, "after": 1, None: 1}
        lines = sum(sign[line.correction_side] * line.net for line in doc.lines)
        assert lines == doc.totals.net, doc.number
        for attr in ("vat", "gross"):  # the VAT table is per-rate net × rate: lines may differ by rounding
            lines = sum(sign[line.correction_side] * getattr(line, attr) for line in doc.lines)
            assert abs(lines - getattr(doc.totals, attr)) <= Decimal("0.01") * len(doc.lines), (doc.number, attr)
        for line in doc.lines:
            assert isinstance(line.quantity, Decimal) and isinstance(line.unit_net, Decimal)
            assert line.net + line.vat == line.gross
            assert abs(line.quantity * line.unit_net - line.net) <= Decimal("0.01"), doc.number


def test_invoice_content(dsn, demo):
    fs = by_id(read_all(dsn))[demo.showcase["fs"]["doc"]["id"]]
    assert fs.kind == "FS" and fs.number == demo.showcase["fs"]["doc"]["number"]
    assert fs.seller.nip == SELLER_NIP and fs.seller.name == "Sklep Demo Sp. z o.o."
    assert fs.seller.city == "Warszawa" and fs.seller.bank_account
    assert fs.buyer is not None and fs.buyer.is_company and fs.buyer.nip
    assert fs.buyer.name == "Kawiarnia Pod Lipą s.c." and fs.buyer.city == "Kraków"
    assert fs.buyer.email and fs.buyer.country_code == "PL"
    assert {r.vat_symbol for r in fs.vat_table} == {"23", "8", "5", "zw"}
    zw = next(r for r in fs.vat_table if r.vat_symbol == "zw")
    assert zw.vat_rate is None and zw.vat == 0
    assert next(r for r in fs.vat_table if r.vat_symbol == "23").vat_rate == Decimal("23")
    discounted = [line for line in fs.lines if line.discount_percent]
    assert discounted and discounted[0].discount_percent == Decimal("10")
    assert fs.lines[0].name == "Kubek termiczny 450 ml" and fs.lines[0].symbol == "KUB-450"
    assert fs.lines[0].unit == "szt." and fs.lines[0].pkwiu
    assert fs.payment.form == "Przelew 14 dni" and fs.payment.due_date == fs.issue_date + timedelta(days=14)
    assert fs.payment.to_pay == fs.totals.gross and fs.payment.bank_account
    assert fs.sale_date == fs.issue_date and fs.place_of_issue == "Warszawa" and fs.issued_by
    assert fs.currency == "PLN" and fs.exchange_rate is None
    assert fs.issued_at is not None and fs.issued_at.tzinfo is not None


def test_receipt_without_buyer_and_receipt_with_buyer(dsn, demo):
    docs = by_id(read_all(dsn))
    pa = docs[demo.showcase["pa"]["doc"]["id"]]
    assert pa.kind == "PA" and pa.buyer is None
    assert pa.ksef.state == "not_in_ksef" and pa.ksef.number is None
    assert pa.payment.to_pay == 0 and pa.payment.paid == pa.totals.gross
    pai = docs[demo.showcase["pai"]["doc"]["id"]]
    assert pai.kind == "PA" and pai.buyer is not None and pai.buyer.nip
    assert pai.extra["subiekt"]["dok_Podtyp"] == 2


def test_eur_invoice_to_an_eu_buyer(dsn, demo):
    eur = by_id(read_all(dsn))[demo.showcase["eur"]["doc"]["id"]]
    assert eur.currency == "EUR" and eur.exchange_rate == Decimal("4.2537")
    assert eur.exchange_rate_date == eur.issue_date - timedelta(days=1)
    assert eur.buyer.country_code == "DE" and eur.buyer.is_foreign and eur.buyer.nip.startswith("DE")
    assert eur.seller.bank_account and "PL27" in eur.seller.bank_account
    row = eur.vat_table[0]
    assert row.vat_symbol == "0" and row.net == eur.totals.net
    assert row.net_pln == (row.net * Decimal("4.2537")).quantize(Decimal("0.01"))


def test_correction_pairs_and_corrected_document(dsn, demo):
    docs = by_id(read_all(dsn))
    show = demo.showcase["fs_kfs"]
    kfs, fs = docs[show["kfs"]["id"]], docs[show["doc"]["id"]]
    assert kfs.kind == "KFS" and kfs.is_correction
    sides = [line.correction_side for line in kfs.lines]
    assert sides == ["before", "after"] * (len(sides) // 2) and sides
    before, after = kfs.lines[0], kfs.lines[1]
    assert before.name == after.name and before.position == after.position
    assert (after.quantity, after.net) != (before.quantity, before.net)
    assert kfs.totals.gross < 0           # a return / price cut lowers the invoice
    assert kfs.corrected is not None
    assert kfs.corrected.id == fs.id and kfs.corrected.number == fs.number and kfs.corrected.kind == "FS"
    assert kfs.corrected.issue_date == fs.issue_date
    assert kfs.corrected.ksef_number == fs.ksef.number and ksef_number_is_valid(fs.ksef.number)
    assert kfs.correction_reason
    zw = docs[demo.showcase["pa_zw"]["zw"]["id"]]
    pa = docs[demo.showcase["pa_zw"]["doc"]["id"]]
    assert zw.kind == "ZW" and zw.corrected.id == pa.id and zw.corrected.kind == "PA"
    # a return is a correction of the receipt: (sold, left) pairs, negative differences and totals
    assert zw.totals.gross < 0 and all(row.gross < 0 for row in zw.vat_table)
    assert [line.correction_side for line in zw.lines] == ["before", "after"]
    sold, left = zw.lines
    assert sold.quantity == pa.lines[0].quantity and sold.net == pa.lines[0].net
    assert left.quantity < sold.quantity
    assert left.gross - sold.gross == zw.totals.gross
    assert zw.ksef.state == "not_in_ksef"


def test_invoice_to_receipt_links_both_ways(dsn, demo):
    docs = by_id(read_all(dsn))
    show = demo.showcase["pa_fsd"]
    fsd, pa = docs[show["fsd"]["id"]], docs[show["doc"]["id"]]
    assert fsd.kind == "FSd"
    assert [r.id for r in fsd.receipts] == [pa.id] and fsd.receipts[0].number == pa.number
    assert fsd.receipts[0].kind == "PA"
    assert pa.invoice is not None and pa.invoice.id == fsd.id and pa.invoice.kind == "FSd"
    assert fsd.buyer is not None and fsd.buyer.is_company
    assert fsd.totals.gross == pa.totals.gross


def test_ksef_states_numbers_and_hashes(dsn, demo):
    docs = by_id(read_all(dsn))
    fs = docs[demo.showcase["fs"]["doc"]["id"]]
    assert fs.ksef.state == "numbered" and fs.ksef.number == demo.showcase["fs"]["doc"]["ksef_number"]
    assert ksef_number_is_valid(fs.ksef.number) and fs.ksef.number.startswith(SELLER_NIP + "-")
    assert len(fs.ksef.hash) == 64 and fs.ksef.issued_at and fs.ksef.status.startswith("5")
    b64 = docs[demo.showcase["fs_kfs"]["doc"]["id"]]
    assert b64.ksef.state == "numbered" and len(b64.ksef.hash) == 44 and b64.ksef.hash.endswith("=")
    legacy = docs[demo.showcase["eur"]["doc"]["id"]]          # number only in dok_NumerKSeF
    assert legacy.ksef.state == "numbered" and ksef_number_is_valid(legacy.ksef.number)
    online = docs[demo.showcase["online_pending"]["doc"]["id"]]
    assert online.ksef.state == "online_pending" and online.ksef.number is None and online.ksef.hash
    offline = docs[demo.showcase["offline_pending"]["doc"]["id"]]
    assert offline.ksef.state == "offline_pending" and offline.ksef.number is None
    assert "/certificate/" in offline.extra["ksef_kod2_url"] and "/invoice/" in offline.extra["ksef_kod1_url"]
    traditional = docs[demo.showcase["traditional"]["doc"]["id"]]
    assert traditional.ksef.state == "not_in_ksef"
    kfs = docs[demo.showcase["fs_kfs"]["kfs"]["id"]]
    assert kfs.ksef.state == "online_pending"
    for doc in docs.values():
        if doc.ksef.number:
            assert ksef_number_is_valid(doc.ksef.number), doc.number
        if doc.kind in ("PA", "ZW"):
            assert doc.ksef.state == "not_in_ksef"


def test_find_by_number_and_by_id(dsn, demo):
    source = make_source(dsn)
    try:
        wanted = demo.showcase["fs_kfs"]["kfs"]
        by_number = source.find(wanted["number"])
        assert by_number is not None and by_number.id == wanted["id"] and by_number.corrected is not None
        by_id_ = source.find(wanted["id"])
        assert by_id_ is not None and by_id_.number == wanted["number"]
        assert source.find("FS 99999/01/1999") is None
        old = source.find(demo.showcase["old"]["doc"]["number"])   # find ignores the window
        assert old is not None and old.issue_date < date(2026, 11, 1)
    finally:
        source.close()


def test_polish_characters_arrive_intact(dsn):
    names = {d.buyer.name for d in read_all(dsn) if d.buyer}
    assert "Kawiarnia Pod Lipą s.c." in names
    assert any("ą" in n or "ł" in n or "ó" in n or "ż" in n for n in names)


def test_streams_page_by_page_with_a_fixed_number_of_queries_per_page(demo, monkeypatch):
    """No query per document, and a page is read only when the consumer gets that far (flat memory)."""
    from sellintegro_subiekt_gt.connection import Database

    calls: list[str] = []
    original = Database.execute

    def counting(self, sql, params=()):
        calls.append(sql)
        return original(self, sql, params)

    monkeypatch.setattr(Database, "execute", counting)
    source = make_source(f"sqlite:///{demo.path}", page_size=20)

    def pages() -> int:
        return sum(1 for sql in calls if "d.dok_Id > ?" in sql)

    stream = source.read(window())
    next(stream)
    assert pages() == 1
    total = 1 + sum(1 for _ in stream)
    assert total > 60 and pages() == -(-total // 20) + (1 if total % 20 == 0 else 0)
    assert len(calls) <= 4 + 12 * pages(), f"{len(calls)} queries for {total} documents"
    source.close()


def test_correction_of_a_correction_reaches_the_order(demo, demo_copy):
    kfs = demo.showcase["fs_kfs"]["kfs"]
    path = demo_copy([
        "INSERT INTO dok__Dokument (dok_Id, dok_Typ, dok_Podtyp, dok_NrPelny, dok_DoDokId, dok_DoDokNrPelny, "
        "dok_DataWyst, dok_DataMag, dok_Status, dok_WartNetto, dok_WartVat, dok_WartBrutto, dok_Waluta) "
        f"SELECT 999001, 6, 0, 'KFS 99/11/2026', dok_Id, dok_NrPelny, dok_DataWyst, dok_DataMag, 1, 0, 0, 0, "
        f"'PLN' FROM dok__Dokument WHERE dok_Id = {kfs['id']}"])
    docs = by_id(read_all(f"sqlite:///{path}", match={"pattern": r"^B_(?P<ref>\d+)$"}))
    second = docs["999001"]
    assert second.corrected.id == kfs["id"] and second.corrected.kind == "KFS"
    assert second.order_ref.value == str(demo.showcase["fs_kfs"]["order"]["order_id"])
    assert second.match.via == "corrected_document"
