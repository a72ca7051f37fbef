"""Benchmark 1 — BaseLinker calls per attached document: sellintegro vs the flow competitors document.

Workload: the demo database generator (``sellintegro subiekt demo-db``) with enough documents for ~800
sales documents, its orders topped up with filler orders (in the window, no Subiekt document) to ~1 000
orders. Every emulator is seeded identically, runs in this process on a loopback socket with ``--log``, and
calls are counted from its call log.

* **ours**: an engine run of the demo's scenario (the ``sellintegro demo`` settings: all statuses, wait for
  KSeF for B2B) with ``on_success = "keep"`` on one emulator and ``on_success = { status = ... }`` on a second;
  then a second run of each with nothing new; then the status scenario with ``no_document`` switched on, run
  once (it sets "Brak faktury" on the filler orders older than 48 h) and once more with nothing new.
* **baseline**: the per-order flow integrations document (getOrders by ``order_id``, getInvoices,
  addInvoice / addReceipt / addInvoiceCorrection, addOrderInvoiceFile / addOrderReceiptFile, setOrderStatus),
  written with httpx directly, against a fresh emulator, for exactly the documents our run attached.
"""

from __future__ import annotations

import base64
import json
import math
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .common import Result, check_size, fmt
from .harness import TOKEN, Workload, instrumented_run, log_counts, make_workload, write_scenario

NAME = "calls_per_document"
TITLE = "Calls per attached document"
# (documents passed to the generator, orders after filler, render every n-th PDF for real)
SIZES = {"quick": (60, 80, 10), "full": (800, 1000, 20), "long": (800, 1000, 1)}
TARGET_NO_STATUS = 2.05
TARGET_STATUS = 2.10
BLOCK_FREE_RPM = 100_000      # the emulators do not throttle here: benchmark 2 measures the limit
WINDOW = 0.05                 # sink.rate_window_seconds: 100 calls per 0.05 s, so our limiter never waits


def _emulator(workload: Workload, log: Path) -> Any:
    from sellintegro_baselinker_emulator import Emulator

    return Emulator(token=TOKEN, seed=json.loads(json.dumps(workload.seed)), requests_per_minute=BLOCK_FREE_RPM,
                    log_path=log)


class Baseline:
    """The documented per-order flow, with plain httpx."""

    def __init__(self, url: str, pdf: bytes) -> None:
        import httpx

        self.url = url
        self.http = httpx.Client(timeout=30)
        self.file = "data:" + base64.b64encode(pdf).decode("ascii")
        self.series: dict[str, int] = {}

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        response = self.http.post(self.url, headers={"X-BLToken": TOKEN},
                                  data={"method": method, "parameters": json.dumps(params)})
        data: dict[str, Any] = response.json()
        if data.get("status") != "SUCCESS":
            raise RuntimeError(f"baseline {method}: {data.get('error_code')} {data.get('error_message')}")
        return data

    def setup(self) -> None:
        for s in self.call("getSeries")["series"]:       # once, like any integration's settings screen
            self.series.setdefault(s["type"], int(s["id"]))
        self.status_id = next(int(s["id"]) for s in self.call("getOrderStatusList")["statuses"]
                              if s["name"] == "Faktura wysłana")

    def order(self, order_id: int, docs: list[tuple[str, str]], set_status: bool) -> None:
        self.call("getOrders", order_id=order_id)
        self.call("getInvoices", order_id=order_id)
        invoice_id = None
        for target, number in docs:
            if target == "receipt":
                rid = self.call("addReceipt", order_id=order_id, series_id=self.series["RECEIPT"])["receipt_id"]
                self.call("addOrderReceiptFile", receipt_id=rid, file=self.file,
                          external_receipt_number=number[:20])
            elif target == "correction" and invoice_id is not None:
                cid = self.call("addInvoiceCorrection", original_invoice_id=invoice_id,
                                series_id=self.series.get("CORRECTION", self.series["INVOICE"]))["invoice_id"]
                self.call("addOrderInvoiceFile", invoice_id=cid, file=self.file, external_invoice_number=number[:30])
            else:
                invoice_id = self.call("addInvoice", order_id=order_id,
                                       series_id=self.series["INVOICE"])["invoice_id"]
                self.call("addOrderInvoiceFile", invoice_id=invoice_id, file=self.file,
                          external_invoice_number=number[:30])
        if set_status:
            self.call("setOrderStatus", order_id=order_id, status_id=self.status_id)


