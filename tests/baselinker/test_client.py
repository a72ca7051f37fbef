"""The BaseLinker client over a real loopback socket: request format, error mapping, blocks, retries, limiter."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from sellintegro_baselinker.client import ApiRejected, BaseLinkerClient
from sellintegro_baselinker.limiter import BLOCK_KEY, CALLS_KEY, CallLimiter, parse_block_until
from sellintegro_core.errors import AuthError, ConfigError, RateLimitBlocked, RetriableError
from sellintegro_core.testing import MemoryState
from tests.baselinker.fixtures.sinkkit import TOKEN


class FakeClock:
    """Shared wall clock for the emulator and the client (unix seconds), moved by tests."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def client_for(server, state=None, clock=None, per_minute=100, **kwargs) -> BaseLinkerClient:
    sleeps: list[float] = []
    limiter = CallLimiter(per_minute, state, clock=clock or time.time, sleep=sleeps.append)
    client = BaseLinkerClient(kwargs.pop("token", TOKEN), server.url, limiter=limiter,
                              sleep=sleeps.append, rng=lambda: 0.5, **kwargs)
    client.sleeps = sleeps  # type: ignore[attr-defined]
    return client


def test_success_body_and_the_plus_sign_survives(emulator):
    client = client_for(emulator)
    order_id = emulator.emulator.add_orders([{"date_add": 1_780_000_000}])[0]
    series = client.call("getSeries")["series"]
    invoice_id = client.call("addInvoice", {"order_id": order_id, "series_id": series[0]["id"]})["invoice_id"]
    pdf = b"%PDF-1.4 \xfb\xff\xfe+/= bytes whose base64 has + and /\n"
    import base64

    data = "data:" + base64.b64encode(pdf).decode()
    assert "+" in data
    client.call("addOrderInvoiceFile", {"invoice_id": invoice_id, "file": data, "external_invoice_number": "FS 1/2026"})
    assert emulator.emulator.invoice_file(invoice_id) == pdf
    assert client.calls == 3
    assert client.method_calls == {"getSeries": 1, "addInvoice": 1, "addOrderInvoiceFile": 1}


def test_bad_token_is_an_auth_error_exit_3(emulator):
    client = client_for(emulator, token="9-99-WRONG")
    with pytest.raises(AuthError) as info:
        client.call("getOrderStatusList")
    assert info.value.exit_code == 3
    assert "9-99-WRONG" not in info.value.message           # never the secret in messages
    with pytest.raises(AuthError):
        BaseLinkerClient("  ", emulator.url)


def test_rejected_request_and_unknown_method(emulator):
    client = client_for(emulator)
    with pytest.raises(ApiRejected) as info:
        client.call("getReceipt", {"order_id": 12345})
    assert info.value.code.startswith("ERROR_") and "getReceipt" in info.value.message
    with pytest.raises(ConfigError):
        client.call("getNothing")


def test_block_is_honoured_no_call_until_the_until_time_even_after_restart(emulator_factory):
    clock = FakeClock()
    server = emulator_factory(clock=clock)
    emu = server.emulator
    state = MemoryState()
    client = client_for(server, state=state, clock=clock)
    client.call("getOrderStatusList")
    until = emu.block(seconds=300)
    with pytest.raises(RateLimitBlocked) as info:
        client.call("getOrderStatusList")
    assert info.value.exit_code == 4
    assert until <= info.value.until <= until + timedelta(seconds=10)
    seen = emu.call_count()
    with pytest.raises(RateLimitBlocked):
        client.call("getSeries")
    # a new run (new client) with the same scenario state refuses too, without calling
    again = client_for(server, state=state, clock=clock)
    with pytest.raises(RateLimitBlocked):
        again.call("getSeries")
    assert emu.call_count() == seen and again.calls == 0
    assert state.get_state(BLOCK_KEY)
    clock.advance(310)
    assert again.call("getSeries")["status"] == "SUCCESS"


def test_account_block_and_unparsable_until_wait_ten_minutes():
    now = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
    assert parse_block_until("Account blocked", now) == now + timedelta(minutes=10)
    # the message's time is Polish local time: 05:05:00 CET = 04:05:00 UTC (+ a few seconds of margin)
    until = parse_block_until("Query limit exceeded, token blocked until 2026-11-29 05:05:00", now)
    assert timedelta(minutes=5) < until - now < timedelta(minutes=5, seconds=10)
    # past or absurdly far: the zone guess must be wrong -> 10 minutes
    assert parse_block_until("token blocked until 2026-11-29 04:00:00", now) == now + timedelta(minutes=10)
    assert parse_block_until("token blocked until 2026-12-01 05:05:00", now) == now + timedelta(minutes=10)


def test_user_account_blocked_maps_to_a_block(wsgi_emulator):
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"status": "ERROR", "error_code": "ERROR_USER_ACCOUNT_BLOCKED",
                                         "error_message": "User account blocked"})

    client = BaseLinkerClient(TOKEN, "http://bl.test/connector.php", transport=httpx.MockTransport(handler))
    with pytest.raises(RateLimitBlocked) as info:
        client.call("getOrders")
    assert info.value.until - datetime.now(UTC) > timedelta(minutes=9)


def test_transport_failures_are_retried_a_bounded_number_of_times(emulator):
    emu = emulator.emulator
    client = client_for(emulator, max_retries=2)
    emu.inject_fault("5xx", times=50)
    with pytest.raises(RetriableError) as info:
        client.call("getOrderStatusList")
    assert "3 attempts" in info.value.message and info.value.exit_code == 4
    assert client.calls == 3 and len(client.sleeps) == 2
    assert client.sleeps[1] > client.sleeps[0]                      # exponential backoff
    emu.faults.clear()


