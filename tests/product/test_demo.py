"""`sellintegro demo` end to end, as a user runs it: a subprocess, then the emulator's saved state is checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader

WRITES = {"addInvoice", "addReceipt", "addInvoiceCorrection", "addOrderInvoiceFile", "addOrderReceiptFile",
          "setOrderStatus", "setOrderStatuses", "setOrderFields"}


def _demo(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SELLINTEGRO_NOW"}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "demo"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def _log(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "emulator-calls.jsonl").read_text().splitlines() if line]


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    first = _demo(cwd)
    folder = cwd / "sellintegro-demo"
    calls_after_first = len(_log(folder)) if (folder / "emulator-calls.jsonl").exists() else 0
    second = _demo(cwd)
    return cwd, folder, first, second, calls_after_first


def test_demo_succeeds_and_says_where_the_pdfs_are(demo_runs):
    _cwd, folder, first, _second, _ = demo_runs
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "demo OK" in first.stdout
    assert f"PDFs saved in {folder / 'pdf'}" in first.stdout
    assert "xdg-open" in first.stdout or "open" in first.stdout


def test_every_expected_document_is_on_its_order_once_with_status(demo_runs):
    _cwd, folder, first, _second, _ = demo_runs
    assert first.returncode == 0
    state = json.loads((folder / "emulator-state.json").read_text())
    sidecar = json.loads((folder / "subiekt-demo.sqlite.orders.json").read_text())
    invoices_per_order = Counter(i["order_id"] for i in state["invoices"] if i["type"] == "normal")
    receipts_per_order = Counter(r["order_id"] for r in state["receipts"])
    assert max(invoices_per_order.values()) == 1, "an order got two BaseLinker invoices"
    assert max(receipts_per_order.values()) == 1, "an order got two BaseLinker receipts"
    on_invoice = {(i["order_id"], i["external_invoice_number"]) for i in state["invoices"]}
    on_receipt = {(r["order_id"], r["external_receipt_number"]) for r in state["receipts"]}
    statuses = {s["name"]: s["id"] for s in state["statuses"]}
    orders = {o["order_id"]: o for o in state["orders"]}
    attached = 0
    with_fsd = {e["order_id"] for e in sidecar["expected"] if e["kind"] == "FSd"}
    for item in sidecar["expected"]:
        if item["kind"] == "PA" and item["order_id"] in with_fsd:
            continue  # paragon_with_invoice = "invoice": the FSd goes instead of the receipt
        pair = (item["order_id"], item["document_number"])
        if item["target"] == "receipt":
            present = pair in on_receipt
        else:
            present = pair in on_invoice
        if item["ksef_state"] in ("numbered", "not_in_ksef") and item["kind"] in ("FS", "PA", "FSd"):
            assert present, f"{item['document_number']} is not on order {item['order_id']}"
        if present:
            attached += 1
            assert orders[item["order_id"]]["order_status_id"] == statuses["Faktura wysłana"]
    assert attached >= 30
    # the ZW cannot be attached (BaseLinker has no receipt corrections) and documents waiting for KSeF wait
    assert not any(n.startswith("ZW") for _, n in on_invoice | on_receipt)


def test_files_are_real_pdfs_with_the_subiekt_number(demo_runs):
    _cwd, folder, first, _second, _ = demo_runs
    assert first.returncode == 0
    pdfs = sorted((folder / "pdf").glob("*.pdf"))
    assert len(pdfs) >= 30
    fs = next(p for p in pdfs if p.name == "FS_1_11_2026.pdf")
    text = PdfReader(fs).pages[0].extract_text()
    assert "FS 1/11/2026" in text and "KSeF" in text
    pa = next(p for p in pdfs if p.name.startswith("PA_"))
    assert "KSeF" not in PdfReader(pa).pages[0].extract_text()


def test_each_file_uploaded_once_and_status_only_after_its_file(demo_runs):
    _cwd, folder, first, _second, calls_after_first = demo_runs
    assert first.returncode == 0
    log = _log(folder)[:calls_after_first]
    uploads = Counter(c["parameters"].get("invoice_id") or c["parameters"].get("receipt_id")
                      for c in log if c["method"] in ("addOrderInvoiceFile", "addOrderReceiptFile")
                      and c["status"] == "SUCCESS")
    assert uploads and max(uploads.values()) == 1
    file_done_at: dict[int, int] = {}
    state = json.loads((folder / "emulator-state.json").read_text())
    owner = {i["invoice_id"]: i["order_id"] for i in state["invoices"]}
    owner.update({r["receipt_id"]: r["order_id"] for r in state["receipts"]})
    for index, call in enumerate(log):
        params = call["parameters"]
        if call["method"] in ("addOrderInvoiceFile", "addOrderReceiptFile"):
            file_done_at.setdefault(owner[params.get("invoice_id") or params.get("receipt_id")], index)
        if call["method"] in ("setOrderStatus", "setOrderStatuses"):
            ids = params.get("order_ids") or [params.get("order_id")]
            for order_id in ids:
                assert file_done_at.get(int(order_id), 10**9) < index, f"status of {order_id} before its file"


def test_second_demo_attaches_nothing_and_writes_nothing(demo_runs):
    _cwd, folder, _first, second, calls_after_first = demo_runs
    assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
    later = _log(folder)[calls_after_first:]
    assert [c for c in later if c["method"] in WRITES] == []
    assert "(this run attached 0)" in second.stdout and "counts every call: 0 writes" in second.stdout


def test_the_demo_counts_the_write_calls_the_emulator_marks(demo_runs):
    """One list of write methods: the emulator marks each logged call with it, the demo's summary counts them."""
    import re

    _cwd, folder, first, _second, calls_after_first = demo_runs
    entries = _log(folder)[:calls_after_first]
    assert all(e["write"] == (e["method"] in WRITES | {"addOrder"}) for e in entries)
    said = re.search(r"counts every call: (\d+) writes", first.stdout)
    assert said is not None, first.stdout[-2000:]
    marked = sum(1 for e in entries if e["write"] and e["method"] != "addOrder")
    assert int(said.group(1)) == marked > 0
