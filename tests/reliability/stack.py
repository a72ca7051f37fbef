"""The whole product stack for reliability tests: demo Subiekt database, seeded BaseLinker emulator, scenario.

Everything runs at the fixed business moment ``NOW`` (``SELLINTEGRO_NOW``), so windows, KSeF waits and the
demo data are the same on every machine. The CLI always runs in a separate process: ``run_cli`` starts
``python -m sellintegro_core.cli`` like a user would; :class:`ForkedRun` forks a warm copy of the test process
and calls the same ``cli.main`` (much faster for the crash suite's hundreds of runs, and SIGKILL-able).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sellintegro_baselinker.demo_part import EXTRA_FIELDS, SERIES, STATUSES

TZ = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)
NOW_ISO = NOW.isoformat()
TOKEN_ENV = "SELLINTEGRO_RELIABILITY_TOKEN"
TOKEN = "rel-TOKEN-5d1f0c9e7a2b-do-not-print"       # distinctive: the security tests grep for it
SUCCESS_STATUS = "Faktura wysłana"
FAILURE_STATUS = "Błąd faktury"
ALL_KINDS = ["FS", "PA", "KFS", "ZW", "FSd"]
WRITE_METHODS = frozenset({"addInvoice", "addReceipt", "addInvoiceCorrection", "addOrderInvoiceFile",
                           "addOrderReceiptFile", "setOrderStatus", "setOrderStatuses", "setOrderFields",
                           "addOrder"})
FILE_METHODS = frozenset({"addOrderInvoiceFile", "addOrderReceiptFile"})
STATUS_METHODS = frozenset({"setOrderStatus", "setOrderStatuses"})


# ------------------------------------------------------------------------------------------------ data


@dataclass
class Demo:
    """A generated demo database and its sidecar (orders for the emulator, expected attachments)."""

    path: Path
    sidecar: dict[str, Any]

    def copy_to(self, folder: Path, name: str = "subiekt.sqlite") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        shutil.copy(self.path, target)
        return target


def generate_demo(folder: Path, *, documents: int = 20, seed: int = 3) -> Demo:
    """Generate the demo Subiekt database at ``NOW`` (in-process; ``sellintegro subiekt demo-db`` does the same)."""
    from sellintegro_subiekt_gt.demo_db import generate

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "subiekt.sqlite"
    generate(path, documents=documents, seed=seed, now=NOW)
    sidecar = json.loads(Path(str(path) + ".orders.json").read_text(encoding="utf-8"))
    return Demo(path=path, sidecar=sidecar)


def emulator_seed(sidecar: dict[str, Any]) -> dict[str, Any]:
    """The emulator seed `sellintegro demo` uses: the demo orders plus statuses, series and the KSeF field."""
    return {"statuses": STATUSES, "series": SERIES, "extra_fields": EXTRA_FIELDS, "orders": sidecar["orders"]}


def scenario_data(url: str, *, dsn: str = "sqlite:///subiekt.sqlite", name: str = "reliability",
                  requests_per_minute: int = 100) -> dict[str, Any]:
    """A complete scenario (as a dict) for the full stack, like the one `sellintegro demo` writes."""
    return {
        "name": name,
        "timezone": "Europe/Warsaw",
        "window": {"days_back": 14, "before_setup": "include", "before_setup_days": 7},
        "schedule": {"mode": "auto", "every_minutes": 30, "hours": "1:00-23:00"},
        "state": {"url": "sqlite:///state/ledger.db"},
        "source": {"plugin": "subiekt_gt", "dsn": dsn, "document_types": list(ALL_KINDS),
                   "match": {"field": "numer_oryginalny", "pattern": r"^B_(?P<ref>\d+)$",
                             "via_order_document": True, "order_key": "order_id"}},
        "sink": {"plugin": "baselinker", "token": {"env": TOKEN_ENV}, "url": url,
                 "requests_per_minute": requests_per_minute, "invoice_series": "Subiekt",
                 "receipt_series": "Paragony Subiekt", "correction_series": "Korekty Subiekt"},
        "rule": {"plugin": "invoice_pdf", "statuses": "all", "on_success": {"status": SUCCESS_STATUS},
                 "on_failure": {"status": FAILURE_STATUS}, "documents": list(ALL_KINDS),
                 "paragon_with_invoice": "invoice", "wait_for_ksef": "b2b", "ksef_wait_max_hours": 24},
        # the demo's zw lines without a reason in Subiekt need the basis (issue 13), as in `sellintegro demo`
        "renderer": {"exemption_basis": "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"},
    }


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)       # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else json.dumps(key)


def dump_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for scenario dicts (tables for sections, inline tables for ``{ env = ... }``)."""
    lines: list[str] = []

    def table(prefix: str, body: dict[str, Any]) -> None:
        scalars = {k: v for k, v in body.items() if not (isinstance(v, dict) and k not in INLINE_KEYS)}
        tables = {k: v for k, v in body.items() if isinstance(v, dict) and k not in INLINE_KEYS}
        if prefix:
            lines.append(f"\n[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
        for key, value in tables.items():
            table(f"{prefix}.{_toml_key(key)}" if prefix else _toml_key(key), value)

    table("", data)
    return "\n".join(lines) + "\n"


# keys whose dict values are written inline ({ env = "X" }, { status = "Y" })
INLINE_KEYS = frozenset({"token", "dsn", "on_success", "on_failure", "no_document"})


def write_scenario(folder: Path, data: dict[str, Any], name: str = "scenario.toml") -> Path:
    path = folder / name
    path.write_text(dump_toml(data), encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------------------ running


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"SELLINTEGRO_NOW": NOW_ISO, TOKEN_ENV: TOKEN, "COLUMNS": "160", "NO_COLOR": "1",
                "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``python -m sellintegro_core.cli ARGS`` in a fresh interpreter, at ``NOW``, with the token set."""
    return subprocess.run([sys.executable, "-m", "sellintegro_core.cli", *args], capture_output=True, text=True,
                          env=env if env is not None else cli_env(), cwd=cwd, timeout=timeout)


def report_of(stdout: str) -> dict[str, Any] | None:
    """The ``--json`` report printed by ``run``/``plan`` (None when stdout holds none)."""
    text = stdout.strip()
    start = text.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(text[start:])
    except json.JSONDecodeError:
        return None
    return data if isinstance(data, dict) else None


def warm_up() -> None:
    """Import and warm what a run needs (plugins, WeasyPrint fonts) so forked runs start fast."""
    import sellintegro_baselinker.sink  # noqa: F401
    import sellintegro_core.cli  # noqa: F401
    import sellintegro_core.engine  # noqa: F401
    import sellintegro_invoice_pdf.renderer as renderer
    import sellintegro_invoice_pdf.rule  # noqa: F401
    import sellintegro_subiekt_gt.reader  # noqa: F401

    renderer._font_config()
    import httpx

    httpx.Client().close()          # imports httpcore/h11/ssl; builds nothing the children reuse


class ForkedRun:
    """``sellintegro ARGS`` run by ``cli.main`` in a forked child of this (warm) process; output to files."""

    def __init__(self, args: list[str], folder: Path, env: dict[str, str]) -> None:
        self.out = folder / f"child-{time.monotonic_ns()}.out"
        self.err = Path(str(self.out)[:-4] + ".err")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            code = 70
            try:
                fd_out = os.open(self.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                fd_err = os.open(self.err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.dup2(fd_out, 1)
                os.dup2(fd_err, 2)
                # pytest replaced sys.stdout/err with its capture objects: write to the real fds instead
                sys.stdout = open(1, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
                sys.stderr = open(2, "w", encoding="utf-8", closefd=False, buffering=1)  # noqa: SIM115
                os.environ.clear()
                os.environ.update(env)
                for entry in reversed([p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]):
                    if entry not in sys.path:
                        sys.path.insert(0, entry)
                os.chdir(folder)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                from sellintegro_core import cli
                from sellintegro_core.plugins import reset_host

                reset_host()
                code = cli.main(args)
            except BaseException as exc:  # noqa: BLE001 - report and exit, never return into the test runner
                try:
                    os.write(2, f"forked child failed: {type(exc).__name__}: {exc}\n".encode())
                except OSError:
                    pass
            finally:
                try:
                    sys.stdout.flush()
                    sys.stderr.flush()
                finally:
                    os._exit(code if isinstance(code, int) else 70)
        self.pid = pid
        self.returncode: int | None = None

    def kill(self) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait(self, timeout: float = 180) -> int:
        deadline = time.monotonic() + timeout
        while self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                self.kill()
                os.waitpid(self.pid, 0)
                raise TimeoutError(f"forked run {self.pid} did not finish in {timeout} s")
            time.sleep(0.005)
        return self.returncode

    @property
    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace") if self.out.exists() else ""

    @property
    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace") if self.err.exists() else ""


# ------------------------------------------------------------------------------------------------ checking


@dataclass
class Attached:
    """One filed document on the emulator."""

    order_id: int
    target: str           # invoice | correction | receipt
    number: str
    doc_id: int


@dataclass
class Snapshot:
    """What the seller sees in BaseLinker: filed documents, unfiled placeholders, statuses."""

    attached: list[Attached] = field(default_factory=list)
    unfiled: list[tuple[str, int, int]] = field(default_factory=list)   # (target, order_id, id)
    statuses: dict[int, str] = field(default_factory=dict)

    def documents(self) -> Counter[tuple[int, str, str]]:
        return Counter((a.order_id, a.target, a.number) for a in self.attached)


def snapshot(emulator: Any) -> Snapshot:
    snap = Snapshot()
    names = {s["id"]: s["name"] for s in emulator.statuses()}
    for invoice in emulator.invoices():
        target = "correction" if int(invoice.get("correcting_to_invoice_id") or 0) else "invoice"
        if invoice["has_external_file"]:
            snap.attached.append(Attached(int(invoice["order_id"]), target, invoice["external_invoice_number"],
                                          int(invoice["invoice_id"])))
        else:
            snap.unfiled.append((target, int(invoice["order_id"]), int(invoice["invoice_id"])))
    for receipt in emulator.receipts():
        if receipt["has_external_file"]:
            snap.attached.append(Attached(int(receipt["order_id"]), "receipt", receipt["external_receipt_number"],
                                          int(receipt["receipt_id"])))
        else:
            snap.unfiled.append(("receipt", int(receipt["order_id"]), int(receipt["receipt_id"])))
    for order in emulator.orders():
        snap.statuses[int(order["order_id"])] = names.get(int(order["order_status_id"]), str(order["order_status_id"]))
    return snap


def writes(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in calls if c["method"] in WRITE_METHODS]


def effective(call: dict[str, Any]) -> bool:
    """Whether the emulator carried the call out (answered SUCCESS, or a fault hit after it was applied)."""
    return call.get("status") == "SUCCESS" or (call.get("fault") is not None and call.get("applied") is True
                                               and call.get("error_code") is None)


def _file_owner(emulator: Any) -> dict[tuple[str, int], int]:
    owner: dict[tuple[str, int], int] = {}
    for invoice in emulator.invoices():
        owner[("invoice", int(invoice["invoice_id"]))] = int(invoice["order_id"])
    for receipt in emulator.receipts():
        owner[("receipt", int(receipt["receipt_id"]))] = int(receipt["order_id"])
    return owner


def _walk(calls: list[dict[str, Any]], emulator: Any) -> Iterator[tuple[int, str, int, str]]:
    """(index, "file"|"status", order id, number or status id) for every effective file upload and status change."""
    owner = _file_owner(emulator)
    for index, call in enumerate(calls):
        if not effective(call):
            continue
        params = call["parameters"] if isinstance(call["parameters"], dict) else {}
        if call["method"] == "addOrderInvoiceFile":
            order = owner.get(("invoice", int(params.get("invoice_id") or 0)))
            if order is not None:
                yield index, "file", order, str(params.get("external_invoice_number") or "")
        elif call["method"] == "addOrderReceiptFile":
            order = owner.get(("receipt", int(params.get("receipt_id") or 0)))
            if order is not None:
                yield index, "file", order, str(params.get("external_receipt_number") or "")
        elif call["method"] in STATUS_METHODS:
            for order in params.get("order_ids") or [params.get("order_id")]:
                if order is not None:
                    yield index, "status", int(order), str(params.get("status_id"))


def files_before_first_status(calls: list[dict[str, Any]], emulator: Any) -> dict[int, set[str]]:
    """Per order, the numbers filed before its first status change (from an uninterrupted reference run)."""
    filed: dict[int, set[str]] = {}
    out: dict[int, set[str]] = {}
    for _, kind, order, value in _walk(calls, emulator):
        if kind == "file":
            filed.setdefault(order, set()).add(value)
        elif order not in out:
            out[order] = set(filed.get(order, set()))
    return out


def status_changes_after_files(calls: list[dict[str, Any]], emulator: Any,
                               required: dict[int, set[str]] | None = None) -> list[str]:
    """Problems: a status change of an order before any file of that order, or before the files that
    ``required`` (see :func:`files_before_first_status`) says must precede it."""
    filed: dict[int, set[str]] = {}
    problems = []
    for index, kind, order, value in _walk(calls, emulator):
        if kind == "file":
            filed.setdefault(order, set()).add(value)
            continue
        have = filed.get(order, set())
        if not have:
            problems.append(f"status of order {order} changed (call {index}) before any file was uploaded")
        missing = (required or {}).get(order, set()) - have
        if missing:
            problems.append(f"status of order {order} changed (call {index}) before its file(s) {sorted(missing)}")
    return problems


def ledger_rows(ledger: Path, scenario: str = "reliability") -> list[dict[str, Any]]:
    if not ledger.exists():
        return []
    con = sqlite3.connect(Path(ledger).resolve().as_uri() + "?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM actions WHERE scenario = ?", (scenario,))]
    finally:
        con.close()


def ledger_problems(ledger: Path, snap: Snapshot) -> list[str]:
    """The ledger's done attachments and status changes agree with the emulator, both ways."""
    problems = []
    filed = {(a.order_id, a.number): a for a in snap.attached}
    done_attach = set()
    for row in ledger_rows(ledger):
        data = json.loads(row["data"])
        if row["type"] == "attach" and row["status"] == "done":
            number = data.get("number")
            order = int(row["order_id"])
            done_attach.add((order, number))
            if (order, number) not in filed:
                problems.append(f"ledger says {number} is on order {order}, BaseLinker has no such file")
            elif data.get("id") is not None and int(data["id"]) != filed[(order, number)].doc_id:
                problems.append(f"ledger id {data['id']} for {number} but BaseLinker filed it on "
                                f"{filed[(order, number)].doc_id}")
        if row["type"] == "set_status" and row["status"] == "done":
            order = int(row["order_id"])
            if snap.statuses.get(order) not in (SUCCESS_STATUS, FAILURE_STATUS):
                problems.append(f"ledger says the status of {order} was set, BaseLinker shows "
                                f"{snap.statuses.get(order)!r}")
    for key in filed:
        if key not in done_attach:
            problems.append(f"BaseLinker has {key[1]} on order {key[0]} but the ledger does not record it as done")
    return problems


def iter_text_files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            yield path


class SpawnedRun:
    """``python -m sellintegro_core.cli ARGS`` in a fresh interpreter (same interface as :class:`ForkedRun`)."""

    def __init__(self, args: list[str], folder: Path, env: dict[str, str]) -> None:
        self.out = folder / f"child-{time.monotonic_ns()}.out"
        self.err = Path(str(self.out)[:-4] + ".err")
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", *args], stdout=out,
                                         stderr=err, env=env, cwd=folder)
        self.pid = self.proc.pid
        self.returncode: int | None = None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()

    def wait(self, timeout: float = 180) -> int:
        self.returncode = self.proc.wait(timeout=timeout)
        return self.returncode

    stdout = ForkedRun.stdout
    stderr = ForkedRun.stderr


def preset_setup(ledger: Path, scenario: str, moment: datetime) -> None:
    """Record that the scenario was set up at ``moment`` (as if it had been running since then)."""
    from sellintegro_core.ledger import SqliteLedger

    store = SqliteLedger(ledger)
    try:
        store.ensure_setup(scenario, moment)
    finally:
        store.close()


# ------------------------------------------------------------------------------------------------ the full workload


@dataclass
class Reference:
    """The result of uninterrupted runs (repeated until one has nothing left to write)."""

    snapshot: Snapshot
    exit_code: int
    calls: int                               # calls of the first run
    required: dict[int, set[str]]            # files that precede each order's first status change
    runs: int = 1


def full_scenario(url: str, *, fast: bool) -> dict[str, Any]:
    """The crash/fault workload: every document kind goes out, KSeF numbers are written to the KSeF field."""
    data = scenario_data(url)
    data["rule"]["wait_for_ksef"] = "no"            # more documents go out (corrections too)
    data["sink"]["ksef_number_field"] = "KSeF"      # one more write per KSeF-numbered invoice
    if fast:
        data.setdefault("renderer", {})["plugin"] = "reliability_fast_pdf"   # keeps [renderer] exemption_basis
    return data


def prepare(folder: Path, demo: Demo, url: str, *, fast: bool, data: dict[str, Any] | None = None) -> Path:
    """Copy the demo database, write the scenario, and record the set-up as a week ago (so the window holds
    the demo's two weeks of orders, corrections included)."""
    from datetime import timedelta

    demo.copy_to(folder)
    scenario = write_scenario(folder, data if data is not None else full_scenario(url, fast=fast))
    preset_setup(folder / "state" / "ledger.db", "reliability", NOW - timedelta(days=7))
    return scenario


def compare_with_reference(emulator: Any, folder: Path, reference: Reference, context: str) -> None:
    """Every expected document attached exactly once, nothing else, statuses after files, ledger agrees."""
    snap = snapshot(emulator)
    attached = snap.documents()
    duplicates = {k: v for k, v in attached.items() if v > 1}
    assert not duplicates, f"{context}: attached more than once: {duplicates}"
    assert attached == reference.snapshot.documents(), (
        f"{context}: missing {sorted(set(reference.snapshot.documents()) - set(attached))}, "
        f"extra {sorted(set(attached) - set(reference.snapshot.documents()))}")
    per_order = Counter((a.order_id, a.target) for a in snap.attached if a.target in ("invoice", "receipt"))
    assert all(v == 1 for v in per_order.values()), f"{context}: two invoices/receipts on one order {per_order}"
    assert not snap.unfiled, f"{context}: placeholders left without a file: {snap.unfiled}"
    assert snap.statuses == reference.snapshot.statuses, f"{context}: statuses differ"
    order_problems = status_changes_after_files(emulator.calls, emulator, reference.required)
    assert not order_problems, f"{context}: {order_problems}"
    problems = ledger_problems(folder / "state" / "ledger.db", snap)
    assert not problems, f"{context}: {problems}"
