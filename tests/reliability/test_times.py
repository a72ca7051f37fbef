"""Issue 12.11: every time shown to a user carries its zone, one zone per message.

Seen before: "blocked ... until 15:01:24 (Polish time)" next to "deferred until 14:01" (UTC, unmarked).
"""

from __future__ import annotations

import re
from typing import Any

from sellintegro_baselinker_emulator import Emulator

from .stack import TOKEN, emulator_seed, run_cli

TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?P<after>[^\n]{0,12})")
ZONE = re.compile(r"^(?:\.\d+)?(?:\s(?P<abbr>[A-Z]{3,5}|UTC[+-]\d{2}:\d{2}))")


def _zones(text: str) -> list[tuple[str, set[str]]]:
    """Per line (message): the zones its times carry; a time without a zone fails the test at once."""
    out = []
    for line in text.splitlines():
        zones: set[str] = set()
        for match in TIME.finditer(line):
            zone = ZONE.match(match.group("after"))
            assert zone is not None, f"a time without its zone: {line!r}"
            zones.add(zone.group("abbr"))
        if zones:
            out.append((line, zones))
    return out


def test_blocked_and_deferred_times_carry_one_zone(stack_factory: Any, demo: Any) -> None:
    emulator = Emulator(token=TOKEN, seed=emulator_seed(demo.sidecar), requests_per_minute=4)
    stack = stack_factory(emulator=emulator)
    done = run_cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    assert done.returncode == 4, (done.stdout, done.stderr)
    text = done.stdout + done.stderr
    assert "blocked the API token until" in text and "deferred until" in text
    lines = _zones(text)
    assert lines
    for line, zones in lines:
        assert len(zones) == 1, f"two zones in one message: {line!r}"
    assert {z for _, zs in lines for z in zs} == {"CET"}, text  # the scenario's zone (Europe/Warsaw, November)


def test_plan_and_history_times_carry_their_zone(stack_factory: Any) -> None:
    stack = stack_factory()
    plan = run_cli("plan", str(stack.scenario), "--no-progress", cwd=stack.folder)
    run = run_cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    history = run_cli("history", str(stack.scenario), cwd=stack.folder)
    for done in (plan, run, history):
        assert done.returncode in (0, 1), done.stderr
        for line, zones in _zones(done.stdout + done.stderr):
            assert len(zones) == 1, f"two zones in one message: {line!r}"
    assert _zones(history.stdout), "history shows no time at all"