def _attached(outcome: Any) -> dict[int, list[tuple[str, str]]]:
    """order id -> [(target, document number)] of the documents our run attached (in run order)."""
    by_order: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for row in outcome.report.all_rows():
        if row.action.startswith("attach") and row.outcome == "done":
            by_order[int(row.order_id)].append((row.action.split()[-1], row.document))
    for docs in by_order.values():       # invoices before their corrections
        docs.sort(key=lambda d: d[0] == "correction")
    return by_order


MAX_CATCH_UP = 3


def _ours(workload: Workload, folder: Path, name: str, on_success: bool, render_every: int) -> dict[str, Any]:
    """First run, catch-up runs until a run attaches nothing (corrections wait for their invoice), then a run
    with nothing new; for the status scenario also no_document switched on, then nothing new again."""
    from sellintegro_baselinker_emulator import serve

    log = folder / f"{name}-calls.jsonl"
    emulator = _emulator(workload, log)
    out: dict[str, Any] = {"runs": []}
    with serve(emulator) as server:
        scenario = write_scenario(folder, server.url, name=name, db=workload.db, on_success=on_success,
                                  window_seconds=WINDOW)
        seen = 0
        catch_up: Counter[str] = Counter()
        for i in range(1 + MAX_CATCH_UP):
            outcome = instrumented_run(scenario, render_every=render_every)
            calls, seen_now = log_counts(log, since=seen)
            seen = seen_now
            out["runs"].append((outcome, calls))
            if i and not outcome.attached:
                break                                # a run that attached nothing: converged
            catch_up += calls
        out["quiet"] = out["runs"][-1]
        out["runs"] = out["runs"][:-1]
        out["calls"] = catch_up
        out["attached"] = _merge_attached([o for o, _ in out["runs"]])
        if on_success:
            write_scenario(folder, server.url, name=name, db=workload.db, on_success=True, no_document=True,
                           window_seconds=WINDOW)
            switch = instrumented_run(scenario, render_every=render_every)
            calls3, seen = log_counts(log, since=seen)
            again = instrumented_run(scenario, render_every=render_every)
            calls4, _ = log_counts(log, since=seen)
            out["nodoc"] = (switch, calls3, again, calls4)
    return out


def _merge_attached(outcomes: list[Any]) -> dict[int, list[tuple[str, str]]]:
    merged: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for outcome in outcomes:
        for order_id, docs in _attached(outcome).items():
            merged[order_id].extend(docs)
    for docs in merged.values():
        docs.sort(key=lambda d: d[0] == "correction")
    return merged


WRITES = {"addInvoice", "addReceipt", "addInvoiceCorrection", "addOrderInvoiceFile", "addOrderReceiptFile",
          "setOrderStatus", "setOrderStatuses", "setOrderFields"}


def _why(calls: Counter[str], attached: int, per_order_reads: int, catch_up_runs: int) -> str:
    """Cause and next step of a missed calls-per-document target, from what the call log shows."""
    writes = sum(n for m, n in calls.items() if m in WRITES)
    reads = {m: n for m, n in calls.items() if m not in WRITES}
    text = [f"Writes {writes}, reads {sum(reads.values())} ({', '.join(f'{m} {n}' for m, n in reads.items())})."]
    nexts = []
    if per_order_reads:
        without = (sum(calls.values()) - per_order_reads) / max(1, attached)
        text.append(f"Cause: {per_order_reads} getInvoices by `order_id`: orders the sink's batched read of what "
                    "the account holds (holdings.py, one paged getInvoices/getReceipts per run) did not cover were "
                    f"read one by one; without them the figure would be {fmt(without, 3)}.")
        nexts.append("widen the batched read (holdings.py) so it covers those orders (baselinker sink)")
    if catch_up_runs:
        text.append(f"{catch_up_runs} catch-up run(s) were needed (corrections waiting for their invoice) and each "
                    "repeats the per-run reads.")
        nexts.append("let the rule send a correction in the same run as its invoice (invoice_pdf rule)")
    if attached < 200:
        text.append(f"With only {attached} documents (a small size) the few reads every run makes are not "
                    "amortised; the full size is the measurement.")
    return " ".join(text) + (" Next step: " + "; ".join(nexts) + "." if nexts else "")


