"""The ``baselinker`` sink: reads orders and puts Subiekt's PDFs and numbers on them (docs/baselinker.md).

The sink is composed of small parts, each built once per run over one client:

* :class:`~.orders.OrderReader` -- ``getOrders`` paging (:meth:`BaseLinkerSink.fetch_orders`);
* :class:`~.attach.Attacher` -- the one attach skeleton, with a strategy per document type (invoice,
  receipt, correction) and the run's shared knowledge (:class:`~.strategy.AttachRun`: what the account holds,
  :mod:`.holdings`; whose claim is on a document, :mod:`.claims`; Base's own KSeF sending, :mod:`.ksef`);
* :class:`~.order_writes.OrderWrites` -- the one way to set an order's status and fields (the engine's
  ``SetStatus`` / ``SetField`` and the KSeF number after an invoice's file);
* :class:`~.lookups.Lookups` -- names to ids, read once per run; the checks (``check``, ``preflight``,
  ``plan_check``) are in :mod:`.check`.

Every step of an attach is recorded before the next call, so a crash anywhere resumes without a duplicate.
"""

from __future__ import annotations

import time
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

from .attach import Attacher
from .check import SinkChecks
from .claims import instance_tag
from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .holdings import Holdings
from .ksef import KsefGuard
from .limiter import CallLimiter
from .lookups import Lookups
from .order_writes import OrderWrites
from .orders import OrderReader, to_order, to_unix
from .results import result
from .strategy import AttachRun


class BaseLinkerSink(SinkChecks):
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
                                  sleep=stop.sleep if stop is not None else time.sleep)
            client = BaseLinkerClient(config.token.get_secret_value(), config.url, limiter=limiter,
                                      timeout=config.timeout, max_retries=config.max_retries,
                                      retry_max_seconds=config.retry_max_seconds, transport=transport,
                                      max_answer_bytes=config.max_answer_bytes, stop=stop)
        self.client = client
        self.lookups = Lookups(client)
        self.reader = OrderReader(client, include_unconfirmed=config.include_unconfirmed)
        self.holdings = Holdings(client)
        self.ksef = KsefGuard(client, self.lookups)
        self.writes = OrderWrites(client, self.lookups, config)
        tag = instance_tag(self.context.scenario, self.context.base_dir, config.instance,
                           str(getattr(self.state, "location", "") or ""))
        self.run = AttachRun(config, client, self.lookups, self.holdings, self.ksef, self.writes, self.state, tag)
        self.attacher = Attacher(self.run)

    @property
    def tag(self) -> str:
        """This scenario's claim tag (:mod:`.claims`), on every file it uploads."""
        return self.run.tag

    @tag.setter
    def tag(self, value: str) -> None:
        self.run.tag = value

    # ------------------------------------------------------------------ counters / lifecycle
    @property
    def api_calls(self) -> int:
        return self.client.calls

    @property
    def method_calls(self) -> dict[str, int]:
        return dict(self.client.method_calls)

    def close(self) -> None:
        self.client.close()
        self.holdings.close()

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
            self.holdings.saw_order(raw.order_id, raw.date_add)
            name = self.lookups.status_name(raw.order_status_id) if names or self.lookups.has_statuses else ""
            yield to_order(raw, self.timezone, name)

    # ------------------------------------------------------------------ actions
    def apply(self, action: Any, context: ApplyContext) -> ActionResult:
        """Apply one action; the effect happens once however often it is applied (StepLog)."""
        if self.context.plan_only:
            return result(action, "planned", "plan mode: nothing is sent to BaseLinker")
        if isinstance(action, Skip):
            return result(action, "skipped", action.reason or action.code)
        if isinstance(action, AttachDocument):
            try:
                return self.attacher.attach(action, context)
            except ApiRejected as exc:
                raise DocumentError(exc.message, code="baselinker_rejected") from None
        if isinstance(action, SetStatus | SetField):
            return self.apply_batch([action], [context])[0]
        raise ConfigError(f"the baselinker sink cannot apply {type(action).__name__}")

    def apply_batch(self, actions: Sequence[Any], contexts: Sequence[ApplyContext]) -> list[ActionResult]:
        """Status changes grouped per status into ``setOrderStatuses`` (100 ids per call); field changes
        grouped per order into one ``setOrderFields`` (:mod:`.order_writes`). Other actions go through
        :meth:`apply`."""
        results: dict[int, ActionResult] = {}
        batch = self.writes.batch()
        for i, (action, ctx) in enumerate(zip(actions, contexts, strict=True)):
            if self.context.plan_only:
                results[i] = result(action, "planned", "plan mode: nothing is sent to BaseLinker")
            elif isinstance(action, SetStatus | SetField):
                batch.add(i, action, ctx, results)
            else:
                results[i] = self.apply(action, ctx)
        batch.send(results)
        return [results[i] for i in range(len(actions))]


def make_sink(config: BaseLinkerConfig, context: ComponentContext) -> BaseLinkerSink:
    """Factory registered in ``SinkSpec`` (and usable by the conformance kit)."""
    return BaseLinkerSink(config, context)
