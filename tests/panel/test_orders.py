"""Orders: search by order id or document number, the order's page (documents, KSeF, steps), its PDF, and
ERP text with HTML or jinja2 syntax shown as text."""

from __future__ import annotations

import io
import re
import sqlite3
from typing import Any

import pytest

from tests.reliability.stack import TOKEN, TOKEN_ENV

from .conftest import screenshot

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (tox installs it)").expect

EVIL = '<b id="erp">x</b>{{ 7*7 }}{% raw %}'


def _poison(paths: dict[str, Any]) -> None:
    """One ZK's numer oryginału holds HTML and jinja2 syntax (ERP text is data, never markup)."""
    con = sqlite3.connect(paths["db"])
    try:
        with con:
            changed = con.execute("UPDATE dok__Dokument SET dok_NrPelnyOryg = ? WHERE dok_NrPelnyOryg LIKE "
                                  "'ALLEGRO-%'", (EVIL,)).rowcount
    finally:
        con.close()
    assert changed, "the demo database has no ALLEGRO- reference to poison"


def _ksef_numbers(scenario: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Document number -> KSeF number, read from the demo database through the Subiekt source."""
    from sellintegro_core.api import build_component, close_quietly, load_scenario

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    loaded = load_scenario(scenario)
    source = build_component(loaded, "source", plan_only=True)
    try:
        out = {}
        for number in ("FS 1/11/2026", "FS 2/11/2026", "FS 3/11/2026", "FS 5/11/2026", "FS 6/11/2026"):
            doc = source.find(number)
            if doc is not None and doc.ksef.number:
                out[number] = doc.ksef.number
        return out
    finally:
        close_quietly(source)


def test_search_an_order_and_open_its_pdf(shop_factory: Any, page: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfReader

    shop = shop_factory(mutate=_poison)
    page.goto(shop.url)
    page.get_by_role("button", name="Run now").click()
    expect(page.locator("p.summary")).to_contain_text("BaseLinker calls:", timeout=180_000)
    table = page.get_by_role("table", name="Summary")
    expect(table).to_contain_text(EVIL)                  # shown as text ...
    assert page.locator("b#erp").count() == 0            # ... never as markup

    ksef = _ksef_numbers(shop.scenario, monkeypatch)
    filed = {inv["external_invoice_number"]: inv for inv in shop.emulator.invoices() if inv["has_external_file"]}
    number = next((n for n in ksef if n in filed), None) or sorted(filed)[0]
    invoice = filed[number]

    page.get_by_role("link", name="Orders").click()
    page.get_by_role("searchbox", name="Search").fill(number)
    page.get_by_role("button", name="Search").click()
    found = page.get_by_role("table", name="Orders found")
    expect(found).to_contain_text(number)
    screenshot(page, "orders.png")
    found.get_by_role("link", name=f"order {invoice['order_id']}").click()
    expect(page.get_by_role("heading", name=f"Order {invoice['order_id']}")).to_be_visible()
    documents = page.get_by_role("table", name="Documents")
    line = documents.locator("tr").filter(has=page.get_by_role("cell", name=number, exact=True))
    expect(line).to_contain_text(f"invoice {invoice['invoice_id']}")
    if number in ksef:
        expect(line).to_contain_text(ksef[number])
    steps = page.get_by_role("table", name="Ledger steps")
    expect(steps).to_contain_text("attach")
    expect(steps).to_contain_text(re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d CE"))
    expect(page.locator("body")).to_contain_text("Faktura wysłana")      # the status change
    screenshot(page, "order.png")

    link = line.get_by_role("link", name=re.compile("^PDF"))
    assert link.get_attribute("target") == "_blank"
    response = page.request.get(shop.url.rstrip("/") + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert number in text
    with page.expect_popup() as popup_info:          # the link opens the PDF in a new browser tab
        link.click()
    popup = popup_info.value
    popup.wait_for_load_state()
    assert "/pdf?document=" in popup.url
    popup.close()

    # search by order id finds the same order; an unknown number finds nothing
    page.goto(shop.url + "orders")
    page.get_by_role("searchbox", name="Search").fill(str(invoice["order_id"]))
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table", name="Orders found")).to_contain_text(number)
    page.get_by_role("searchbox", name="Search").fill("FS 999/99/2099")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("Nothing found")
    # the poisoned unmatched document is found by its number and its text stays text
    page.get_by_role("searchbox", name="Search").fill(EVIL)
    page.get_by_role("button", name="Search").click()
    assert page.locator("b#erp").count() == 0
