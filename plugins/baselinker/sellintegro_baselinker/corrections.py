"""Attaching a correction (KFS): the one document BaseLinker would accept twice, so it is guarded twice.

1. What the order already holds decides first (the run's batched read, :mod:`.holdings`): a correction of
   the original invoice carrying our number is adopted (``already_done``) -- or skipped when its issuer names
   another scenario; a correction placeholder this scenario left (its claim as issuer) is reused.
2. Only the scenario whose claim is on the original invoice's file creates corrections for the order
   (:mod:`.claims`): the ledger says so when this scenario uploaded it (a hint that saves one read), otherwise
   ``getInvoiceFile`` shows whose file it is. Any other scenario skips the correction, naming the holder.

The placeholder is created with the claim as its issuer (``fv_person``), so every scenario sees whose it is.
Everything else is the skeleton's (:mod:`.attach`); a correction that vanishes before its file arrives is an
error that the next run mends by creating a new one.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import ActionResult, DocumentError, RetriableError

from .claims import issuer_tag, tag_of_issuer
from .client import ApiRejected
from .responses import ApiInvoice
from .strategy import INVOICES, Job, Strategy


class CorrectionStrategy(Strategy):
    """A correction onto a correction placeholder of the order's original invoice."""

    target = "correction"
    what = "correction"
    api = INVOICES            # a correction is an invoice to BaseLinker: its id, number and file upload
    create_method = "addInvoiceCorrection"

    def find(self, job: Job) -> int | ActionResult | None:
        original, docs = self._original(job)
        job.original_id = original.invoice_id
        mine = [i for i in docs if i.is_correction and i.correcting_to_invoice_id == original.invoice_id]
        for correction in mine:
            if correction.external_invoice_number.strip() == job.number:
                return self.adopt_or_skip(job, correction.invoice_id, tag_of_issuer(correction.issuer))
        holds, owner = self._holds_order(job, original)
        if not holds:
            return self.claimed(job, owner, f"the corrected invoice {original.external_invoice_number} on order "
                                f"{job.order_id} (and so its corrections) is held", final=True)
        unfiled = [c for c in mine if not c.external_invoice_number.strip()
                   and tag_of_issuer(c.issuer) in (self.run.tag, None)]
        if unfiled:  # our own placeholder left by a crash / lost ledger, or one made by hand in BaseLinker
            return self.reuse(job, min(unfiled, key=lambda c: c.invoice_id).invoice_id)
        return None

    def create_params(self, job: Job, series_id: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {"original_invoice_id": job.original_id, "fv_person": issuer_tag(self.run.tag)}
        if series_id is not None:
            params["series_id"] = series_id
        return params

    def intent(self, job: Job, series_id: int | None) -> dict[str, Any]:
        return {"original_invoice_id": job.original_id, "series_id": series_id}

    def confirm_created(self, job: Job) -> dict[str, Any] | None:
        found = [i.invoice_id for i in self.run.holdings.read_invoices(job.order_id) if i.is_correction
                 and i.correcting_to_invoice_id == job.original_id and not i.external_invoice_number
                 and tag_of_issuer(i.issuer) in (self.run.tag, None)]
        return {"invoice_id": max(found)} if found else None

    def refused(self, job: Job, exc: ApiRejected) -> int | ActionResult:
        raise DocumentError(f"{job.number}: BaseLinker refused to issue the correction of invoice {job.original_id} "
                            f"(order {job.order_id}): {exc.error_message}", code="baselinker_rejected") from None

    def unnamed(self, job: Job) -> RetriableError:
        return RetriableError(f"{job.number}: BaseLinker created the correction but did not say its id; run again")

    def created_fields(self, job: Job) -> dict[str, Any]:
        return {"type": "correcting", "correcting_to_invoice_id": job.original_id,
                "issuer": issuer_tag(self.run.tag)}

    def uploaded(self, doc_id: int) -> None:
        self.run.uploaded(doc_id)

    # ------------------------------------------------------------------ the original invoice and its holder
    def _original(self, job: Job) -> tuple[ApiInvoice, list[ApiInvoice]]:
        """The corrected invoice on the order and the order's documents (read again once if not found)."""
        corrected = (job.action.corrected_document_number or "").strip()
        docs: list[ApiInvoice] = self.run.held("invoices", job)
        for attempt in range(2):
            normal = [i for i in docs if not i.is_correction]
            originals = [i for i in normal if corrected and i.external_invoice_number == corrected]
            if not originals and not corrected and len(normal) == 1:
                originals = normal
            if originals:
                return originals[0], docs
            if attempt == 0 and not self.run.holdings.was_read("invoices", job.order_id):
                docs = self.run.holdings.read_invoices(job.order_id)
                continue
            have = ", ".join(i.external_invoice_number or i.number for i in normal) or "none"
            raise DocumentError(
                f"{job.action.document_number}: the corrected invoice {corrected or '(unknown)'} is not attached to "
                f"order {job.order_id} in BaseLinker (invoices on the order: {have}); attach it first, then the "
                "correction", code="original_missing")
        raise AssertionError("unreachable")

    def _holds_order(self, job: Job, original: ApiInvoice) -> tuple[bool, str | None]:
        """(may this scenario create corrections on the order, the claim on the original invoice's file)."""
        tag = self.run.tag
        hint = self.run.invoice_hint(job.order_id)
        if isinstance(hint, dict) and hint.get("invoice_id") == original.invoice_id and hint.get("owner") == tag:
            return True, tag  # this scenario uploaded it (the ledger's hint saves the read)
        owner = self.run.file_owner(original.invoice_id)
        if owner is None or owner == tag:  # ours (ledger lost or replaced), or a file without a claim
            self.run.remember_invoice(job.order_id, original.invoice_id, original.external_invoice_number, tag)
            return True, owner
        return False, owner
