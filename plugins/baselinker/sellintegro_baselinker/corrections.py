"""Attaching a correction (KFS): the one document BaseLinker would accept twice, so it is guarded twice.

1. What the order already holds decides first (the run's batched read, :mod:`.holdings`): a correction of
   the original invoice carrying our number is adopted (``already_done``) -- or skipped when its issuer names
   another scenario; a correction placeholder this scenario left (its claim as issuer) is reused.
2. Only the scenario whose claim is on the original invoice's file creates corrections for the order
   (:mod:`.claims`): the ledger says so when this scenario uploaded it (a hint that saves one read), otherwise
   ``getInvoiceFile`` shows whose file it is. Any other scenario skips the correction, naming the holder.

The placeholder is created with the claim as its issuer (``fv_person``), so every scenario sees whose it is.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import ActionResult, ApplyContext, AttachDocument, DocumentError, RetriableError

from .claims import issuer_tag, tag_of_issuer
from .client import ApiRejected
from .responses import ApiInvoice, as_int

CORRECTION_NUMBER_MAX = 30
INVOICE_STATE = "baselinker.invoice."


class CorrectionFlow:
    """The correction flow (a mixin of :class:`~sellintegro_baselinker.attach.AttachFlows`)."""

    state: Any
    tag: str
    client: Any
    holdings: Any

    def _attach_correction(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        from .attach import _result

        steps = context.steps
        number = self._check_number(action, CORRECTION_NUMBER_MAX, "invoice")  # type: ignore[attr-defined]
        order_id = self._order_id(action)  # type: ignore[attr-defined]
        filed = steps.get("file")
        if filed:
            return _result(action, "already_done", f"{number} is already on the order", **filed)
        if steps.get("claimed"):
            return _result(action, "skipped", steps.get("claimed")["message"], code="claimed_by_other", final=True)
        data = self._render(context, number)  # type: ignore[attr-defined]
        correction_id = self._placeholder(steps)  # type: ignore[attr-defined]
        if correction_id is None:
            found = self._ensure_correction(action, order_id, number, steps)
            if isinstance(found, ActionResult):
                return found
            correction_id = found
        if not self._upload_invoice(order_id, correction_id, number, data):  # type: ignore[attr-defined]
            steps.record("placeholder", {"id": None, "lost": correction_id})
            self.holdings.forget("invoices", order_id, correction_id)
            raise DocumentError(f"{number}: the BaseLinker correction {correction_id} no longer exists; run again "
                                "to create a new one", code="placeholder_lost")
        steps.record("file", {"id": correction_id, "number": number})
        self.holdings.note_invoice(order_id, correction_id, external_invoice_number=number)
        return _result(action, "done", f"{number} attached to BaseLinker correction {correction_id}",
                       id=correction_id, invoice_id=correction_id, number=number, target="correction")

    def _original(self, action: AttachDocument, order_id: int, steps: Any) -> tuple[ApiInvoice, list[ApiInvoice]]:
        """The corrected invoice on the order and the order's documents (read again once if not found)."""
        corrected = (action.corrected_document_number or "").strip()
        docs: list[ApiInvoice] = self._account_docs("invoices", order_id, steps)  # type: ignore[attr-defined]
        for attempt in range(2):
            normal = [i for i in docs if not i.is_correction]
            originals = [i for i in normal if corrected and i.external_invoice_number == corrected]
            if not originals and not corrected and len(normal) == 1:
                originals = normal
            if originals:
                return originals[0], docs
            if attempt == 0 and not self.holdings.was_read("invoices", order_id):
                docs = self.holdings.read_invoices(order_id)
                continue
            have = ", ".join(i.external_invoice_number or i.number for i in normal) or "none"
            raise DocumentError(
                f"{action.document_number}: the corrected invoice {corrected or '(unknown)'} is not attached to "
                f"order {order_id} in BaseLinker (invoices on the order: {have}); attach it first, then the "
                "correction", code="original_missing")
        raise AssertionError("unreachable")

    def _holds_order(self, order_id: int, original: ApiInvoice) -> tuple[bool, str | None]:
        """(may this scenario create corrections on the order, the claim on the original invoice's file)."""
        hint = self.state.get_state(f"{INVOICE_STATE}{order_id}") if self.state is not None else None
        if isinstance(hint, dict) and hint.get("invoice_id") == original.invoice_id and hint.get("owner") == self.tag:
            return True, self.tag  # this scenario uploaded it (the ledger's hint saves the read)
        owner = self._file_owner(original.invoice_id)  # type: ignore[attr-defined]
        if owner is None or owner == self.tag:  # ours (ledger lost or replaced), or a file without a claim
            self._remember_invoice(order_id, original.invoice_id,  # type: ignore[attr-defined]
                                   original.external_invoice_number, self.tag)
            return True, owner
        return False, owner

    def _ensure_correction(self, action: AttachDocument, order_id: int, number: str,
                           steps: Any) -> int | ActionResult:
        original, docs = self._original(action, order_id, steps)
        original_id = original.invoice_id
        mine = [i for i in docs if i.is_correction and i.correcting_to_invoice_id == original_id]
        for correction in mine:
            if correction.external_invoice_number.strip() == number:
                owner = tag_of_issuer(correction.issuer)
                if owner is not None and owner != self.tag:
                    return self._claimed(action, steps, owner,  # type: ignore[attr-defined]
                                         f"{number} is already on BaseLinker correction {correction.invoice_id}, "
                                         "attached", final=True)
                return self._done(action, steps, correction.invoice_id, number,  # type: ignore[attr-defined]
                                  f"{number} is already on BaseLinker correction {correction.invoice_id} "
                                  "(adopted from the account)")
        holds, owner = self._holds_order(order_id, original)
        if not holds:
            return self._claimed(action, steps, owner,  # type: ignore[attr-defined]
                                 f"the corrected invoice {original.external_invoice_number} on order {order_id} "
                                 "(and so its corrections) is held", final=True)
        unfiled = [c for c in mine if not c.external_invoice_number.strip()
                   and tag_of_issuer(c.issuer) in (self.tag, None)]
        if unfiled:  # our own placeholder left by a crash / lost ledger, or one made by hand in BaseLinker
            reuse = min(unfiled, key=lambda c: c.invoice_id)
            steps.record("placeholder", {"id": reuse.invoice_id, "invoice_id": reuse.invoice_id, "reused": True})
            return reuse.invoice_id
        return self._create_correction(action, order_id, original_id, number, steps)

    def _create_correction(self, action: AttachDocument, order_id: int, original_id: int, number: str,
                           steps: Any) -> int:
        params: dict[str, Any] = {"original_invoice_id": original_id, "fv_person": issuer_tag(self.tag)}
        series_id = self._series("correction")  # type: ignore[attr-defined]
        if series_id is not None:
            params["series_id"] = series_id
        self._ksef_before_create(series_id)  # type: ignore[attr-defined]
        steps.record("intent", {"original_invoice_id": original_id, "series_id": series_id})

        def unfiled_correction() -> int | None:
            found = [i.invoice_id for i in self.holdings.read_invoices(order_id) if i.is_correction
                     and i.correcting_to_invoice_id == original_id and not i.external_invoice_number
                     and tag_of_issuer(i.issuer) in (self.tag, None)]
            return max(found) if found else None

        def confirm() -> dict[str, Any] | None:
            found = unfiled_correction()
            return {"invoice_id": found} if found is not None else None

        try:
            body = self.client.call("addInvoiceCorrection", params, confirm=confirm)
        except ApiRejected as exc:
            raise DocumentError(f"{number}: BaseLinker refused to issue the correction of invoice {original_id} "
                                f"(order {order_id}): {exc.error_message}", code="baselinker_rejected") from None
        correction_id = as_int(body.get("invoice_id")) or unfiled_correction()
        if correction_id is None:
            raise RetriableError(f"{number}: BaseLinker created the correction but did not say its id; run again")
        steps.record("placeholder", {"id": correction_id, "invoice_id": correction_id, "created": True})
        self.holdings.note_invoice(order_id, correction_id, type="correcting", correcting_to_invoice_id=original_id,
                                   issuer=issuer_tag(self.tag), series_id=series_id or 0)
        self._ksef_after_create(correction_id, series_id)  # type: ignore[attr-defined]
        return correction_id
