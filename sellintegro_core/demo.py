"""``sellintegro demo``: the whole job on embedded defaults.

Generates a demo Subiekt GT database (``sellintegro subiekt demo-db``), starts the BaseLinker emulator on a
free loopback port (``sellintegro baselinker emulator``) seeded with the matching orders, statuses and series,
writes a scenario, runs it once, prints the per-order outcome and saves every uploaded PDF — read back from
the emulator — into the demo folder. The plugins are driven through their commands and the BaseLinker API,
so the core imports none of them.

Running it again reuses the folder (database, emulator state, ledger): nothing new is attached and no write
is made, which is the point of the ledger.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .errors import ConfigError, SellintegroError, SourceConnectionError
from .terminal import plain

TOKEN_ENV = "SELLINTEGRO_DEMO_TOKEN"
DEMO_TOKEN = "demo-0000-sellintegro"
URL_RE = re.compile(r"(http://127\.0\.0\.1:\d+/connector\.php)")
STATUSES = [{"id": 2001, "name": "Faktura wysłana", "color": "#2e7d32"},
            {"id": 2002, "name": "Błąd faktury", "color": "#c62828"},
            {"id": 2003, "name": "Brak faktury", "color": "#f9a825"}]
SERIES = [{"id": 31, "type": "INVOICE", "name": "Subiekt", "format": "SUB %N/%M/%Y"},
          {"id": 32, "type": "RECEIPT", "name": "Paragony Subiekt", "format": "SPAR %N/%M/%Y"},
          {"id": 33, "type": "CORRECTION", "name": "Korekty Subiekt", "format": "SKOR %N/%M/%Y"}]
EXTRA_FIELDS = [{"extra_field_id": 41, "name": "KSeF", "editor_type": "text"}]
WRITE_METHODS = {"addInvoice", "addReceipt", "addInvoiceCorrection", "addOrderInvoiceFile", "addOrderReceiptFile",
                 "setOrderStatus", "setOrderStatuses", "setOrderFields", "addOrder"}


def add_demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dir", default="sellintegro-demo", help="folder for the database, PDFs and state")
    p.add_argument("--documents", type=int, default=60, help="how many sales documents to generate")
    p.add_argument("--seed", type=int, default=1, help="random seed of the demo data")
    p.add_argument("--keep-running", action="store_true",
                   help="leave the emulator and the scheduler running (Ctrl-C to stop)")
    p.add_argument("--fresh", action="store_true", help="start over: delete the demo folder first")


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "sellintegro_core.cli", *args]


def _need_plugins(host: Any) -> None:
    missing = [name for name in ("subiekt", "baselinker") if name not in host.commands()]
    if missing or "invoice_pdf" not in host.components("rule"):
        raise ConfigError("the demo needs the plugins: pip install ./plugins/subiekt_gt ./plugins/baselinker "
                          "./plugins/invoice_pdf")


def _make_database(folder: Path, documents: int, seed: int) -> Path:
    db = folder / "subiekt-demo.sqlite"
    if not db.exists():
        result = subprocess.run(_cli("subiekt", "demo-db", str(db), "--documents", str(documents), "--seed",
                                     str(seed), "--days", "6"), capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise SellintegroError(f"could not generate the demo database: {result.stderr.strip()}")
        print(result.stdout.strip())
    return db


def _write_seed(folder: Path, db: Path) -> Path:
    sidecar = json.loads(Path(str(db) + ".orders.json").read_text(encoding="utf-8"))
    seed = {"statuses": STATUSES, "series": SERIES, "extra_fields": EXTRA_FIELDS, "orders": sidecar["orders"]}
    path = folder / "emulator-seed.json"
    path.write_text(json.dumps(seed, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


class ServerProcess:
    """A child process that prints the URL it serves on (found with ``url_re``); ``stop()`` ends it."""

    url_re = URL_RE
    what = "the BaseLinker emulator"
    start_seconds = 30.0

    def _start(self, argv: list[str], **popen: Any) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = self.url_re.search(line)
            if match:
                return match.group(1)
        self.stop()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise SourceConnectionError(f"{self.what} did not start: {err.strip()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


class EmulatorProcess(ServerProcess):
    """The emulator as a child process on a free loopback port."""

    def __init__(self, folder: Path, seed: Path) -> None:
        self.state = folder / "emulator-state.json"
        self.log = folder / "emulator-calls.jsonl"
        # The scenario's own limiter keeps the run under 100 calls a minute, as against BaseLinker. The emulator
        # allows more so that reading every PDF back for you (a demo-only extra) never has to wait a minute.
        args = ["baselinker", "emulator", "--port", "0", "--token", DEMO_TOKEN, "--state", str(self.state),
                "--log", str(self.log), "--requests-per-minute", "1000"]
        if not self.state.exists():
            args += ["--seed", str(seed)]
        self._start(_cli(*args))


def scenario_text(url: str, *, name: str = "demo", dsn: str = "sqlite:///subiekt-demo.sqlite",
                  token_env: str = TOKEN_ENV, days_back: int = 14, before_setup_days: int = 7,
                  state_url: str | None = None, on_success: bool = True, no_document: bool = False,
                  requests_per_minute: int = 100, rate_window_seconds: float | None = None,
                  wait_for_ksef: str = "b2b") -> str:
    """The demo's scenario (all five document kinds, B_<order id> in numer oryginału, the demo series and
    statuses) pointing at ``url``; the benchmarks use the same one with other knobs."""
    q = _toml_string
    state = f'\n[state]\nurl = {q(state_url)}\n' if state_url else ""
    window = f"\nrate_window_seconds = {rate_window_seconds}" if rate_window_seconds is not None else ""
    success = '{ status = "Faktura wysłana" }' if on_success else '"keep"'
    nodoc = '\nno_document = { after_hours = 48, status = "Brak faktury" }' if no_document else ""
    return f'''# The demo scenario written by `sellintegro demo`. Its BaseLinker emulator runs only while the demo does:
# start `sellintegro demo --keep-running`, which prints the exact commands to run this file yourself
# (`export {token_env}=...`, then `sellintegro run` on this file).
name = {q(name)}
timezone = "Europe/Warsaw"

[window]
days_back = {days_back}
before_setup = "include"      # the demo orders were placed before this scenario existed
before_setup_days = {before_setup_days}

[schedule]
mode = "auto"
every_minutes = 5
hours = "1:00-23:00"
{state}
[source]
plugin = "subiekt_gt"
dsn = {q(dsn)}
document_types = ["FS", "PA", "KFS", "ZW", "FSd"]

[source.match]
field = "numer_oryginalny"
pattern = "^B_(?P<ref>\\\\d+)$"
via_order_document = true
order_key = "order_id"

[sink]
plugin = "baselinker"
token = {{ env = {q(token_env)} }}
url = {q(url)}
requests_per_minute = {requests_per_minute}{window}
invoice_series = "Subiekt"
receipt_series = "Paragony Subiekt"
correction_series = "Korekty Subiekt"

[rule]
plugin = "invoice_pdf"
statuses = "all"
on_success = {success}
on_failure = {{ status = "Błąd faktury" }}{nodoc}
documents = ["FS", "PA", "KFS", "ZW", "FSd"]
paragon_with_invoice = "invoice"
wait_for_ksef = "{wait_for_ksef}"
ksef_wait_max_hours = 24
template = "pl"
foreign_buyer_template = "en"

[renderer]
# printed on VAT-exempt (zw) lines of documents that have no exemption reason in Subiekt
exemption_basis = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
'''


def _toml_string(value: str) -> str:
    """``value`` as a TOML basic string (a JSON string is one): paths with quotes or backslashes stay intact."""
    return json.dumps(value, ensure_ascii=False)


def _write_scenario(folder: Path, url: str) -> Path:
    path = folder / "demo.toml"
    path.write_text(scenario_text(url), encoding="utf-8")
    return path


def call(url: str, method: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """One BaseLinker API call over HTTP (stdlib only)."""
    import urllib.parse
    import urllib.request

    body = urllib.parse.urlencode({"method": method, "parameters": json.dumps(parameters)}).encode()
    request = urllib.request.Request(url, data=body, headers={"X-BLToken": DEMO_TOKEN})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback emulator only
        data: dict[str, Any] = json.loads(response.read().decode("utf-8"))
    if data.get("status") != "SUCCESS":
        raise SellintegroError(f"{method}: {data.get('error_code')} {data.get('error_message')}")
    return data


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("_")


def save_pdfs(url: str, folder: Path, receipt_orders: list[int]) -> dict[str, Path]:
    """Read back every uploaded file from the emulator; returns {external number: saved path}.

    Invoices are listed 100 per call (getInvoices pages), files are downloaded only when not saved yet, and
    receipts are asked for only on orders that should have one — the read-back stays well inside the limit.
    """
    out = folder / "pdf"
    out.mkdir(exist_ok=True)
    saved: dict[str, Path] = {}
    id_from = 1
    for _page in range(1000):
        invoices = call(url, "getInvoices", {"id_from": id_from})["invoices"]
        for invoice in invoices:
            number = invoice.get("external_invoice_number") or ""
            if not number:
                continue
            path = out / f"{_safe(number)}.pdf"
            if not path.exists():
                data = call(url, "getInvoiceFile", {"invoice_id": invoice["invoice_id"], "get_external": True})
                path.write_bytes(base64.b64decode(str(data["invoice"]).removeprefix("data:")))
            saved[number] = path
        if len(invoices) < 100:
            break
        id_from = int(invoices[-1]["invoice_id"]) + 1
    for order_id in receipt_orders:
        try:
            receipt = call(url, "getReceipt", {"order_id": order_id, "get_external_file": True})
        except SellintegroError:
            continue
        number = receipt.get("external_receipt_number") or ""
        if number and receipt.get("receipt_file"):
            path = out / f"{_safe(number)}.pdf"
            if not path.exists():
                path.write_bytes(base64.b64decode(str(receipt["receipt_file"]).removeprefix("data:")))
            saved[number] = path
    return saved


def run_demo(args: argparse.Namespace, *, host: Any) -> int:
    import shutil

    from .stopping import handling_stops

    _need_plugins(host)
    folder = Path(args.dir).expanduser().resolve()
    if args.fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    db = _make_database(folder, args.documents, args.seed)
    seed = _write_seed(folder, db)
    os.environ[TOKEN_ENV] = DEMO_TOKEN
    with handling_stops() as stop:
        emulator = EmulatorProcess(folder, seed)
        try:
            return _demo_runs(args, host, folder, db, emulator, stop)
        finally:
            emulator.stop()


def _demo_runs(args: argparse.Namespace, host: Any, folder: Path, db: Path, emulator: EmulatorProcess,
               stop: Any) -> int:
    from .config import load_scenario
    from .output import Progress, print_report
    from .scheduler import locked_run, schedule_loop

    print(f"BaseLinker emulator: {emulator.url}")
    scenario = load_scenario(_write_scenario(folder, emulator.url), host=host)
    writes_before = _count_writes(emulator.log)
    with Progress() as progress:
        report = locked_run(scenario, host=host, progress=progress.update, stop=stop)
    print_report(report)
    if report.outcome == "stopped":
        return report.exit_code
    writes = _count_writes(emulator.log) - writes_before
    attached = sum(1 for r in report.all_rows() if r.action.startswith("attach")
                   and r.outcome in ("done", "already_done"))
    failed = [r for r in report.rows if r.outcome == "failed"]       # the summary keeps failed rows
    sidecar = json.loads(Path(str(db) + ".orders.json").read_text(encoding="utf-8"))
    receipt_orders = sorted({int(e["order_id"]) for e in sidecar.get("expected", [])
                             if e.get("target") == "receipt"})
    saved = save_pdfs(emulator.url, folder, receipt_orders)
    explained = _explained_skips(scenario)
    missing = [e["document_number"] for e in sidecar.get("expected", [])
               if e["document_number"] not in saved and e["document_id"] not in explained]
    print(f"\n{len(saved)} PDFs saved in {folder / 'pdf'} (this run attached {attached})")
    print(counts_explained(report, writes))
    if saved:
        first = sorted(saved.values())[0]
        opener = "xdg-open" if sys.platform.startswith("linux") else ("open" if sys.platform == "darwin"
                                                                     else "start")
        print(f"open one: {opener} {shlex.quote(str(first))}")
    scenario_file = shlex.quote(str(folder / "demo.toml"))
    print(f"scenario: {folder / 'demo.toml'} — try `sellintegro history {scenario_file}`")
    if not args.keep_running:
        print("to run the scenario yourself, start `sellintegro demo --keep-running`: it keeps the emulator "
              "up and prints the commands")
    problems = []
    if failed:
        problems.append(f"{report.counts.get('failed', 0)} document(s) failed: "
                        + "; ".join(f"{r.document}: {r.message}" for r in failed[:5]))
    if missing:
        problems.append(f"expected PDFs missing in BaseLinker: {', '.join(missing[:10])}")
    if report.exit_code not in (0, 1):
        problems.append(f"run ended {report.outcome}: {report.message}")
    if problems:
        print(plain("demo FAILED: " + " | ".join(problems)), file=sys.stderr)
        return 1
    print("demo OK: every document that can be sent was attached exactly once")
    if args.keep_running:
        print(f"emulator and scheduler keep running ({emulator.url}); Ctrl-C to stop")
        print(own_run_commands(folder / "demo.toml"), flush=True)
        from .cli import _echo

        schedule_loop([folder / "demo.toml"], host=host, stop=stop, echo=_echo)
    return 0


def counts_explained(report: Any, writes: int) -> str:
    """What the two counts of a demo run mean: the run's "done N" and "BaseLinker calls: N" above, next to the
    demo's own "attached N" and the write calls the emulator logged."""
    done = report.counts.get("done", 0)
    attached = sum(1 for r in report.all_rows() if r.action.startswith("attach") and r.outcome == "done")
    reads = max(report.api_calls - writes, 0)
    return (f'"done {done}" above counts every action the run completed: {attached} documents attached and '
            f"{done - attached} order updates (status changes, fields).\n"
            f'"BaseLinker calls: {report.api_calls}" counts every call: {writes} writes (a document takes two: the '
            "placeholder invoice or receipt, then its PDF; plus the status changes) and "
            f"{reads} reads (orders, statuses, series, invoices already there).")


