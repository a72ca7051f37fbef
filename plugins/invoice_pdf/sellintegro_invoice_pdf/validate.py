"""The pre-upload validator: every PDF is checked before it leaves, and a document that fails is not uploaded.

Two halves. :func:`check_document` checks the document's data (no PDF needed, so ``plan`` runs it too and
predicts the run's refusals word for word), in this order:

* ``lines tie`` — each line: quantity × unit price = net (to the grosz, or gross-based to the grosz per unit),
  net + VAT = gross (a correction's negative quantities come with negative values);
* ``VAT table matches the lines`` — per rate, net = the lines' net; VAT = the lines' VAT, net × rate or the
  gross-based VAT; gross = net + VAT;
* ``header matches the VAT table`` — total net, VAT and gross = the VAT table's sums.

:func:`check_printed` reads the finished PDF back and checks:

* ``mandatory elements`` — the elements the law asks for on this kind of document are printed (the list per
  kind is in docs/templates.md, with the legal basis);
* ``QR code`` — the KOD I link the QR code carries equals the link built from the document (seller NIP, issue
  date, hash), and the code drawn into the PDF is made from that link.

The text is extracted with PDFium (pypdfium2), which decodes the 2-byte CID fonts WeasyPrint embeds when a
fallback font (CJK, emoji) is needed; pypdf garbled Polish letters in such PDFs and refused correct invoices.

A failure raises ``DocumentError(code="validation_failed")`` naming the check and the fix. :func:`vat_warnings`
lists VAT table rows whose VAT matches neither net × rate nor the gross-based method (printed as stored,
since the issued document is what counts; the run report carries the warning).
"""

from __future__ import annotations

import base64
import re
import threading
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sellintegro_core.api import DocumentError, DocumentLine, SalesDocument, VatRow, has_exempt_lines

from . import formatting
from .context import vat_rows_of
from .ksef import QR_HOSTS, KsefMark

CENT = Decimal("0.01")
ZERO = Decimal("0")
MAX_PROBLEMS = 5


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _squash(text: str) -> str:
    """Text without whitespace, hyphens and dots, for wrap- and typing-insensitive search."""
    return re.sub(r"[\s.\-\u2010-\u2013]+", "", text.replace("\u00a0", " ")).casefold()


# Characters the check does not insist on: outside Latin (Greek, CJK, emoji...) a font may lack the glyph and
# print a box, which no extractor reads back. The Latin parts of such a value must still be printed, in order.
LATIN_RUNS = re.compile(r"[\u0000-\u024f\u1e00-\u1eff]+")
PDFIUM_LOCK = threading.Lock()       # PDFium is not thread-safe


def _found(value: str, squashed: str) -> bool:
    wanted = _squash(value)
    if wanted in squashed:
        return True
    runs = LATIN_RUNS.findall(wanted)
    if "".join(runs) == wanted:          # all Latin: it must be printed as it is
        return False
    at = 0
    for run in runs:                     # linear: no regex built from the data
        at = squashed.find(run, at)
        if at < 0:
            return False
        at += len(run)
    return True


def _money(value: Decimal) -> str:
    return formatting.amount(value)


# ------------------------------------------------------------------ arithmetic


def _line_problems(lines: list[DocumentLine]) -> list[str]:
    out = []
    for line in lines:
        where = f"line {line.position}" + (f" ({line.correction_side})" if line.correction_side else "")
        if line.net + line.vat != line.gross:
            out.append(f"{where}: net {_money(line.net)} + VAT {_money(line.vat)} ≠ gross {_money(line.gross)}")
            continue
        qty = abs(line.quantity)
        slack = CENT + qty * Decimal("0.005")      # unit prices are rounded to the grosz
        by_net = abs(_q(line.quantity * line.unit_net) - line.net) <= slack
        by_gross = abs(_q(line.quantity * line.unit_gross) - line.gross) <= slack
        if not (by_net or by_gross):
            out.append(f"{where}: quantity {formatting.quantity(line.quantity)} × price "
                       f"{formatting.price(line.unit_net)} ≠ net {_money(line.net)}")
    return out


def _sign(line: DocumentLine) -> int:
    return -1 if line.correction_side == "before" else 1


def _per_rate(document: SalesDocument) -> dict[str, list[Decimal]]:
    sums: dict[str, list[Decimal]] = {}
    for line in document.lines:
        if not document.is_correction and line.correction_side is not None:
            continue
        acc = sums.setdefault(line.vat_symbol.strip().lower(), [ZERO, ZERO, ZERO])
        acc[0] += _sign(line) * line.net
        acc[1] += _sign(line) * line.vat
        acc[2] += _sign(line) * line.gross
    return sums


def _vat_methods(row: VatRow, line_vat: Decimal | None) -> dict[str, Decimal]:
    methods: dict[str, Decimal] = {}
    if line_vat is not None:
        methods["sum of the lines"] = line_vat
    if row.vat_rate is not None:
        methods["net × rate"] = _q(row.net * row.vat_rate / 100)
        methods["gross-based"] = _q(row.gross * row.vat_rate / (100 + row.vat_rate))
    else:
        methods["exempt"] = ZERO
    return methods


