"""What reaches the terminal: values from outside as plain text, JSON that cannot drive a terminal, pipes.

Values from Subiekt, BaseLinker or any other system are *data*. Printed, they are

* never read as rich markup (``[/red]`` in a document number is text, ``[bold green]x`` is not styled),
  nor as emoji codes (``:warning:``);
* stripped of control characters: C0 and C1 controls (ESC, CSI ``\\x9b``, BEL, backspace...), DEL and the
  Unicode bidirectional overrides, so ``\\x1b[2J`` (clear screen) or ``\\x1b]52;`` (write the clipboard) in a
  field never reach the terminal. Line breaks inside one value become spaces.

``plain(value)`` does the cleaning, ``console()`` gives a rich console that parses no markup, ``json_text``
writes JSON whose strings keep every character but escape the ones a terminal would act on, and
``pipe_safe_streams()`` makes output to a reader that went away (``sellintegro plan --json | head``) end
quietly instead of with ``BrokenPipeError``. Plugins use ``plain`` for anything they print.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates; line and paragraph separators
_CONTROLS = [*range(0x00, 0x20), *range(0x7F, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A),
             0x2028, 0x2029]
_ONE_LINE = {code: None for code in _CONTROLS} | {0x09: " ", 0x0A: " ", 0x0D: " ", 0x2028: " ", 0x2029: " "}
_MULTI_LINE = {code: None for code in _CONTROLS} | {0x09: " ", 0x0A: "\n", 0x2028: "\n", 0x2029: "\n"}
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in _CONTROLS if code >= 0x7F}


def plain(value: Any, *, keep_newlines: bool = False) -> str:
    """``value`` as printable text: control characters removed (tabs and line breaks become spaces, or line
    breaks stay with ``keep_newlines=True``). Markup characters are left as they are: print the result with
    :func:`console` (or plain ``print``), which parses no markup."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return text.translate(_MULTI_LINE if keep_newlines else _ONE_LINE)


def json_text(data: Any) -> str:
    """``data`` as indented JSON (UTF-8 text kept readable). Every string keeps its exact value; besides the
    C0 controls JSON always escapes, DEL, C1 controls and bidi overrides are written as ``\\uXXXX`` too."""
    import json

    return json.dumps(data, ensure_ascii=False, indent=2, default=str).translate(_JSON_ESCAPES)


def console(*, stderr: bool = False) -> Any:
    """A rich ``Console`` that treats every string as text: no markup, no emoji codes, no highlighting.
    Style with ``rich.text.Text(value, style=...)`` instead of markup."""
    from rich.console import Console

    return Console(stderr=stderr, markup=False, emoji=False, highlight=False)


def text(value: Any, style: str = "") -> Any:
    """A rich ``Text`` of ``plain(value)`` (a table cell that can never be markup)."""
    from rich.text import Text

    return Text(plain(value), style=style)


class _PipeSafe:
    """A text stream that swallows ``BrokenPipeError``: once the reader has gone, the rest is discarded."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.closed_pipe = False

    def write(self, data: str) -> int:
        if self.closed_pipe:
            return len(data)
        try:
            return int(self._stream.write(data))
        except BrokenPipeError:
            self._gone()
            return len(data)

    def flush(self) -> None:
        if self.closed_pipe:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._gone()

    def _gone(self) -> None:
        self.closed_pipe = True
        # whatever is still buffered (and the interpreter's last flush) goes to /dev/null from now on
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _PlainFormatter(logging.Formatter):
    """Log records as plain text: a document number in a warning cannot carry an escape sequence."""

    def format(self, record: logging.LogRecord) -> str:
        return plain(super().format(record), keep_newlines=True)


@contextmanager
def pipe_safe_streams() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` ignore a reader that went away (``| head``): the
    command finishes its work and exits with its own exit code, without a ``BrokenPipeError``. Warnings logged
    meanwhile go to stderr as plain text (when nothing else configured logging)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PipeSafe(sys.stdout), _PipeSafe(sys.stderr)
    root = logging.getLogger()
    handler = None
    if not root.handlers:  # what logging's last-resort handler would print, but plain
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.WARNING)
        handler.setFormatter(_PlainFormatter("%(message)s"))
        root.addHandler(handler)
    try:
        yield
    finally:
        if handler is not None:
            root.removeHandler(handler)
        for wrapper in (sys.stdout, sys.stderr):
            if isinstance(wrapper, _PipeSafe):
                wrapper.flush()
        sys.stdout, sys.stderr = saved
