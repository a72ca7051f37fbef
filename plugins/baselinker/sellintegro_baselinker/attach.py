"""Attaching one document: find or create the BaseLinker placeholder, then put the file and number on it.

Invoice (FS, FSd) and receipt (PA) flows of the ``baselinker`` sink (corrections: :mod:`.corrections`);
every sub-step is recorded in the action's StepLog before the next call (see :mod:`sellintegro_baselinker.sink`).
What the account already holds comes from :class:`~.holdings.Holdings` (reads batched per run), never from the
ledger alone; who attached a document from :mod:`.claims`.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from sellintegro_core.api import ActionResult, ApplyContext, AttachDocument, ConfigError, DocumentError, RetriableError

from .claims import describe, tag_of_file, tag_pdf
from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .corrections import CorrectionFlow
from .documents import decide_existing
from .holdings import EXTEND_SECONDS, Holdings
from .ksef import KsefGuard
from .lookups import Lookups
from .receipts import ReceiptFlow
from .responses import ApiInvoice, ApiReceipt, as_int

INVOICE_NUMBER_MAX = 30       # addOrderInvoiceFile external_invoice_number varchar(30) (§6.13)

INVOICE_STATE = "baselinker.invoice."
INDEX_MIN_ORDERS = 3          # fewer orders seen so far in a run: read the order itself, not the batched read
YOUNG_SECONDS = 600           # an unfiled document younger than this may be another scenario's, mid-attach
SETTLE_SECONDS = 1.0          # ... so it is looked at again this much later before it is reused


def _result(action: Any, outcome: str, message: str = "", **data: Any) -> ActionResult:
    return ActionResult(key=action.key, outcome=outcome, message=message,  # type: ignore[arg-type]
                        data={k: v for k, v in data.items() if v is not None})


class AttachFlows(ReceiptFlow, CorrectionFlow, KsefGuard):
    """The attach flows (a mixin of :class:`~sellintegro_baselinker.sink.BaseLinkerSink`)."""

    config: BaseLinkerConfig
    client: BaseLinkerClient
    lookups: Lookups
    holdings: Holdings
    state: Any
    tag: str
    _order_dates: dict[int, int]
    _series_ids: dict[str, int | None]
    _owners: dict[int, str | None]

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

    def _render(self, context: ApplyContext, number: str) -> str:
        if context.render is None:
            raise DocumentError(f"{number}: no PDF renderer is available", code="no_renderer")
        pdf = context.render()
        if not pdf:
            raise DocumentError(f"{number}: the renderer produced an empty file", code="empty_pdf")
        return "data:" + base64.b64encode(tag_pdf(pdf, self.tag)).decode("ascii")

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

    def _remember_invoice(self, order_id: int, invoice_id: int, number: str, owner: str | None) -> None:
        """A hint for the order's corrections: which invoice holds ``number`` and whose file it carries."""
        if self.state is not None:
            self.state.set_state(f"{INVOICE_STATE}{order_id}", {"invoice_id": invoice_id, "number": number,
                                                                "owner": owner})

    def _file_owner(self, invoice_id: int) -> str | None:
        """The claim tag in the file uploaded to an invoice (one ``getInvoiceFile`` per invoice and run)."""
        if invoice_id not in self._owners:
            try:
                body = self.client.call("getInvoiceFile", {"invoice_id": invoice_id, "get_external": True})
            except ApiRejected:
                body = {}
            invoice = body.get("invoice")
            self._owners[invoice_id] = tag_of_file(invoice) if isinstance(invoice, str) else None
        return self._owners[invoice_id]

    def _account_docs(self, kind: str, order_id: int, steps: Any) -> list[Any]:
        """What the account holds for the order (``kind`` "invoices" or "receipts"): from the run's batched read
        when it covers the order, else read for this order (the first orders of a run, an old order)."""
        date = self._order_dates.get(order_id)
        fresh = steps.get("intent") is not None or self.config.existing_documents == "per_order" or date is None
        if not fresh and self.holdings.was_read(kind, order_id):  # read, or created, in this very run
            return self.holdings.invoices(order_id) if kind == "invoices" else self.holdings.receipts(order_id)
        if not fresh and len(self._order_dates) >= INDEX_MIN_ORDERS:
            if kind not in self.holdings.loaded_from:
                self.holdings.load(kind, min(self._order_dates.values()))
            elif not self.holdings.covers(kind, date or 0):  # an older order: read the stretch before, once
                self.holdings.load(kind, min(date or 0, min(self._order_dates.values())) - EXTEND_SECONDS)
            if self.holdings.covers(kind, date or 0):
                return self.holdings.invoices(order_id) if kind == "invoices" else self.holdings.receipts(order_id)
        if kind == "invoices":
            return self.holdings.read_invoices(order_id)
        return self.holdings.read_receipts(order_id)

    @staticmethod
    def _placeholder(steps: Any) -> int | None:
        data = steps.get("placeholder") or {}
        if "id" in data:  # our own format; {"id": None} marks a placeholder that vanished
            return int(data["id"]) if data["id"] else None
        value = data.get("invoice_id") or data.get("receipt_id")
        return int(value) if value else None

    def _done(self, action: AttachDocument, steps: Any, doc_id: int, number: str, message: str) -> ActionResult:
        """Adopt a document the account already holds (ours, from a lost ledger, or carrying no claim)."""
        steps.record("placeholder", {"id": doc_id, "invoice_id": doc_id})
        steps.record("file", {"id": doc_id, "number": number, "adopted": True})
        if action.target == "invoice":
            self._remember_invoice(int(action.order_id), doc_id, number, self.tag)
        return _result(action, "already_done", message, id=doc_id, number=number, target=action.target)

    def _claimed(self, action: AttachDocument, steps: Any, owner: str | None, message: str, *,
                 final: bool) -> ActionResult:
        """Another scenario holds (or is attaching) this document: skip it, naming the claim."""
        who = describe(owner) if owner else "another sellintegro scenario or process"
        text = f"{action.document_number}: {message} by {who}; this scenario ({describe(self.tag)}) skips it"
        if final:
            steps.record("claimed", {"by": owner, "message": text})
        return _result(action, "skipped", text, code="claimed_by_other", final=final, claimed_by=owner)

    def _unfiled(self, action: AttachDocument, steps: Any, doc: ApiInvoice | ApiReceipt, looked: set[int],
                 what: str, resumed: bool) -> int | ActionResult | None:
        """An existing document without a file: reuse it, unless another scenario is attaching to it.

        ``resumed``: an earlier attempt of this action may have created it (reuse). A document that appeared
        after this run looked at the order was created by someone else just now (skip, checked again next run).
        A young one (BaseLinker's automatic invoice, or another scenario's placeholder a moment before its
        upload) is looked at again after :data:`SETTLE_SECONDS`: filed by then = that scenario's claim."""
        doc_id = doc.invoice_id if isinstance(doc, ApiInvoice) else doc.receipt_id
        if not resumed and doc_id not in looked:
            return self._claimed(action, steps, None, f"BaseLinker {what} {doc_id} on order {action.order_id} "
                                 "was created during this run (not by this scenario); it is being attached",
                                 final=False)
        if not resumed and doc.date_add > time.time() - YOUNG_SECONDS:
            time.sleep(SETTLE_SECONDS)
            order_id = int(action.order_id)
            fresh = self.holdings.read_invoices(order_id) if what == "invoice" else \
                self.holdings.read_receipts(order_id)
            same = [d for d in fresh if (d.invoice_id if what == "invoice" else d.receipt_id) == doc_id]
            if not same:
                return None  # it vanished: create our own
            number = action.document_number.strip()
            if (same[0].external_invoice_number if what == "invoice" else same[0].external_receipt_number):
                return self._existing(action, steps, [same[0]], number, what, looked, True)
        steps.record("placeholder", {"id": doc_id, f"{what}_id": doc_id, "reused": True})
        return doc_id

    def _existing(self, action: AttachDocument, steps: Any, docs: list[Any], number: str, what: str,
                  looked: set[int], resumed: bool) -> int | ActionResult | None:
        """Decide on the order's invoice/receipt already there: adopt, claimed elsewhere, reuse, or None."""
        order_id = int(action.order_id)
        decision = decide_existing(docs, number, order_id=order_id, what=what)
        if decision is None:
            return None
        kind = "invoices" if what == "invoice" else "receipts"
        if decision.outcome == "reuse" and not self.holdings.was_read(kind, order_id):
            # seen in the run's batched read: look again right before reusing (another scenario may be
            # uploading to it this very moment)
            fresh = self.holdings.read_invoices(order_id) if what == "invoice" else \
                self.holdings.read_receipts(order_id)
            docs = [d for d in fresh if not getattr(d, "is_correction", False)]
            decision = decide_existing(docs, number, order_id=order_id, what=what)
            if decision is None:
                return None
        if decision.outcome == "done":
            owner = self._file_owner(decision.document_id) if what == "invoice" else None
            if owner is not None and owner != self.tag:
                return self._claimed(action, steps, owner, f"{number} is already on BaseLinker {what} "
                                     f"{decision.document_id}, attached", final=True)
            return self._done(action, steps, decision.document_id, number,
                              f"{number} is already on BaseLinker {what} {decision.document_id} (adopted from the "
                              "account)")
        doc = next(d for d in docs if (d.invoice_id if what == "invoice" else d.receipt_id) == decision.document_id)
        return self._unfiled(action, steps, doc, looked, what, resumed)

    # ------------------------------------------------------------------ invoice
    def _attach_invoice(self, action: AttachDocument, context: ApplyContext) -> ActionResult:
        steps = context.steps
        number = self._check_number(action, INVOICE_NUMBER_MAX, "invoice")
        order_id = self._order_id(action)
        filed = steps.get("file")
        if filed:
            message = self._ksef_field(action, context, order_id)  # a crash may have come between the two
            return _result(action, "already_done", message or f"{number} is already on the order", **filed)
        if steps.get("claimed"):
            return _result(action, "skipped", steps.get("claimed")["message"], code="claimed_by_other", final=True)
        data = self._render(context, number)
        for _ in range(2):  # a second round only when the recorded placeholder vanished from BaseLinker
            invoice_id = self._placeholder(steps)
            if invoice_id is None:
                found = self._ensure_invoice(action, order_id, number, steps)
                if isinstance(found, ActionResult):
                    return found
                invoice_id = found
            if self._upload_invoice(order_id, invoice_id, number, data):
                break
            steps.record("placeholder", {"id": None, "lost": invoice_id})
            self.holdings.forget("invoices", order_id, invoice_id)
        else:
            raise DocumentError(f"{number}: the BaseLinker invoice for order {order_id} disappeared twice while "
                                "attaching; run again", code="placeholder_lost")
        steps.record("file", {"id": invoice_id, "number": number})
        self.holdings.note_invoice(order_id, invoice_id, external_invoice_number=number)
        placeholder = steps.get("placeholder") or {}
        # who holds the order's corrections: the scenario that created its invoice; after reusing an invoice
        # it did not create (another scenario's may look the same), the file's claim decides when it matters
        ours = placeholder.get("created") or (placeholder.get("reused") and steps.get("intent") is not None)
        self._remember_invoice(order_id, invoice_id, number, self.tag if ours else None)
        message = self._ksef_field(action, context, order_id)
        return _result(action, "done", message or f"{number} attached to BaseLinker invoice {invoice_id}",
                       id=invoice_id, invoice_id=invoice_id, number=number, target="invoice")

    def _ensure_invoice(self, action: AttachDocument, order_id: int, number: str, steps: Any) -> int | ActionResult:
        """The id of the invoice to put the file on (reused or created), or a result (already there, claimed)."""
        resumed = steps.get("intent") is not None
        normal = [i for i in self._account_docs("invoices", order_id, steps) if not i.is_correction]
        looked = {i.invoice_id for i in normal}
        found = self._existing(action, steps, normal, number, "invoice", looked, resumed)
        if found is not None:
            return found
        series_id = self._series("invoice")
        self._ksef_before_create(series_id)
        steps.record("intent", {"series_id": series_id})

        def confirm() -> dict[str, Any] | None:
            unfiled = [i for i in self.holdings.read_invoices(order_id) if not i.is_correction
                       and not i.external_invoice_number]
            return {"invoice_id": min(i.invoice_id for i in unfiled)} if unfiled else None

        created = self._add_placeholder(
            action, order_id, number, steps, what="invoice", method="addInvoice",
            params={"order_id": order_id, "series_id": series_id}, confirm=confirm, looked=looked, resumed=resumed,
            existing=lambda: [i for i in self.holdings.read_invoices(order_id) if not i.is_correction])
        if isinstance(created, int) and (steps.get("placeholder") or {}).get("created"):
            self.holdings.note_invoice(order_id, created, series_id=series_id or 0)
            self._ksef_after_create(created, series_id)
        return created

    def _upload_invoice(self, order_id: int, invoice_id: int, number: str, data: str) -> bool:
        """Put the file and number on the invoice; False when the invoice no longer exists."""
        def confirm() -> dict[str, Any] | None:
            same = [i for i in self.holdings.read_invoices(order_id) if i.invoice_id == invoice_id
                    and i.external_invoice_number == number]
            return {} if same else None

        try:
            self.client.call("addOrderInvoiceFile", {"invoice_id": invoice_id, "file": data,
                                                     "external_invoice_number": number}, confirm=confirm)
        except ApiRejected as exc:
            mine = [i for i in self.holdings.read_invoices(order_id) if i.invoice_id == invoice_id]
            if not mine:
                return False
            if mine[0].external_invoice_number == number:
                return True  # an earlier attempt did it
            raise DocumentError(f"{number}: BaseLinker refused the file for invoice {invoice_id}: "
                                f"{exc.error_message}", code="baselinker_rejected") from None
        self._owners[invoice_id] = self.tag
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

    def _add_placeholder(self, action: AttachDocument, order_id: int, number: str, steps: Any, *, what: str,
                         method: str, params: dict[str, Any], confirm: Any, existing: Any,
                         looked: set[int], resumed: bool) -> int | ActionResult:
        """Issue the BaseLinker invoice/receipt the file goes on. BaseLinker keeps one per order and creates
        them one at a time, so when two scenarios race exactly one call succeeds; the refused one reads the
        order: our number there = adopted or claimed, a document created meanwhile = claimed by another."""
        id_field = f"{what}_id"
        try:
            body = self.client.call(method, params, confirm=confirm)
        except ApiRejected as exc:
            docs = existing()
            found = self._existing(action, steps, docs, number, what, looked, resumed) if docs else None
            if found is None:
                raise DocumentError(f"{number}: BaseLinker refused to issue the placeholder {what} for order "
                                    f"{order_id}: {exc.error_message}", code="baselinker_rejected") from None
            return found
        created = as_int(body.get(id_field))
        if not created:  # SUCCESS without the id: find the document it created
            created = int((confirm() or {}).get(id_field) or 0)
            if not created:
                raise RetriableError(f"{number}: BaseLinker accepted {method} for order {order_id} but did not say "
                                     f"which {what} it created; run again")
        steps.record("placeholder", {"id": created, id_field: created, "created": True})
        return created
