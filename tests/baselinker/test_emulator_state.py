"""Seed files, --state persistence across restarts, and the --log call log."""

from __future__ import annotations

import base64
import json

import pytest
from sellintegro_baselinker_emulator import Emulator, SeedError, serve

from tests.baselinker.conftest import TOKEN, call

SEED = {
    "statuses": [{"id": 2001, "name": "Zafakturowane", "name_for_customer": "Faktura wystawiona", "color": "#000"}],
    "series": [{"id": 15, "type": "INVOICE", "name": "Subiekt", "format": "%N/%M/%Y"},
               {"id": 16, "name": "Domyślna"},
               {"id": 24, "type": "CORRECTION", "name": "Korekty", "format": "KOR %N/%Y"}],
    "extra_fields": [{"extra_field_id": 5, "name": "KSeF", "editor_type": "text"}],
    "sources": {"allegro": {"2": "Allegro konto"}},
    "orders": [
        {"order_id": 501, "date_add": 1_780_000_000, "status": "Do wysłania", "order_source": "allegro",
         "order_source_id": 2, "external_order_id": "a-1", "want_invoice": True, "currency": "PLN",
         "invoice_company": "Firma sp. z o.o.", "invoice_nip": "5260250274", "invoice_country_code": "PL",
         "email": "a@example.com", "extra_field_1": "x", "custom_extra_fields": {"5": "KSEF-1"},
         "products": [{"name": "Kubek", "sku": "KUB-1", "quantity": 2, "price_brutto": 25.5, "tax_rate": 23}],
         "my_own_key": {"kept": True}},
        {"order_id": 502, "date_add": 1_780_000_100, "date_confirmed": 1_780_000_200, "order_status_id": 2001,
         "want_invoice": "0", "shop_order_id": 77},
        {"order_id": 503, "date_add": 1_780_000_300, "confirmed": False},
    ],
    "expected": [{"order_id": 501, "document_number": "FS 1/11/2026", "kind": "FS", "target": "invoice"}],
}


def test_seed_adds_to_the_defaults():
    emu = Emulator(token=TOKEN, seed=SEED)
    import httpx

    client = httpx.Client(transport=httpx.WSGITransport(app=emu.wsgi_app), base_url="http://e")
    statuses = call(client, "getOrderStatusList")["statuses"]
    assert [s["id"] for s in statuses] == [1001, 1002, 1003, 1004, 1005, 2001]
    series = call(client, "getSeries")["series"]
    assert [(s["id"], s["type"]) for s in series] == [(1, "INVOICE"), (2, "RECEIPT"), (15, "INVOICE"),
                                                      (16, "INVOICE"), (24, "CORRECTION")]
    assert call(client, "getOrderSources")["sources"]["allegro"] == {"2": "Allegro konto"}
    orders = {o["order_id"]: o for o in call(client, "getOrders", get_unconfirmed_orders=True,
                                             include_custom_extra_fields=True)["orders"]}
    a, b, c = orders[501], orders[502], orders[503]
    assert a["order_status_id"] == 1002 and a["date_confirmed"] == a["date_add"] == 1_780_000_000
    assert a["want_invoice"] == "1" and a["order_source_id"] == "2" and a["invoice_country"] == "Polska"
    assert a["custom_extra_fields"] == {"5": "KSEF-1"} and a["my_own_key"] == {"kept": True}
    assert a["products"][0]["order_product_id"].isdigit() and a["products"][0]["storage_id"] == "0"
    assert b["order_status_id"] == 2001 and b["date_confirmed"] == 1_780_000_200 and b["want_invoice"] == "0"
    assert b["shop_order_id"] == 77 and b["order_status_id"] == 2001
    assert c["confirmed"] is False and c["date_confirmed"] == 0 and c["order_status_id"] == 1001
    # new orders get ids after the seeded ones
    assert call(client, "addOrder")["order_id"] > 503


def test_seed_from_a_file(tmp_path):
    path = tmp_path / "demo.sqlite.orders.json"
    path.write_text(json.dumps(SEED), encoding="utf-8")
    assert [o["order_id"] for o in Emulator(token=TOKEN, seed=str(path)).orders()] == [501, 502, 503]


