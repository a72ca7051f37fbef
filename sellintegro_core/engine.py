"""One run: window -> read documents -> match to orders -> rule decides -> render -> sink applies -> ledger.

``run_scenario(scenario, plan_only=False)`` returns a ``RunReport``. In plan mode nothing is written:
neither the sink (no write calls) nor the ledger (opened read-only). The stages live in their own modules:
:mod:`.stages` (read and group, select pending, fetch orders), this module (decide, per order) and
:mod:`.applying` (apply and record, batched status changes). A stop request (:mod:`.stopping`) ends the run
between steps with exit 4 and "stopped; the next run continues".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Literal, TypeVar, overload

from . import clock
from .applying import BATCH_SIZE, Applier
from .building import build_component
from .capabilities import CountsCalls, Preflighting, ReferencesStatuses
from .components import Renderer, Rule, RuleContext, Sink, Source, close_quietly
from .config import Scenario
from .errors import (
    EXIT_DEFERRED,
    EXIT_DOCUMENT_ERRORS,
    ConfigError,
    DocumentError,
    RateLimitBlocked,
    RetriableError,
    Stopped,
)
from .ledger import open_ledger
from .models import AttachDocument, Order, SalesDocument, SetField, SetStatus, Skip, Window
from .plugins import PluginHost, get_host
from .render_ahead import RenderPool, planned_renders, pool_for
from .report import Row, RunReport
from .scenario_ledger import LedgerStore
from .secrets import redact
from .stages import ProgressHook, fetch_refs, read_and_group, ref_keys, scan_then_refs, seen_set, select_pending
from .stopping import StopFlag
from .vocabulary import OrderKey
from .waiting import PendingView, StateSet, WaitingDocuments
from .window import compute_window

MAX_DECISION_ROUNDS = 4
T = TypeVar("T")

__all__ = ["BATCH_SIZE", "Engine", "ProgressHook", "Row", "RunReport", "StopFlag", "build_component",
           "run_scenario"]


class Engine:
    def __init__(self, scenario: Scenario, *, plan_only: bool = False, host: PluginHost | None = None,
                 progress: ProgressHook | None = None, stop: StopFlag | None = None,
                 ledger: LedgerStore | None = None) -> None:
        self.scenario = scenario
        self.plan_only = plan_only
        self.host = host or get_host()
        self.progress = progress or (lambda phase, done, total: None)
        # `stop or StopFlag()` would replace the caller's flag: an unset flag is falsy
        self.stop = stop if stop is not None else StopFlag()
        self.name = scenario.name
        store = ledger or open_ledger(scenario.model.state.url, scenario.base_dir, read_only=plan_only)
        self.ledger = store.scenario(self.name, now=self.now)
        self._own_ledger = ledger is None
        self.report = RunReport(scenario=self.name, plan_only=plan_only, started_at=self.now(),
                                timezone=scenario.timezone)
        self._renderer: Renderer | None = None
        self._renderer_built = False
        self._sink: Sink | None = None
        self._rule: Rule | None = None
        self.applier = Applier(scenario=self.name, ledger=self.ledger, report=self.report, plan_only=plan_only,
                               hook=self.host.pm.hook, now=self.now, renderer=self._get_renderer,
                               preflight=self._preflight, exemption_basis=scenario.exemption_basis)
        # the next documents' PDFs are made in worker processes while the sink waits (None: in this process)
        self.ahead: RenderPool | None = None if plan_only else pool_for(scenario, stop=self.stop)
        self.applier.ahead = self.ahead

    def now(self) -> datetime:
        return clock.now(self.scenario.timezone)

    @overload
    def _build(self, kind: Literal["source"]) -> Source | None: ...
    @overload
    def _build(self, kind: Literal["sink"]) -> Sink | None: ...
    @overload
    def _build(self, kind: Literal["rule"]) -> Rule | None: ...

    def _build(self, kind: Literal["source", "sink", "rule"]) -> Source | Sink | Rule | None:
        built: Source | Sink | Rule | None = build_component(
            self.scenario, kind, host=self.host, ledger=self.ledger, plan_only=self.plan_only, stop=self.stop)
        return built

    @staticmethod
    def _needed(component: T | None, kind: str) -> T:
        """The run needs a source, a sink and a rule (the scenario's schema requires their sections)."""
        if component is None:
            raise ConfigError(f"{kind}.plugin: the scenario names no {kind}; add a [{kind}] section with plugin "
                              "= \"NAME\"")
        return component

    # ---------------------------------------------------------------- public
    def run(self) -> RunReport:
        report = self.report
        hook = self.host.pm.hook
        now = self.now()
        setup_at = self.ledger.setup_at()
        if setup_at is None:
            setup_at = now if self.plan_only else self.ledger.ensure_setup(now)
        window = compute_window(self.scenario.model.window, now=now, setup_at=setup_at,
                                timezone=self.scenario.timezone)
        report.window_start, report.window_end = window.start, window.end
        if not self.plan_only:
            report.run_id = self.ledger.start_run(report.started_at)
        hook.sellintegro_run_started(scenario=self.name, window=window, plan_only=self.plan_only)
        source: Source | None = None
        sink: Sink | None = None
        rule: Rule | None = None
        try:
            source = self._needed(self._build("source"), "source")
            rule = self._rule = self._needed(self._build("rule"), "rule")
            sink = self._sink = self.applier.sink = self._needed(self._build("sink"), "sink")
            self._run(source, sink, rule, window)
        except Stopped as exc:
            report.outcome = "stopped"
            report.exit_code = EXIT_DEFERRED
            report.message = exc.message
        except (RateLimitBlocked, RetriableError) as exc:
            report.outcome = "deferred"
            report.exit_code = EXIT_DEFERRED
            report.deferred_until = getattr(exc, "until", None)
            report.message = exc.message
        except BaseException as exc:
            report.outcome = "failed"
            report.exit_code = getattr(exc, "exit_code", 1) if not isinstance(exc, KeyboardInterrupt) else 130
            report.message = redact(getattr(exc, "message", str(exc)))
            raise
        finally:
            report.api_calls = int(sink.api_calls or 0) if sink is not None and isinstance(sink, CountsCalls) else 0
            report.finished_at = self.now()
            if report.outcome == "ok" and report.counts.get("failed"):
                report.outcome = "document_errors"
                report.exit_code = EXIT_DOCUMENT_ERRORS
            if not self.plan_only and report.run_id is not None:
                self.ledger.finish_run(report.finished_at, report.outcome, report.exit_code,
                                       dict(report.counts), report.api_calls, report.deferred_until)
            for component in (source, sink, rule, self._renderer):
                if component is not None:
                    close_quietly(component)
            if self.ahead is not None:
                self.ahead.close()
            hook.sellintegro_run_finished(scenario=self.name, report=report.as_dict())
            if self._own_ledger:
                self.ledger.close()
        return report

    # ---------------------------------------------------------------- the run
    def _run(self, source: Source, sink: Sink, rule: Rule, window: Window) -> None:
        with WaitingDocuments() as waiting:   # the window's documents wait on disk; removed however the run ends
            self._run_with(waiting, source, sink, rule, window)

    def _run_with(self, waiting: WaitingDocuments, source: Source, sink: Sink, rule: Rule, window: Window) -> None:
        context = RuleContext(now=window.end, window=window, scenario=self.name)
        by_ref = read_and_group(source, window, unmatched=self.applier.record_unmatched, progress=self.progress,
                                stop=self.stop, into=waiting)
        pending, settled = select_pending(by_ref, ledger=self.ledger, rule=rule, context=context)
        self.stop.check()
        scan = rule.scan()
        orders: Iterable[Order]
        total: int | None = len(pending)
        seen = seen_set(pending)
        if scan.all_orders:
            total = None
            orders = scan_then_refs(sink, scan, window, pending, seen)
        elif pending:
            orders = fetch_refs(sink, pending)
        else:
            orders = []
        done = 0
        self.progress("orders", 0, total)
        keys = ref_keys(pending) if pending else ref_keys(settled)
        work = self._with_documents(orders, keys, pending, settled, seen)
        if self.ahead is not None:
            work = self.ahead.ahead(work, lambda item: planned_renders(
                rule, item[0], item[1], self.ledger.facts(item[0].id), context))
        for order, docs in work:
            self.stop.check()
            self._handle_order(order, docs, rule, context)
            done += 1
            self.progress("orders", done, total)
        for ref in pending.unseen():
            self.stop.check()
            order_id = self.ledger.order_for_ref(ref[0], ref[1]) or (
                ref[1] if ref[0] == "order_id" else f"{ref[0]}={ref[1]}")
            self._handle_order(None, pending[ref], rule, context, order_id=order_id)
        self.applier.flush_after(force=True)
        self.progress("done", done, total)

    def _with_documents(self, orders: Iterable[Order], keys: list[OrderKey], pending: PendingView,
                        settled: StateSet, seen: StateSet) -> Iterator[tuple[Order, list[SalesDocument]]]:
        """Each order that needs a decision, with its waiting documents."""
        for order in orders:
            self.stop.check()
            if any((key, order.ref_value(key)) in settled for key in keys):
                continue  # its documents are all done: nothing to decide
            docs: list[SalesDocument] = []
            for key in keys:
                ref = (key, order.ref_value(key))
                if ref in pending:
                    docs.extend(pending[ref])
                    seen.add(ref)
                    if key != "order_id" and not self.plan_only:
                        self.ledger.remember_ref(key, ref[1], order.id)
            yield order, docs

    # ---------------------------------------------------------------- decide, per order
    def _handle_order(self, order: Order | None, docs: list[SalesDocument], rule: Rule, context: RuleContext,
                      order_id: str | None = None) -> None:
        """Decide and apply for one order.

        The rule is pure, so after attaches change the facts (a file attached, or one failed) the engine asks
        it again: a correction can follow its invoice, or a failure status be set, in the same run. Skips and
        status/field changes are taken from the last decision only. A plan counts the attaches it plans as
        done, so it asks the rule again exactly as the run would.
        """
        oid = order.id if order is not None else (order_id or "")
        facts = self.ledger.facts(oid)
        docs_by_id = {d.id: d for d in docs}
        for round_ in range(MAX_DECISION_ROUNDS):
            actions = rule.decide(order, docs, facts, context)
            changed = False
            for action in actions:
                if not isinstance(action, AttachDocument) or facts.is_done(action.key):
                    continue
                if action.key in facts.failed and round_ > 0:
                    continue  # failed in an earlier round of this run: not retried until the next run
                self.stop.check()
                result = self.applier.attach(action, docs_by_id.get(action.document_id))
                if result.ok or result.outcome == "planned":
                    facts = facts.with_done(action.key, result.data)
                    changed = True
                elif result.outcome == "failed":
                    changed = changed or action.key not in facts.failed
                    facts = facts.with_failed(action.key, result.message)
            if not changed:
                break
        queued = self.applier.queued_keys()
        for action in actions:
            if isinstance(action, Skip):
                self.applier.record_skip(action)
            elif isinstance(action, (SetStatus, SetField)) and not facts.is_done(action.key) \
                    and action.key not in queued:
                self.applier.queue_after(action, facts)
        self.applier.flush_after(force=False)

    # ---------------------------------------------------------------- helpers
    def _get_renderer(self) -> Renderer:
        if not self._renderer_built:
            self._renderer = build_component(self.scenario, "renderer", host=self.host, ledger=self.ledger)
            self._renderer_built = True
        if self._renderer is None:
            raise DocumentError("no renderer is configured or installed to make the PDF "
                                "(install sellintegro-invoice-pdf or set [renderer] plugin)")
        return self._renderer

    def _preflight(self) -> None:
        """Before the first write: the sink resolves every status, series and field name the scenario uses."""
        sink, rule = self._sink, self._rule
        if sink is None or not isinstance(sink, Preflighting):
            return
        statuses: list[str] = []
        if rule is not None and isinstance(rule, ReferencesStatuses):
            statuses = [str(s) for s in rule.referenced_statuses()]
        try:
            sink.preflight(statuses)
        except ConfigError as exc:
            raise ConfigError(f"{exc.message} Nothing was written: every name is checked before the first "
                              "write.", errors=exc.errors) from None


def run_scenario(scenario: Scenario, *, plan_only: bool = False, host: PluginHost | None = None,
                 progress: ProgressHook | None = None, stop: StopFlag | None = None) -> RunReport:
    """Run (or plan) a scenario once."""
    return Engine(scenario, plan_only=plan_only, host=host, progress=progress, stop=stop).run()

