"""A render worker: one process of the render-ahead pool (:mod:`.render_ahead`).

The run process starts it as ``python -c "from sellintegro_core.render_worker import main; main()" IN OUT PID``
with two pipes. It reads the :class:`Recipe`, builds the scenario's renderer from the installed plugins (as
the run process would), says ``("ready",)``, then answers one document (JSON) at a time with
``("ok", pdf, notes)``, ``("error", code, message)`` or, when the renderer cannot be built,
``("fatal", exit_code, message, errors)``. It ignores SIGINT and SIGTERM (the run process decides when to
stop and ends its workers) and ends when the run process closes the pipe or dies (PR_SET_PDEATHSIG on Linux).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .errors import DocumentError, SellintegroError
from .models import SalesDocument

WARNINGS_MAX = 5            # renderer notes kept per document (as in the run process)
Reply = tuple[Any, ...]     # ("ok", pdf, warnings) | ("error", code, message) | ("fatal", exit, message, errors)


@dataclass(frozen=True)
class Recipe:
    """How a worker builds the scenario's renderer (plain values: it crosses the pipe to the worker)."""

    plugin: str
    section: dict[str, Any]
    scenario: str
    base_dir: str
    timezone: str


def build_renderer(recipe: Recipe) -> Any:
    """The renderer ``recipe`` names, built from the installed plugins as the run process builds it."""
    from .components import ComponentContext
    from .plugins import get_host

    spec = get_host().component("renderer", recipe.plugin)
    config = spec.settings_model().model_validate(recipe.section)
    return spec.factory(config, ComponentContext(scenario=recipe.scenario, base_dir=Path(recipe.base_dir),
                                                 timezone=recipe.timezone))


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the process that started it ends (best effort elsewhere)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _render_one(renderer: Any, payload: bytes) -> Reply:
    head, _, body = payload.partition(b"\n")
    meta = json.loads(head)
    document = SalesDocument.model_validate_json(body)
    try:
        pdf = renderer.render(document, meta["template"], ksef_label=meta["ksef_label"])
    except DocumentError as exc:
        return ("error", exc.code, exc.message)
    except Exception as exc:  # noqa: BLE001 - any renderer failure is this document's error
        return ("error", "render_failed", f"{document.number}: the renderer failed: {type(exc).__name__}: {exc}")
    notes = [str(w) for w in document.extra.pop("warnings", [])][:WARNINGS_MAX]
    return ("ok", bytes(pdf), notes)


def main(argv: list[str] | None = None) -> None:
    """A worker (``python -c "...main()" IN_FD OUT_FD PARENT_PID``): build the renderer, then answer one
    document at a time until the run process closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C and systemd's SIGTERM go to the whole group:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)    # the run process stops, then ends its workers
    read_fd, write_fd, parent = (int(a) for a in (argv if argv is not None else sys.argv[1:])[:3])
    _die_with_parent()
    if os.getppid() != parent:
        return                                        # the run process is already gone
    source, reply = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    from .terminal import pipe_safe_streams

    with pipe_safe_streams():                         # the renderer's log warnings as plain text, as in the run
        try:
            recipe = Recipe(**source.recv())
        except (EOFError, OSError):
            return
        serve(source, reply, recipe)


def serve(source: Connection, conn: Connection, recipe: Recipe) -> None:
    renderer: Any = None
    fatal: Reply | None = None
    try:
        renderer = build_renderer(recipe)
    except SellintegroError as exc:
        fatal = ("fatal", exc.exit_code, exc.message, list(getattr(exc, "errors", [])))
    except Exception as exc:  # noqa: BLE001 - reported to the run process with each document
        fatal = ("fatal", 2, f"renderer {recipe.plugin!r} could not be built: {type(exc).__name__}: {exc}", [])
    try:
        conn.send(("ready",))      # the clock of [renderer] timeout starts now, not during start-up
    except (OSError, ValueError):
        return
    while True:
        try:
            payload = source.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            conn.send(fatal if fatal is not None else _render_one(renderer, payload))
        except (OSError, ValueError):
            return
