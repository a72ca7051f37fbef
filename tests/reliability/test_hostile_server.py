"""Issue 12.2, 12.3, 12.7: a BaseLinker that drips, floods, answers in the wrong shape or echoes the token.

Each case runs the real CLI in its own process against a hostile proxy on 127.0.0.1 in front of the emulator
(tests/reliability/hostile.py).
"""

from __future__ import annotations

import json
import resource
import sqlite3
import time
from typing import Any

import pytest

from .hostile import HostileProxy, answer, drip, echo_token, huge
from .stack import TOKEN, report_of, run_cli, writes


def _through(stack: Any, proxy: HostileProxy, **sink: Any) -> None:
    data = stack.data
    data["sink"]["url"] = proxy.url
    data["sink"].update(sink)
    stack.rewrite(data)


def _run(stack: Any, *extra: str) -> tuple[Any, dict[str, Any] | None, float]:
    started = time.monotonic()
    done = run_cli("run", str(stack.scenario), "--json", "--no-progress", *extra, cwd=stack.folder, timeout=300)
    return done, report_of(done.stdout), time.monotonic() - started


# ------------------------------------------------------------------------------------------------ 12.2 deadline


def test_a_dripping_answer_is_cut_at_the_deadline_and_the_run_is_deferred(stack_factory: Any) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"getOrders": drip(0.5)}) as proxy:
        _through(stack, proxy, timeout=2, max_retries=1, retry_max_seconds=6)
        done, report, took = _run(stack)
    assert done.returncode == 4, done.stderr
    assert report is not None and report["outcome"] == "deferred"
    assert "getOrders" in report["message"] and "no complete answer within 2 s" in report["message"]
    assert proxy.methods.count("getOrders") == 2                   # one retry, then deferred
    # one call with its retries takes at most timeout + retry_max_seconds (2 + 6), plus start-up
    print(f"dripping getOrders: run ended deferred after {took:.1f} s")   # shown with -s (measurements)
    assert took < 8 + 20, f"took {took:.1f} s"
    assert not writes([{"method": m} for m in proxy.methods])
    # the scenario lock was released: the next run starts at once (and finds the same hostile server gone)
    again = run_cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder, timeout=120)
    assert "already running" not in again.stderr


def test_the_total_time_of_one_call_is_bounded_even_with_many_retries(stack_factory: Any) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"getOrders": drip(0.5)}) as proxy:
        _through(stack, proxy, timeout=2, max_retries=10, retry_max_seconds=4)
        done, report, took = _run(stack)
    assert done.returncode == 4, done.stderr
    assert report is not None and report["outcome"] == "deferred"
    assert proxy.methods.count("getOrders") < 4                    # the time budget ended the retries
    assert took < 2 + 4 + 20, f"took {took:.1f} s"


def test_timeout_is_a_sink_setting_with_default_30_s() -> None:
    from sellintegro_baselinker.config import BaseLinkerConfig

    config = BaseLinkerConfig.model_validate({"token": {"env": "PATH"}})
    assert config.timeout == 30.0
    assert config.max_answer_mb == 5.0
    with pytest.raises(ValueError, match="max_answer_mb"):
        BaseLinkerConfig.model_validate({"token": {"env": "PATH"}, "max_answer_mb": 0})


# ------------------------------------------------------------------------------------------------ 12.3 size, shape


@pytest.mark.parametrize("length_header", [False, True])
def test_a_100_mb_answer_is_refused_unread(stack_factory: Any, length_header: bool) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"getOrders": huge(100, length_header=length_header)}) as proxy:
        _through(stack, proxy)
        done, report, took = _run(stack)
    assert done.returncode == 4, done.stderr
    assert report is not None and report["outcome"] == "deferred" and report["counts"].get("done", 0) == 0
    assert "getOrders is larger than 5 MB (sink.max_answer_mb)" in report["message"]
    assert proxy.methods.count("getOrders") == 1                  # not retried: it would be as large again
    assert not writes([{"method": m} for m in proxy.methods])
    # generous contract (the issue saw 1.4 GB): the run never held the answer
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"100 MB answer: refused after {took:.1f} s; child peak RSS so far {peak_mb:.0f} MB")
    assert peak_mb < 400, f"a child process peaked at {peak_mb:.0f} MB"


def test_the_size_cap_is_configurable(stack_factory: Any) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"getOrders": huge(0.5)}) as proxy:
        _through(stack, proxy, max_answer_mb=0.2)
        done, report, _ = _run(stack)
    assert done.returncode == 4 and report is not None
    assert "larger than 0.2 MB" in report["message"]


@pytest.mark.parametrize("method, body, field", [
    ("getOrders", {"status": "SUCCESS", "orders": "notalist"}, "orders"),
    ("getOrders", {"status": "SUCCESS"}, "orders"),
    ("getOrders", {"status": "SUCCESS", "orders": [17, 18]}, "orders"),
    ("getOrderStatusList", {"status": "SUCCESS", "statuses": 5}, "statuses"),
    ("getSeries", {"status": "SUCCESS", "series": "Subiekt"}, "series"),
])
def test_a_wrong_shape_answer_is_a_retriable_error_never_empty_data(stack_factory: Any, method: str,
                                                                    body: dict[str, Any], field: str) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {method: answer(body)}) as proxy:
        _through(stack, proxy)
        done, report, _ = _run(stack)
    assert done.returncode == 4, (done.stdout, done.stderr)
    assert report is not None and report["outcome"] == "deferred"
    assert method in report["message"] and f"'{field}'" in report["message"]
    assert not writes([{"method": m} for m in proxy.methods])
    assert not any(r["outcome"] == "skipped" and "not found" in r["message"] for r in report["rows"])


