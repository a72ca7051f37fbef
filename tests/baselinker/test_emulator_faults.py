"""Fault injection: 5xx, timeouts, dropped connections, malformed bodies and token blocks; state stays sound."""

from __future__ import annotations

import json

import httpx
import pytest
from sellintegro_baselinker_emulator import Emulator, FaultSpec

from tests.baselinker.conftest import TOKEN


def post(url: str, method: str, timeout: float = 10.0, **params) -> httpx.Response:
    return httpx.post(url, headers={"X-BLToken": TOKEN}, timeout=timeout,
                      data={"method": method, "parameters": json.dumps(params)})


def test_spec_parsing():
    spec = FaultSpec.parse("5xx=0.05,timeout=0.02,drop=0.02,malformed=0.01,block=0.005;"
                           "methods=addInvoice,getOrders;seed=7;delay=1.5;apply=random")
    assert spec.rates == {"5xx": 0.05, "timeout": 0.02, "drop": 0.02, "malformed": 0.01, "block": 0.005}
    assert spec.methods == {"addInvoice", "getOrders"} and spec.seed == 7 and spec.delay == 1.5
    assert spec.apply == "random"
    assert FaultSpec.parse("drop=1").methods is None


@pytest.mark.parametrize("text, words", [
    ("explode=0.1", ["unknown key", "explode"]),
    ("drop=2", ["bad value", "drop=2"]),
    ("drop=0.7,5xx=0.7", ["more than 1"]),
    ("drop=0.1;methods=getOrderz", ["unknown methods", "getOrderz"]),
    ("drop", ["key=value"]),
    ("drop=0.1;apply=sometimes", ["bad value"]),
])
def test_spec_errors(text, words):
    with pytest.raises(ValueError) as info:
        FaultSpec.parse(text)
    for word in words:
        assert word in str(info.value)


def test_5xx_is_not_applied(emulator_factory):
    server = emulator_factory(faults="5xx=1;methods=addOrder")
    resp = post(server.url, "addOrder")
    assert resp.status_code in (500, 502, 503)
    with pytest.raises(json.JSONDecodeError):
        json.loads(resp.text)
    assert server.emulator.orders() == []
    assert post(server.url, "getOrders").json()["status"] == "SUCCESS"  # other methods are untouched
    assert server.emulator.calls[0]["fault"] == "5xx" and server.emulator.calls[0]["applied"] is False


def test_drop_after_applying_is_the_worst_case(emulator_factory):
    server = emulator_factory(faults="drop=1;methods=addOrder")
    with pytest.raises(httpx.RemoteProtocolError):
        post(server.url, "addOrder")
    assert len(server.emulator.orders()) == 1  # BaseLinker did it, the client never heard back
    assert post(server.url, "getOrders").json()["orders"][0]["order_id"] == server.emulator.orders()[0]["order_id"]


def test_drop_before_applying(emulator_factory):
    server = emulator_factory(faults="drop=1;methods=addOrder;apply=before")
    with pytest.raises(httpx.RemoteProtocolError):
        post(server.url, "addOrder")
    assert server.emulator.orders() == []
    assert server.emulator.calls[0]["status"] is None and server.emulator.calls[0]["applied"] is False


def test_timeout_is_longer_than_the_client_waits(emulator_factory):
    server = emulator_factory(faults="timeout=1;methods=addOrder;delay=2")
    with pytest.raises(httpx.ReadTimeout):
        post(server.url, "addOrder", timeout=0.3)
    assert len(server.emulator.orders()) == 1
    # a patient client gets the real answer after the delay
    body = post(server.url, "addOrder", timeout=10).json()
    assert body["status"] == "SUCCESS" and len(server.emulator.orders()) == 2


def test_malformed_body(emulator_factory):
    server = emulator_factory(faults="malformed=1;methods=addOrder")
    resp = post(server.url, "addOrder")
    assert resp.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        resp.json()
    assert len(server.emulator.orders()) == 1


def test_block_fault_blocks_the_token_with_an_until_time(emulator_factory):
    server = emulator_factory(faults="block=1;methods=addInvoice")
    body = post(server.url, "addInvoice", order_id=1, series_id=1).json()
    assert body["error_code"] == "ERROR_BLOCKED_TOKEN" and "token blocked until 20" in body["error_message"]
    assert post(server.url, "getOrders").json() == body  # every call is blocked now, with the same until-time
    assert server.emulator.blocked_until() is not None


def test_scripted_faults_hit_exactly_the_named_call(emulator):
    emu = emulator.emulator
    order_id = post(emulator.url, "addOrder").json()["order_id"]
    emu.inject_fault("drop", method="addOrderInvoiceFile")
    invoice_id = post(emulator.url, "addInvoice", order_id=order_id, series_id=1).json()["invoice_id"]
    with pytest.raises(httpx.RemoteProtocolError):
        post(emulator.url, "addOrderInvoiceFile", invoice_id=invoice_id, file="data:JVBERi0xLjQK",
             external_invoice_number="FS 1/2026")
    assert emu.invoice_file(invoice_id) == b"%PDF-1.4\n"  # applied before the connection dropped
    # the fault was one-shot; re-reading shows the file is there (the client's recovery path)
    invoices = post(emulator.url, "getInvoices", order_id=order_id, get_external_invoices=False).json()
    assert invoices == {"status": "SUCCESS", "invoices": []}


def test_faults_in_wsgi_mode_raise_httpx_errors():
    emu = Emulator(token=TOKEN)
    client = httpx.Client(transport=httpx.WSGITransport(app=emu.wsgi_app), base_url="http://e")
    data = {"method": "addOrder", "parameters": "{}"}
    emu.inject_fault("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/connector.php", headers={"X-BLToken": TOKEN}, data=data)
    emu.inject_fault("timeout")
    with pytest.raises(httpx.ReadTimeout):
        client.post("/connector.php", headers={"X-BLToken": TOKEN}, data=data)
    assert len(emu.orders()) == 2
    emu.inject_fault("5xx", apply="after")  # 5xx is never applied
    assert client.post("/connector.php", headers={"X-BLToken": TOKEN}, data=data).status_code >= 500
    assert len(emu.orders()) == 2


def run_sequence(seed: int) -> list[str | None]:
    emu = Emulator(token=TOKEN, requests_per_minute=10_000,
                   faults=f"5xx=0.2,timeout=0.1,drop=0.1,malformed=0.1;seed={seed}")
    client = httpx.Client(transport=httpx.WSGITransport(app=emu.wsgi_app), base_url="http://e")
    for _ in range(60):
        try:
            client.post("/connector.php", headers={"X-BLToken": TOKEN}, data={"method": "getSeries"})
        except (httpx.RemoteProtocolError, httpx.ReadTimeout):
            pass
    return [c.get("fault") for c in emu.calls]


def test_random_faults_are_deterministic_per_seed():
    first = run_sequence(7)
    assert first == run_sequence(7)
    assert first != run_sequence(8)
    assert {"5xx", "timeout", "drop", "malformed", None} <= set(first)
    assert 60 == len(first)
