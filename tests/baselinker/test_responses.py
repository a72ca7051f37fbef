"""Recorded-shape tests: BaseLinker answers as seen in the wild (baselinker_api.md §5, §6, §8) parse cleanly.

The fixtures in ``fixtures/`` are the reference document's examples (string ids, "0"/"1" flags, "" for empty
values, doc-sample field names such as ``pick_status`` and journal ``log_id``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sellintegro_baselinker.orders import to_order
from sellintegro_baselinker.responses import (
    ApiInvoice,
    WrongShape,
    parse_extra_fields,
    parse_invoices,
    parse_journal,
    parse_orders,
    parse_receipt,
    parse_series,
    parse_statuses,
)
from sellintegro_core.errors import RetriableError

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_orders_with_string_ids_flags_and_empty_strings():
    allegro, shop = parse_orders(load("getOrders"))
    assert allegro.order_id == 72000001
    assert allegro.shop_order_id == ""                  # marketplace order: "" not 0
    assert allegro.order_source_id == "31675"
    assert allegro.want_invoice is False                # "0"
    assert allegro.payment_method_cod is False
    assert allegro.custom_extra_fields == {"135": "B2C"}
    assert allegro.products[0].quantity == 2 and allegro.products[0].price_brutto == 25.5
    # the doc-sample shapes: numbers as strings, "1" flags, pick_status, [] for an empty object
    assert shop.order_id == 72000002 and shop.order_status_id == 1291
    assert shop.date_confirmed == 1735689700 and shop.confirmed is True
    assert shop.want_invoice is True and shop.payment_method_cod is True
    assert shop.payment_done == 50.0
    assert shop.pick_state == 1 and shop.pack_state == 0
    assert shop.custom_extra_fields == {}
    assert shop.products[0].price_brutto == 25.5 and shop.products[0].quantity == 2


def test_order_converted_for_the_rule():
    raw = parse_orders(load("getOrders"))[1]
    order = to_order(raw, "Europe/Warsaw", status_name="Do wysyłki")
    assert order.id == "72000002" and order.shop_order_id == "4711" and order.external_order_id == ""
    assert order.status_id == "1291" and order.status_name == "Do wysyłki"
    assert order.date_add == datetime.fromtimestamp(1735689500, UTC)
    assert order.date_add.tzinfo is not None and order.date_add.utcoffset().total_seconds() == 3600  # CET
    assert order.want_invoice is True and order.buyer_nip == "PL 526-000-12-46"
    first = to_order(parse_orders(load("getOrders"))[0], "Europe/Warsaw")
    assert first.extra_fields["135"] == "B2C" and first.source == "allegro"


def test_invoices_receipt_series_statuses():
    (invoice,) = parse_invoices(load("getInvoices"))
    assert invoice.invoice_id == 1818929 and invoice.external_invoice_number == ""
    assert invoice.correcting_to_invoice_id == 0 and not invoice.is_correction
    receipt = parse_receipt(load("getReceipt"))
    assert receipt is not None and receipt.receipt_id == 950311 and receipt.external_receipt_number == ""
    series = parse_series(load("getSeries"))
    assert series[0].id == 15 and series[0].type == "INVOICE"         # "15" in the doc sample
    assert [s.type for s in series] == ["INVOICE", "INVOICE", "CORRECTION", "RECEIPT"]
    statuses = parse_statuses(load("getOrderStatusList"))
    assert statuses[1].name == "Do wysyłki" and statuses[1].id == 1291


def test_correction_and_exchange_fields_in_every_shape():
    correcting = ApiInvoice.model_validate({
        "invoice_id": "1820044", "order_id": "72000001", "type": "correcting", "correcting_to_invoice_id": "1818929",
        "correcting_reason": 5, "correcting_items": "1", "exchange_rate": 4.5789, "exchange_date": "2021-09-17",
        "external_invoice_number": None, "external_id": 1818929, "total_price_brutto": "-25.50"})
    assert correcting.is_correction and correcting.correcting_to_invoice_id == 1818929
    assert correcting.external_invoice_number == "" and correcting.external_id == "1818929"
    assert correcting.total_price_brutto == -25.5


def test_extra_fields_as_object_or_list():
    by_id = parse_extra_fields(load("getOrderExtraFields"))
    assert {f.extra_field_id: f.name for f in by_id} == {135: "Typ klienta", 201: "KSeF", 196: "Karta gwarancyjna"}
    as_list = parse_extra_fields({"extra_fields": [{"extra_field_id": "201", "name": "KSeF", "editor_type": "text"}]})
    assert as_list[0].extra_field_id == 201
    keyed_only = parse_extra_fields({"extra_fields": {"77": {"name": "Uwagi", "editor_type": "text"}}})
    assert keyed_only[0].extra_field_id == 77


def test_journal_log_id_or_id():
    logs = parse_journal(load("getJournalList"))
    assert [e.log_id for e in logs] == [456269, 456278]
    assert parse_journal({"logs": [{"id": "5", "log_type": "7", "order_id": "1", "object_id": "9",
                                    "date": "1735690100"}]})[0].log_id == 5


def test_php_escapes_and_unicode():
    raw = r'{"status":"SUCCESS","invoices":[{"invoice_id":"7","number":"2\/9\/2021","invoice_fullname":"Zaj\u0105c"}]}'
    (invoice,) = parse_invoices(json.loads(raw))
    assert invoice.number == "2/9/2021"


@pytest.mark.parametrize("body", [{}, {"orders": None}, {"orders": "x"}, {"orders": [1, "a", None]}])
def test_missing_or_odd_containers_are_wrong_shape_never_empty(body):
    """Issue 12.3: a SUCCESS answer of the wrong shape is a retriable error naming method and field."""
    with pytest.raises(WrongShape) as caught:
        parse_orders(body)
    assert isinstance(caught.value, RetriableError)
    assert "getOrders" in caught.value.message and "'orders'" in caught.value.message
    assert parse_receipt(body) is None


@pytest.mark.parametrize("parse, method, field", [
    (parse_statuses, "getOrderStatusList", "statuses"), (parse_series, "getSeries", "series"),
    (parse_invoices, "getInvoices", "invoices"), (parse_journal, "getJournalList", "logs"),
    (parse_extra_fields, "getOrderExtraFields", "extra_fields")])
def test_every_list_answer_refuses_a_wrong_shape(parse, method, field):
    with pytest.raises(WrongShape, match=f"{method} .*'{field}' is text"):
        parse({field: "notalist"})
    assert parse({field: []}) == []          # PHP's empty array is a real empty list


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=12)
FIELDS = ["order_id", "invoice_id", "receipt_id", "id", "name", "type", "date_add", "date_confirmed", "confirmed",
          "want_invoice", "custom_extra_fields", "products", "options", "extra_field_id", "external_invoice_number",
          "external_receipt_number", "correcting_to_invoice_id", "order_status_id", "log_id", "price_brutto"]
ITEM = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8)


@settings(max_examples=100, deadline=None)
@given(items=st.lists(ITEM, max_size=3) | st.dictionaries(st.text(max_size=4), ITEM, max_size=3) | JSON)
def test_fuzzed_answers_never_crash_the_parsers(items):
    """Whatever types BaseLinker answers with, parsing gives models or a WrongShape error naming the field,
    never another exception and never an empty list for an answer that is not a list."""
    for key, parse in (("orders", parse_orders), ("statuses", parse_statuses), ("series", parse_series),
                       ("extra_fields", parse_extra_fields), ("invoices", parse_invoices), ("logs", parse_journal)):
        try:
            assert isinstance(parse({key: items}), list)
        except WrongShape as exc:
            assert f"'{key}'" in exc.message
            assert not (isinstance(items, list | dict) and all(isinstance(x, dict) for x in
                                                              (items.values() if isinstance(items, dict) else items)))
    body = items if isinstance(items, dict) else {"receipt": items}
    parse_receipt(body)
