"""getOrders paging: 100 per page, ascending by the paging key, and many orders sharing one second."""

from __future__ import annotations

from tests.baselinker.conftest import call

T = 1_780_000_000


def seed_orders(emu, spec: list[tuple[int, int]]) -> list[int]:
    """``spec``: (count, date_confirmed) groups; returns all created ids in creation order."""
    orders = []
    for count, confirmed in spec:
        orders += [{"date_add": confirmed - 60, "date_confirmed": confirmed} for _ in range(count)]
    return emu.add_orders(orders)


def test_at_most_100_per_page_sorted_by_confirmation(emulator):
    emu = emulator.emulator
    late = seed_orders(emu, [(3, T + 50)])
    early = seed_orders(emu, [(120, T)])  # higher ids, confirmed earlier
    page = call(emulator.url, "getOrders", date_confirmed_from=T)["orders"]
    assert len(page) == 100
    assert [o["order_id"] for o in page] == early[:100]
    assert [o["date_confirmed"] for o in page] == sorted(o["date_confirmed"] for o in page)
    # without date_confirmed_from the order is by order_id
    by_id = call(emulator.url, "getOrders", id_from=late[0])["orders"]
    assert [o["order_id"] for o in by_id] == (late + early)[:100]


def test_plus_one_second_recipe_loses_orders_sharing_the_boundary_second(wsgi_client, wsgi_emulator):
    seed_orders(wsgi_emulator, [(99, T), (5, T + 1), (10, T + 2)])
    seen: set[int] = set()
    start = T
    while True:
        page = call(wsgi_client, "getOrders", date_confirmed_from=start)["orders"]
        seen |= {o["order_id"] for o in page}
        if len(page) < 100:
            break
        start = page[-1]["date_confirmed"] + 1
    assert len(seen) == 114 - 4  # the 100th order shares T+1 with 4 others, which the +1 skips


def fetch_all_safely(client, start: int) -> list[dict]:
    """The safe recipe of baselinker_api.md §6.2: no +1, dedup by id, id_from when a page is one second."""
    found: dict[int, dict] = {}
    params = {"date_confirmed_from": start}
    for _ in range(100):  # bounded
        page = call(client, "getOrders", **params)["orders"]
        new = [o for o in page if o["order_id"] not in found]
        found.update((o["order_id"], o) for o in page)
        if len(page) < 100 or not new:
            break
        last = page[-1]["date_confirmed"]
        if page[0]["date_confirmed"] == last:  # a full page inside one second: continue by id
            params = {"date_confirmed_from": last, "id_from": max(o["order_id"] for o in page) + 1}
        else:
            params = {"date_confirmed_from": last}
    return list(found.values())


def test_safe_paging_gets_every_order_once_even_with_250_in_one_second(wsgi_client, wsgi_emulator):
    ids = seed_orders(wsgi_emulator, [(30, T - 5), (250, T), (7, T + 1), (99, T + 2), (3, T + 3)])
    orders = fetch_all_safely(wsgi_client, T - 5)
    assert sorted(o["order_id"] for o in orders) == sorted(ids)
    assert len(orders) == len(set(o["order_id"] for o in orders)) == 389


def test_unconfirmed_orders_are_not_reached_by_date_paging(wsgi_client, wsgi_emulator):
    wsgi_emulator.add_orders([{"date_add": T, "confirmed": False}, {"date_add": T, "date_confirmed": T + 5}])
    assert len(call(wsgi_client, "getOrders", date_confirmed_from=0)["orders"]) == 1
    assert len(call(wsgi_client, "getOrders", date_from=T, get_unconfirmed_orders=True)["orders"]) == 2
    assert len(call(wsgi_client, "getOrders", date_confirmed_from=0, get_unconfirmed_orders=True)["orders"]) == 2