# ------------------------------------------------------------------------------------------------ 12.7 redaction


def _everything_shown_or_stored(stack: Any, *outputs: Any) -> str:
    text = "".join(o.stdout + o.stderr for o in outputs)
    for args in (["history", str(stack.scenario)], ["history", str(stack.scenario), "--json"]):
        shown = run_cli(*args, cwd=stack.folder)
        text += shown.stdout + shown.stderr
    ledger = stack.folder / "state" / "ledger.db"
    if ledger.exists():
        con = sqlite3.connect(ledger)
        try:
            for table in ("events", "actions", "runs", "state"):
                try:
                    text += json.dumps(con.execute(f"SELECT * FROM {table}").fetchall(), default=str)  # noqa: S608
                except sqlite3.OperationalError:
                    pass
        finally:
            con.close()
    for path in stack.folder.rglob("*"):
        if path.is_file() and path.suffix not in (".sqlite",):
            text += path.read_bytes().decode("utf-8", "replace")
    return text


def test_a_token_echoed_by_the_server_is_redacted_everywhere(stack_factory: Any) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"getOrders": echo_token()}) as proxy:
        _through(stack, proxy)
        done, report, _ = _run(stack)
        human = run_cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
        debug = run_cli("--debug", "run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    assert done.returncode == 3, done.stderr
    assert "ERROR_BAD_TOKEN" in done.stderr and "Invalid token ***" in done.stderr
    seen = _everything_shown_or_stored(stack, done, human, debug)
    assert TOKEN not in seen


def test_a_token_echoed_in_a_rejected_write_is_redacted_in_the_ledger_and_history(stack_factory: Any) -> None:
    stack = stack_factory()
    with HostileProxy(stack.server.url, {"addInvoice": echo_token("ERROR_INVALID_PARAMETER")}) as proxy:
        _through(stack, proxy)
        done, report, _ = _run(stack)
    assert done.returncode == 1, done.stderr                      # document errors, recorded
    assert report is not None
    failed = [r for r in report["rows"] if r["outcome"] == "failed"]
    assert failed and all("***" in r["message"] for r in failed if "Invalid token" in r["message"])
    seen = _everything_shown_or_stored(stack, done)
    assert "Invalid token ***" in seen
    assert TOKEN not in seen



def test_history_redacts_a_token_recorded_by_an_older_version(stack_factory: Any) -> None:
    stack = stack_factory()
    first = run_cli("run", str(stack.scenario), "--json", "--no-progress", cwd=stack.folder)
    assert first.returncode in (0, 1), first.stderr
    con = sqlite3.connect(stack.folder / "state" / "ledger.db")
    con.execute("INSERT INTO events (scenario, run_id, at, order_id, document_id, key, type, outcome, code, "
                "message) VALUES ('reliability', 1, '2026-11-25T10:00:00+01:00', '1', '', 'x', 'attach', "
                "'failed', '', ?)", (f"BaseLinker rejected addInvoice: Invalid token {TOKEN}",))
    con.commit()
    con.close()
    for args in (["history", str(stack.scenario)], ["history", str(stack.scenario), "--json"],
                 ["history", str(stack.scenario), "--order", "1"]):
        shown = run_cli(*args, cwd=stack.folder)
        assert shown.returncode == 0, shown.stderr
        assert "Invalid token ***" in shown.stdout
        assert TOKEN not in shown.stdout + shown.stderr


def test_the_client_cuts_a_dripping_answer_at_its_deadline() -> None:
    """The deadline covers the whole body: a byte every 0.3 s never trips a per-read timeout, yet the call
    ends after ``timeout`` seconds (no retry here)."""
    from sellintegro_baselinker.client import BaseLinkerClient
    from sellintegro_core.errors import RetriableError

    with HostileProxy("http://127.0.0.1:9/unused", {"getOrders": drip(0.3)}) as proxy:
        client = BaseLinkerClient("client-token-xyz", proxy.url, timeout=1.0, max_retries=0)
        started = time.monotonic()
        with pytest.raises(RetriableError, match="no complete answer within 1 s"):
            client.call("getOrders", {})
        took = time.monotonic() - started
        client.close()
    assert 0.9 < took < 3, took


def test_a_stop_request_abandons_a_read_in_flight_at_once() -> None:
    import threading

    from sellintegro_baselinker.client import BaseLinkerClient
    from sellintegro_core.errors import Stopped
    from sellintegro_core.stopping import StopFlag

    stop = StopFlag()
    with HostileProxy("http://127.0.0.1:9/unused", {"getOrders": drip(0.3)}) as proxy:
        client = BaseLinkerClient("client-token-xyz", proxy.url, timeout=30.0, max_retries=0, stop=stop)
        threading.Timer(0.5, stop.set).start()
        started = time.monotonic()
        with pytest.raises(Stopped):
            client.call("getOrders", {})
        took = time.monotonic() - started
        client.close()
    assert took < 2, took
