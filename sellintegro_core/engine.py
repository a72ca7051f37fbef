"""One run: window -> read documents -> match to orders -> rule decides -> render -> sink applies -> ledger.

``run_scenario(scenario, plan_only=False)`` returns a ``RunReport``. In plan mode nothing is written:
neither the sink (no write calls) nor the ledger (opened read-only).
"""

from __future__ import annotations

import threading
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from . import clock
from .components import (
    ApplyContext,
    ComponentContext,
    OrderQuery,
    RuleContext,
    close_quietly,
)
from .config import Scenario
from .errors import (
    EXIT_DEFERRED,
    EXIT_DOCUMENT_ERRORS,
    EXIT_OK,
    DocumentError,
    RateLimitBlocked,
    RetriableError,
)
from .ledger import Ledger, LedgerStepLog, ScenarioState, open_ledger
from .models import (
    Action,
    ActionResult,
    AttachDocument,
    Order,
    OrderFacts,
    SalesDocument,
    SetField,
    SetStatus,
    Skip,
)
from .plugins import PluginHost, get_host
from .window import compute_window

BATCH_SIZE = 100
MAX_DECISION_ROUNDS = 4


@dataclass
class Row:
    """One line of the run's outcome table."""

    order_id: str
    document: str
    action: str
    outcome: str
    message: str


@dataclass
class RunReport:
    scenario: str
    plan_only: bool
    started_at: datetime
    finished_at: datetime | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    outcome: str = "ok"                 # ok | document_errors | deferred | stopped
    exit_code: int = EXIT_OK
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    api_calls: int = 0
    deferred_until: datetime | None = None
    message: str = ""
    rows: list[Row] = field(default_factory=list)
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario, "plan": self.plan_only, "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "window": {"start": self.window_start.isoformat() if self.window_start else None,
                       "end": self.window_end.isoformat() if self.window_end else None},
            "outcome": self.outcome, "exit_code": self.exit_code, "counts": dict(self.counts),
            "api_calls": self.api_calls,
            "deferred_until": self.deferred_until.isoformat() if self.deferred_until else None,
            "message": self.message,
            "rows": [row.__dict__ for row in self.rows],
        }


