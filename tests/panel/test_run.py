"""Scenarios page, Run now with live progress and the summary rows, Plan, and "already running"."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sellintegro_core.api import load_scenario, scenario_lock

from .conftest import screenshot

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (tox installs it)").expect


def test_run_now_shows_progress_then_the_cli_rows(shop_factory: Any, page: Any) -> None:
    shop = shop_factory(renderer="panel_slow_pdf")
    page.goto(shop.url)
    expect(page.get_by_role("heading", name="Scenarios")).to_be_visible()
    row = page.locator("tr[data-scenario='shop']")
    expect(row).to_contain_text("never run")
    expect(row.locator("ul.checks")).to_contain_text("BaseLinker token: ok", timeout=60_000)
    expect(row).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d CET"))   # next scheduled run, with zone
    screenshot(page, "scenarios.png")
    # the contract's accessible names each find exactly one element (Playwright matches names as substrings)
    for role, name in (("link", "Scenarios"), ("link", "Orders"), ("link", "Settings"), ("link", "Health"),
                       ("button", "Run now"), ("button", "Plan")):
        assert page.get_by_role(role, name=name).count() == 1, (role, name)

    row.get_by_role("button", name="Run now").click()
    progress = page.locator("#progress [role=status]")
    expect(progress).to_contain_text(re.compile(r"processing orders: documents \d+ of \d+ done"), timeout=60_000)
    screenshot(page, "run-progress.png")
    seen = progress.inner_text()
    expect(page.locator("p.summary")).to_contain_text("BaseLinker calls:", timeout=120_000)
    screenshot(page, "run.png")
    for name in ("Scenarios", "Orders", "Settings", "Health"):
        assert page.get_by_role("link", name=name).count() == 1, name
    live = re.search(r"documents (\d+) of (\d+) done", seen)
    assert live is not None and int(live.group(1)) <= int(live.group(2)), seen
    table = page.get_by_role("table", name="Summary")
    expect(table).to_contain_text("attach invoice")
    attached = {(inv["order_id"], inv["external_invoice_number"]) for inv in shop.emulator.invoices()
                if inv["has_external_file"]}
    assert attached, "the run attached nothing"
    order_id, number = sorted(attached)[0]
    line = table.locator("tr").filter(has=page.get_by_role("cell", name=number, exact=True))
    expect(line).to_contain_text(str(order_id))
    expect(line).to_contain_text("done")
    summary = page.locator("p.summary").inner_text()
    done = int(re.search(r"done (\d+)", summary).group(1))
    filed = sum(1 for d in shop.emulator.invoices() + shop.emulator.receipts() if d["has_external_file"])
    attach_rows = table.locator("tbody tr").filter(has_text="attach").filter(
        has=page.locator("td.outcome-done"))
    assert attach_rows.count() == filed          # one row per filed document, as in the CLI's table
    assert done >= filed
    final = re.search(r"Documents: (\d+) of (\d+) done", page.locator("#progress").inner_text())
    document_rows = sum(1 for text in table.locator("tbody tr td:nth-child(2)").all_inner_texts() if text.strip())
    assert final is not None and int(final.group(1)) == document_rows
    page.goto(shop.url)
    expect(page.locator("tr[data-scenario='shop']")).to_contain_text(re.compile(r"ok: done \d+"))


def test_second_run_now_says_already_running(shop_factory: Any, browser: Any) -> None:
    shop = shop_factory(renderer="panel_slow_pdf")
    context = browser.new_context()
    first, second = context.new_page(), context.new_page()
    first.goto(shop.url)
    second.goto(shop.url)
    first.get_by_role("button", name="Run now").click()
    expect(first.locator("#progress [role=status]")).to_contain_text(" of ", timeout=60_000)
    second.get_by_role("button", name="Run now").click()
    expect(second.get_by_role("status")).to_contain_text("already running")
    screenshot(second, "already-running.png")
    expect(first.locator("p.summary")).to_contain_text("BaseLinker calls:", timeout=120_000)
    runs = [c for c in shop.emulator.calls if c["method"] == "getOrderStatusList"]
    assert runs, "the first run did not reach BaseLinker"
    context.close()


def test_run_now_refused_while_the_cli_holds_the_lock(shop_factory: Any, page: Any) -> None:
    """The lock of `sellintegro run` / `schedule` (held here by this process) stops the panel's run too."""
    shop = shop_factory()
    lock = scenario_lock(load_scenario(shop.scenario, validate_components=False))
    assert lock.acquire()
    try:
        calls = len(shop.emulator.calls)
        page.goto(shop.url)
        page.get_by_role("button", name="Run now").click()
        expect(page.get_by_role("status")).to_contain_text("already running")
        assert not [c for c in shop.emulator.calls[calls:] if c["method"].startswith(("add", "set"))]
    finally:
        lock.release()


def test_plan_writes_nothing(shop_factory: Any, page: Any) -> None:
    shop = shop_factory(renderer="panel_slow_pdf")
    page.goto(shop.url)
    page.get_by_role("button", name="Plan").click()
    expect(page.locator("p.summary")).to_contain_text("planned", timeout=120_000)
    expect(page.get_by_role("table", name="Summary")).to_contain_text("planned")
    assert not [c for c in shop.emulator.calls if c["method"].startswith(("add", "set"))]
    assert not (shop.folder / "state" / "ledger.db").exists() or _runs(shop) == 0


def _runs(shop: Any) -> int:
    import sqlite3

    con = sqlite3.connect(shop.folder / "state" / "ledger.db")
    try:
        return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    finally:
        con.close()


def test_sigterm_stops_a_run_after_its_current_step(shop_factory: Any, page: Any) -> None:
    """Stopping the panel (SIGTERM) during a run: the run stops after its current step, is recorded, the lock
    is free again and the process exits."""
    import signal
    import sqlite3

    shop = shop_factory(renderer="panel_slow_pdf")
    page.goto(shop.url)
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("#progress [role=status]")).to_contain_text("processing orders", timeout=60_000)
    shop.panel.proc.send_signal(signal.SIGTERM)
    assert shop.panel.proc.wait(timeout=30) == 0
    err = shop.panel.proc.stderr.read()
    assert "stopping: runs in progress finish their current step first" in err, err
    con = sqlite3.connect(shop.folder / "state" / "ledger.db")
    try:
        outcome = con.execute("SELECT outcome FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    finally:
        con.close()
    assert outcome == "stopped"
    lock = scenario_lock(load_scenario(shop.scenario, validate_components=False))
    assert lock.acquire()
    lock.release()
