"""The emulator's methods: happy paths, BaseLinker's types and quirks, and validation errors."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from pypdf import PdfReader

from tests.baselinker.conftest import TOKEN, call

PDF = b"%PDF-1.4\n% sellintegro test file with + and / in base64 ???>>>\n%%EOF\n"


def data_file(content: bytes = PDF) -> str:
    return "data:" + base64.b64encode(content).decode("ascii")


def new_order(client, **fields) -> int:
    params = {"order_status_id": 1001, "date_add": 1_780_000_000, "currency": "PLN",
              "invoice_fullname": "Jan Kowalski", "payment_method": "Przelewy24", "delivery_price": 8.99,
              "products": [{"name": "Kubek ceramiczny", "sku": "KUB-1", "price_brutto": 25.5, "tax_rate": 23,
                            "quantity": 2}]}
    params.update(fields)
    body = call(client, "addOrder", **params)
    assert body["status"] == "SUCCESS", body
    return body["order_id"]


# --- transport, token, envelope ----------------------------------------------------------------------------


def test_real_socket_round_trip_with_php_style_json(emulator):
    raw = httpx.post(emulator.url, headers={"X-BLToken": TOKEN},
                     data={"method": "getSeries", "parameters": "{}"}, timeout=10).text
    assert "\\/" in raw  # slashes escaped as PHP's json_encode does
    assert json.loads(raw) == {"status": "SUCCESS", "series": [
        {"id": 1, "type": "INVOICE", "name": "Faktury", "format": "FV %N/%M/%Y"},
        {"id": 2, "type": "RECEIPT", "name": "Paragony", "format": "PAR %N/%M/%Y"}]}


def test_token_errors(wsgi_client):
    assert call(wsgi_client, "getSeries", token=None)["error_code"] == "ERROR_EMPTY_TOKEN"
    assert call(wsgi_client, "getSeries", token="")["error_code"] == "ERROR_EMPTY_TOKEN"
    bad = call(wsgi_client, "getSeries", token="1-23-WRONG")
    assert bad["status"] == "ERROR" and bad["error_code"] == "ERROR_BAD_TOKEN" and bad["error_message"]


def test_legacy_token_form_field_is_accepted(wsgi_client):
    resp = wsgi_client.post("/connector.php", data={"token": TOKEN, "method": "getSeries"})
    assert resp.json()["status"] == "SUCCESS"


def test_unknown_or_missing_method(wsgi_client):
    assert call(wsgi_client, "getOrdersX")["error_code"] == "ERROR_UNKNOWN_METHOD"
    resp = wsgi_client.post("/connector.php", headers={"X-BLToken": TOKEN}, data={"parameters": "{}"})
    assert resp.json()["error_code"] == "ERROR_UNKNOWN_METHOD"


def test_parameters_must_be_a_json_object(wsgi_client):
    for raw in ("not json", "[1, 2]", '"text"'):
        resp = wsgi_client.post("/connector.php", headers={"X-BLToken": TOKEN},
                                data={"method": "getOrders", "parameters": raw})
        assert resp.status_code == 200
        assert resp.json() == {"status": "ERROR", "error_code": "ERROR_PARAMETERS_FORMAT",
                               "error_message": resp.json()["error_message"]}
    missing = wsgi_client.post("/connector.php", headers={"X-BLToken": TOKEN}, data={"method": "getOrders"})
    assert missing.json() == {"status": "SUCCESS", "orders": []}


def test_other_paths_are_not_the_api(wsgi_client):
    assert wsgi_client.post("/api.php", data={"method": "getSeries"}).status_code == 404


# --- fresh account -------------------------------------------------------------------------------------------


def test_fresh_account_looks_like_a_new_baselinker_account(wsgi_client):
    statuses = call(wsgi_client, "getOrderStatusList")["statuses"]
    assert [(s["id"], s["name"]) for s in statuses] == [
        (1001, "Nowe zamówienia"), (1002, "Do wysłania"), (1003, "Wysłane"), (1004, "Anulowane"), (1005, "Zwroty")]
    assert all(set(s) == {"id", "name", "name_for_customer", "color"} for s in statuses)
    assert call(wsgi_client, "getOrderSources")["sources"] == {"personal": {"0": "Osobiście"}, "shop": {"1": "Sklep"}}
    assert call(wsgi_client, "getOrderExtraFields")["extra_fields"] == {}
    assert call(wsgi_client, "getOrders")["orders"] == []
    assert call(wsgi_client, "getInvoices")["invoices"] == []


# --- orders ------------------------------------------------------------------------------------------------


def test_add_order_is_confirmed_at_once_and_keeps_date_add(wsgi_client, wsgi_emulator):
    order_id = new_order(wsgi_client, want_invoice=True, email="kupujacy@example.com",
                         delivery_country_code="PL", custom_source_id=0)
    assert isinstance(order_id, int)
    (order,) = call(wsgi_client, "getOrders", order_id=order_id)["orders"]
    assert order["confirmed"] is True
    assert order["date_add"] == 1_780_000_000
    assert order["date_confirmed"] >= order["date_add"] and order["date_confirmed"] == order["date_in_status"]
    # BaseLinker's types: string ids, "0"/"1" flags, "" for empty text
    assert order["want_invoice"] == "1" and order["payment_method_cod"] == "0"
    assert order["order_source"] == "personal" and order["order_source_id"] == "0"
    assert order["shop_order_id"] == "" and order["invoice_company"] == "" and order["delivery_country"] == "Polska"
    assert order["order_page"].startswith(f"https://orders-d.baselinker.com/{order_id}/")
    (product,) = order["products"]
    assert isinstance(product["order_product_id"], str) and product["order_product_id"].isdigit()
    assert product["variant_id"] == "0" and product["price_brutto"] == 25.5 and product["quantity"] == 2
    assert "custom_extra_fields" not in order
    assert wsgi_emulator.order(order_id)["email"] == "kupujacy@example.com"


def test_add_order_defaults_and_paid(wsgi_client):
    order_id = call(wsgi_client, "addOrder", paid=True, delivery_price=10,
                    products=[{"name": "A", "price_brutto": 5, "quantity": 3}])["order_id"]
    (order,) = call(wsgi_client, "getOrders", order_id=order_id)["orders"]
    assert order["order_status_id"] == 1001 and order["currency"] == "PLN" and order["payment_done"] == 25


@pytest.mark.parametrize("params, code", [
    ({"order_status_id": 999}, "ERROR_NOT_FOUND"),
    ({"order_status_id": "abc"}, "ERROR_INVALID_PARAMETER"),
    ({"currency": "ZLOTY"}, "ERROR_INVALID_PARAMETER"),
    ({"admin_comments": "x" * 201}, "ERROR_PARAMETER_TOO_LONG"),
    ({"delivery_state": "x" * 21}, "ERROR_PARAMETER_TOO_LONG"),
    ({"want_invoice": "maybe"}, "ERROR_INVALID_PARAMETER"),
    ({"products": {"name": "x"}}, "ERROR_INVALID_PARAMETER"),
    ({"products": [{"name": "x" * 201}]}, "ERROR_PARAMETER_TOO_LONG"),
    ({"products": [{"name": "x", "quantity": "two"}]}, "ERROR_INVALID_PARAMETER"),
    ({"custom_source_id": 4242}, "ERROR_NOT_FOUND"),
    ({"custom_extra_fields": {"77": "x"}}, "ERROR_NOT_FOUND"),
])
def test_add_order_validation(wsgi_client, wsgi_emulator, params, code):
    body = call(wsgi_client, "addOrder", **params)
    assert body["status"] == "ERROR" and body["error_code"] == code, body
    assert wsgi_emulator.orders() == []  # a rejected call changes nothing


def test_get_orders_filters(wsgi_client, wsgi_emulator):
    wsgi_emulator.apply_seed({"sources": {"allegro": {"31675": "Konto Allegro"}}, "orders": [
        {"order_id": 1, "date_add": 1000, "date_confirmed": 1100, "status": "Nowe zamówienia",
         "order_source": "allegro", "order_source_id": 31675, "external_order_id": "uuid-1", "email": "a@x.pl"},
        {"order_id": 2, "date_add": 2000, "date_confirmed": 2100, "status": "Do wysłania",
         "order_source": "shop", "order_source_id": "1", "shop_order_id": 555},
        {"order_id": 3, "date_add": 3000, "confirmed": False, "status": "Nowe zamówienia"},
    ]})

    def ids(**params):
        body = call(wsgi_client, "getOrders", **params)
        assert body["status"] == "SUCCESS", body
        return [o["order_id"] for o in body["orders"]]

    assert ids() == [1, 2]  # confirmed only by default
    assert ids(get_unconfirmed_orders=True) == [1, 2, 3]
    assert ids(order_id=2) == [2]
    assert ids(order_id=3) == []
    assert ids(order_id=3, get_unconfirmed_orders=True) == [3]
    assert ids(date_from=1500) == [2]
    assert ids(date_confirmed_from=2100) == [2]
    assert ids(id_from=2, get_unconfirmed_orders=True) == [2, 3]
    assert ids(status_id=1002) == [2]
    assert ids(filter_order_source="allegro") == [1]
    assert ids(filter_order_source="allegro", filter_order_source_id=31675) == [1]
    assert ids(filter_order_source="allegro", filter_order_source_id=1) == []
    assert ids(filter_shop_order_id=555) == [2]
    assert ids(filter_external_order_id="uuid-1") == [1]
    assert ids(filter_email="a@x.pl") == [1]
    assert ids(date_from=1500, status_id=1001) == []  # filters combine with AND
    assert call(wsgi_client, "getOrders", order_id=1)["orders"][0]["order_source_id"] == "31675"
    assert call(wsgi_client, "getOrders", date_from="abc")["error_code"] == "ERROR_INVALID_PARAMETER"


def test_set_order_status_and_statuses(wsgi_client, wsgi_emulator):
    a, b = new_order(wsgi_client), new_order(wsgi_client)
    assert call(wsgi_client, "setOrderStatus", order_id=a, status_id=1003) == {"status": "SUCCESS"}
    assert wsgi_emulator.order(a)["order_status_id"] == 1003
    assert call(wsgi_client, "setOrderStatus", order_id=a, status_id=1003)["status"] == "SUCCESS"  # no-op
    assert call(wsgi_client, "setOrderStatuses", order_ids=[a, b], status_id=1002) == {"status": "SUCCESS"}
    assert [o["order_status_id"] for o in wsgi_emulator.orders()] == [1002, 1002]
    status_events = [e for e in wsgi_emulator.journal() if e["log_type"] == 18]
    assert [(e["order_id"], e["object_id"]) for e in status_events] == [(a, 1003), (a, 1002), (b, 1002)]

    assert call(wsgi_client, "setOrderStatus", order_id=a)["error_code"] == "ERROR_MISSING_PARAMETER"
    assert call(wsgi_client, "setOrderStatus", status_id=1001)["error_code"] == "ERROR_MISSING_PARAMETER"
    assert call(wsgi_client, "setOrderStatus", order_id=a, status_id=7)["error_code"] == "ERROR_NOT_FOUND"
    assert call(wsgi_client, "setOrderStatus", order_id=999, status_id=1001)["error_code"] == "ERROR_NOT_FOUND"
    # the batch is all or nothing
    body = call(wsgi_client, "setOrderStatuses", order_ids=[a, 999], status_id=1005)
    assert body["error_code"] == "ERROR_NOT_FOUND"
    assert [o["order_status_id"] for o in wsgi_emulator.orders()] == [1002, 1002]
    assert call(wsgi_client, "setOrderStatuses", order_ids=[], status_id=1005)["status"] == "ERROR"
    assert call(wsgi_client, "setOrderStatuses", order_ids="1", status_id=1005)["status"] == "ERROR"


def test_set_order_fields_and_extra_fields(wsgi_client, wsgi_emulator):
    wsgi_emulator.apply_seed({"extra_fields": [
        {"extra_field_id": 201, "name": "KSeF", "editor_type": "text"},
        {"extra_field_id": 135, "name": "Typ klienta", "editor_type": "radio", "options": ["B2B", "B2C"]},
        {"extra_field_id": 196, "name": "Karta", "editor_type": "file"}]})
    fields = call(wsgi_client, "getOrderExtraFields")["extra_fields"]
    assert fields["201"] == {"extra_field_id": 201, "name": "KSeF", "editor_type": "text"}
    assert fields["135"]["options"] == ["B2B", "B2C"]
    order_id = new_order(wsgi_client)
    ksef = "5265877635-20250826-0100001AF629-AF"
    body = call(wsgi_client, "setOrderFields", order_id=order_id, admin_comments="FS 1/2026",
                want_invoice=1, extra_field_1="x", custom_extra_fields={"201": ksef, 135: "B2B",
                                                                        "196": {"title": "k.pdf", "file": data_file()}})
    assert body == {"status": "SUCCESS"}
    (order,) = call(wsgi_client, "getOrders", order_id=order_id, include_custom_extra_fields=True)["orders"]
    assert order["admin_comments"] == "FS 1/2026" and order["want_invoice"] == "1"
    assert order["custom_extra_fields"]["201"] == ksef and order["custom_extra_fields"]["135"] == "B2B"
    assert set(order["custom_extra_fields"]["196"]) == {"title", "url"}
    call(wsgi_client, "setOrderFields", order_id=order_id, custom_extra_fields={"201": ""})  # "" removes
    (order,) = call(wsgi_client, "getOrders", order_id=order_id, include_custom_extra_fields=True)["orders"]
    assert "201" not in order["custom_extra_fields"] and "135" in order["custom_extra_fields"]
    assert any(e["log_type"] == 16 and e["order_id"] == order_id for e in wsgi_emulator.journal())

    def err(**params):
        return call(wsgi_client, "setOrderFields", **params)["error_code"]

    assert err(admin_comments="x") == "ERROR_MISSING_PARAMETER"
    assert err(order_id=999, admin_comments="x") == "ERROR_NOT_FOUND"
    assert err(order_id=order_id, admin_comments="x" * 201) == "ERROR_PARAMETER_TOO_LONG"
    assert err(order_id=order_id, user_login="x" * 31) == "ERROR_PARAMETER_TOO_LONG"
    assert err(order_id=order_id, invoice_country_code="POL") == "ERROR_INVALID_PARAMETER"
    assert err(order_id=order_id, custom_extra_fields={"999": "x"}) == "ERROR_NOT_FOUND"
    assert err(order_id=order_id, custom_extra_fields={"135": "B2X"}) == "ERROR_INVALID_PARAMETER"
    assert err(order_id=order_id, custom_extra_fields={"196": {"title": "x", "file": "JVBERi0"}}) == \
        "ERROR_INVALID_FILE"
    assert err(order_id=order_id, star=9) == "ERROR_INVALID_PARAMETER"


# --- invoices ----------------------------------------------------------------------------------------------


def test_placeholder_invoice_then_file_then_status(emulator):
    url = emulator.url
    order_id = new_order(url)
    invoice_id = call(url, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    assert isinstance(invoice_id, int)
    (inv,) = call(url, "getInvoices", order_id=order_id)["invoices"]
    assert inv["type"] == "normal" and inv["series_id"] == 1 and inv["order_id"] == order_id
    assert inv["number"].startswith("FV 1/") and inv["external_invoice_number"] == ""
    assert inv["correcting_to_invoice_id"] == 0 and inv["correcting_reason"] == "" and inv["exchange_rate"] == ""
    assert inv["total_price_brutto"] == 59.99 and inv["invoice_fullname"] == "Jan Kowalski"
    assert [i["name"] for i in inv["items"]] == ["Kubek ceramiczny", "Wysyłka"]

    # BaseLinker's own rendering is returned before an upload, also with get_external
    own = call(url, "getInvoiceFile", invoice_id=invoice_id, get_external=True)
    assert own["invoice"].startswith("data:JVBERi0") and own["invoice_number"] == inv["number"]
    assert call(url, "getInvoices", get_external_invoices=False)["invoices"][0]["invoice_id"] == invoice_id

    body = call(url, "addOrderInvoiceFile", invoice_id=invoice_id, file=data_file(),
                external_invoice_number="FS 1234/MAG/01/2025")
    assert body == {"status": "SUCCESS"}
    ext = call(url, "getInvoiceFile", invoice_id=invoice_id, get_external=True)
    assert base64.b64decode(ext["invoice"][5:]) == PDF  # '+' and '/' survived the form encoding
    assert ext["invoice_number"] == "FS 1234/MAG/01/2025"
    assert call(url, "getInvoiceFile", invoice_id=invoice_id)["invoice_number"] == inv["number"]
    assert call(url, "getInvoices", get_external_invoices=False)["invoices"] == []
    (inv,) = call(url, "getInvoices", invoice_id=invoice_id)["invoices"]
    assert inv["external_invoice_number"] == "FS 1234/MAG/01/2025" and inv["number"].startswith("FV 1/")
    assert emulator.emulator.invoice_file(invoice_id) == PDF
    assert emulator.emulator.invoices(order_id)[0]["has_external_file"] is True

    assert call(url, "setOrderStatus", order_id=order_id, status_id=1002)["status"] == "SUCCESS"
    methods = [c["method"] for c in emulator.emulator.calls]
    assert methods.index("addOrderInvoiceFile") < methods.index("setOrderStatus")


def test_own_rendering_is_a_real_pdf(wsgi_client):
    order_id = new_order(wsgi_client)
    invoice_id = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    body = call(wsgi_client, "getInvoiceFile", invoice_id=invoice_id)
    import io

    text = PdfReader(io.BytesIO(base64.b64decode(body["invoice"][5:]))).pages[0].extract_text()
    assert body["invoice_number"] in text


def test_one_invoice_per_order(wsgi_client, wsgi_emulator):
    order_id = new_order(wsgi_client)
    first = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)
    second = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)
    assert first["status"] == "SUCCESS"
    assert second["status"] == "ERROR" and second["error_code"] == "ERROR_DOCUMENT_EXISTS"
    assert len(wsgi_emulator.invoices(order_id)) == 1


def test_add_invoice_validation(wsgi_client, wsgi_emulator):
    order_id = new_order(wsgi_client)

    def err(**params):
        return call(wsgi_client, "addInvoice", **params)["error_code"]

    assert err(series_id=1) == "ERROR_MISSING_PARAMETER"
    assert err(order_id=order_id) == "ERROR_MISSING_PARAMETER"
    assert err(order_id=999, series_id=1) == "ERROR_NOT_FOUND"
    assert err(order_id=order_id, series_id=77) == "ERROR_INVALID_PARAMETER"
    assert err(order_id=order_id, series_id=2) == "ERROR_INVALID_PARAMETER"  # a RECEIPT series
    assert err(order_id=order_id, series_id=1, vat_rate="XX") == "ERROR_INVALID_PARAMETER"
    assert err(order_id=order_id, series_id=1, vat_rate=150) == "ERROR_INVALID_PARAMETER"
    assert wsgi_emulator.invoices() == []
    assert call(wsgi_client, "addInvoice", order_id=order_id, series_id=1, vat_rate="ZW")["status"] == "SUCCESS"
    assert {i["tax_rate"] for i in wsgi_emulator.invoices()[0]["items"]} == {-1}


def test_invoice_numbering_per_series(wsgi_client, wsgi_emulator):
    wsgi_emulator.apply_seed({"series": [{"id": 15, "type": "INVOICE", "name": "Subiekt", "format": "%N/%Y/S"}]})
    numbers = []
    for series_id in (15, 15, 1):
        order_id = new_order(wsgi_client)
        invoice_id = call(wsgi_client, "addInvoice", order_id=order_id, series_id=series_id)["invoice_id"]
        numbers.append(call(wsgi_client, "getInvoices", invoice_id=invoice_id)["invoices"][0])
    assert [n["sub_id"] for n in numbers] == [1, 2, 1]
    assert numbers[0]["month"] == 0 and numbers[0]["number"] == f"1/{numbers[0]['year']}/S"


def test_add_order_invoice_file_validation(wsgi_client, wsgi_emulator):
    order_id = new_order(wsgi_client)
    invoice_id = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]

    def err(**params):
        params.setdefault("invoice_id", invoice_id)
        return call(wsgi_client, "addOrderInvoiceFile", **params)["error_code"]

    b64 = base64.b64encode(PDF).decode()
    assert err(file=b64) == "ERROR_INVALID_FILE"  # no data: prefix
    assert err(file="data:application/pdf;base64," + b64) == "ERROR_INVALID_FILE"  # a data-URI is wrong
    assert err(file="data:" + b64.replace("+", " ")) == "ERROR_INVALID_FILE"  # '+' decoded as space
    assert err(file="data:") == "ERROR_INVALID_FILE"
    assert err(file=data_file(), external_invoice_number="F" * 31) == "ERROR_PARAMETER_TOO_LONG"
    assert err() == "ERROR_MISSING_PARAMETER"
    assert err(invoice_id=999, file=data_file()) == "ERROR_NOT_FOUND"
    assert wsgi_emulator.invoice_file(invoice_id) is None
    assert err(file=data_file(b"x" * (2 * 1024 * 1024 + 1))) == "ERROR_INVALID_FILE"
    assert call(wsgi_client, "addOrderInvoiceFile", invoice_id=invoice_id, file=data_file(),
                external_invoice_number="F" * 30)["status"] == "SUCCESS"
    # raw '+' in a hand-built body arrives as a space and corrupts the base64 (baselinker_api.md §1)
    b64_plus = base64.b64encode(b"\xfb\xef\xbe" * 4).decode()
    assert "+" in b64_plus
    raw = ("method=addOrderInvoiceFile&parameters=" +
           json.dumps({"invoice_id": invoice_id, "file": "data:" + b64_plus}).replace("\"", "%22"))
    resp = wsgi_client.post("/connector.php", headers={"X-BLToken": TOKEN,
                                                       "Content-Type": "application/x-www-form-urlencoded"},
                            content=raw.encode())
    assert resp.json()["error_code"] == "ERROR_INVALID_FILE"


def test_get_invoices_filters_and_paging():
    from sellintegro_baselinker_emulator import Emulator

    wsgi_emulator = Emulator(token=TOKEN, requests_per_minute=1000)
    wsgi_client = httpx.Client(transport=httpx.WSGITransport(app=wsgi_emulator.wsgi_app), base_url="http://e")
    wsgi_emulator.apply_seed({"series": [{"id": 15, "type": "INVOICE", "name": "Subiekt", "format": "%N/%M/%Y"}]})
    ids = []
    for i in range(105):
        order_id = new_order(wsgi_client)
        ids.append(call(wsgi_client, "addInvoice", order_id=order_id, series_id=15 if i % 2 else 1)["invoice_id"])
    page = call(wsgi_client, "getInvoices")["invoices"]
    assert [i["invoice_id"] for i in page] == ids[:100]
    rest = call(wsgi_client, "getInvoices", id_from=page[-1]["invoice_id"] + 1)["invoices"]
    assert [i["invoice_id"] for i in rest] == ids[100:]
    assert {i["series_id"] for i in call(wsgi_client, "getInvoices", series_id=15)["invoices"]} == {15}
    assert call(wsgi_client, "getInvoices", date_from=2**31)["invoices"] == []
    assert "gov_status" in call(wsgi_client, "getInvoices", invoice_id=ids[0], get_government_data=True)[
        "invoices"][0]
    assert call(wsgi_client, "getInvoices", invoice_id="x")["error_code"] == "ERROR_INVALID_PARAMETER"


def test_invoice_correction(wsgi_client, wsgi_emulator):
    wsgi_emulator.apply_seed({"series": [{"id": 30, "type": "CORRECTION", "name": "Korekty",
                                          "format": "KOR %N/%M/%Y"}]})
    order_id = new_order(wsgi_client)
    original = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    body = call(wsgi_client, "addInvoiceCorrection", original_invoice_id=original, series_id=30,
                correcting_reason=5, correcting_items=True,
                items=[{"name": "Kubek ceramiczny", "price_brutto": -25.5, "tax_rate": 23, "quantity": 1}])
    assert body["status"] == "SUCCESS"
    correction_id = body["invoice_id"]
    second = call(wsgi_client, "addInvoiceCorrection", original_invoice_id=original)  # unlimited corrections
    assert second["status"] == "SUCCESS"
    docs = call(wsgi_client, "getInvoices", order_id=order_id)["invoices"]
    assert [d["type"] for d in docs] == ["normal", "correcting", "correcting"]
    cor = docs[1]
    assert cor["invoice_id"] == correction_id and cor["correcting_to_invoice_id"] == original
    assert cor["series_id"] == 30 and cor["number"].startswith("KOR 1/") and cor["correcting_reason"] == 5
    assert cor["total_price_brutto"] == -25.5 and cor["correcting_items"] is True
    # a correction takes an external file like an invoice
    assert call(wsgi_client, "addOrderInvoiceFile", invoice_id=correction_id, file=data_file(),
                external_invoice_number="KFS 1/MAG/2025")["status"] == "SUCCESS"
    # a second normal invoice is still refused, corrections do not count
    assert call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["error_code"] == "ERROR_DOCUMENT_EXISTS"

    def err(**params):
        return call(wsgi_client, "addInvoiceCorrection", **params)["error_code"]

    assert err() == "ERROR_MISSING_PARAMETER"
    assert err(original_invoice_id=999) == "ERROR_NOT_FOUND"
    assert err(original_invoice_id=original, series_id=1) == "ERROR_INVALID_PARAMETER"  # INVOICE series
    assert err(original_invoice_id=correction_id) == "ERROR_INVALID_PARAMETER"
    assert err(original_invoice_id=original, correcting_reason=12) == "ERROR_INVALID_PARAMETER"
    assert err(return_order_id=5) == "ERROR_NOT_FOUND"


# --- receipts ----------------------------------------------------------------------------------------------


def test_receipt_flow_and_20_character_limit(emulator):
    url = emulator.url
    order_id = new_order(url)
    receipt_id = call(url, "addReceipt", order_id=order_id)["receipt_id"]  # default RECEIPT series
    assert call(url, "addReceipt", order_id=order_id)["error_code"] == "ERROR_DOCUMENT_EXISTS"
    receipt = call(url, "getReceipt", order_id=order_id)
    assert receipt["status"] == "SUCCESS" and receipt["receipt_id"] == receipt_id and receipt["series_id"] == 2
    assert receipt["receipt_full_nr"].startswith("PAR 1/") and receipt["external_receipt_number"] == ""
    assert call(url, "getReceipt", receipt_id=receipt_id)["order_id"] == order_id

    too_long = call(url, "addOrderReceiptFile", receipt_id=receipt_id, file=data_file(),
                    external_receipt_number="PA 123456/MAG/01/2025")  # 21 characters
    assert too_long["error_code"] == "ERROR_PARAMETER_TOO_LONG"
    ok = call(url, "addOrderReceiptFile", receipt_id=receipt_id, file=data_file(),
              external_receipt_number="PA 12345/MAG/01/2025")  # exactly 20
    assert ok == {"status": "SUCCESS"}
    assert call(url, "getReceipt", order_id=order_id)["external_receipt_number"] == "PA 12345/MAG/01/2025"
    assert emulator.emulator.receipt_file(receipt_id) == PDF
    assert "receipt_file" not in call(url, "getReceipt", order_id=order_id)
    # emulator extension used by the demo to read the file back (BaseLinker has no such call)
    extended = call(url, "getReceipt", order_id=order_id, get_external_file=True)
    assert base64.b64decode(extended["receipt_file"][5:]) == PDF
    # an invoice may still be issued to the same order ("faktura do paragonu")
    assert call(url, "addInvoice", order_id=order_id, series_id=1)["status"] == "SUCCESS"


def test_receipt_validation(wsgi_client):
    order_id = new_order(wsgi_client)
    assert call(wsgi_client, "getReceipt")["error_code"] == "ERROR_MISSING_PARAMETER"
    assert call(wsgi_client, "getReceipt", order_id=order_id)["error_code"] == "ERROR_NOT_FOUND"
    assert call(wsgi_client, "addReceipt")["error_code"] == "ERROR_MISSING_PARAMETER"
    assert call(wsgi_client, "addReceipt", order_id=999)["error_code"] == "ERROR_NOT_FOUND"
    assert call(wsgi_client, "addReceipt", order_id=order_id, series_id=1)["error_code"] == "ERROR_INVALID_PARAMETER"
    receipt_id = call(wsgi_client, "addReceipt", order_id=order_id, series_id=2)["receipt_id"]
    assert call(wsgi_client, "addOrderReceiptFile", receipt_id=999, file=data_file())["error_code"] == \
        "ERROR_NOT_FOUND"
    assert call(wsgi_client, "addOrderReceiptFile", receipt_id=receipt_id, file="JVBERi0xLjQ=")["error_code"] == \
        "ERROR_INVALID_FILE"
    # a JWS e-receipt travels raw, without base64 and without "data:"
    assert call(wsgi_client, "addOrderReceiptFile", receipt_id=receipt_id, file="eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.c2ln",
                external_receipt_number="E/1")["status"] == "SUCCESS"


# --- journal -----------------------------------------------------------------------------------------------


def test_journal_list(wsgi_client):
    order_id = new_order(wsgi_client)
    invoice_id = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    call(wsgi_client, "setOrderStatus", order_id=order_id, status_id=1002)
    logs = call(wsgi_client, "getJournalList")["logs"]
    assert [(e["log_type"], e["object_id"]) for e in logs] == [(1, 0), (2, 0), (7, invoice_id), (18, 1002)]
    assert set(logs[0]) == {"log_id", "log_type", "order_id", "object_id", "date"}
    after = call(wsgi_client, "getJournalList", last_log_id=logs[1]["log_id"])["logs"]
    assert [e["log_type"] for e in after] == [7, 18]
    assert [e["log_type"] for e in call(wsgi_client, "getJournalList", logs_types=[18])["logs"]] == [18]
    assert call(wsgi_client, "getJournalList", order_id=order_id + 1)["logs"] == []


def test_journal_not_activated(emulator_factory, bl_call):
    server = emulator_factory(journal_enabled=False)
    new_order(server.url)
    assert bl_call(server.url, "getJournalList") == {"status": "SUCCESS", "logs": []}


def test_rejected_calls_consume_no_ids_or_numbers(wsgi_client, wsgi_emulator):
    order_id = new_order(wsgi_client)
    original = call(wsgi_client, "addInvoice", order_id=order_id, series_id=1)["invoice_id"]
    bad = call(wsgi_client, "addInvoiceCorrection", original_invoice_id=original, fv_person="x" * 101)
    assert bad["error_code"] == "ERROR_PARAMETER_TOO_LONG"
    assert call(wsgi_client, "addOrder", email="x" * 151)["status"] == "ERROR"
    correction = call(wsgi_client, "addInvoiceCorrection", original_invoice_id=original)["invoice_id"]
    assert correction == original + 1
    assert wsgi_emulator.invoices()[1]["sub_id"] == 2  # the default account numbers corrections in series 1
    assert new_order(wsgi_client) == order_id + 1


def test_concurrent_calls_are_serialised(emulator_factory):
    from concurrent.futures import ThreadPoolExecutor

    server = emulator_factory(requests_per_minute=50)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: call(server.url, "addOrder"), range(80)))
    created = [r["order_id"] for r in results if r["status"] == "SUCCESS"]
    assert len(created) == len(set(created)) == 50  # exactly the limit, no id twice
    assert sum(r.get("error_code") == "ERROR_BLOCKED_TOKEN" for r in results) == 30
    assert sorted(o["order_id"] for o in server.emulator.orders()) == sorted(created)


ORDER_FIELDS = {
    "order_id", "shop_order_id", "external_order_id", "order_source", "order_source_id", "order_source_info",
    "order_status_id", "confirmed", "date_confirmed", "date_add", "date_in_status", "user_login", "phone", "email",
    "user_comments", "admin_comments", "currency", "payment_method", "payment_method_cod", "payment_done",
    "delivery_method", "delivery_price", "delivery_package_module", "delivery_package_nr", "delivery_fullname",
    "delivery_company", "delivery_address", "delivery_postcode", "delivery_city", "delivery_state",
    "delivery_country", "delivery_country_code", "delivery_point_id", "delivery_point_name",
    "delivery_point_address", "delivery_point_postcode", "delivery_point_city", "invoice_fullname",
    "invoice_company", "invoice_nip", "invoice_address", "invoice_postcode", "invoice_city", "invoice_state",
    "invoice_country", "invoice_country_code", "want_invoice", "extra_field_1", "extra_field_2", "order_page",
    "pick_state", "pack_state", "star", "products"}
PRODUCT_FIELDS = {"storage", "storage_id", "order_product_id", "product_id", "variant_id", "name", "attributes",
                  "sku", "ean", "location", "warehouse_id", "auction_id", "price_brutto", "tax_rate", "quantity",
                  "weight", "bundle_id"}


def test_get_orders_serves_every_documented_field(wsgi_client):
    new_order(wsgi_client)
    (order,) = call(wsgi_client, "getOrders")["orders"]
    assert set(order) == ORDER_FIELDS
    assert set(order["products"][0]) == PRODUCT_FIELDS
    (order,) = call(wsgi_client, "getOrders", include_custom_extra_fields=True)["orders"]
    assert set(order) == ORDER_FIELDS | {"custom_extra_fields"}