class StopFlag:
    """Set from a signal handler: the engine finishes the current step, records it and stops."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __bool__(self) -> bool:
        return self._event.is_set()


class _Stopped(Exception):
    pass


def build_component(scenario: Scenario, kind: str, *, host: PluginHost | None = None,
                    ledger: Ledger | None = None, plan_only: bool = False) -> Any:
    """Build the component a scenario names for ``kind`` (source, sink, rule, renderer)."""
    host = host or get_host()
    name = scenario.plugin_name(kind)
    if name is None:
        return None
    spec = host.component(kind, name)
    config = scenario.configs.get(kind)
    if config is None:
        config = spec.config_model.model_validate(scenario.section(kind))
        scenario.configs[kind] = config
    context = ComponentContext(
        scenario=scenario.name, base_dir=scenario.base_dir, timezone=scenario.timezone,
        state=ScenarioState(ledger, scenario.name) if ledger is not None else None, plan_only=plan_only)
    return spec.factory(config, context)


ProgressHook = Callable[[str, int, int | None], None]   # (phase, done, total)


class Engine:
    def __init__(self, scenario: Scenario, *, plan_only: bool = False, host: PluginHost | None = None,
                 progress: ProgressHook | None = None, stop: StopFlag | None = None,
                 ledger: Ledger | None = None) -> None:
        self.scenario = scenario
        self.plan_only = plan_only
        self.host = host or get_host()
        self.progress = progress or (lambda phase, done, total: None)
        self.stop = stop if stop is not None else StopFlag()   # an unset flag is falsy: never `or`
        self.name = scenario.name
        self.ledger = ledger or open_ledger(scenario.model.state.url, scenario.base_dir, read_only=plan_only)
        self._own_ledger = ledger is None
        self.report = RunReport(scenario=self.name, plan_only=plan_only, started_at=self.now())
        self._renderer: Any = None
        self._renderer_built = False
        self._pending_after: list[tuple[Action, OrderFacts]] = []

    def now(self) -> datetime:
        return clock.now(self.scenario.timezone)

    # ---------------------------------------------------------------- public
    def run(self) -> RunReport:
        report = self.report
        hook = self.host.pm.hook
        now = self.now()
        setup_at = self.ledger.setup_at(self.name)
        if setup_at is None:
            setup_at = now if self.plan_only else self.ledger.ensure_setup(self.name, now)
        window = compute_window(self.scenario.model.window, now=now, setup_at=setup_at,
                                timezone=self.scenario.timezone)
        report.window_start, report.window_end = window.start, window.end
        if not self.plan_only:
            report.run_id = self.ledger.start_run(self.name, report.started_at)
        hook.sellintegro_run_started(scenario=self.name, window=window, plan_only=self.plan_only)
        source = sink = rule = None
        try:
            source = build_component(self.scenario, "source", host=self.host, ledger=self.ledger,
                                     plan_only=self.plan_only)
            rule = build_component(self.scenario, "rule", host=self.host, ledger=self.ledger,
                                   plan_only=self.plan_only)
            sink = build_component(self.scenario, "sink", host=self.host, ledger=self.ledger,
                                   plan_only=self.plan_only)
            self._sink = sink
            self._run(source, sink, rule, window)
        except (RateLimitBlocked, RetriableError) as exc:
            report.outcome = "deferred"
            report.exit_code = EXIT_DEFERRED
            report.deferred_until = getattr(exc, "until", None)
            report.message = exc.message
        except _Stopped:
            report.outcome = "stopped"
            report.message = "stopped on request after the current step"
        except BaseException as exc:
            report.outcome = "failed"
            report.exit_code = getattr(exc, "exit_code", 1) if not isinstance(exc, KeyboardInterrupt) else 130
            report.message = getattr(exc, "message", str(exc))
            raise
        finally:
            report.api_calls = int(getattr(sink, "api_calls", 0) or 0)
            report.finished_at = self.now()
            if report.outcome == "ok" and report.counts.get("failed"):
                report.outcome = "document_errors"
                report.exit_code = EXIT_DOCUMENT_ERRORS
            if not self.plan_only and report.run_id is not None:
                self.ledger.finish_run(report.run_id, report.finished_at, report.outcome, report.exit_code,
                                       dict(report.counts), report.api_calls, report.deferred_until)
            for component in (source, sink, rule, self._renderer):
                if component is not None:
                    close_quietly(component)
            hook.sellintegro_run_finished(scenario=self.name, report=report.as_dict())
            if self._own_ledger:
                self.ledger.close()
        return report

    # ---------------------------------------------------------------- the run
    def _run(self, source: Any, sink: Any, rule: Any, window: Any) -> None:
        context = RuleContext(now=window.end, window=window, scenario=self.name)
        # Documents wait in a compact form (compressed JSON, ~1 KB instead of ~20 KB as objects) so that
        # memory does not grow with the window: only one order's documents are objects at a time.
        by_ref: dict[tuple[str, str], list[bytes]] = defaultdict(list)
        read = 0
        self.progress("read", 0, None)
        for document in source.read(window):
            read += 1
            if document.order_ref is None:
                self._record_unmatched(document)
            else:
                by_ref[(document.order_ref.key, document.order_ref.value)].append(_pack(document))
            if read % 200 == 0:
                self.progress("read", read, None)
        self.progress("read", read, read)

        # Which referenced orders still need work (ledger facts only: no API call for settled orders).
        pending: dict[tuple[str, str], list[bytes]] = {}
        settled: set[tuple[str, str]] = set()
        for ref, packed in by_ref.items():
            order_id = self.ledger.order_for_ref(self.name, ref[0], ref[1])
            facts = self.ledger.facts(self.name, order_id) if order_id else OrderFacts(order_id="")
            if rule.pending(_unpack(packed), facts, context):
                pending[ref] = packed
            else:
                settled.add(ref)
        by_ref.clear()

        scan = rule.scan()
        orders: Iterable[Order]
        total: int | None = len(pending)
        seen: set[tuple[str, str]] = set()
        if scan.all_orders:
            total = None
            orders = self._scan_then_refs(sink, scan, window, pending, seen)
        elif pending:
            orders = self._fetch_refs(sink, pending)
        else:
            orders = []
        done = 0
        self.progress("orders", 0, total)
        for order in orders:
            self._check_stop()
            keys = self._ref_keys(pending) if pending else self._ref_keys(dict.fromkeys(settled))
            if any((key, order.ref_value(key)) in settled for key in keys):
                continue  # its documents are all done: nothing to decide
            docs: list[SalesDocument] = []
            for key in keys:
                ref = (key, order.ref_value(key))
                if ref in pending:
                    docs.extend(_unpack(pending[ref]))
                    seen.add(ref)
                    if key != "order_id" and not self.plan_only:
                        self.ledger.remember_ref(self.name, key, ref[1], order.id)
            self._handle_order(order, docs, rule, context)
            done += 1
            self.progress("orders", done, total)
        for ref, packed in pending.items():
            if ref not in seen:
                docs = _unpack(packed)
                order_id = self.ledger.order_for_ref(self.name, ref[0], ref[1]) or (
                    ref[1] if ref[0] == "order_id" else f"{ref[0]}={ref[1]}")
                self._handle_order(None, docs, rule, context, order_id=order_id)
        self._flush_after(force=True)
        self.progress("done", done, total)

    def _ref_keys(self, pending: dict[tuple[str, str], Any]) -> list[str]:
        keys = sorted({ref[0] for ref in pending})
        return keys or ["order_id"]

    def _fetch_refs(self, sink: Any, pending: dict[tuple[str, str], Any]) -> Iterable[Order]:
        by_key: dict[str, list[str]] = defaultdict(list)
        for key, value in pending:
            by_key[key].append(value)
        for key, values in sorted(by_key.items()):
            yield from sink.fetch_orders(OrderQuery(refs=sorted(values, key=_natural), key=key))  # type: ignore[arg-type]

    def _scan_then_refs(self, sink: Any, scan: Any, window: Any, pending: dict[tuple[str, str], Any],
                        seen: set[tuple[str, str]]) -> Iterable[Order]:
        yielded: set[str] = set()
        for order in sink.fetch_orders(OrderQuery(date_from=window.start, date_to=window.end,
                                                  statuses=scan.statuses)):
            yielded.add(order.id)
            yield order
        rest = {ref: docs for ref, docs in pending.items() if ref not in seen}
        if rest:
            for order in self._fetch_refs(sink, rest):
                if order.id not in yielded:
                    yield order

    # ---------------------------------------------------------------- per order
    def _handle_order(self, order: Order | None, docs: list[SalesDocument], rule: Any, context: RuleContext,
                      order_id: str | None = None) -> None:
        """Decide and apply for one order.

        The rule is pure, so after attaches change the facts (a file attached, or one failed) the engine asks
        it again: a correction can follow its invoice, or a failure status be set, in the same run. Skips and
        status/field changes are taken from the last decision only.
        """
        oid = order.id if order is not None else (order_id or "")
        facts = self.ledger.facts(self.name, oid)
        docs_by_id = {d.id: d for d in docs}
        for round_ in range(MAX_DECISION_ROUNDS):
            actions = rule.decide(order, docs, facts, context)
            changed = False
            for action in actions:
                if not isinstance(action, AttachDocument) or facts.is_done(action.key):
                    continue
                if action.key in facts.failed and round_ > 0:
                    continue  # failed in an earlier round of this run: not retried until the next run
                self._check_stop()
                result = self._attach(action, docs_by_id.get(action.document_id))
                if result.ok:
                    facts.done[action.key] = result.data
                    facts.failed.pop(action.key, None)
                    changed = True
                elif result.outcome == "failed":
                    changed = changed or action.key not in facts.failed
                    facts.failed[action.key] = result.message
            if not changed or self.plan_only:
                break
        queued = {a.key for a, _ in self._pending_after}
        for action in actions:
            if isinstance(action, Skip):
                self._record_skip(action)
            elif isinstance(action, (SetStatus, SetField)) and not facts.is_done(action.key) \
                    and action.key not in queued:
                self._queue_after(action, facts)
        self._flush_after(force=False)

    def _attach(self, action: AttachDocument, document: SalesDocument | None) -> ActionResult:
        if self.plan_only:
            result = ActionResult(key=action.key, outcome="planned", message=action.reason or "would attach")
            self._account(action, result, document_number=action.document_number)
            return result
        steps = LedgerStepLog(self.ledger, self.name, action.key, self.now)

        def render() -> bytes:
            if document is None:
                raise DocumentError(f"document {action.document_number} is no longer in the source")
            renderer = self._get_renderer()
            return renderer.render(document, action.template, ksef_label=action.ksef_label)

        try:
            result = self._sink.apply(action, ApplyContext(steps=steps, document=document, render=render))
        except DocumentError as exc:
            result = ActionResult(key=action.key, outcome="failed", message=exc.message,
                                  data={"code": exc.code})
        self._account(action, result, document_number=action.document_number)
        return result

    def _get_renderer(self) -> Any:
        if not self._renderer_built:
            self._renderer = build_component(self.scenario, "renderer", host=self.host, ledger=self.ledger)
            self._renderer_built = True
        if self._renderer is None:
            raise DocumentError("no renderer is configured or installed to make the PDF "
                                "(install sellintegro-invoice-pdf or set [renderer] plugin)")
        return self._renderer

    def _queue_after(self, action: Action, facts: OrderFacts) -> None:
        self._pending_after.append((action, facts))

    def _flush_after(self, *, force: bool) -> None:
        """Apply queued status/field changes whose prerequisites are done (batched through the sink)."""
        if not self._pending_after or (not force and len(self._pending_after) < BATCH_SIZE):
            return
        ready: list[Action] = []
        for action, facts in self._pending_after:
            after = getattr(action, "after", [])
            if all(facts.is_done(key) for key in after):
                ready.append(action)
            else:
                missing = [k for k in after if not facts.is_done(k)]
                result = ActionResult(key=action.key, outcome="skipped",
                                      message=f"waiting for {', '.join(missing)} before this change")
                self._account(action, result)
        self._pending_after = []
        if not ready:
            return
        if self.plan_only:
            for action in ready:
                self._account(action, ActionResult(key=action.key, outcome="planned",
                                                   message=action.reason or _describe(action)))
            return
        contexts = [ApplyContext(steps=LedgerStepLog(self.ledger, self.name, a.key, self.now)) for a in ready]
        batch = getattr(self._sink, "apply_batch", None)
        if callable(batch):
            try:
                results = batch(ready, contexts)
            except DocumentError as exc:
                results = [ActionResult(key=a.key, outcome="failed", message=exc.message) for a in ready]
        else:
            results = []
            for action, ctx in zip(ready, contexts, strict=True):
                try:
                    results.append(self._sink.apply(action, ctx))
                except DocumentError as exc:
                    results.append(ActionResult(key=action.key, outcome="failed", message=exc.message))
        for action, result in zip(ready, results, strict=True):
            self._account(action, result)

    # ---------------------------------------------------------------- recording
    def _record_unmatched(self, document: SalesDocument) -> None:
        problem = document.match.problem or "no order reference found"
        skip = Skip(order_id="", code="unmatched", document_id=document.id, document_number=document.number,
                    reason=f"{document.number}: {problem}")
        self._record_skip(skip)

    def _record_skip(self, action: Skip) -> None:
        result = ActionResult(key=action.key, outcome="skipped", message=action.reason or action.code,
                              data={"code": action.code, "final": action.final})
        self._account(action, result, document_number=action.document_number)

    def _account(self, action: Action, result: ActionResult, document_number: str = "") -> None:
        self.report.counts[result.outcome] += 1
        document_id = getattr(action, "document_id", "") or ""
        number = document_number or getattr(action, "document_number", "") or ""
        self.report.rows.append(Row(order_id=action.order_id, document=number, action=_describe(action),
                                    outcome=result.outcome, message=result.message))
        if not self.plan_only:
            code = result.data.get("code", "") if isinstance(result.data, dict) else ""
            if isinstance(action, Skip):
                code = action.code
            data = dict(result.data)
            if isinstance(action, Skip):
                data["final"] = action.final
            self.ledger.record_action(
                self.name, self.report.run_id, key=action.key, order_id=action.order_id,
                document_id=document_id, type=action.type, outcome=result.outcome, code=str(code or ""),
                message=result.message, data=data, at=self.now())
        self.host.pm.hook.sellintegro_action_applied(scenario=self.name, action=action, result=result)

    def _check_stop(self) -> None:
        if self.stop:
            raise _Stopped()


def _describe(action: Action) -> str:
    if isinstance(action, AttachDocument):
        return f"attach {action.target}"
    if isinstance(action, SetStatus):
        return f"status -> {action.status}"
    if isinstance(action, SetField):
        return f"field {action.field}"
    return f"skip ({action.code})"


def _pack(document: SalesDocument) -> bytes:
    return zlib.compress(document.model_dump_json().encode("utf-8"), 1)


def _unpack(packed: list[bytes]) -> list[SalesDocument]:
    return [SalesDocument.model_validate_json(zlib.decompress(blob)) for blob in packed]


def _natural(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def run_scenario(scenario: Scenario, *, plan_only: bool = False, host: PluginHost | None = None,
                 progress: ProgressHook | None = None, stop: StopFlag | None = None) -> RunReport:
    """Run (or plan) a scenario once."""
    return Engine(scenario, plan_only=plan_only, host=host, progress=progress, stop=stop).run()
