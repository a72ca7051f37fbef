"""Fuzzed BaseLinker answers through the whole sink (hypothesis).

tests/baselinker/test_responses.py fuzzes the tolerant response models one parser at a time; here every call
the sink makes (getOrders, getOrderStatusList, getSeries, getInvoices, getReceipt, addInvoice, addReceipt,
addInvoiceCorrection, add*File, setOrderStatuses...) gets an answer drawn by hypothesis -- odd types in every
field, BaseLinker errors, blocks, HTML error pages, broken JSON -- and the sink must either work or raise one of
sellintegro's own errors (which the CLI turns into a message and an exit code). Anything else would reach the
user as "unexpected <Exception>" and stop the run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sellintegro_core.components import ApplyContext, ComponentContext, OrderQuery
from sellintegro_core.errors import SellintegroError
from sellintegro_core.models import AttachDocument, SetStatus
from sellintegro_core.testing import MemoryState, MemoryStepLog

from .fast_pdf import tiny_pdf

TOKEN_ENV = "SELLINTEGRO_FUZZ_TOKEN"
SANE_TIMESTAMP = st.integers(min_value=0, max_value=4_102_444_800)       # 1970 .. 2100
SCALAR = (st.none() | st.booleans() | st.integers(min_value=-2**40, max_value=2**40) | st.floats(allow_nan=False)
          | st.text(max_size=12) | st.sampled_from(["", "0", "1", "true", "12345", "2000001", "-1", "1,5", "null"]))
VALUE = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                        max_size=3), max_leaves=6)
ID = st.sampled_from([10000001, "10000001", 2000001, "2000001", 3000001, 0, "", None, "x", -5, 1.5])
NUMBER = st.sampled_from(["FS 1/11/2026", "PA 1/11/2026", "KFS 1/11/2026", "", None, 7, "FS 1/11/2026 "])
DATES = ("date_add", "date_confirmed", "date_in_status")


def fields(names: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A dict with some of ``names`` (each with its own strategy or VALUE) plus odd extra keys."""
    keyed = {name: (strategy if strategy is not None else VALUE) for name, strategy in names.items()}
    return st.fixed_dictionaries({}, optional=keyed).flatmap(
        lambda base: st.dictionaries(st.text(max_size=6), VALUE, max_size=2).map(lambda extra: {**extra, **base}))


ORDER = fields({"order_id": ID, "order_status_id": st.sampled_from([2001, "2001", 0, None, "x"]),
                "shop_order_id": VALUE, "external_order_id": VALUE, "confirmed": VALUE, "want_invoice": VALUE,
                "currency": VALUE, "invoice_nip": VALUE, "custom_extra_fields": VALUE, "products": VALUE,
                **{d: SANE_TIMESTAMP | st.sampled_from(["", None, "0", "1790000000", "abc", True])
                   for d in DATES}})
INVOICE = fields({"invoice_id": ID, "order_id": ID, "type": st.sampled_from(["normal", "correcting", "", None, 5]),
                  "external_invoice_number": NUMBER, "correcting_to_invoice_id": ID, "number": VALUE,
                  "series_id": VALUE, "date_add": VALUE})
RECEIPT = fields({"receipt_id": ID, "order_id": ID, "external_receipt_number": NUMBER, "series_id": VALUE})
STATUS = fields({"id": st.sampled_from([2001, "2001", 2002, None, "x"]),
                 "name": st.sampled_from(["Faktura wysłana", "Błąd faktury", "", None, 3])})
SERIES = fields({"id": st.sampled_from([31, "31", 32, 33, None]),
                 "type": st.sampled_from(["INVOICE", "RECEIPT", "CORRECTION", "", None]),
                 "name": st.sampled_from(["Subiekt", "Paragony Subiekt", "Korekty Subiekt", "", None])})
EXTRA_FIELD = fields({"extra_field_id": st.sampled_from([41, "41", None]), "name": st.sampled_from(["KSeF", ""]),
                      "editor_type": VALUE})

CONTAINERS = {"getOrders": ("orders", ORDER), "getInvoices": ("invoices", INVOICE),
              "getOrderStatusList": ("statuses", STATUS), "getSeries": ("series", SERIES),
              "getOrderExtraFields": ("extra_fields", EXTRA_FIELD)}
ERROR_CODES = st.sampled_from(["ERROR_NOT_FOUND", "ERROR_DOCUMENT_EXISTS", "ERROR_INVALID_PARAMETER",
                               "ERROR_BLOCKED_TOKEN", "ERROR_BAD_TOKEN", "ERROR_UNKNOWN_METHOD", "", None, 42])
