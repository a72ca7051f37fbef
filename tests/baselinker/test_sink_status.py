"""Status and field changes (batched), the check, and the conformance kit."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from sellintegro_core.components import ApplyContext, CheckItem
from sellintegro_core.errors import ConfigError
from sellintegro_core.models import SetField, SetStatus
from sellintegro_core.testing import MemoryStepLog, SinkConformance
from tests.baselinker.fixtures.sinkkit import TOKEN, TOKEN_ENV, attach, ctx, make_sink, section

NOW = int(time.time())


def statuses(server, n: int, status: str = "Nowe zamówienia") -> list[int]:
    return server.emulator.add_orders([{"date_add": NOW, "status": status} for _ in range(n)])


def status_of(server, order_id: int) -> int:
    return server.emulator.order(order_id)["order_status_id"]


def contexts(n: int) -> list[ApplyContext]:
    return [ApplyContext(steps=MemoryStepLog()) for _ in range(n)]


def test_status_changes_are_batched_per_status(emulator_factory):
    server = emulator_factory(requests_per_minute=100_000)
    ids = statuses(server, 130)
    sink = make_sink(server.url)
    actions = [SetStatus(order_id=str(i), status="Wysłane" if n % 2 else "Do wysłania") for n, i in enumerate(ids)]
    ctxs = contexts(len(actions))
    results = sink.apply_batch(actions, ctxs)
    assert all(r.outcome == "done" for r in results)
    assert status_of(server, ids[0]) == 1002 and status_of(server, ids[1]) == 1003
    assert sink.method_calls == {"getOrderStatusList": 1, "setOrderStatuses": 2}   # 65 + 65 ids, one per status
    # applied again: recorded steps, no call
    again = make_sink(server.url).apply_batch(actions, ctxs)
    assert {r.outcome for r in again} == {"already_done"}


def test_more_than_100_orders_of_one_status_take_chunks(emulator_factory):
    server = emulator_factory(requests_per_minute=100_000)
    ids = statuses(server, 205)
    sink = make_sink(server.url)
    results = sink.apply_batch([SetStatus(order_id=str(i), status="1003") for i in ids], contexts(len(ids)))
    assert all(r.ok for r in results)
    assert sink.method_calls == {"setOrderStatuses": 3}                          # ids need no lookup


def test_batch_with_a_missing_order_falls_back_to_single_calls(emulator):
    ids = statuses(emulator, 2)
    sink = make_sink(emulator.url)
    actions = [SetStatus(order_id=str(i), status="Wysłane") for i in [*ids, 99_999_999]]
    results = sink.apply_batch(actions, contexts(3))
    assert [r.outcome for r in results] == ["done", "done", "failed"]
    assert "99999999" in results[2].message
    assert all(status_of(emulator, i) == 1003 for i in ids)


def test_unknown_status_name_is_a_config_error_listing_valid_names(emulator):
    (order_id,) = statuses(emulator, 1)
    sink = make_sink(emulator.url)
    with pytest.raises(ConfigError) as info:
        sink.apply(SetStatus(order_id=str(order_id), status="Faktura wysłana"), ApplyContext(steps=MemoryStepLog()))
    message = str(info.value)
    assert "'Faktura wysłana'" in message and "'Nowe zamówienia'" in message and "'Zwroty'" in message
    assert status_of(emulator, order_id) == 1001


def test_status_is_set_only_after_the_file(emulator):
    """The engine applies SetStatus after its attach; the sink keeps the order of calls it is given."""
    (order_id,) = statuses(emulator, 1)
    sink = make_sink(emulator.url)
    assert sink.apply(attach(order_id, "FS 1/2026"), ctx()).ok
    status = SetStatus(order_id=str(order_id), status="Wysłane", after=[f"attach:{order_id}:doc-FS 1/2026"])
    assert sink.apply_batch([status], contexts(1))[0].ok
    methods = [c["method"] for c in emulator.emulator.calls]
    assert methods.index("addOrderInvoiceFile") < methods.index("setOrderStatuses")


def test_fields_by_extra_field_name_and_standard_name(emulator):
    emulator.emulator.apply_seed({"extra_fields": [{"extra_field_id": 5, "name": "KSeF", "editor_type": "text"}]})
    (order_id,) = statuses(emulator, 1)
    sink = make_sink(emulator.url)
    actions = [SetField(order_id=str(order_id), field="KSeF", value="5265877635-20250826-0100001AF629-AF"),
               SetField(order_id=str(order_id), field="admin_comments", value="FS 1/2026")]
    results = sink.apply_batch(actions, contexts(2))
    assert all(r.ok for r in results)
    order = emulator.emulator.order(order_id)
    assert order["admin_comments"] == "FS 1/2026"
    assert sink.method_calls == {"getOrderExtraFields": 1, "setOrderFields": 1}
    with pytest.raises(ConfigError) as info:
        sink.apply(SetField(order_id=str(order_id), field="Numer KSeF", value="x"), ApplyContext(steps=MemoryStepLog()))
    assert "'KSeF'" in str(info.value)


def test_ksef_number_goes_into_the_configured_field_after_the_file(emulator):
    from sellintegro_core.models import KsefInfo

    emulator.emulator.apply_seed({"extra_fields": [{"extra_field_id": 5, "name": "KSeF", "editor_type": "text"}]})
    (order_id,) = statuses(emulator, 1)
    sink = make_sink(emulator.url, ksef_number_field="KSeF")

    class Doc:
        ksef = KsefInfo(state="numbered", number="5265877635-20250826-0100001AF629-AF")

    assert sink.apply(attach(order_id, "FS 2/2026"), ctx(document=Doc())).ok
    from tests.baselinker.conftest import call

    orders = call(emulator.url, "getOrders", order_id=order_id, include_custom_extra_fields=True)["orders"]
    assert orders[0]["custom_extra_fields"] == {"5": "5265877635-20250826-0100001AF629-AF"}
    methods = [c["method"] for c in emulator.emulator.calls]
    assert methods.index("addOrderInvoiceFile") < methods.index("setOrderFields")


def test_check_reports_token_series_and_field(emulator):
    items = make_sink(emulator.url, receipt_series="Paragony", correction_series="Korekty").check()
    by_name = {i.name: i for i in items}
    assert by_name["BaseLinker token"].ok
    assert by_name["invoice series"].ok and by_name["receipt series"].ok
    assert not by_name["correction series"].ok and "Korekty" in by_name["correction series"].detail
    bad = make_sink(emulator.url.replace("connector.php", "connector.php"))
    bad.client._token = "0-00-BAD"
    assert bad.check() == [CheckItem("BaseLinker token", False, bad.check()[0].detail)]
    assert not bad.check()[0].ok and "token" in bad.check()[0].detail
    lines = make_sink(emulator.url).check_statuses(["Wysłane", "Nieznany", "1002"])
    assert [i.ok for i in lines] == [True, False, True]


def test_plan_mode_sends_nothing(emulator):
    from sellintegro_baselinker.config import BaseLinkerConfig
    from sellintegro_baselinker.sink import make_sink as factory
    from sellintegro_core.components import ComponentContext

    sink = factory(BaseLinkerConfig.model_validate(section(emulator.url)),
                   ComponentContext(scenario="t", base_dir=Path("."), plan_only=True))
    assert sink.apply(attach(1, "FS 1/2026"), ctx()).outcome == "planned"
    assert sink.api_calls == 0


def test_config_messages_are_clear(monkeypatch):
    from pydantic import ValidationError

    from sellintegro_baselinker.config import BaseLinkerConfig

    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    base = {"token": {"env": TOKEN_ENV}}
    with pytest.raises(ValidationError) as info:
        BaseLinkerConfig.model_validate({**base, "requests_per_minute": 150})
    assert "between 1 and 100" in str(info.value)
    with pytest.raises(ValidationError) as info:
        BaseLinkerConfig.model_validate({**base, "url": "api.baselinker.com"})
    assert "http(s) URL" in str(info.value)
    with pytest.raises(ValidationError) as info:
        BaseLinkerConfig.model_validate({"token": "1-23-ABC"})
    message = info.value.errors()[0]["msg"]       # what the core prints (the input value is not shown)
    assert "env" in message and "1-23-ABC" not in message
    with pytest.raises(ValidationError) as info:
        BaseLinkerConfig.model_validate({**base, "token_typo": 1})
    assert "token_typo" in str(info.value)
    config = BaseLinkerConfig.model_validate({**base, "invoice_series": "24525"})
    assert config.invoice_series == 24525 and config.requests_per_minute == 60
    assert config.url == "https://api.baselinker.com/connector.php" and config.include_unconfirmed is False


class TestBaseLinkerSinkConformance(SinkConformance):
    """The lead's conformance kit over the emulator on a real socket."""

    component = "baselinker"

    @pytest.fixture(autouse=True)
    def _server(self, emulator, monkeypatch):
        monkeypatch.setenv(TOKEN_ENV, TOKEN)
        self.server = emulator
        (self.order_id,) = emulator.emulator.add_orders([{"date_add": NOW}])

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        return section(self.server.url)

    def sample_action(self) -> Any:
        return attach(self.order_id, "FS 100/2026")

    def sample_batch(self) -> list[Any]:
        return [SetStatus(order_id=str(self.order_id), status="Wysłane")]

    def effects(self, sink: Any, action: Any) -> int:
        if isinstance(action, SetStatus):     # status calls that named this order
            return sum(1 for e in self.server.emulator.log.entries
                       if e["method"] in ("setOrderStatus", "setOrderStatuses") and e["status"] == "SUCCESS"
                       and self.order_id in [*e["parameters"].get("order_ids", []), e["parameters"].get("order_id")])
        return sum(1 for i in self.server.emulator.invoices(self.order_id)
                   if i["external_invoice_number"] == action.document_number)


