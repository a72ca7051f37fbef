"""The ``baselinker`` sink: reads orders and puts Subiekt's PDFs and numbers on them (docs/baselinker.md).

Per attached document (invoice; receipts and corrections analogously, see attach.py / corrections.py)::

    steps "file" recorded?            -> already done, no call
    steps "placeholder" recorded?     -> upload onto that invoice
    otherwise ask what the account holds for the order (holdings.py: one paged getInvoices / getReceipts
    per run, or a read of the order; the ledger is only a hint):
        our number already there          -> adopt it (already_done), or skip it when another scenario's
                                             claim is on it (claims.py)
        an invoice without file           -> reuse it (unless another process created it during this run)
        nothing                           -> record "intent", addInvoice -> record "placeholder"  (1 call)
          refused (BaseLinker keeps one invoice per order: another scenario won the race) -> read the order
    addOrderInvoiceFile {invoice_id, "data:"+base64, external_invoice_number} -> record "file"    (1 call)

Every step is recorded before the next call, so a crash anywhere resumes without a duplicate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sellintegro_core.api import (
    ActionResult,
    ApplyContext,
    AttachDocument,
    ComponentContext,
    ConfigError,
    DocumentError,
    Order,
    OrderQuery,
    SetField,
    SetStatus,
    Skip,
    budget_key,
)

from .attach import AttachFlows, _result
from .check import SinkChecks
from .claims import instance_tag
from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .holdings import Holdings
from .limiter import CallLimiter
from .lookups import Lookups
from .orders import OrderReader, to_order, to_unix

STATUS_BATCH = 100            # ids per setOrderStatuses call (§6.5 working choice)
KSEF_FIELD_ALIAS = "ksef_number"   # SetField(field="ksef_number") -> sink.ksef_number_field


class BaseLinkerSink(AttachFlows, SinkChecks):
    """Sink component. ``api_calls`` counts every request of this run; ``method_calls`` per method."""

    def __init__(self, config: BaseLinkerConfig, context: ComponentContext | None = None, *,
                 client: BaseLinkerClient | None = None, transport: Any = None) -> None:
        self.config = config
        self.context = context or ComponentContext(scenario="baselinker", base_dir=Path("."))
        self.state = self.context.state
        self.timezone = self.context.timezone
        if client is None:
            stop = self.context.stop       # waits end at once on SIGTERM/Ctrl-C
            shared = self.context.budgets     # one budget per token, across scenarios and hosts
            limiter = CallLimiter(config.requests_per_minute, self.state, window=config.rate_window_seconds,
                                  shared=shared,
                                  budget=budget_key(config.url, config.token.get_secret_value()) if shared else "",
                                  **({"sleep": stop.sleep} if stop is not None else {}))
            client = BaseLinkerClient(config.token.get_secret_value(), config.url, limiter=limiter,
                                      timeout=config.timeout, max_retries=config.max_retries,
                                      retry_max_seconds=config.retry_max_seconds, transport=transport,
                                      max_answer_bytes=config.max_answer_bytes, stop=stop)
        self.client = client
        self.lookups = Lookups(client)
        self.reader = OrderReader(client, include_unconfirmed=config.include_unconfirmed)
        self.holdings = Holdings(client)
        self.tag = instance_tag(self.context.scenario, self.context.base_dir, config.instance,
                                str(getattr(self.state, "location", "") or ""))
        self._order_dates: dict[int, int] = {}
        self._series_ids: dict[str, int | None] = {}
        self._owners: dict[int, str | None] = {}
        self._ksef_verified: set[int | None] = set()
        self._ksef_blocked: dict[int | None, Any] = {}

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


def make_sink(config: BaseLinkerConfig, context: ComponentContext) -> BaseLinkerSink:
    """Factory registered in ``SinkSpec`` (and usable by the conformance kit)."""
    return BaseLinkerSink(config, context)
