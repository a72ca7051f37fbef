"""Attaching an invoice (FS, FSd): the placeholder invoice in ``sink.invoice_series``, then the file.

What differs from the other document types (:mod:`.strategy`): the order's invoices are its invoices that are
not corrections; the claim on an invoice is read from its file (``getInvoiceFile``); a placeholder that vanishes
before its file arrives is created once more; after the file the run remembers which invoice holds the
order's file and whose claim is on it (the hint the order's corrections use), and the KSeF number goes into
``sink.ksef_number_field`` through :class:`~.order_writes.OrderWrites`.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import DocumentError

from .client import ApiRejected
from .order_writes import KSEF_FIELD_ALIAS
from .placeholders import OnePerOrder
from .strategy import INVOICES, Job


class InvoiceStrategy(OnePerOrder):
    """An invoice onto the order's placeholder invoice (one per order)."""

    target = "invoice"
    what = "invoice"
    api = INVOICES
    create_method = "addInvoice"
    rounds = 2                # a second round only when the recorded placeholder vanished from BaseLinker

    def keep(self, doc: Any) -> bool:
        return not doc.is_correction

    def owner(self, doc_id: int) -> str | None:
        return self.run.file_owner(doc_id)

    def create_params(self, job: Job, series_id: int | None) -> dict[str, Any]:
        return {"order_id": job.order_id, "series_id": series_id}

    def uploaded(self, doc_id: int) -> None:
        self.run.uploaded(doc_id)

    def filed(self, job: Job, doc_id: int) -> None:
        super().filed(job, doc_id)
        placeholder = job.steps.get("placeholder") or {}
        # who holds the order's corrections: the scenario that created its invoice; after reusing an invoice
        # it did not create (another scenario's may look the same), the file's claim decides when it matters
        ours = placeholder.get("created") or (placeholder.get("reused") and job.steps.get("intent") is not None)
        self.run.remember_invoice(job.order_id, doc_id, job.number, self.run.tag if ours else None)

    def adopted(self, job: Job, doc_id: int) -> None:
        self.run.remember_invoice(job.order_id, doc_id, job.number, self.run.tag)

    def finish(self, job: Job) -> str:
        """Write the KSeF number into ``ksef_number_field`` (after the file); a message when it failed."""
        document = job.context.document
        if self.run.config.ksef_number_field is None or document is None or not document.ksef.number \
                or job.steps.get("ksef_field"):
            return ""
        try:
            self.run.writes.set_fields(job.order_id, [(KSEF_FIELD_ALIAS, document.ksef.number)])
        except ApiRejected as exc:
            return f"{job.action.document_number} attached; the KSeF number was not written: {exc.error_message}"
        job.steps.record("ksef_field", {"value": document.ksef.number})
        return ""

    def lost(self, job: Job, doc_id: int) -> DocumentError:
        return DocumentError(f"{job.number}: the BaseLinker invoice for order {job.order_id} disappeared twice "
                             "while attaching; run again", code="placeholder_lost")