@pytest.mark.parametrize("seed, words", [
    ({"statuses": [{"id": 1001, "name": "X"}]}, ["statuses[0]", "1001", "already exists"]),
    ({"series": [{"id": 1, "type": "INVOICE", "name": "X"}]}, ["series[0]", "already exists"]),
    ({"series": [{"id": 9, "type": "PROFORMA", "name": "X"}]}, ["series[0].type", "PROFORMA"]),
    ({"orders": [{"order_id": 1, "status": "Nieznany"}]}, ["orders[0].status", "Nieznany", "Nowe zamówienia"]),
    ({"orders": [{"order_id": 1, "order_status_id": 42}]}, ["orders[0].order_status_id", "42"]),
    ({"orders": [{"order_id": 1}, {"order_id": 1}]}, ["orders[1]", "twice"]),
    ({"orders": [{"order_id": "abc"}]}, ["orders[0].order_id"]),
    ({"orders": [{"order_id": 1, "custom_extra_fields": {"9": "x"}}]}, ["custom_extra_fields", "9"]),
    ({"order": []}, ["unknown seed keys", "order"]),
    ({"orders": {}}, ["orders must be a list"]),
    ([], ["JSON object"]),
])
def test_seed_errors_name_the_problem(seed, words):
    with pytest.raises(SeedError) as info:
        Emulator(token=TOKEN, seed=seed)
    for word in words:
        assert word in str(info.value)


def test_state_persists_across_restarts(tmp_path):
    state = tmp_path / "state.json"
    pdf = b"%PDF-1.4 persisted"
    emu = Emulator(token=TOKEN, seed=SEED, state_path=state)
    with serve(emu) as server:
        order_id = call(server.url, "addOrder", date_add=1_780_001_000)["order_id"]
        invoice_id = call(server.url, "addInvoice", order_id=order_id, series_id=15)["invoice_id"]
        call(server.url, "addOrderInvoiceFile", invoice_id=invoice_id, external_invoice_number="FS 9/2026",
             file="data:" + base64.b64encode(pdf).decode())
        receipt_id = call(server.url, "addReceipt", order_id=501)["receipt_id"]
        call(server.url, "setOrderStatus", order_id=501, status_id=1003)
        # saved after each write, not only at exit
        saved = json.loads(state.read_text(encoding="utf-8"))
        assert {o["order_id"] for o in saved["orders"]} == {501, 502, 503, order_id}

    # a restart with the same state (the seed is not applied again)
    emu2 = Emulator(token=TOKEN, seed=SEED, state_path=state)
    with serve(emu2) as server:
        assert [o["order_id"] for o in emu2.orders()] == [501, 502, 503, order_id]
        assert emu2.order(501)["order_status_id"] == 1003
        assert emu2.invoice_file(invoice_id) == pdf
        ext = call(server.url, "getInvoiceFile", invoice_id=invoice_id, get_external=True)
        assert ext["invoice_number"] == "FS 9/2026"
        assert call(server.url, "getReceipt", receipt_id=receipt_id)["order_id"] == 501
        assert call(server.url, "addInvoice", order_id=order_id, series_id=15)["error_code"] == \
            "ERROR_DOCUMENT_EXISTS"
        # ids and numbers continue, never reused
        new_order = call(server.url, "addOrder")["order_id"]
        assert new_order > order_id
        second = call(server.url, "addInvoice", order_id=new_order, series_id=15)["invoice_id"]
        assert second > invoice_id
        assert emu2.invoices(new_order)[0]["sub_id"] == 2
        assert len(emu2.journal()) > len(Emulator(token=TOKEN).journal())


def test_state_file_errors(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid JSON"):
        Emulator(token=TOKEN, state_path=broken)
    seed_file = tmp_path / "seed.json"
    seed_file.write_text(json.dumps(SEED), encoding="utf-8")
    with pytest.raises(SeedError, match="not an emulator state file"):
        Emulator(token=TOKEN, state_path=seed_file)


def test_call_log_lines(tmp_path):
    log = tmp_path / "calls.jsonl"
    emu = Emulator(token=TOKEN, log_path=log)
    with serve(emu) as server:
        order_id = call(server.url, "addOrder")["order_id"]
        invoice_id = call(server.url, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
        file = "data:" + base64.b64encode(b"%PDF-1.4" * 100).decode()
        call(server.url, "addOrderInvoiceFile", invoice_id=invoice_id, file=file, external_invoice_number="FS 1")
        call(server.url, "addInvoice", order_id=order_id, series_id=1)
        call(server.url, "getSeries", token="bad")
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(e["method"], e["status"], e["error_code"]) for e in lines] == [
        ("addOrder", "SUCCESS", None), ("addInvoice", "SUCCESS", None), ("addOrderInvoiceFile", "SUCCESS", None),
        ("addInvoice", "ERROR", "ERROR_DOCUMENT_EXISTS"), ("getSeries", "ERROR", "ERROR_BAD_TOKEN")]
    upload = lines[2]["parameters"]
    assert upload == {"invoice_id": invoice_id, "file": f"<file: {len(file)} chars>", "external_invoice_number": "FS 1"}
    assert all(e["time"].endswith("Z") and e["time"][:4].isdigit() for e in lines)
    assert "bad" not in log.read_text(encoding="utf-8")  # tokens are never logged
    assert lines == emu.calls