def test_total_retry_time_is_bounded_too(emulator):
    emulator.emulator.inject_fault("5xx", times=50)
    client = client_for(emulator, max_retries=10, retry_max_seconds=2.0)
    with pytest.raises(RetriableError):
        client.call("getSeries")
    assert sum(client.sleeps) <= 2.0 and client.calls < 11
    emulator.emulator.faults.clear()


@pytest.mark.parametrize("kind", ["5xx", "drop", "malformed"])
def test_recovers_after_transient_faults(emulator, kind):
    emulator.emulator.inject_fault(kind, method="getSeries", times=2, apply="before")
    client = client_for(emulator, max_retries=3)
    assert client.call("getSeries")["status"] == "SUCCESS"
    assert client.calls == 3 and client.retries == 2


def test_ambiguous_write_is_confirmed_by_a_read_before_repeating(emulator):
    emu = emulator.emulator
    order_id = emu.add_orders([{"date_add": 1_780_000_000}])[0]
    client = client_for(emulator)
    emu.inject_fault("drop", method="addInvoice", apply="after")        # done, but the answer is lost
    confirmed = []

    def confirm():
        found = client.call("getInvoices", {"order_id": order_id})["invoices"]
        confirmed.append(len(found))
        return {"invoice_id": found[0]["invoice_id"]} if found else None

    body = client.call("addInvoice", {"order_id": order_id, "series_id": 1}, confirm=confirm)
    assert confirmed == [1] and body["invoice_id"] == emu.invoices(order_id)[0]["invoice_id"]
    assert len(emu.invoices(order_id)) == 1 and client.method_calls["addInvoice"] == 1


def test_limiter_keeps_under_budget_across_restarts():
    clock = FakeClock()
    state = MemoryState()
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(seconds)

    first = CallLimiter(3, state, clock=clock, sleep=sleep)
    for _ in range(3):
        first.acquire()
        clock.advance(1)
    assert sleeps == []
    restarted = CallLimiter(3, state, clock=clock, sleep=sleep)    # a new run within the minute
    restarted.acquire()
    assert len(sleeps) == 1 and 57 <= sleeps[0] <= 58.5
    assert len(state.get_state(CALLS_KEY)) == 3
    # never more than 3 calls in any window
    stamps = [*state.get_state(CALLS_KEY)]
    assert stamps[-1] - stamps[0] >= 0


def test_limiter_sliding_window_property():
    clock = FakeClock()
    stamps: list[float] = []

    def sleep(seconds: float) -> None:
        clock.advance(seconds)

    limiter = CallLimiter(10, None, clock=clock, sleep=sleep, window=60)
    for i in range(45):
        limiter.acquire()
        stamps.append(clock())
        clock.advance(0.7 if i % 3 else 0.1)
    for i, t in enumerate(stamps):
        assert sum(1 for u in stamps[i:] if u < t + 60) <= 10


def test_limiter_keeps_a_time_scaled_emulator_from_ever_blocking(emulator_factory):
    """60 calls per (scaled) minute against an emulator enforcing exactly that: never blocked."""
    server = emulator_factory(requests_per_minute=20, time_scale=60)      # a 1-second window
    limiter = CallLimiter(20, None, window=1.0)
    client = BaseLinkerClient(TOKEN, server.url, limiter=limiter)
    started = time.monotonic()
    for _ in range(50):
        client.call("getOrderStatusList")
    assert server.emulator.call_count(status="ERROR") == 0
    assert server.emulator.call_count() == 50
    assert time.monotonic() - started >= 1.0      # it had to wait for the window (2 full windows of 20)


def test_timeouts_are_retried_and_writes_confirmed_first():
    import httpx

    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        from urllib.parse import parse_qs

        method = parse_qs(request.content.decode())["method"][0]
        attempts.append(method)
        if len(attempts) == 1:
            raise httpx.ReadTimeout("slow", request=request)
        return httpx.Response(200, json={"status": "SUCCESS", "invoice_id": 77})

    confirms: list[int] = []
    client = BaseLinkerClient(TOKEN, "http://bl.test/connector.php", transport=httpx.MockTransport(handler),
                              sleep=lambda s: None)
    body = client.call("addInvoice", {"order_id": 1, "series_id": 1},
                       confirm=lambda: confirms.append(1) or None)
    assert body["invoice_id"] == 77 and confirms == [1] and attempts == ["addInvoice", "addInvoice"]
    # a connection that never opened is retried without asking (the call surely did not happen)

    def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    client = BaseLinkerClient(TOKEN, "http://bl.test/connector.php", transport=httpx.MockTransport(refused),
                              sleep=lambda s: None, max_retries=2)
    with pytest.raises(RetriableError) as info:
        client.call("addInvoice", {"order_id": 1}, confirm=lambda: pytest.fail("no confirm for unsent calls"))
    assert client.calls == 3 and "cannot connect" in info.value.message


def test_unexpected_http_status_names_the_url():
    import httpx

    from sellintegro_core.errors import SourceConnectionError

    client = BaseLinkerClient(TOKEN, "http://bl.test/wrong.php",
                              transport=httpx.MockTransport(lambda r: httpx.Response(404, text="nope")))
    with pytest.raises(SourceConnectionError) as info:
        client.call("getOrders")
    assert "404" in info.value.message and "sink.url" in info.value.message
