"""Issue 12.9: every status, series and extra-field name the scenario uses is resolved before the first write.

A typo stops `run` (and `plan`) with exit 2 and a "did you mean ...?" hint, and BaseLinker receives no write.
"""

from __future__ import annotations

from typing import Any

import pytest

from .stack import run_cli, writes


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    section, key = path.split(".")
    data[section][key] = value


@pytest.mark.parametrize("path, value, hint", [
    ("rule.on_success", {"status": "Faktura wyslana"}, "did you mean 'Faktura wysłana'?"),
    ("rule.on_failure", {"status": "blad faktury"}, "did you mean 'Błąd faktury'?"),
    ("sink.invoice_series", "Subiekt2", "did you mean 'Subiekt'?"),
    ("sink.correction_series", "Korekty Subiek", "did you mean 'Korekty Subiekt'?"),
    ("sink.ksef_number_field", "KSEF nr", "did you mean 'KSeF'?"),
])
@pytest.mark.parametrize("command", ["run", "plan"])
def test_a_name_typo_stops_before_any_write_with_a_hint(stack_factory: Any, path: str, value: Any, hint: str,
                                                         command: str) -> None:
    stack = stack_factory()
    data = stack.data
    _set(data, path, value)
    stack.rewrite(data)
    done = run_cli(command, str(stack.scenario), "--no-progress", cwd=stack.folder)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert hint in done.stderr, done.stderr
    assert "Nothing was written" in done.stderr
    assert "Traceback" not in done.stderr
    assert not writes(stack.emulator.calls), [c["method"] for c in writes(stack.emulator.calls)]
    assert not any(c["method"] in ("addInvoice", "addOrderInvoiceFile") for c in stack.emulator.calls)


def test_two_typos_are_reported_together(stack_factory: Any) -> None:
    stack = stack_factory()
    data = stack.data
    data["rule"]["on_success"] = {"status": "Faktura wyslana"}
    data["sink"]["receipt_series"] = "Paragony Subiek"
    stack.rewrite(data)
    done = run_cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    assert done.returncode == 2
    assert "did you mean 'Faktura wysłana'?" in done.stderr and "did you mean 'Paragony Subiekt'?" in done.stderr
    assert not writes(stack.emulator.calls)
