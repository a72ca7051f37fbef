"""Attaching one document: find or create the BaseLinker placeholder, then put the file and number on it.

Invoice (FS, FSd), receipt (PA) and correction (KFS) flows of the ``baselinker`` sink; every sub-step is
recorded in the action's StepLog before the next call (see :mod:`sellintegro_baselinker.sink`).
"""

from __future__ import annotations

import base64
from typing import Any

from sellintegro_core.components import ApplyContext
from sellintegro_core.errors import ConfigError, DocumentError, RetriableError
from sellintegro_core.models import ActionResult, AttachDocument

from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .documents import ReuseIndex, decide_existing
from .lookups import Lookups
from .responses import ApiInvoice, as_int, parse_invoices, parse_receipt

INVOICE_NUMBER_MAX = 30       # addOrderInvoiceFile external_invoice_number varchar(30) (§6.13)
RECEIPT_NUMBER_MAX = 20       # addOrderReceiptFile external_receipt_number varchar(20) (§6.17)
INVOICE_STATE = "baselinker.invoice."
INDEX_MIN_ORDERS = 3          # fewer orders in a run: no invoice index, BaseLinker's one-invoice rule suffices


def _result(action: Any, outcome: str, message: str = "", **data: Any) -> ActionResult:
    return ActionResult(key=action.key, outcome=outcome, message=message,  # type: ignore[arg-type]
                        data={k: v for k, v in data.items() if v is not None})



