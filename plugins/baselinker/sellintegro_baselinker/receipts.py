"""Attaching a receipt (PA): find or create the BaseLinker receipt, then put the file and number on it.

Like invoices (:mod:`.attach`): what the order holds comes from the run's batched ``getReceipts`` read or
``getReceipt {order_id}`` (:mod:`.holdings`); BaseLinker keeps one receipt per order, so of two scenarios
racing for an order exactly one ``addReceipt`` succeeds. The receipt number is limited to 20 characters.
"""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import ActionResult, ApplyContext, AttachDocument, DocumentError

from .client import ApiRejected

RECEIPT_NUMBER_MAX = 20       # addOrderReceiptFile external_receipt_number varchar(20) (§6.17)


class ReceiptFlow:
    """The receipt flow (a mixin of :class:`~sellintegro_baselinker.attach.AttachFlows`)."""

    client: Any
    holdings: Any

    def _attach_receipt(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        from .attach import _result

        steps = context.steps
        number = self._check_number(action, RECEIPT_NUMBER_MAX, "receipt")  # type: ignore[attr-defined]
        order_id = self._order_id(action)
        filed = steps.get("file")
        if filed:
            return _result(action, "already_done", f"{number} is already on the order", **filed)
        if steps.get("claimed"):
            return _result(action, "skipped", steps.get("claimed")["message"], code="claimed_by_other", final=True)
        data = self._render(context, number)
        receipt_id = self._placeholder(steps)
        if receipt_id is None:
            resumed = steps.get("intent") is not None
            docs = self._account_docs("receipts", order_id, steps)
            looked = {r.receipt_id for r in docs}
            found = self._existing(action, steps, docs, number, "receipt", looked, resumed)
            if found is None:
                found = self._create_receipt(action, order_id, number, steps, looked, resumed)
            if isinstance(found, ActionResult):
                return found
            receipt_id = found

        def filed_here() -> bool:
            return any(r.receipt_id == receipt_id and r.external_receipt_number == number
                       for r in self.holdings.read_receipts(order_id))

        try:
            self.client.call("addOrderReceiptFile", {"receipt_id": receipt_id, "file": data,
                                                     "external_receipt_number": number},
                             confirm=lambda: {} if filed_here() else None)
        except ApiRejected as exc:
            if not filed_here():
                raise DocumentError(f"{number}: BaseLinker refused the file for receipt {receipt_id}: "
                                    f"{exc.error_message}", code="baselinker_rejected") from None
        steps.record("file", {"id": receipt_id, "number": number})
        self.holdings.note_receipt(order_id, receipt_id, external_receipt_number=number)
        return _result(action, "done", f"{number} attached to BaseLinker receipt {receipt_id}", id=receipt_id,
                       receipt_id=receipt_id, number=number, target="receipt")

    def _create_receipt(self, action: AttachDocument, order_id: int, number: str, steps: Any,
                        looked: set[int], resumed: bool) -> int | ActionResult:
        series_id = self._series("receipt")
        params: dict[str, Any] = {"order_id": order_id}
        if series_id is not None:
            params["series_id"] = series_id
        steps.record("intent", {"series_id": series_id})

        def confirm() -> dict[str, Any] | None:
            unfiled = [r for r in self.holdings.read_receipts(order_id) if not r.external_receipt_number]
            return {"receipt_id": unfiled[0].receipt_id} if unfiled else None

        created = self._add_placeholder(action, order_id, number, steps, what="receipt", method="addReceipt",
                                        params=params, confirm=confirm, looked=looked, resumed=resumed,
                                        existing=lambda: self.holdings.read_receipts(order_id))
        if isinstance(created, int):
            self.holdings.note_receipt(order_id, created, series_id=series_id or 0)
        return created

