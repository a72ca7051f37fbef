"""Units behind issue 12: the stop flag, secret redaction, times with their zone, the did-you-mean hint."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from sellintegro_core import clock
from sellintegro_core.errors import EXIT_DEFERRED, SellintegroError, Stopped
from sellintegro_core.secrets import redact, redact_data, remember_secret
from sellintegro_core.stopping import StopFlag


def test_a_flag_set_during_the_run_stops_it_with_exit_4(scenario_dir) -> None:
    """The bug of issue 12.1: ``stop or StopFlag()`` replaced the caller's flag (unset, so falsy) with a new one,
    and a stop requested later was never seen."""
    from sellintegro_core.config import load_scenario
    from sellintegro_core.engine import run_scenario
    from tests.core.conftest import recorded

    flag = StopFlag()
    assert not flag

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase == "orders":
            flag.set()            # as the signal handler does, after the engine was given the flag

    report = run_scenario(load_scenario(scenario_dir / "shop.toml"), stop=flag, progress=progress)
    assert (report.outcome, report.exit_code, report.message) == ("stopped", 4, "stopped; the next run continues")
    assert recorded(scenario_dir) == []                         # stopped before the first attach
    again = run_scenario(load_scenario(scenario_dir / "shop.toml"))
    assert again.outcome == "ok" and len(recorded(scenario_dir)) == 2    # the next run does the work


def test_wait_ends_at_once_when_stopped() -> None:
    flag = StopFlag()
    threading.Timer(0.2, flag.set).start()
    started = time.monotonic()
    assert flag.wait(30) is True
    assert time.monotonic() - started < 5
    with pytest.raises(Stopped) as caught:
        flag.sleep(30)
    assert caught.value.exit_code == EXIT_DEFERRED
    assert caught.value.message == "stopped; the next run continues"


def test_remembered_secrets_are_redacted_in_every_form() -> None:
    secret = "1-23-ABC+/x y"
    remember_secret(secret)
    assert redact(f"Invalid token {secret}.") == "Invalid token ***."
    assert redact("token=1-23-ABC%2B%2Fx%20y") == "token=***"
    assert redact_data({"m": [f"<{secret}>"], "n": 1}) == {"m": ["<***>"], "n": 1}
    assert SellintegroError(f"BaseLinker said {secret}").message == "BaseLinker said ***"


def test_times_shown_carry_their_zone() -> None:
    moment = datetime(2026, 11, 25, 14, 1, 24, tzinfo=UTC)
    assert clock.show(moment, "Europe/Warsaw") == "2026-11-25 15:01 CET"
    assert clock.show(moment, "Europe/Warsaw", seconds=True) == "2026-11-25 15:01:24 CET"
    assert clock.show(moment) == "2026-11-25 14:01 UTC"
    assert clock.show_iso("2026-07-01T12:00:00+00:00", "Europe/Warsaw") == "2026-07-01 14:00:00 CEST"


def test_did_you_mean_ignores_polish_letters_and_case() -> None:
    from sellintegro_core.hints import did_you_mean

    names = ["Nowe", "Faktura wysłana", "Błąd faktury"]
    assert did_you_mean("Faktura wyslana", names) == " (did you mean 'Faktura wysłana'?)"
    assert did_you_mean("BLAD FAKTURY", names) == " (did you mean 'Błąd faktury'?)"
    assert did_you_mean("Zupełnie inne", names) == ""