def own_run_commands(scenario: Path) -> str:
    """The exact commands to run the demo scenario from another terminal while the emulator keeps running."""
    return "\n".join([
        "run the scenario yourself from another terminal while this one keeps running:",
        f"  export {TOKEN_ENV}={DEMO_TOKEN}",
        f"  sellintegro run {shlex.quote(str(scenario))}",
        f"  sellintegro history {shlex.quote(str(scenario))}",
    ])


# Documents the demo data holds on purpose that a correct run does not attach (yet), with the rule's reason.
EXPLAINED_CODES = {"waiting_for_ksef", "ksef_overdue", "receipt_correction_unsupported", "receipt_has_invoice",
                   "invoice_for_receipt"}


def _explained_skips(scenario: Any) -> set[str]:
    """Document ids the ledger shows as deliberately held back (KSeF wait, no receipt corrections...)."""
    from .ledger import open_ledger

    ledger = open_ledger(scenario.model.state.url, scenario.base_dir, read_only=True)
    try:
        events = ledger.history(scenario.name)
    finally:
        ledger.close()
    return {e["document_id"] for e in events if e["code"] in EXPLAINED_CODES}


def _count_writes(log: Path) -> int:
    if not log.exists():
        return 0
    count = 0
    with log.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                if json.loads(line).get("method") in WRITE_METHODS:
                    count += 1
            except json.JSONDecodeError:
                continue
    return count