def test_blocked_token_stops_the_sink_and_the_next_run(emulator):
    from sellintegro_core.errors import RateLimitBlocked
    from sellintegro_core.testing import MemoryState

    (order_id,) = statuses(emulator, 1)
    state = MemoryState()
    sink = make_sink(emulator.url, state=state)
    emulator.emulator.block(seconds=300)
    with pytest.raises(RateLimitBlocked):
        sink.apply(attach(order_id, "FS 3/2026"), ctx())
    seen = emulator.emulator.call_count()
    with pytest.raises(RateLimitBlocked):
        make_sink(emulator.url, state=state).apply(attach(order_id, "FS 3/2026"), ctx())
    assert emulator.emulator.call_count() == seen
    assert emulator.emulator.invoices(order_id) == []


def test_rule_ksef_number_field_alias(emulator):
    emulator.emulator.apply_seed({"extra_fields": [{"extra_field_id": 5, "name": "KSeF", "editor_type": "text"}]})
    (order_id,) = statuses(emulator, 1)
    action = SetField(order_id=str(order_id), field="ksef_number", value="5265877635-20250826-0100001AF629-AF",
                      document_id="d1")
    with pytest.raises(ConfigError) as info:
        make_sink(emulator.url).apply(action, ApplyContext(steps=MemoryStepLog()))
    assert "ksef_number_field" in str(info.value)
    result = make_sink(emulator.url, ksef_number_field="KSeF").apply(action, ApplyContext(steps=MemoryStepLog()))
    assert result.ok
    from tests.baselinker.conftest import call

    orders = call(emulator.url, "getOrders", order_id=order_id, include_custom_extra_fields=True)["orders"]
    assert orders[0]["custom_extra_fields"] == {"5": "5265877635-20250826-0100001AF629-AF"}