BLOCK_MESSAGES = st.sampled_from(["Query limit exceeded, token blocked until 2026-11-25 10:05:00", "", None,
                                  "token blocked until never", "blocked until 9999-99-99 99:99:99"])


PLAUSIBLE: dict[str, Any] = {
    "getSeries": {"series": [{"id": 31, "type": "INVOICE", "name": "Subiekt"},
                             {"id": 32, "type": "RECEIPT", "name": "Paragony Subiekt"},
                             {"id": 33, "type": "CORRECTION", "name": "Korekty Subiekt"}]},
    "getOrderStatusList": {"statuses": [{"id": 2001, "name": "Faktura wysłana"}, {"id": 2002, "name": "Błąd faktury"}]},
    "getOrderExtraFields": {"extra_fields": {"41": {"name": "KSeF", "editor_type": "text"}}},
    "getOrders": {"orders": [{"order_id": 10000001, "date_add": 1795000000, "order_status_id": 2001}]},
    "getInvoices": {"invoices": [{"invoice_id": 2000001, "order_id": 10000001, "type": "normal",
                                  "external_invoice_number": "FS 1/11/2026"}]},
    "getReceipt": {"receipt_id": 3000001, "order_id": 10000001, "external_receipt_number": ""},
    "addInvoice": {"invoice_id": 2000002}, "addReceipt": {"receipt_id": 3000002},
    "addInvoiceCorrection": {"invoice_id": 2000003},
}


def answer(method: str) -> st.SearchStrategy[tuple[int, bytes]]:
    """An HTTP status and body BaseLinker (or something in between) might send for ``method``: often a
    plausible answer (so the flow gets deep), otherwise anything."""
    plausible = st.just((200, json.dumps({"status": "SUCCESS", **PLAUSIBLE.get(method, {})}).encode()))
    return st.one_of(plausible, plausible, anything(method))


def anything(method: str) -> st.SearchStrategy[tuple[int, bytes]]:
    if method in CONTAINERS:
        key, item = CONTAINERS[method]
        success = st.one_of(st.lists(item, max_size=3), st.dictionaries(st.text(max_size=4), item, max_size=2),
                            VALUE).map(lambda items: {"status": "SUCCESS", key: items})
    elif method == "getReceipt":
        success = RECEIPT.map(lambda r: {"status": "SUCCESS", **r})
    else:  # writes: the id they return, or odd shapes
        success = fields({"invoice_id": ID, "receipt_id": ID, "warnings": VALUE}).map(
            lambda d: {"status": "SUCCESS", **d})
    error = st.builds(lambda code, message: {"status": "ERROR", "error_code": code, "error_message": message},
                      ERROR_CODES, st.one_of(BLOCK_MESSAGES, st.text(max_size=20)))
    odd = st.one_of(VALUE.map(lambda v: v if not isinstance(v, dict) else {"no_status": v}),
                    fields({"status": st.sampled_from(["", "OK", None, 1, "success"])}))
    json_body = st.one_of(success, success, success, error, odd).map(
        lambda body: json.dumps(body, ensure_ascii=True).encode())
    broken = st.sampled_from([b"", b"{", b'{"status":"SUCC', b"<html>502 Bad Gateway</html>", b"\xff\xfe"])
    return st.one_of(st.tuples(st.just(200), json_body), st.tuples(st.just(200), json_body),
                     st.tuples(st.sampled_from([200, 500, 502, 503, 404, 429, 301]), broken))


def fuzzed_sink(data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, list[str]]:
    """A BaseLinkerSink whose every HTTP answer is drawn by hypothesis; retries and the limiter never wait."""
    from sellintegro_baselinker.config import BaseLinkerConfig
    from sellintegro_baselinker.sink import BaseLinkerSink

    monkeypatch.setenv(TOKEN_ENV, "fuzz-token")
    methods: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        form = dict(x.split("=", 1) for x in request.content.decode().split("&") if "=" in x)
        method = httpx.QueryParams(request.content.decode()).get("method") or form.get("method", "")
        methods.append(method)
        status, body = data.draw(answer(method), label=f"answer #{len(methods)} to {method}")
        return httpx.Response(status, content=body)

    config = BaseLinkerConfig.model_validate({
        "token": {"env": TOKEN_ENV}, "url": "https://api.baselinker.com/connector.php", "requests_per_minute": 100,
        "invoice_series": "Subiekt", "receipt_series": "Paragony Subiekt", "correction_series": "Korekty Subiekt",
        "ksef_number_field": "KSeF", "max_retries": 2, "retry_max_seconds": 5})
    context = ComponentContext(scenario="fuzz", base_dir=Path("."), state=MemoryState())
    sink = BaseLinkerSink(config, context, transport=httpx.MockTransport(handler))
    sink.client.sleep = lambda seconds: None
    sink.client.limiter.sleep = lambda seconds: None
    return sink, methods


FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                         HealthCheck.function_scoped_fixture])


@FUZZ
@given(data=st.data())
def test_reading_orders_survives_any_answer(data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    sink, methods = fuzzed_sink(data, monkeypatch)
    refs = data.draw(st.lists(st.sampled_from(["10000001", "10000002", "7"]), min_size=1, max_size=3, unique=True))
    try:
        orders = list(sink.fetch_orders(OrderQuery(refs=refs, key="order_id")))
    except SellintegroError as exc:
        event(f"error {type(exc).__name__}")
        return
    finally:
        sink.close()
    event(f"{len(orders)} orders")
    for order in orders:
        assert order.id.isdigit() and int(order.id) > 0
    # at most one page plus one single call per id, and the status list; each tried at most 1 + max_retries (2)
    # times. (A flat 10 failed on a legal sequence: an empty page, then three ids each answered after retries.)
    assert len(methods) <= (1 + len(refs) + 1) * 3, methods


@FUZZ
@given(data=st.data(), target=st.sampled_from(["invoice", "receipt", "correction"]))
def test_attaching_survives_any_answer(data: st.DataObject, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sink, methods = fuzzed_sink(data, monkeypatch)
    kind = {"invoice": "FS", "receipt": "PA", "correction": "KFS"}[target]
    number = f"{kind} 1/11/2026"
    action = AttachDocument(order_id="10000001", document_id="1001", document_number=number, document_kind=kind,
                            target=target, corrected_document_number="FS 1/11/2026" if target == "correction" else None)
    steps = MemoryStepLog()
    context = ApplyContext(steps=steps, document=None, render=lambda: tiny_pdf(number))
    try:
        result = sink.apply(action, context)
    except SellintegroError as exc:
        event(f"error {type(exc).__name__}")
        return
    finally:
        sink.close()
    assert result.outcome in ("done", "already_done", "failed", "skipped"), result
    event(f"outcome {result.outcome}")
    if result.outcome in ("done", "already_done"):
        assert steps.get("file") is not None, "a done attach must be recorded as filed"
    assert len(methods) <= 40, methods


@FUZZ
@given(data=st.data())
def test_setting_statuses_survives_any_answer(data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    sink, methods = fuzzed_sink(data, monkeypatch)
    actions = [SetStatus(order_id=str(10000001 + i), status="Faktura wysłana", after=[]) for i in range(3)]
    contexts = [ApplyContext(steps=MemoryStepLog()) for _ in actions]
    try:
        results = sink.apply_batch(actions, contexts)
    except SellintegroError as exc:
        event(f"error {type(exc).__name__}")
        return
    finally:
        sink.close()
    assert len(results) == len(actions)
    event("statuses: " + ",".join(sorted({r.outcome for r in results})))
    for result, ctx in zip(results, contexts, strict=True):
        assert result.outcome in ("done", "already_done", "failed"), result
        assert (result.outcome == "done") == (ctx.steps.get("sent") is not None)


@pytest.mark.parametrize("date_add", [10**20, -10**15])
def test_an_order_with_an_absurd_date_does_not_stop_the_run(date_add: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from sellintegro_baselinker.config import BaseLinkerConfig
    from sellintegro_baselinker.sink import BaseLinkerSink

    monkeypatch.setenv(TOKEN_ENV, "fuzz-token")
    bodies = {"getOrders": {"status": "SUCCESS", "orders": [{"order_id": 10000001, "date_add": date_add}]},
              "getOrderStatusList": {"status": "SUCCESS", "statuses": []}}

    def handler(request: httpx.Request) -> httpx.Response:
        method = httpx.QueryParams(request.content.decode()).get("method", "")
        return httpx.Response(200, json=bodies.get(method, {"status": "SUCCESS"}))

    config = BaseLinkerConfig.model_validate({"token": {"env": TOKEN_ENV}, "invoice_series": 1})
    sink = BaseLinkerSink(config, ComponentContext(scenario="fuzz", base_dir=Path("."), state=MemoryState()),
                          transport=httpx.MockTransport(handler))
    try:
        with pytest.raises(SellintegroError, match="impossible date_add"):
            list(sink.fetch_orders(OrderQuery(refs=["10000001"], key="order_id")))
    finally:
        sink.close()
