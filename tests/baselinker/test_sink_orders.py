"""Reading orders: page scans on date_confirmed_from (boundaries inside one second), references by id with
pages or single calls, shop/external ids, unconfirmed orders, status names."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sellintegro_core.components import OrderQuery
from sellintegro_core.errors import ConfigError
from tests.baselinker.fixtures.sinkkit import make_sink

T = 1_780_000_000


@pytest.fixture
def server(emulator_factory):
    return emulator_factory(requests_per_minute=100_000)


def at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def seed(server, groups: list[tuple[int, int]], **fields) -> list[int]:
    """(count, date_confirmed) groups; orders placed 60 s before confirmation."""
    orders = []
    for count, confirmed in groups:
        orders += [{"date_add": confirmed - 60, "date_confirmed": confirmed, **fields} for _ in range(count)]
    return server.emulator.add_orders(orders)


def scan_ids(sink, **query) -> list[int]:
    return [int(o.id) for o in sink.fetch_orders(OrderQuery(**query))]


@pytest.mark.parametrize("groups", [
    [(99, T), (2, T + 1), (50, T + 2)],           # the 100th and 101st orders share a second
    [(100, T), (1, T + 1)],                        # a page boundary exactly at a second boundary
    [(250, T), (30, T + 5)],                       # far more than a page inside one second
    [(100, T), (100, T + 1), (5, T + 2)],          # full pages each in one second
])
def test_scan_returns_every_order_once(server, groups):
    ids = seed(server, groups)
    sink = make_sink(server.url)
    got = scan_ids(sink, date_from=at(T - 3600))
    assert sorted(got) == sorted(ids) and len(got) == len(set(got))
    assert sink.method_calls["getOrders"] <= len(ids) // 100 + 3


def test_scan_window_start_and_end_use_date_add(server):
    old = server.emulator.add_orders([{"date_add": T - 7200, "date_confirmed": T + 10}])  # placed before window
    inside = seed(server, [(3, T + 20)])
    late = server.emulator.add_orders([{"date_add": T + 5000, "date_confirmed": T + 5000}])
    sink = make_sink(server.url)
    got = scan_ids(sink, date_from=at(T - 100), date_to=at(T + 1000))
    assert got == inside and not set(old + late) & set(got)


def test_unconfirmed_orders_only_when_asked(server):
    confirmed = seed(server, [(2, T)])
    pending = server.emulator.add_orders([{"date_add": T, "confirmed": False}])
    assert scan_ids(make_sink(server.url), date_from=at(T - 3600)) == confirmed
    both = scan_ids(make_sink(server.url, include_unconfirmed=True), date_from=at(T - 3600))
    assert sorted(both) == sorted(confirmed + pending)


def test_scan_by_status_names_fills_status_name_once(server):
    new = seed(server, [(3, T)], status="Nowe zamówienia")
    ready = seed(server, [(2, T)], status="Do wysłania")
    seed(server, [(4, T)], status="Wysłane")
    sink = make_sink(server.url)
    orders = list(sink.fetch_orders(OrderQuery(date_from=at(T - 3600), statuses=["Nowe zamówienia", "1002"])))
    assert sorted(int(o.id) for o in orders) == sorted(new + ready)
    assert {o.status_name for o in orders} == {"Nowe zamówienia", "Do wysłania"}
    assert sink.method_calls["getOrderStatusList"] == 1
    with pytest.raises(ConfigError) as info:
        list(sink.fetch_orders(OrderQuery(date_from=at(T), statuses=["Zapłacone"])))
    assert "'Zapłacone'" in str(info.value) and "'Do wysłania'" in str(info.value)


def test_one_status_uses_the_status_filter(server):
    seed(server, [(150, T)], status="Wysłane")
    ready = seed(server, [(2, T)], status="Do wysłania")
    sink = make_sink(server.url)
    assert scan_ids(sink, date_from=at(T - 3600), statuses=["Do wysłania"]) == ready
    assert sink.method_calls["getOrders"] == 1


def test_few_references_are_read_one_by_one(server):
    ids = seed(server, [(300, T)])
    sink = make_sink(server.url)
    wanted = [ids[5], ids[250]]
    got = [int(o.id) for o in sink.fetch_orders(OrderQuery(refs=[str(i) for i in wanted]))]
    assert got == wanted
    assert sink.method_calls["getOrders"] <= 2


def test_many_references_are_read_in_pages(server):
    ids = seed(server, [(450, T)])
    sink = make_sink(server.url)
    wanted = ids[10:410:2] + [99_999_999]          # 200 of 450 orders + one that does not exist
    got = [int(o.id) for o in sink.fetch_orders(OrderQuery(refs=[str(i) for i in wanted]))]
    assert got == wanted[:-1]
    assert sink.method_calls["getOrders"] <= 6      # pages, not 201 single calls


def test_sparse_references_switch_to_single_calls(server):
    ids = seed(server, [(600, T)])
    sink = make_sink(server.url)
    wanted = [ids[0], ids[1], ids[300], ids[590]]
    got = [int(o.id) for o in sink.fetch_orders(OrderQuery(refs=[str(i) for i in wanted]))]
    assert got == wanted
    assert sink.method_calls["getOrders"] <= 3      # one page for the first two, then single calls


def test_references_by_shop_and_external_id(server):
    (shop,) = server.emulator.add_orders([{"date_add": T, "shop_order_id": 4711, "order_source": "shop"}])
    (allegro,) = server.emulator.add_orders([{"date_add": T, "external_order_id": "7a1c-uuid",
                                              "order_source": "allegro"}])
    sink = make_sink(server.url)
    assert [o.id for o in sink.fetch_orders(OrderQuery(refs=["4711", "abc"], key="shop_order_id"))] == [str(shop)]
    got = list(sink.fetch_orders(OrderQuery(refs=["7a1c-uuid", "nope"], key="external_order_id")))
    assert [o.id for o in got] == [str(allegro)] and got[0].external_order_id == "7a1c-uuid"


def test_unknown_reference_yields_nothing(server):
    sink = make_sink(server.url)
    assert list(sink.fetch_orders(OrderQuery(refs=["999999999", "x"]))) == []


def test_scan_of_all_statuses_needs_no_status_list(server):
    """A second run with nothing new but a window scan (no_document) costs only the getOrders pages."""
    ids = seed(server, [(1, T + n) for n in range(250)])
    sink = make_sink(server.url)
    orders = list(sink.fetch_orders(OrderQuery(date_from=at(T - 3600))))
    assert sorted(int(o.id) for o in orders) == ids
    assert sink.method_calls == {"getOrders": 3}                  # ceil(250 / 100), no getOrderStatusList
    assert all(o.status_id == "1001" for o in orders)
