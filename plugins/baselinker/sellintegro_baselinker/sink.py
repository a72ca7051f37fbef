"""The ``baselinker`` sink: reads orders and puts Subiekt's PDFs and numbers on them (docs/baselinker.md).

Per attached document (invoice; receipts and corrections analogously)::

    steps "file" recorded?            -> already done, no call
    steps "placeholder" recorded?     -> upload onto that invoice
    otherwise find or create the placeholder:
        reusable invoice in the run's ReuseIndex  -> reuse it            (0 calls; the index costs 1/run)
        else record "intent", addInvoice          -> record "placeholder"  (1 call)
          addInvoice refused (BaseLinker: one invoice per order) or a rerun after a crash ("intent" recorded
          without "placeholder") -> getInvoices {order_id}: our number there = done, unfiled = reuse,
          another document's file = document error (never a second invoice, never overwrite)
    addOrderInvoiceFile {invoice_id, "data:"+base64, external_invoice_number} -> record "file"    (1 call)

Every step is recorded before the next call, so a crash anywhere resumes without a duplicate.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sellintegro_core.components import ApplyContext, CheckItem, ComponentContext, OrderQuery
from sellintegro_core.errors import (
    AuthError,
    ConfigError,
    DocumentError,
    RetriableError,
    SellintegroError,
    SourceConnectionError,
)
from sellintegro_core.models import ActionResult, AttachDocument, Order, SetField, SetStatus, Skip

from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .documents import ReuseIndex, decide_existing
from .limiter import CallLimiter
from .lookups import Lookups
from .orders import OrderReader, to_order, to_unix
from .responses import ApiInvoice, as_int, parse_invoices, parse_receipt

INVOICE_NUMBER_MAX = 30       # addOrderInvoiceFile external_invoice_number varchar(30) (§6.13)
RECEIPT_NUMBER_MAX = 20       # addOrderReceiptFile external_receipt_number varchar(20) (§6.17)
STATUS_BATCH = 100            # ids per setOrderStatuses call (§6.5 working choice)
INVOICE_STATE = "baselinker.invoice."
KSEF_FIELD_ALIAS = "ksef_number"   # SetField(field="ksef_number") -> sink.ksef_number_field
INDEX_MIN_ORDERS = 3          # fewer orders in a run: no invoice index, BaseLinker's one-invoice rule suffices


def _result(action: Any, outcome: str, message: str = "", **data: Any) -> ActionResult:
    return ActionResult(key=action.key, outcome=outcome, message=message,  # type: ignore[arg-type]
                        data={k: v for k, v in data.items() if v is not None})


class BaseLinkerSink:
    """Sink component. ``api_calls`` counts every request of this run; ``method_calls`` per method."""

    def __init__(self, config: BaseLinkerConfig, context: ComponentContext | None = None, *,
                 client: BaseLinkerClient | None = None, transport: Any = None) -> None:
        self.config = config
        self.context = context or ComponentContext(scenario="baselinker", base_dir=Path("."))
        self.state = self.context.state
        self.timezone = self.context.timezone
        if client is None:
            limiter = CallLimiter(config.requests_per_minute, self.state, window=config.rate_window_seconds)
            client = BaseLinkerClient(config.token.get_secret_value(), config.url, limiter=limiter,
                                      timeout=config.timeout, max_retries=config.max_retries,
                                      retry_max_seconds=config.retry_max_seconds, transport=transport)
        self.client = client
        self.lookups = Lookups(client)
        self.reader = OrderReader(client, include_unconfirmed=config.include_unconfirmed)
        self.index = ReuseIndex(client)
        self._order_dates: dict[int, int] = {}
        self._series_ids: dict[str, int | None] = {}

    # ------------------------------------------------------------------ counters / lifecycle
    @property
    def api_calls(self) -> int:
        return self.client.calls

    @property
    def method_calls(self) -> dict[str, int]:
        return dict(self.client.method_calls)

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ orders
    def fetch_orders(self, query: OrderQuery) -> Iterator[Order]:
        """Orders by reference (``query.refs`` of ``query.key``) or a scan of orders placed since
        ``query.date_from`` (optionally up to ``date_to`` and in ``statuses``)."""
        unconfirmed = bool(query.include_unconfirmed or self.config.include_unconfirmed)
        wanted_statuses: set[int] | None = None
        if query.refs is not None:
            if query.key == "order_id":
                ids = [int(r) for r in (str(x).strip() for x in query.refs) if r.isdigit()]
                raws = self.reader.by_order_ids(ids, include_unconfirmed=unconfirmed)
            else:
                raws = self.reader.by_filter(query.key, query.refs, include_unconfirmed=unconfirmed)
        else:
            status_id = None
            if query.statuses:
                wanted_statuses = {self.lookups.status_id(s) for s in query.statuses}
                if len(wanted_statuses) == 1:
                    status_id = next(iter(wanted_statuses))
            raws = self.reader.scan(query.date_from, status_id=status_id, include_unconfirmed=unconfirmed)
        date_to = to_unix(query.date_to)
        # Status names cost a getOrderStatusList call: made for referenced orders (the rule may select by
        # name) and for scans by status; a scan of all statuses gives ids only unless the list is known anyway.
        names = query.refs is not None or wanted_statuses is not None
        for raw in raws:
            if date_to is not None and raw.date_add > date_to:
                continue
            if wanted_statuses is not None and raw.order_status_id not in wanted_statuses:
                continue
            self._order_dates[raw.order_id] = raw.date_add
            name = self.lookups.status_name(raw.order_status_id) if names or self.lookups.has_statuses else ""
            yield to_order(raw, self.timezone, name)

    # ------------------------------------------------------------------ actions
    def apply(self, action: Any, context: ApplyContext) -> ActionResult:
        """Apply one action; the effect happens once however often it is applied (StepLog)."""
        if self.context.plan_only:
            return _result(action, "planned", "plan mode: nothing is sent to BaseLinker")
        if isinstance(action, Skip):
            return _result(action, "skipped", action.reason or action.code)
        if isinstance(action, AttachDocument):
            try:
                if action.target == "receipt":
                    return self._attach_receipt(action, context)
                if action.target == "correction":
                    return self._attach_correction(action, context)
                return self._attach_invoice(action, context)
            except ApiRejected as exc:
                raise DocumentError(exc.message, code="baselinker_rejected") from None
        if isinstance(action, SetStatus | SetField):
            return self.apply_batch([action], [context])[0]
        raise ConfigError(f"the baselinker sink cannot apply {type(action).__name__}")

    def apply_batch(self, actions: Sequence[Any], contexts: Sequence[ApplyContext]) -> list[ActionResult]:
        """Status changes grouped per status into ``setOrderStatuses`` (100 ids per call); field changes
        grouped per order into one ``setOrderFields``. Other actions go through :meth:`apply`."""
        results: dict[int, ActionResult] = {}
        by_status: dict[int, list[int]] = defaultdict(list)
        by_order: dict[int, list[int]] = defaultdict(list)
        for i, (action, ctx) in enumerate(zip(actions, contexts, strict=True)):
            if self.context.plan_only:
                results[i] = _result(action, "planned", "plan mode: nothing is sent to BaseLinker")
            elif isinstance(action, SetStatus):
                if ctx.steps.get("sent"):
                    results[i] = _result(action, "already_done", "status already set")
                elif not str(action.order_id).isdigit():
                    results[i] = _result(action, "failed", f"{action.order_id!r} is not a BaseLinker order id")
                else:
                    by_status[self.lookups.status_id(action.status)].append(i)
            elif isinstance(action, SetField):
                if ctx.steps.get("sent"):
                    results[i] = _result(action, "already_done", "field already set")
                elif not str(action.order_id).isdigit():
                    results[i] = _result(action, "failed", f"{action.order_id!r} is not a BaseLinker order id")
                else:
                    by_order[int(action.order_id)].append(i)
            else:
                results[i] = self.apply(action, ctx)
        for status_id, indexes in by_status.items():
            self._set_statuses(status_id, [(i, actions[i], contexts[i]) for i in indexes], results)
        for order_id, indexes in by_order.items():
            self._set_fields(order_id, [(i, actions[i], contexts[i]) for i in indexes], results)
        return [results[i] for i in range(len(actions))]

    def _set_statuses(self, status_id: int, items: list[tuple[int, Any, ApplyContext]],
                      results: dict[int, ActionResult]) -> None:
        for start in range(0, len(items), STATUS_BATCH):
            chunk = items[start:start + STATUS_BATCH]
            ids = list(dict.fromkeys(int(a.order_id) for _, a, _ in chunk))
            try:
                self.client.call("setOrderStatuses", {"order_ids": ids, "status_id": status_id})
            except ApiRejected:
                # unknown limits / one bad id rejects the whole call: fall back to one call per order (§6.5)
                for i, action, ctx in chunk:
                    try:
                        self.client.call("setOrderStatus", {"order_id": int(action.order_id),
                                                            "status_id": status_id})
                    except ApiRejected as exc:
                        results[i] = _result(action, "failed", exc.message)
                        continue
                    ctx.steps.record("sent", {"status_id": status_id})
                    results[i] = _result(action, "done", f"status set to {action.status}", status_id=status_id)
                continue
            for i, action, ctx in chunk:
                ctx.steps.record("sent", {"status_id": status_id})
                results[i] = _result(action, "done", f"status set to {action.status}", status_id=status_id)

    def _set_fields(self, order_id: int, items: list[tuple[int, Any, ApplyContext]],
                    results: dict[int, ActionResult]) -> None:
        params: dict[str, Any] = {"order_id": order_id}
        custom: dict[str, str] = {}
        for _, action, _ in items:
            field, setting = action.field, f"field {action.field!r}"
            if field == KSEF_FIELD_ALIAS:  # the rule's name for "the KSeF number field" (write_ksef_number)
                if self.config.ksef_number_field is None:
                    raise ConfigError("the rule writes the KSeF number to the order (write_ksef_number), but "
                                      "sink.ksef_number_field is not set; name the BaseLinker order extra field, "
                                      'e.g. ksef_number_field = "KSeF"')
                field, setting = self.config.ksef_number_field, "sink.ksef_number_field"
            kind, field_id = self.lookups.order_field(field, setting)
            if field_id is None:
                params[kind] = action.value
            else:
                custom[str(field_id)] = action.value
        if custom:
            params["custom_extra_fields"] = custom
        try:
            self.client.call("setOrderFields", params)
        except ApiRejected as exc:
            for i, action, _ in items:
                results[i] = _result(action, "failed", exc.message)
            return
        for i, action, ctx in items:
            ctx.steps.record("sent", {})
            results[i] = _result(action, "done", f"{action.field} set")

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

        try:
            body = self.client.call("addInvoice", {"order_id": order_id, "series_id": series_id}, confirm=confirm)
        except ApiRejected as exc:
            # BaseLinker refuses a second invoice per order: see what the order has
            normal = [i for i in self._invoices_of(order_id) if not i.is_correction]
            decision = decide_existing(normal, number, order_id=order_id)
            if decision is None:
                raise DocumentError(f"{number}: BaseLinker refused to issue the placeholder invoice for order "
                                    f"{order_id}: {exc.error_message}", code="baselinker_rejected") from None
            if decision.outcome == "done":
                return self._done(action, steps, decision.document_id, number,
                                  f"{number} is already on BaseLinker invoice {decision.document_id}")
            steps.record("placeholder", {"id": decision.document_id, "invoice_id": decision.document_id,
                                         "reused": True})
            return decision.document_id
        invoice_id = as_int(body.get("invoice_id"))
        if not invoice_id:  # SUCCESS without the id: find the invoice it created
            invoice_id = int((confirm() or {}).get("invoice_id") or 0)
            if not invoice_id:
                raise RetriableError(f"{number}: BaseLinker accepted addInvoice for order {order_id} but did not say "
                                     "which invoice it created; run again")
        steps.record("placeholder", {"id": invoice_id, "invoice_id": invoice_id, "created": True})
        return invoice_id

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

        try:
            body = self.client.call("addReceipt", params, confirm=confirm)
        except ApiRejected as exc:
            decision = decide_existing(self._receipt_of(order_id), number, order_id=order_id, what="receipt")
            if decision is None:
                raise DocumentError(f"{number}: BaseLinker refused to issue the placeholder receipt for order "
                                    f"{order_id}: {exc.error_message}", code="baselinker_rejected") from None
            if decision.outcome == "done":
                return self._done(action, steps, decision.document_id, number,
                                  f"{number} is already on BaseLinker receipt {decision.document_id}")
            steps.record("placeholder", {"id": decision.document_id, "receipt_id": decision.document_id,
                                         "reused": True})
            return decision.document_id
        receipt_id = as_int(body.get("receipt_id"))
        if not receipt_id:  # SUCCESS without the id: find the receipt it created
            receipt_id = int((confirm() or {}).get("receipt_id") or 0)
            if not receipt_id:
                raise RetriableError(f"{number}: BaseLinker accepted addReceipt for order {order_id} but did not say "
                                     "which receipt it created; run again")
        steps.record("placeholder", {"id": receipt_id, "receipt_id": receipt_id, "created": True})
        return receipt_id

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

    # ------------------------------------------------------------------ check
    def check(self) -> list[CheckItem]:
        """``sellintegro check``: token valid, configured series and field exist."""
        items: list[CheckItem] = []
        try:
            statuses = self.lookups.statuses()
        except AuthError as exc:
            return [CheckItem("BaseLinker token", False, exc.message)]
        except (SourceConnectionError, RetriableError, ConfigError, ApiRejected) as exc:
            return [CheckItem("BaseLinker reachable", False, exc.message)]
        items.append(CheckItem("BaseLinker token", True, f"{self.config.url} ({len(statuses)} order statuses)"))
        for kind in ("invoice", "receipt", "correction"):
            value = getattr(self.config, f"{kind}_series")
            if value is None:
                detail = ("not set: invoices cannot be attached" if kind == "invoice"
                          else "not set: BaseLinker's default series is used")
                items.append(CheckItem(f"{kind} series", kind != "invoice", detail))
                continue
            try:
                series_id = self.lookups.series_id(value, kind, f"{kind}_series")
                known = {s.id: s for s in self.lookups.series()}
                if series_id in known:
                    series = known[series_id]
                    ok = series.type.upper() == kind.upper()
                    detail = f"{series.name!r} ({series_id}, {series.type})" + (
                        "" if ok else f": not a {kind.upper()} series")
                else:
                    ok, detail = False, f"no series with id {series_id} on the account"
                items.append(CheckItem(f"{kind} series", ok, detail))
            except ConfigError as exc:
                items.append(CheckItem(f"{kind} series", False, str(exc)))
        if self.config.ksef_number_field is not None:
            try:
                kind, field_id = self.lookups.order_field(self.config.ksef_number_field, "sink.ksef_number_field")
                ok = field_id is None or field_id in {f.extra_field_id for f in self.lookups.extra_fields()}
                items.append(CheckItem("KSeF number field", ok, kind if field_id is None else
                                       f"extra field {field_id}" if ok else f"no extra field with id {field_id}"))
            except ConfigError as exc:
                items.append(CheckItem("KSeF number field", False, str(exc)))
        return items

    def check_statuses(self, names: list[str]) -> list[CheckItem]:
        """One line per status the rule names (resolved like the run does)."""
        items = []
        known = {s.id for s in self.lookups.statuses()}
        for name in names:
            try:
                status_id = self.lookups.status_id(name)
                ok = status_id in known
                items.append(CheckItem(f"status {name!r}", ok, f"id {status_id}" if ok
                                       else f"no status with id {status_id} on the account"))
            except SellintegroError as exc:
                items.append(CheckItem(f"status {name!r}", False, exc.message))
        return items


def make_sink(config: BaseLinkerConfig, context: ComponentContext) -> BaseLinkerSink:
    """Factory registered in ``SinkSpec`` (and usable by the conformance kit)."""
    return BaseLinkerSink(config, context)
