"""Stop requests: a SIGTERM or Ctrl-C sets a :class:`StopFlag`; the run records what it did and ends (exit 4).

The CLI installs the handlers (:func:`install_stop_handlers`). The first signal sets the flag: the engine
checks it between steps, and every wait of a component (a retry backoff, a rate-limit pause) is a
``stop.wait(seconds)`` that returns at once when the flag is set. A second signal aborts at once
(``KeyboardInterrupt``, exit 130).
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .errors import Stopped

STOPPING_NOTICE = "\nstopping: the current step finishes, then the run stops (press Ctrl-C again to abort now)"


class StopFlag:
    """Set from a signal handler; true once a stop was requested. ``wait`` is an interruptible sleep."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()

    def __bool__(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True (at once) when a stop is requested meanwhile."""
        if seconds <= 0:
            return self._event.is_set()
        return self._event.wait(seconds)

    def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` unless a stop is requested: then raise :class:`Stopped`."""
        if self.wait(seconds):
            raise Stopped()

    def check(self) -> None:
        """Raise :class:`Stopped` when a stop was requested."""
        if self._event.is_set():
            raise Stopped()


def install_stop_handlers(stop: StopFlag) -> dict[int, Any]:
    """SIGINT/SIGTERM: the first sets ``stop``, the second raises ``KeyboardInterrupt`` (abort at once)."""
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        if stop:
            raise KeyboardInterrupt
        stop.set()
        try:
            print(STOPPING_NOTICE, file=sys.stderr, flush=True)
        except (OSError, ValueError, RuntimeError):  # stderr closed or busy: stopping matters more than the notice
            pass

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not in the main thread
            pass
    return previous


def restore_handlers(previous: dict[int, Any]) -> None:
    for sig, old in previous.items():
        signal.signal(sig, old)


_current: StopFlag | None = None


@contextmanager
def handling_stops() -> Iterator[StopFlag]:
    """The stop flag of this command, with the handlers installed for as long as the block runs.

    Nested use (``main`` installs it before loading plugins, the command uses it again) shares one flag, so a
    signal that arrives while the program is still starting up stops the run as soon as it begins.
    """
    global _current
    if _current is not None:
        yield _current
        return
    stop = StopFlag()
    previous = install_stop_handlers(stop)
    _current = stop
    try:
        yield stop
    finally:
        _current = None
        restore_handlers(previous)