class AttachFlows:
    """The attach flows (a mixin of :class:`~sellintegro_baselinker.sink.BaseLinkerSink`)."""

    config: BaseLinkerConfig
    client: BaseLinkerClient
    lookups: Lookups
    index: ReuseIndex
    state: Any
    _order_dates: dict[int, int]
    _series_ids: dict[str, int | None]

    # ------------------------------------------------------------------ attach helpers
    @staticmethod
    def _order_id(action: AttachDocument) -> int:
        text = str(action.order_id).strip()
        if not text.isdigit():
            raise DocumentError(f"{action.document_number}: {action.order_id!r} is not a BaseLinker order id",
                                code="bad_order_id")
        return int(text)

    @staticmethod
    def _check_number(action: AttachDocument, limit: int, what: str) -> str:
        number = action.document_number.strip()
        if not number:
            raise DocumentError("the document has no number to send to BaseLinker", code="no_number")
        if len(number) > limit:
            raise DocumentError(
                f"{number} has {len(number)} characters; BaseLinker accepts at most {limit} for an external "
                f"{what} number, so nothing was sent. Shorten the numbering scheme in Subiekt (e.g. a shorter "
                "warehouse symbol) for such documents.", code="number_too_long")
        return number

    @staticmethod
    def _render(context: ApplyContext, number: str) -> str:
        if context.render is None:
            raise DocumentError(f"{number}: no PDF renderer is available", code="no_renderer")
        pdf = context.render()
        if not pdf:
            raise DocumentError(f"{number}: the renderer produced an empty file", code="empty_pdf")
        return "data:" + base64.b64encode(pdf).decode("ascii")

    def _series(self, kind: str) -> int | None:
        if kind not in self._series_ids:
            setting = f"{kind}_series"
            value = getattr(self.config, setting)
            if value is None:
                if kind == "invoice":
                    raise ConfigError("sink.invoice_series is not set: name the BaseLinker INVOICE series used for "
                                      "placeholder invoices (one that is NOT sent to KSeF), e.g. "
                                      'invoice_series = "Subiekt"')
                self._series_ids[kind] = None
            else:
                self._series_ids[kind] = self.lookups.series_id(value, kind, setting)
        return self._series_ids[kind]

    def _invoices_of(self, order_id: int) -> list[ApiInvoice]:
        return parse_invoices(self.client.call("getInvoices", {"order_id": order_id}))

    def _remember_invoice(self, order_id: int, invoice_id: int, number: str) -> None:
        if self.state is not None:
            self.state.set_state(f"{INVOICE_STATE}{order_id}", {"invoice_id": invoice_id, "number": number})

    def _remembered_invoice(self, order_id: int, number: str) -> int | None:
        if self.state is None:
            return None
        value = self.state.get_state(f"{INVOICE_STATE}{order_id}")
        if isinstance(value, dict) and value.get("number") == number and value.get("invoice_id"):
            return int(value["invoice_id"])
        return None

    @staticmethod
    def _placeholder(steps: Any) -> int | None:
        data = steps.get("placeholder") or {}
        if "id" in data:  # our own format; {"id": None} marks a placeholder that vanished
            return int(data["id"]) if data["id"] else None
        value = data.get("invoice_id") or data.get("receipt_id")
        return int(value) if value else None

    def _done(self, action: AttachDocument, steps: Any, doc_id: int, number: str, message: str) -> ActionResult:
        steps.record("placeholder", {"id": doc_id, "invoice_id": doc_id})
        steps.record("file", {"id": doc_id, "number": number})
        if action.target == "invoice":
            self._remember_invoice(int(action.order_id), doc_id, number)
        return _result(action, "already_done", message, id=doc_id, number=number, target=action.target)

    # ------------------------------------------------------------------ invoice
    def _attach_invoice(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        steps = context.steps
        number = self._check_number(action, INVOICE_NUMBER_MAX, "invoice")
        order_id = self._order_id(action)
        filed = steps.get("file")
        if filed:
            message = self._ksef_field(action, context, order_id)  # a crash may have come between the two
            return _result(action, "already_done", message or f"{number} is already on the order", **filed)
        data = self._render(context, number)
        for _ in range(2):  # a second round only when the recorded placeholder vanished from BaseLinker
            invoice_id = self._placeholder(steps)
            if invoice_id is None:
                found = self._ensure_invoice(action, order_id, number, steps)
                if isinstance(found, ActionResult):
                    return found
                invoice_id = found
            uploaded = self._upload_invoice(order_id, invoice_id, number, data)
            if uploaded:
                break
            steps.record("placeholder", {"id": None, "lost": invoice_id})
            self.index.forget(order_id, invoice_id)
        else:
            raise DocumentError(f"{number}: the BaseLinker invoice for order {order_id} disappeared twice while "
                                "attaching; run again", code="placeholder_lost")
        steps.record("file", {"id": invoice_id, "number": number})
        self.index.forget(order_id, invoice_id)
        self._remember_invoice(order_id, invoice_id, number)
        message = self._ksef_field(action, context, order_id)
        return _result(action, "done", message or f"{number} attached to BaseLinker invoice {invoice_id}",
                       id=invoice_id, invoice_id=invoice_id, number=number, target="invoice")

    def _ensure_invoice(self, action: AttachDocument, order_id: int, number: str, steps: Any) -> int | ActionResult:
        """The id of the invoice to put the file on (reused or created), or a result when already done."""
        after_crash = steps.get("intent") is not None
        date = self._order_dates.get(order_id)
        if self.config.existing_documents == "per_order" or after_crash or date is None:
            how = "read"                    # look at the order's invoices first
        elif len(self._order_dates) >= INDEX_MIN_ORDERS:
            how = "index"                   # one paged read per run answers for many orders
            if self.index.loaded_from is None:
                self.index.load(min(self._order_dates.values()))
            if not self.index.covers(date):
                how = "direct"
        else:
            how = "direct"                  # a tiny run: BaseLinker's one-invoice rule protects, no read
        if how == "index":
            reusable = self.index.invoice(order_id)
            if reusable is not None:
                steps.record("placeholder", {"id": reusable.invoice_id, "invoice_id": reusable.invoice_id,
                                             "reused": True})
                return reusable.invoice_id
        elif how == "read":
            normal = [i for i in self._invoices_of(order_id) if not i.is_correction]
            decision = decide_existing(normal, number, order_id=order_id)
            if decision is not None:
                if decision.outcome == "done":
                    return self._done(action, steps, decision.document_id, number,
                                      f"{number} is already on BaseLinker invoice {decision.document_id}")
                steps.record("placeholder", {"id": decision.document_id, "invoice_id": decision.document_id,
                                             "reused": True})
                return decision.document_id
        series_id = self._series("invoice")
        steps.record("intent", {"series_id": series_id})

        def confirm() -> dict[str, Any] | None:
            unfiled = [i for i in self._invoices_of(order_id) if not i.is_correction
                       and not i.external_invoice_number]
            return {"invoice_id": min(i.invoice_id for i in unfiled)} if unfiled else None

        return self._add_placeholder(action, order_id, number, steps, what="invoice", method="addInvoice",
                                     params={"order_id": order_id, "series_id": series_id}, confirm=confirm,
                                     existing=lambda: [i for i in self._invoices_of(order_id) if not i.is_correction])

    def _upload_invoice(self, order_id: int, invoice_id: int, number: str, data: str) -> bool:
        """Put the file and number on the invoice; False when the invoice no longer exists."""
        def confirm() -> dict[str, Any] | None:
            same = [i for i in self._invoices_of(order_id) if i.invoice_id == invoice_id
                    and i.external_invoice_number == number]
            return {} if same else None

        try:
            self.client.call("addOrderInvoiceFile", {"invoice_id": invoice_id, "file": data,
                                                     "external_invoice_number": number}, confirm=confirm)
        except ApiRejected as exc:
            mine = [i for i in self._invoices_of(order_id) if i.invoice_id == invoice_id]
            if not mine:
                return False
            if mine[0].external_invoice_number == number:
                return True  # an earlier attempt did it
            raise DocumentError(f"{number}: BaseLinker refused the file for invoice {invoice_id}: "
                                f"{exc.error_message}", code="baselinker_rejected") from None
        return True

    def _ksef_field(self, action: AttachDocument, context: ApplyContext, order_id: int) -> str:
        """Write the KSeF number into ``ksef_number_field`` (after the file); a message when it failed."""
        document = context.document
        field = self.config.ksef_number_field
        if field is None or document is None or not document.ksef.number or context.steps.get("ksef_field"):
            return ""
        kind, field_id = self.lookups.order_field(field, "sink.ksef_number_field")
        params: dict[str, Any] = {"order_id": order_id}
        if field_id is None:
            params[kind] = document.ksef.number
        else:
            params["custom_extra_fields"] = {str(field_id): document.ksef.number}
        try:
            self.client.call("setOrderFields", params)
        except ApiRejected as exc:
            return f"{action.document_number} attached; the KSeF number was not written: {exc.error_message}"
        context.steps.record("ksef_field", {"value": document.ksef.number})
        return ""

    # ------------------------------------------------------------------ receipt
    def _receipt_of(self, order_id: int) -> list[Any]:
        try:
            receipt = parse_receipt(self.client.call("getReceipt", {"order_id": order_id}))
        except ApiRejected:
            return []  # BaseLinker answers an error when the order has no receipt (§6.16)
        return [receipt] if receipt is not None else []

    def _attach_receipt(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        steps = context.steps
        number = self._check_number(action, RECEIPT_NUMBER_MAX, "receipt")
        order_id = self._order_id(action)
        filed = steps.get("file")
        if filed:
            return _result(action, "already_done", f"{number} is already on the order", **filed)
        data = self._render(context, number)
        receipt_id = self._placeholder(steps)
        if receipt_id is None:
            if steps.get("intent") is not None or self.config.existing_documents == "per_order":
                decision = decide_existing(self._receipt_of(order_id), number, order_id=order_id, what="receipt")
                if decision is not None and decision.outcome == "done":
                    return self._done(action, steps, decision.document_id, number,
                                      f"{number} is already on BaseLinker receipt {decision.document_id}")
                receipt_id = decision.document_id if decision is not None else None
            if receipt_id is None:
                receipt_id_or_done = self._create_receipt(action, order_id, number, steps)
                if isinstance(receipt_id_or_done, ActionResult):
                    return receipt_id_or_done
                receipt_id = receipt_id_or_done
            else:
                steps.record("placeholder", {"id": receipt_id, "receipt_id": receipt_id, "reused": True})

        def confirm() -> dict[str, Any] | None:
            return {} if any(r.receipt_id == receipt_id and r.external_receipt_number == number
                             for r in self._receipt_of(order_id)) else None

        try:
            self.client.call("addOrderReceiptFile", {"receipt_id": receipt_id, "file": data,
                                                     "external_receipt_number": number}, confirm=confirm)
        except ApiRejected as exc:
            if not any(r.receipt_id == receipt_id and r.external_receipt_number == number
                       for r in self._receipt_of(order_id)):
                raise DocumentError(f"{number}: BaseLinker refused the file for receipt {receipt_id}: "
                                    f"{exc.error_message}", code="baselinker_rejected") from None
        steps.record("file", {"id": receipt_id, "number": number})
        return _result(action, "done", f"{number} attached to BaseLinker receipt {receipt_id}", id=receipt_id,
                       receipt_id=receipt_id, number=number, target="receipt")

    def _create_receipt(self, action: AttachDocument, order_id: int, number: str, steps: Any) -> int | ActionResult:
        series_id = self._series("receipt")
        params: dict[str, Any] = {"order_id": order_id}
        if series_id is not None:
            params["series_id"] = series_id
        steps.record("intent", {"series_id": series_id})

        def confirm() -> dict[str, Any] | None:
            unfiled = [r for r in self._receipt_of(order_id) if not r.external_receipt_number]
            return {"receipt_id": unfiled[0].receipt_id} if unfiled else None

        return self._add_placeholder(action, order_id, number, steps, what="receipt", method="addReceipt",
                                     params=params, confirm=confirm, existing=lambda: self._receipt_of(order_id))

    def _add_placeholder(self, action: AttachDocument, order_id: int, number: str, steps: Any, *, what: str,
                         method: str, params: dict[str, Any], confirm: Any, existing: Any) -> int | ActionResult:
        """Issue the BaseLinker invoice/receipt the file goes on; if BaseLinker refuses (it keeps one per
        order), reuse the one the order has, or report the document as already there."""
        id_field = f"{what}_id"
        try:
            body = self.client.call(method, params, confirm=confirm)
        except ApiRejected as exc:
            decision = decide_existing(existing(), number, order_id=order_id, what=what)
            if decision is None:
                raise DocumentError(f"{number}: BaseLinker refused to issue the placeholder {what} for order "
                                    f"{order_id}: {exc.error_message}", code="baselinker_rejected") from None
            if decision.outcome == "done":
                return self._done(action, steps, decision.document_id, number,
                                  f"{number} is already on BaseLinker {what} {decision.document_id}")
            steps.record("placeholder", {"id": decision.document_id, id_field: decision.document_id,
                                         "reused": True})
            return decision.document_id
        created = as_int(body.get(id_field))
        if not created:  # SUCCESS without the id: find the document it created
            created = int((confirm() or {}).get(id_field) or 0)
            if not created:
                raise RetriableError(f"{number}: BaseLinker accepted {method} for order {order_id} but did not say "
                                     f"which {what} it created; run again")
        steps.record("placeholder", {"id": created, id_field: created, "created": True})
        return created

    # ------------------------------------------------------------------ correction
    def _attach_correction(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        steps = context.steps
        number = self._check_number(action, INVOICE_NUMBER_MAX, "invoice")
        order_id = self._order_id(action)
        filed = steps.get("file")
        if filed:
            return _result(action, "already_done", f"{number} is already on the order", **filed)
        data = self._render(context, number)
        correction_id = self._placeholder(steps)
        if correction_id is None:
            found = self._ensure_correction(action, order_id, number, steps)
            if isinstance(found, ActionResult):
                return found
            correction_id = found
        if not self._upload_invoice(order_id, correction_id, number, data):
            steps.record("placeholder", {"id": None, "lost": correction_id})
            raise DocumentError(f"{number}: the BaseLinker correction {correction_id} no longer exists; run again "
                                "to create a new one", code="placeholder_lost")
        steps.record("file", {"id": correction_id, "number": number})
        return _result(action, "done", f"{number} attached to BaseLinker correction {correction_id}",
                       id=correction_id, invoice_id=correction_id, number=number, target="correction")

    def _ensure_correction(self, action: AttachDocument, order_id: int, number: str,
                           steps: Any) -> int | ActionResult:
        corrected = (action.corrected_document_number or "").strip()
        original_id = None if steps.get("intent") else self._remembered_invoice(order_id, corrected)
        if original_id is None:
            invoices = self._invoices_of(order_id)
            normal = [i for i in invoices if not i.is_correction]
            originals = [i for i in normal if corrected and i.external_invoice_number == corrected]
            if not originals and not corrected and len(normal) == 1:
                originals = normal
            if not originals:
                have = ", ".join(i.external_invoice_number or i.number for i in normal) or "none"
                raise DocumentError(
                    f"{number}: the corrected invoice {corrected or '(unknown)'} is not attached to order "
                    f"{order_id} in BaseLinker (invoices on the order: {have}); attach it first, then the "
                    "correction", code="original_missing")
            original_id = originals[0].invoice_id
            mine = [i for i in invoices if i.is_correction and i.correcting_to_invoice_id == original_id]
            decision = decide_existing(mine, number, order_id=order_id, what="correction") if mine else None
            if decision is not None and decision.outcome == "done":
                return self._done(action, steps, decision.document_id, number,
                                  f"{number} is already on BaseLinker correction {decision.document_id}")
            if decision is not None:
                steps.record("placeholder", {"id": decision.document_id, "invoice_id": decision.document_id,
                                             "reused": True})
                return decision.document_id
        params: dict[str, Any] = {"original_invoice_id": original_id}
        series_id = self._series("correction")
        if series_id is not None:
            params["series_id"] = series_id
        steps.record("intent", {"original_invoice_id": original_id, "series_id": series_id})

        def unfiled_correction() -> int | None:
            found = [i.invoice_id for i in self._invoices_of(order_id) if i.is_correction
                     and i.correcting_to_invoice_id == original_id and not i.external_invoice_number]
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
        return correction_id
