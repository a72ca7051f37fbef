"""Applying a run's decisions: attaches one by one, status and field changes batched, everything recorded.

In plan mode the same path runs without writing: an attach the run would make counts as done for the rest of
the plan (so a status change after it, or a correction after its invoice, is planned exactly as the run would
make it) and nothing reaches the sink or the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .capabilities import BatchingSink, PlanCheckingRenderer, PlanCheckingSink, RendersHtml
from .components import ApplyContext, Renderer, Sink
from .errors import DocumentError
from .exemption import apply_exemption_basis
from .models import Action, ActionResult, AfterAction, AttachDocument, OrderFacts, SalesDocument, Skip
from .report import Row, RunReport, describe
from .scenario_ledger import ScenarioLedger
from .secrets import redact, redact_data

if TYPE_CHECKING:
    from .render_ahead import RenderPool

BATCH_SIZE = 100


class Applier:
    """Applies and records actions for one run (``sink`` is set once the sink is built)."""

    def __init__(self, *, scenario: str, ledger: ScenarioLedger, report: RunReport, plan_only: bool, hook: Any,
                 now: Callable[[], datetime], renderer: Callable[[], Renderer],
                 preflight: Callable[[], None], exemption_basis: str | None = None) -> None:
        self.scenario = scenario
        self.exemption_basis = exemption_basis
        self.ledger = ledger
        self.report = report
        self.plan_only = plan_only
        self.hook = hook
        self.now = now
        self.renderer = renderer
        self._preflight = preflight
        self._preflight_done = False
        self.sink: Sink | None = None
        self.ahead: RenderPool | None = None      # when PDFs are made in worker processes (render_ahead.py)
        self._pending_after: list[tuple[AfterAction, OrderFacts]] = []
        self._labels: dict[str, str] = {}          # attach key -> document number (for messages)

    def before_write(self) -> None:
        """Resolve every name the scenario references once, before the first write (a typo writes nothing)."""
        if not self._preflight_done:
            self._preflight()
            self._preflight_done = True

    def _the_sink(self) -> Sink:
        if self.sink is None:
            raise RuntimeError("an action was applied before the sink was built")
        return self.sink

    # ---------------------------------------------------------------- attaches
    def attach(self, action: AttachDocument, document: SalesDocument | None) -> ActionResult:
        self._labels[action.key] = action.document_number
        self.before_write()
        if self.plan_only:
            result = self._plan_attach(action, document)
            self.account(action, result, document_number=action.document_number)
            return result
        steps = self.ledger.step_log(action.key)
        warnings: list[str] = []

        def render() -> bytes:
            if document is None:
                raise DocumentError(f"document {action.document_number} is no longer in the source")
            if self.ahead is not None:
                pdf, notes = self.ahead.render(action, document)
                warnings[:] = notes[:5]
                return pdf
            ready = apply_exemption_basis(document, self.exemption_basis)
            pdf = self.renderer().render(ready, action.template, ksef_label=action.ksef_label)
            warnings[:] = [str(w) for w in ready.extra.pop("warnings", [])][:5]   # renderers' notes
            return bytes(pdf)

        try:
            result = self._the_sink().apply(action, ApplyContext(steps=steps, document=document, render=render))
        except DocumentError as exc:
            result = ActionResult(key=action.key, outcome="failed", message=exc.message,
                                  data={"code": exc.code})
        if warnings:
            result = result.model_copy(update={"message": "; ".join([result.message, *(
                f"warning: {w}" for w in warnings)]).lstrip("; ")})
        self.account(action, result, document_number=action.document_number)
        return result

    def _plan_attach(self, action: AttachDocument, document: SalesDocument | None) -> ActionResult:
        """What the run would record for this attach, without sending or rendering a PDF: the sink's checks
        before any call (``plan_check``) and the renderer's checks before the PDF (its ``plan_check``: KSeF
        data, template errors and the checks on the document's data; else its HTML), when the components offer
        them (:class:`PlanCheckingSink`, :class:`PlanCheckingRenderer`, :class:`RendersHtml`)."""
        try:
            sink = self._the_sink()
            if isinstance(sink, PlanCheckingSink):
                sink.plan_check(action)
            if document is None:
                raise DocumentError(f"document {action.document_number} is no longer in the source")
            document = apply_exemption_basis(document, self.exemption_basis)
            renderer = self.renderer()
            if isinstance(renderer, PlanCheckingRenderer):
                renderer.plan_check(document, action.template, ksef_label=action.ksef_label)
            elif isinstance(renderer, RendersHtml):
                renderer.render_html(document, action.template, ksef_label=action.ksef_label)
        except DocumentError as exc:
            return ActionResult(key=action.key, outcome="failed", message=exc.message, data={"code": exc.code})
        return ActionResult(key=action.key, outcome="planned", message=action.reason or "would attach")

    # ---------------------------------------------------------------- status / field changes
    def queued_keys(self) -> set[str]:
        return {a.key for a, _ in self._pending_after}

    def queue_after(self, action: AfterAction, facts: OrderFacts) -> None:
        self._pending_after.append((action, facts))

    def flush_after(self, *, force: bool) -> None:
        """Apply queued status/field changes whose prerequisites are done (batched through the sink)."""
        if not self._pending_after:
            self._labels.clear()    # names are needed only for queued changes: keeps memory flat in the window
            return
        if not force and len(self._pending_after) < BATCH_SIZE:
            return
        ready: list[AfterAction] = []
        for action, facts in self._pending_after:
            missing = [k for k in action.after if not facts.is_done(k)]
            if not missing:
                ready.append(action)
            else:
                self.account(action, ActionResult(key=action.key, outcome="skipped",
                                                  message=self._waiting_message(missing)))
        self._pending_after = []
        self._labels.clear()
        if not ready:
            return
        self.before_write()
        if self.plan_only:
            for action in ready:
                self.account(action, ActionResult(key=action.key, outcome="planned",
                                                  message=action.reason or describe(action)))
            return
        contexts = [ApplyContext(steps=self.ledger.step_log(a.key)) for a in ready]
        sink = self._the_sink()
        if isinstance(sink, BatchingSink):
            try:
                results = sink.apply_batch(ready, contexts)
            except DocumentError as exc:
                results = [ActionResult(key=a.key, outcome="failed", message=exc.message) for a in ready]
        else:
            results = []
            for action, ctx in zip(ready, contexts, strict=True):
                try:
                    results.append(sink.apply(action, ctx))
                except DocumentError as exc:
                    results.append(ActionResult(key=action.key, outcome="failed", message=exc.message))
        for action, result in zip(ready, results, strict=True):
            self.account(action, result)

    def _waiting_message(self, missing: list[str]) -> str:
        """Names the documents a change waits for (never the internal action keys)."""
        names = [self._labels[k] for k in missing if k in self._labels]
        if not names:
            return "waiting for this order's documents to be attached before this change"
        return f"waiting for {', '.join(names)} to be attached before this change"

    # ---------------------------------------------------------------- recording
    def record_unmatched(self, document: SalesDocument) -> None:
        problem = document.match.problem or "no order reference found"
        failed = document.match.failed  # the match itself failed (a pattern ran too long): a document error
        skip = Skip(order_id="", code="match_failed" if failed else "unmatched", document_id=document.id,
                    document_number=document.number, reason=f"{document.number}: {problem}")
        if not failed:
            return self.record_skip(skip)
        self.account(skip, ActionResult(key=skip.key, outcome="failed", message=skip.reason,
                                        data={"code": "match_failed"}), document_number=document.number)

    def record_skip(self, action: Skip) -> None:
        result = ActionResult(key=action.key, outcome="skipped", message=action.reason or action.code,
                              data={"code": action.code, "final": action.final})
        self.account(action, result, document_number=action.document_number)

    def account(self, action: Action, result: ActionResult, document_number: str = "") -> None:
        message = redact(result.message)
        self.report.counts[result.outcome] += 1
        number = document_number or (action.document_number if isinstance(action, AttachDocument | Skip) else "")
        self.report.add_row(Row(order_id=action.order_id, document=number, action=describe(action),
                                    outcome=result.outcome, message=message))
        if message != result.message:
            result = result.model_copy(update={"message": message})
        if not self.plan_only:
            self.ledger.record(action, result.model_copy(update={"data": redact_data(dict(result.data))}),
                               document_number=number)
        self.hook.sellintegro_action_applied(scenario=self.scenario, action=action, result=result)
