"""The rule part of ``sellintegro demo`` (hook ``sellintegro_demo_parts``): ``[rule]`` and ``[renderer]``."""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import DemoPiece

# Documents the demo data holds on purpose that a correct run does not attach (yet), with the rule's reason.
HELD_BACK = frozenset({"waiting_for_ksef", "ksef_overdue", "receipt_correction_unsupported", "receipt_has_invoice",
                       "invoice_for_receipt"})


def section(*, on_success: bool = True, no_document: bool = False, wait_for_ksef: str = "b2b") -> str:
    """The demo's ``[rule]`` (all five kinds, the demo statuses) and ``[renderer]`` (the default renderer)."""
    success = '{ status = "Faktura wysłana" }' if on_success else '"keep"'
    nodoc = '\nno_document = { after_hours = 48, status = "Brak faktury" }' if no_document else ""
    return f'''[rule]
plugin = "invoice_pdf"
statuses = "all"
on_success = {success}
on_failure = {{ status = "Błąd faktury" }}{nodoc}
documents = ["FS", "PA", "KFS", "ZW", "FSd"]
paragon_with_invoice = "invoice"
wait_for_ksef = "{wait_for_ksef}"
ksef_wait_max_hours = 24
template = "pl"
foreign_buyer_template = "en"

[renderer]
# printed on VAT-exempt (zw) lines of documents that have no exemption reason in Subiekt
exemption_basis = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
'''


def start(demo: Any) -> DemoPiece:
    return DemoPiece(section=section(), held_back_codes=HELD_BACK)