def _per_order_get_invoices(log: Path) -> int:
    count = 0
    if log.exists():
        for line in log.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if entry.get("method") == "getInvoices" and "order_id" in (entry.get("parameters") or {}):
                count += 1
    return count


def _code(action: str) -> str:
    return action[action.find("(") + 1:action.rfind(")")] if "(" in action else action


def _fmt_calls(counts: Counter[str]) -> str:
    return ", ".join(f"{m} {n}" for m, n in counts.most_common()) or "none"


def run(size: str = "full", workdir: Path | None = None) -> Result:
    check_size(size)
    documents, orders, render_every = SIZES[size]
    folder = workdir or Path.cwd()
    started = time.perf_counter()
    workload = make_workload(folder / "workload", documents, orders=orders)
    result = Result(NAME, TITLE, size=size, method=(__doc__ or "").split("\n\n", 1)[1].strip() + (
        f"\n\nThis run: `demo-db --documents {documents}` gave {workload.documents} sales documents "
        f"({', '.join(f'{k} {v}' for k, v in sorted(workload.counts.items()))}) and "
        f"{workload.orders - workload.filler} orders, plus {workload.filler} filler orders = {workload.orders} "
        f"orders. `SELLINTEGRO_NOW` is fixed; the sink runs with `requests_per_minute = 100` and "
        f"`rate_window_seconds = {WINDOW}`, the emulators with a limit high enough never to block (the limit "
        f"itself is benchmark 2). Calls do not depend on the PDF's content, so only every {render_every}th "
        f"PDF is rendered for real and the others reuse one (`--long` renders all)."
        f" The baseline's no-status figure is its run minus its setOrderStatus calls."))

    plain = _ours(workload, folder, "keep", False, render_every)
    status = _ours(workload, folder, "status", True, render_every)
    calls_plain, calls_status = plain["calls"], status["calls"]
    attached_plain = sum(len(v) for v in plain["attached"].values())
    attached_status = sum(len(v) for v in status["attached"].values())
    per_plain = sum(calls_plain.values()) / max(1, attached_plain)
    per_status = sum(calls_status.values()) / max(1, attached_status)

    # the baseline on a fresh emulator, for the same documents
    from sellintegro_baselinker_emulator import serve

    log = folder / "baseline-calls.jsonl"
    pdf = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"
    todo = status["attached"]
    with serve(_emulator(workload, log)) as server:
        baseline = Baseline(server.url, pdf)
        baseline.setup()
        _, setup_lines = log_counts(log)
        for order_id, docs in sorted(todo.items()):
            baseline.order(order_id, docs, set_status=True)
    calls_base, _ = log_counts(log, since=setup_lines)
    base_status = sum(calls_base.values()) / max(1, attached_status)
    base_plain = (sum(calls_base.values()) - calls_base["setOrderStatus"]) / max(1, attached_status)

    why = _why(calls_plain, attached_plain, _per_order_get_invoices(folder / "keep-calls.jsonl"),
               len(plain["runs"]) - 1)
    ok1 = per_plain <= TARGET_NO_STATUS
    result.add("calls per attached document, no status change", f"≤ {TARGET_NO_STATUS}",
               f"{fmt(per_plain, 3)} ({sum(calls_plain.values())} calls / {attached_plain} documents)", ok1,
               "" if ok1 else f"gap {fmt(per_plain - TARGET_NO_STATUS, 3)}. {why}")
    ok2 = per_status <= TARGET_STATUS
    result.add("calls per attached document, with on_success status", f"≤ {TARGET_STATUS}",
               f"{fmt(per_status, 3)} ({sum(calls_status.values())} calls / {attached_status} documents)", ok2,
               "" if ok2 else f"gap {fmt(per_status - TARGET_STATUS, 3)}. {why}")
    result.add("baseline (documented per-order flow), no status", "— (reference)", fmt(base_plain, 3), None)
    result.add("baseline (documented per-order flow), with status", "— (reference)", fmt(base_status, 3), None)
    quiet_plain, quiet_status = plain["quiet"][1], status["quiet"][1]
    second_plain = sum(quiet_plain.values()) + sum(quiet_status.values())
    ok3 = second_plain == 0
    quiet_codes = Counter(_code(r.action) for r in status["quiet"][0].report.all_rows() if r.outcome == "skipped")
    waiting = {c: n for c, n in quiet_codes.items() if c != "unmatched"}
    result.add("run with nothing new, no_document off (both scenarios)", "0 calls", f"{second_plain} calls",
               ok3, "" if ok3 else (
                   f"Calls: {_fmt_calls(quiet_plain + quiet_status)}. Cause: documents that wait ("
                   + ", ".join(f"{c} {n}" for c, n in waiting.items()) + "). A correction waits for its "
                   "corrected document, which is not attached yet: here invoices still waiting for their KSeF "
                   "number (it never arrives in the benchmark, `SELLINTEGRO_NOW` is fixed). The waiting invoice "
                   "itself costs no call, but the rule reports the correction's order as pending, so every "
                   "run reads that order (getOrders) and the status list, only to skip the correction again. "
                   "With nothing waiting the run makes no call. Next step (invoice_pdf rule): in `pending()`, "
                   "treat a correction whose original is not attached (ledger facts) and not sendable now as "
                   "not pending, as it already does for the waiting invoice."))
    nodoc = status.get("nodoc")
    if nodoc is not None:
        switch, calls3, again, calls4 = nodoc
        limit = math.ceil(workload.orders / 100) + 1
        n4 = sum(calls4.values())
        ok4 = n4 <= limit
        result.add("run with nothing new, no_document on", f"≤ ceil({workload.orders}/100)+1 = {limit}",
                   f"{n4} calls", ok4, "" if ok4 else (
                       f"gap {n4 - limit}. Calls: {_fmt_calls(calls4)}. Cause: the scan pages getOrders until a "
                       "page has fewer than 100 orders, so a window holding an exact multiple of 100 orders "
                       "costs one empty page, and the sink reads the status list once per run. Next step "
                       "(baselinker sink): keep the status ids in the scenario state between runs (refresh "
                       "daily or on an unknown-status error), which brings this to ceil(orders/100) + 1 at "
                       "worst."))
    result.details += [
        "| run | attached | statuses set | BaseLinker calls (from the emulator log) |",
        "|---|---|---|---|",
    ]
    for label, data in (("keep", plain), ("status", status)):
        for i, (outcome, calls) in enumerate(data["runs"]):
            kind = "first run" if i == 0 else f"catch-up run {i}"
            result.details.append(f"| ours, on_success {label}, {kind} | {outcome.attached} | {outcome.statuses} | "
                                  f"{sum(calls.values())}: {_fmt_calls(calls)} |")
        outcome, calls = data["quiet"]
        result.details.append(f"| ours, on_success {label}, nothing new | {outcome.attached} | {outcome.statuses} "
                              f"| {sum(calls.values())}: {_fmt_calls(calls)} |")
    if nodoc is not None:
        switch, calls3, again, calls4 = nodoc
        result.details += [
            f"| ours, no_document switched on (first run) | {switch.attached} | {switch.statuses} | "
            f"{sum(calls3.values())}: {_fmt_calls(calls3)} |",
            f"| ours, no_document on, nothing new | {again.attached} | {again.statuses} | "
            f"{sum(calls4.values())}: {_fmt_calls(calls4)} |",
        ]
    result.details.append(
        f"| baseline, with status | {attached_status} | {calls_base['setOrderStatus']} | "
        f"{sum(calls_base.values())}: {_fmt_calls(calls_base)} |")
    first = status["runs"][0][0]
    result.details += ["", "Skips in the run with nothing new (status scenario), by code: "
                       + (", ".join(f"{c} {n}" for c, n in quiet_codes.most_common()) or "none")
                       + " (unmatched documents need no BaseLinker call)."]
    skipped = Counter(r.message.split(":")[0][:60] for r in first.report.all_rows() if r.outcome == "skipped")
    result.details += ["", "Calls per document count every run until a run attaches nothing (catch-up runs pick "
                       "up corrections that waited for their invoice), divided by the documents attached by them. "
                       f"Skips recorded in the first run (waiting for KSeF, drafts, unmatched...): "
                       f"{sum(skipped.values())}. Saving vs the baseline: "
                       f"{fmt(100 * (1 - per_status / base_status), 0) if base_status else '—'} % of the calls "
                       f"with status changes."]
    result.seconds = time.perf_counter() - started
    return result
