"""Applying a run's decisions: attaches one by one, status and field changes batched, everything recorded.

In plan mode the same path runs without writing: an attach the run would make counts as done for the rest of
the plan (so a status change after it, or a correction after its invoice, is planned exactly as the run would
make it) and nothing reaches the sink or the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from .components import ApplyContext
from .errors import DocumentError
from .exemption import apply_exemption_basis
from .ledger import Ledger, LedgerStepLog
from .models import Action, ActionResult, AttachDocument, OrderFacts, SalesDocument, Skip
from .report import Row, RunReport, describe
from .secrets import redact, redact_data

BATCH_SIZE = 100


class Applier:
    """Applies and records actions for one run (``sink`` is set once the sink is built)."""

    def __init__(self, *, scenario: str, ledger: Ledger, report: RunReport, plan_only: bool, hook: Any,
                 now: Callable[[], datetime], renderer: Callable[[], Any],
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
        self.sink: Any = None
        self.ahead: Any = None      # a RenderPool (render_ahead.py) when PDFs are made in worker processes
        self._pending_after: list[tuple[Action, OrderFacts]] = []
        self._labels: dict[str, str] = {}          # attach key -> document number (for messages)

    def before_write(self) -> None:
        """Resolve every name the scenario references once, before the first write (a typo writes nothing)."""
        if not self._preflight_done:
            self._preflight()
            self._preflight_done = True

    # ---------------------------------------------------------------- attaches
    def attach(self, action: AttachDocument, document: SalesDocument | None) -> ActionResult:
        self._labels[action.key] = action.document_number
        self.before_write()
        if self.plan_only:
            result = self._plan_attach(action, document)
            self.account(action, result, document_number=action.document_number)
            return result
        steps = LedgerStepLog(self.ledger, self.scenario, action.key, self.now)
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
            result = self.sink.apply(action, ApplyContext(steps=steps, document=document, render=render))
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
        data, template errors and the checks on the document's data; else ``render_html``), when the
        components offer them."""
        try:
            check = getattr(self.sink, "plan_check", None)
            if callable(check):
                check(action)
            if document is None:
                raise DocumentError(f"document {action.document_number} is no longer in the source")
            document = apply_exemption_basis(document, self.exemption_basis)
            renderer = self.renderer()
            before_pdf = getattr(renderer, "plan_check", None) or getattr(renderer, "render_html", None)
            if callable(before_pdf):
                before_pdf(document, action.template, ksef_label=action.ksef_label)
        except DocumentError as exc:
            return ActionResult(key=action.key, outcome="failed", message=exc.message, data={"code": exc.code})
        return ActionResult(key=action.key, outcome="planned", message=action.reason or "would attach")

    # ---------------------------------------------------------------- status / field changes
    def queued_keys(self) -> set[str]:
        return {a.key for a, _ in self._pending_after}

    def queue_after(self, action: Action, facts: OrderFacts) -> None:
        self._pending_after.append((action, facts))

    def flush_after(self, *, force: bool) -> None:
        """Apply queued status/field changes whose prerequisites are done (batched through the sink)."""
        if not self._pending_after or (not force and len(self._pending_after) < BATCH_SIZE):
            return
        ready: list[Action] = []
        for action, facts in self._pending_after:
            after = getattr(action, "after", [])
            missing = [k for k in after if not facts.is_done(k)]
            if not missing:
                ready.append(action)
            else:
                self.account(action, ActionResult(key=action.key, outcome="skipped",
                                                  message=self._waiting_message(missing)))
        self._pending_after = []
        if not ready:
            return
        self.before_write()
        if self.plan_only:
            for action in ready:
                self.account(action, ActionResult(key=action.key, outcome="planned",
                                                  message=action.reason or describe(action)))
            return
        contexts = [ApplyContext(steps=LedgerStepLog(self.ledger, self.scenario, a.key, self.now)) for a in ready]
        batch = getattr(self.sink, "apply_batch", None)
        if callable(batch):
            try:
                results = batch(ready, contexts)
            except DocumentError as exc:
                results = [ActionResult(key=a.key, outcome="failed", message=exc.message) for a in ready]
        else:
            results = []
            for action, ctx in zip(ready, contexts, strict=True):
                try:
                    results.append(self.sink.apply(action, ctx))
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
        document_id = getattr(action, "document_id", "") or ""
        number = document_number or getattr(action, "document_number", "") or ""
        self.report.rows.append(Row(order_id=action.order_id, document=number, action=describe(action),
                                    outcome=result.outcome, message=message))
        if not self.plan_only:
            code = result.data.get("code", "") if isinstance(result.data, dict) else ""
            if isinstance(action, Skip):
                code = action.code
            data = dict(result.data)
            if isinstance(action, Skip):
                data["final"] = action.final
            self.ledger.record_action(
                self.scenario, self.report.run_id, key=action.key, order_id=action.order_id,
                document_id=document_id, type=action.type, outcome=result.outcome, code=str(code or ""),
                message=message, data=redact_data(data), at=self.now(), document_number=number)
        if message != result.message:
            result = result.model_copy(update={"message": message})
        self.hook.sellintegro_action_applied(scenario=self.scenario, action=action, result=result)