def _table_problems(document: SalesDocument, rows: list[VatRow]) -> tuple[list[str], list[str]]:
    table, header = [], []
    lines = _per_rate(document)
    for row in rows:
        key = row.vat_symbol.strip().lower()
        label = formatting.rate(row.vat_symbol)
        if row.net + row.vat != row.gross:
            table.append(f"rate {label}: net {_money(row.net)} + VAT {_money(row.vat)} ≠ gross {_money(row.gross)}")
        got = lines.pop(key, None)
        if got is None:
            if row.net or row.vat:
                table.append(f"rate {label} is in the VAT table but on no line")
            continue
        if abs(got[0] - row.net) > CENT:
            table.append(f"rate {label}: the lines' net is {_money(got[0])}, the VAT table says {_money(row.net)}")
        elif row.vat not in {v for v in _vat_methods(row, got[1]).values()} and abs(got[1] - row.vat) > CENT:
            table.append(f"rate {label}: VAT {_money(row.vat)} is neither the lines' VAT {_money(got[1])} nor "
                         f"net × rate nor gross-based")
    for key, got in lines.items():
        if got[0] or got[1]:
            table.append(f"rate {formatting.rate(key)}: lines worth {_money(got[0])} net are missing from the "
                         "VAT table")
    sums = [sum((getattr(r, a) for r in rows), ZERO) for a in ("net", "vat", "gross")]
    for name, total, value in zip(("net", "VAT", "gross"), sums, (document.totals.net, document.totals.vat,
                                                                  document.totals.gross), strict=True):
        if total != value:
            header.append(f"total {name} {_money(value)} ≠ the VAT table's {_money(total)}")
    return table, header


def vat_warnings(document: SalesDocument) -> list[str]:
    """VAT table rows whose VAT is neither net × rate nor gross-based (printed as Subiekt stored them)."""
    out = []
    for row in vat_rows_of(document):
        if row.vat_rate is None:
            continue
        methods = _vat_methods(row, None)
        if row.vat not in methods.values():
            out.append(f"{document.number}: VAT table row {formatting.rate(row.vat_symbol)} has VAT "
                       f"{_money(row.vat)} on net {_money(row.net)}, which is neither net × rate "
                       f"({_money(methods['net × rate'])}) nor gross-based ({_money(methods['gross-based'])}); "
                       "it is printed as Subiekt stored it — check the document in Subiekt")
    return out


# ------------------------------------------------------------------ what must be printed


def mandatory_elements(document: SalesDocument, mark: KsefMark) -> list[tuple[str, str, str]]:
    """(element, legal basis, the text that must appear) for this document (see docs/templates.md)."""
    doc = document
    kind = doc.kind
    out: list[tuple[str, str, str]] = [
        ("document number", "art. 106e ust. 1 pkt 2", doc.number),
        ("issue date", "art. 106e ust. 1 pkt 1", formatting.date(doc.issue_date)),
        ("seller name", "art. 106e ust. 1 pkt 3", doc.seller.name),
    ]
    seller_nip = re.sub(r"\D", "", doc.seller.nip or "")
    if seller_nip:
        out.append(("seller NIP", "art. 106e ust. 1 pkt 4", seller_nip[-10:]))
    if kind not in ("PA", "ZW") and doc.buyer is not None:
        out.append(("buyer name", "art. 106e ust. 1 pkt 3", doc.buyer.name))
        buyer_id = (doc.buyer.nip or "").strip()
        if buyer_id:
            out.append(("buyer NIP / VAT id", "art. 106e ust. 1 pkt 5 / pkt 24",
                        re.sub(r"^PL", "", re.sub(r"[\s.-]", "", buyer_id), flags=re.I)))
    if kind in ("FS", "FSd") and doc.sale_date and doc.sale_date != doc.issue_date:
        out.append(("date of supply", "art. 106e ust. 1 pkt 6", formatting.date(doc.sale_date)))
    for line in doc.lines[:200]:
        out.append((f"line {line.position} name", "art. 106e ust. 1 pkt 7", line.name[:60]))
    out.append(("total gross", "art. 106e ust. 1 pkt 15", _money(abs(doc.totals.gross))))
    if has_exempt_lines(doc) and kind not in ("PA", "ZW"):
        out.append(("exemption basis", "art. 106e ust. 1 pkt 19", doc.vat_exemption_reason or "(none given)"))
    if kind in ("KFS", "ZW") and doc.corrected is not None:
        out.append(("corrected document number", "art. 106j ust. 2 pkt 2", doc.corrected.number))
        if doc.corrected.issue_date:
            out.append(("corrected document date", "art. 106j ust. 2 pkt 2",
                        formatting.date(doc.corrected.issue_date)))
        if kind == "KFS" and doc.corrected.ksef_number:
            out.append(("corrected invoice KSeF number", "art. 106j ust. 2 pkt 2a", doc.corrected.ksef_number))
        if doc.correction_reason:
            out.append(("reason for the correction", "art. 106j ust. 2 pkt 3", doc.correction_reason[:60]))
    if kind == "FSd":
        out += [("receipt number", "art. 106h ust. 2", r.number) for r in doc.receipts]
    if mark.show and mark.label:
        out.append(("label under the QR code", "rozporządzenie MF, § 9", mark.label))
    if (doc.currency or "PLN").upper() != "PLN" and kind not in ("PA", "ZW"):
        out.append(("currency", "art. 106e ust. 11", doc.currency.upper()))
    return out


