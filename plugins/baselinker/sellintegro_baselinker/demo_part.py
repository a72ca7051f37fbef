"""The sink part of ``sellintegro demo`` (hook ``sellintegro_demo_parts``): a BaseLinker account on the local
emulator (``sellintegro baselinker emulator``, distribution sellintegro-baselinker-emulator), seeded with the
demo's orders, statuses and series, on a free loopback port.

The emulator runs as a child process through its command, and its files are read back over the BaseLinker API:
this plugin imports no other plugin.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

from sellintegro_core.api import ConfigError, DemoPiece, SellintegroError, ServerProcess

TOKEN_ENV = "SELLINTEGRO_DEMO_TOKEN"
DEMO_TOKEN = "demo-0000-sellintegro"
EMULATOR_PACKAGE = "sellintegro_baselinker_emulator"
URL_RE = re.compile(r"(http://127\.0\.0\.1:\d+/connector\.php)")
STATUSES = [{"id": 2001, "name": "Faktura wysłana", "color": "#2e7d32"},
            {"id": 2002, "name": "Błąd faktury", "color": "#c62828"},
            {"id": 2003, "name": "Brak faktury", "color": "#f9a825"}]
SERIES = [{"id": 31, "type": "INVOICE", "name": "Subiekt", "format": "SUB %N/%M/%Y"},
          {"id": 32, "type": "RECEIPT", "name": "Paragony Subiekt", "format": "SPAR %N/%M/%Y"},
          {"id": 33, "type": "CORRECTION", "name": "Korekty Subiekt", "format": "SKOR %N/%M/%Y"}]
EXTRA_FIELDS = [{"extra_field_id": 41, "name": "KSeF", "editor_type": "text"}]


def section(url: str, *, token_env: str = TOKEN_ENV, requests_per_minute: int = 100,
            rate_window_seconds: float | None = None) -> str:
    """``[sink]`` of the demo scenario: the emulator at ``url`` and the demo series."""
    window = f"\nrate_window_seconds = {rate_window_seconds}" if rate_window_seconds is not None else ""
    return f'''[sink]
plugin = "baselinker"
token = {{ env = {json.dumps(token_env)} }}
url = {json.dumps(url)}
requests_per_minute = {requests_per_minute}{window}
invoice_series = "Subiekt"
receipt_series = "Paragony Subiekt"
correction_series = "Korekty Subiekt"
'''


class EmulatorProcess(ServerProcess):
    """The emulator as a child process on a free loopback port."""

    url_re = URL_RE
    what = "the BaseLinker emulator"

    def __init__(self, folder: Path, seed: Path) -> None:
        self.state = folder / "emulator-state.json"
        self.log = folder / "emulator-calls.jsonl"
        # The scenario's own limiter keeps the run under 100 calls a minute, as against BaseLinker. The emulator
        # allows more so that reading every PDF back for you (a demo-only extra) never has to wait a minute.
        args = ["baselinker", "emulator", "--port", "0", "--token", DEMO_TOKEN, "--state", str(self.state),
                "--log", str(self.log), "--requests-per-minute", "1000"]
        if not self.state.exists():
            args += ["--seed", str(seed)]
        self._start([sys.executable, "-m", "sellintegro_core.cli", *args])

    def writes(self) -> int:
        """Write calls in the emulator's call log so far."""
        if not self.log.exists():
            return 0
        count = 0
        with self.log.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    if json.loads(line).get("write"):     # the emulator marks the methods that change data
                        count += 1
                except json.JSONDecodeError:
                    continue
        return count


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


def save_pdfs(url: str, out: Path, receipt_orders: list[int]) -> dict[str, Path]:
    """Read back every uploaded file from the emulator into ``out``; returns {external number: saved path}.

    Invoices are listed 100 per call (getInvoices pages), files are downloaded only when not saved yet, and
    receipts are asked for only on orders that should have one — the read-back stays well inside the limit.
    """
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


def start(demo: Any) -> DemoPiece:
    """Seed (first time) and start the emulator; the scenario's token comes from SELLINTEGRO_DEMO_TOKEN."""
    if importlib.util.find_spec(EMULATOR_PACKAGE) is None:
        raise ConfigError("the demo runs BaseLinker on the local emulator, which is not installed: "
                          "pip install sellintegro-baselinker-emulator (from the repository: "
                          "pip install ./plugins/baselinker_emulator)")
    seed = demo.folder / "emulator-seed.json"
    seed.write_text(json.dumps({"statuses": STATUSES, "series": SERIES, "extra_fields": EXTRA_FIELDS,
                                "orders": demo.shared.get("orders", [])}, ensure_ascii=False, indent=1),
                    encoding="utf-8")
    emulator = EmulatorProcess(demo.folder, seed)
    receipt_orders = sorted({int(e["order_id"]) for e in demo.shared.get("expected", [])
                             if e.get("target") == "receipt"})
    return DemoPiece(
        section=section(emulator.url), env={TOKEN_ENV: DEMO_TOKEN}, started=f"BaseLinker emulator: {emulator.url}",
        stop=emulator.stop, writes=emulator.writes,
        writes_explained="a document takes two: the placeholder invoice or receipt, then its PDF; plus the "
                         "status changes",
        reads_explained="orders, statuses, series, invoices already there",
        save_files=lambda out: save_pdfs(emulator.url, out, receipt_orders))
