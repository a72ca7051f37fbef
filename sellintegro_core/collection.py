"""Garbage collection during a command's start-up.

Start-up creates tens of thousands of long-lived objects (modules, classes, pydantic schemas) and no garbage
worth collecting, yet the cyclic collector runs over and over while they are made; and at exit the interpreter
collects once more over all of them. Together that is about a seventh of ``sellintegro validate``'s time.

So the collector is off while the command starts (plugins load, the arguments are parsed). It is back on before
any command does its work, except the quick read-only ones (``QUICK``: they check or list and exit), which run
without it. When the process ends right after such a command (the console script), everything is frozen
(``gc.freeze``) so the final collection skips it: a quick command holds no file or connection that needs a
finaliser. Called in-process (tests, tools) the collector's state is restored.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

QUICK = frozenset({"validate", "plugins", None})   # None: no command (`sellintegro`, `sellintegro --help`)

_was_enabled = True


@contextmanager
def starting(command: str | None, *, process_ends: bool) -> Iterator[None]:
    """The collector off for the block (see the module's docstring); ``process_ends``: the interpreter exits
    right after the block, so a quick command's objects are frozen instead of collected again."""
    global _was_enabled
    _was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if process_ends and command in QUICK:
            gc.freeze()
        elif _was_enabled:
            gc.enable()


def command_starts(command: str | None) -> None:
    """The collector back on (as it was) before a command that does work: a run must not grow without it."""
    if command not in QUICK and _was_enabled:
        gc.enable()