def pdf_text(pdf: bytes) -> str:
    """All text of the PDF, as PDFium reads it (CID fonts with their ToUnicode maps decoded faithfully)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            texts = []
            for page in document:
                textpage = page.get_textpage()
                try:
                    texts.append(textpage.get_text_range())
                finally:
                    textpage.close()
                    page.close()
        finally:
            document.close()
    return "\n".join(texts).replace("\x00", "").replace("\ufffe", "").replace("\x02", "")


def expected_kod1(document: SalesDocument, environment: str) -> str | None:
    """The KOD I link built from the document alone (independently of the renderer's own code)."""
    nip = re.sub(r"\D", "", document.seller.nip or "")[-10:]
    stored = (document.ksef.hash or "").strip()
    if not nip or not stored:
        return None
    if re.fullmatch(r"[0-9A-Fa-f]{64}", stored):
        raw = bytes.fromhex(stored)
    else:
        raw = base64.urlsafe_b64decode(stored.replace("+", "-").replace("/", "_").rstrip("=") + "=" * (
            -len(stored.rstrip("=")) % 4))
    digest = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    day = document.issue_date
    return f"{QR_HOSTS[environment]}/invoice/{nip}/{day.day:02d}-{day.month:02d}-{day.year}/{digest}"


# ------------------------------------------------------------------ the check


def _data_failures(document: SalesDocument) -> list[tuple[str, list[str], str]]:
    failures: list[tuple[str, list[str], str]] = []
    lines = _line_problems(document.lines)
    if lines:
        failures.append(("lines tie", lines, "correct the line in Subiekt (quantity, price and values must "
                                             "agree) and issue the document again"))
    table, header = _table_problems(document, vat_rows_of(document))
    if table:
        failures.append(("VAT table matches the lines", table, "recalculate the document in Subiekt so the "
                                                               "VAT summary agrees with its lines"))
    if header:
        failures.append(("header matches the VAT table", header, "recalculate the document in Subiekt; the "
                                                                 "totals must be the sums of the VAT table"))
    return failures


def _printed_failures(document: SalesDocument, pdf: bytes, mark: KsefMark,
                      qr_urls: dict[str, Any] | None) -> list[tuple[str, list[str], str]]:
    failures: list[tuple[str, list[str], str]] = []
    squashed = _squash(pdf_text(pdf))
    missing = [f"{what} ({basis}): {value!r}" for what, basis, value in mandatory_elements(document, mark)
               if not _found(value, squashed)]
    if missing:
        failures.append(("mandatory elements", missing, "fill in the missing data in Subiekt, or restore the "
                                                        "element in your template (see docs/templates.md)"))
    if mark.show and mark.url:
        expected = expected_kod1(document, mark.environment)
        problems = []
        if expected is not None and mark.url != expected:
            problems.append(f"the QR code carries {mark.url}, the document's KOD I link is {expected}")
        encoded = set((qr_urls or {}).values())
        if encoded and mark.url not in encoded:
            problems.append(f"the QR code drawn carries {', '.join(sorted(encoded))}, not {mark.url}")
        if problems:
            failures.append(("QR code", problems, "check the KSeF hash, the seller NIP and the issue date in "
                                                  "Subiekt, and keep the KSeF block in your template"))
    return failures


def _raise_first(document: SalesDocument, failures: list[tuple[str, list[str], str]]) -> None:
    if failures:
        check, problems, fix = failures[0]
        more = f"; {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        others = f" (also failed: {', '.join(c for c, _p, _f in failures[1:])})" if len(failures) > 1 else ""
        raise DocumentError(f"{document.number} was not uploaded: check {check!r} failed: "
                            f"{'; '.join(problems[:MAX_PROBLEMS])}{more}. Fix: {fix}{others}",
                            code="validation_failed")


def check_document(document: SalesDocument) -> None:
    """The checks on the document's data (lines, VAT table, header); no PDF needed, so ``plan`` runs them too.
    Raises ``DocumentError(code="validation_failed")`` naming the first failing check."""
    _raise_first(document, _data_failures(document))


def check_printed(document: SalesDocument, pdf: bytes, mark: KsefMark,
                  qr_urls: dict[str, Any] | None = None) -> None:
    """The checks on the finished PDF (mandatory elements printed, QR code); raises like :func:`check_document`."""
    _raise_first(document, _printed_failures(document, pdf, mark, qr_urls))


def check_pdf(document: SalesDocument, pdf: bytes, mark: KsefMark, qr_urls: dict[str, Any] | None = None) -> None:
    """Every check, data first; raise ``DocumentError(code="validation_failed")`` naming the first failing one."""
    check_document(document)
    check_printed(document, pdf, mark, qr_urls)
