"""Rate limit: sliding 60 s window per token, ERROR_BLOCKED_TOKEN with a Polish-time until-time, time scale."""

from __future__ import annotations

import re
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from sellintegro_baselinker_emulator import Emulator

from tests.baselinker.conftest import TOKEN, call

UNTIL = re.compile(r"^Query limit exceeded, token blocked until (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})$")


def until_of(body: dict) -> float:
    match = UNTIL.match(body["error_message"])
    assert match, body
    return datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=ZoneInfo("Europe/Warsaw")).timestamp()


class FakeClock:
    def __init__(self, start: float = 1_780_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def client_for(emu: Emulator) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=emu.wsgi_app), base_url="http://emulator")


def test_over_the_limit_blocks_for_ten_minutes_in_polish_time():
    clock = FakeClock()
    emu = Emulator(token=TOKEN, requests_per_minute=5, clock=clock)
    client = client_for(emu)
    for _ in range(5):
        assert call(client, "getSeries")["status"] == "SUCCESS"
    blocked = call(client, "getOrders")
    assert blocked["status"] == "ERROR" and blocked["error_code"] == "ERROR_BLOCKED_TOKEN"
    assert until_of(blocked) == clock.now + 600
    # 1780000000 + 600 is 2026-05-28 20:36:40 UTC = 22:36:40 in Warsaw (CEST, UTC+2)
    assert blocked["error_message"].endswith("2026-05-28 22:36:40")
    clock.now += 599  # every call during the block gets the same until-time, and does not extend it
    assert call(client, "addOrder") == blocked
    assert emu.orders() == []
    clock.now += 1
    assert call(client, "getSeries")["status"] == "SUCCESS"


def test_the_window_slides():
    clock = FakeClock()
    emu = Emulator(token=TOKEN, requests_per_minute=3, clock=clock)
    client = client_for(emu)
    for step in (0, 20, 40):
        clock.now += step and 20
        assert call(client, "getSeries")["status"] == "SUCCESS"
    clock.now += 19.5  # 59.5 s after the first call: still 3 in the window
    assert call(client, "getSeries")["error_code"] == "ERROR_BLOCKED_TOKEN"

    emu = Emulator(token=TOKEN, requests_per_minute=3, clock=clock)
    client = client_for(emu)
    start = clock.now
    for offset in (0, 20, 40):
        clock.now = start + offset
        assert call(client, "getSeries")["status"] == "SUCCESS"
    clock.now = start + 60  # the first call has left the window
    assert call(client, "getSeries")["status"] == "SUCCESS"
    clock.now = start + 61
    assert call(client, "getSeries")["error_code"] == "ERROR_BLOCKED_TOKEN"


def test_bad_tokens_do_not_use_the_budget_and_tokens_are_counted_separately():
    emu = Emulator(token=[TOKEN, "other"], requests_per_minute=2, clock=FakeClock())
    client = client_for(emu)
    for _ in range(5):
        assert call(client, "getSeries", token="wrong")["error_code"] == "ERROR_BAD_TOKEN"
    assert call(client, "getSeries")["status"] == "SUCCESS"
    assert call(client, "getSeries")["status"] == "SUCCESS"
    assert call(client, "getSeries")["error_code"] == "ERROR_BLOCKED_TOKEN"
    assert call(client, "getSeries", token="other")["status"] == "SUCCESS"


def test_calls_during_the_block_can_extend_it():
    clock = FakeClock()
    emu = Emulator(token=TOKEN, requests_per_minute=1, clock=clock, extend_block_on_call=True, block_seconds=300)
    client = client_for(emu)
    call(client, "getSeries")
    first = until_of(call(client, "getSeries"))
    clock.now += 100
    assert until_of(call(client, "getSeries")) == first + 100


def test_time_scale_on_a_real_socket(emulator_factory):
    # time scale 6: the 60 s window is 10 real seconds and a 6 s block lasts 1 real second;
    # the until-time is real wall-clock time
    server = emulator_factory(requests_per_minute=3, time_scale=6, block_seconds=6)
    for _ in range(3):
        assert call(server.url, "getSeries")["status"] == "SUCCESS"
    blocked = call(server.url, "getSeries")
    assert blocked["error_code"] == "ERROR_BLOCKED_TOKEN"
    until = until_of(blocked)
    assert until <= time.time() + 2
    assert server.emulator.blocked_until() is not None
    while time.time() < until:  # a client honouring the until-time
        time.sleep(0.05)
    assert call(server.url, "getSeries")["status"] == "SUCCESS"
    assert server.emulator.call_count("getSeries", status="SUCCESS") == 4
    assert server.emulator.call_count(status="ERROR") == 1
