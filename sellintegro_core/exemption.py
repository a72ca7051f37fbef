"""The legal basis of a VAT exemption on a document with ``zw`` lines (art. 106e ust. 1 pkt 19 ustawy o VAT).

The source gives it when Subiekt has it (the document's exemption reason); otherwise the scenario's
``[renderer] exemption_basis`` is printed. With neither, the document is not uploaded: the error names both
places to set it. The core applies this before any renderer sees the document, so every renderer gets it.
"""

from __future__ import annotations

from .errors import DocumentError
from .models import SalesDocument

EXEMPT_SYMBOLS = ("zw",)


def has_exempt_lines(document: SalesDocument) -> bool:
    """True when a line or a VAT table row is VAT-exempt (``zw``)."""
    return any(line.vat_symbol.strip().lower() in EXEMPT_SYMBOLS for line in document.lines) or any(
        row.vat_symbol.strip().lower() in EXEMPT_SYMBOLS for row in document.vat_table)


def apply_exemption_basis(document: SalesDocument, fallback: str | None) -> SalesDocument:
    """``document`` with its exemption basis filled in from ``fallback`` when the source gave none.

    Raises ``DocumentError(code="exemption_basis_missing")`` for a document with ``zw`` lines and no basis.
    """
    if (document.vat_exemption_reason or "").strip() or not has_exempt_lines(document):
        return document
    if fallback and fallback.strip():
        return document.model_copy(update={"vat_exemption_reason": fallback.strip()})
    raise DocumentError(
        f"{document.number} has VAT-exempt (zw) lines but no legal basis of the exemption, which an invoice "
        "must state (art. 106e ust. 1 pkt 19 ustawy o VAT), so it was not uploaded. Set it in Subiekt (the "
        "document's reason for VAT exemption, \"Przyczyna zwolnienia z VAT\"), or give a default in the "
        "scenario: [renderer] exemption_basis = \"art. 43 ust. 1 pkt 29 lit. a ustawy o VAT\" (your own basis)",
        code="exemption_basis_missing")
