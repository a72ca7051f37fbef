"""``ahead_pdf``: a renderer plugin for the render-ahead tests (installed into a temp site dir).

It makes the one-page PDF of the reliability suites and is steered by the environment of the run (which its
worker processes inherit):

- ``AHEAD_PDF_LOG``: a folder; each render writes ``<pid>-<n>`` there first (which process rendered what);
- ``AHEAD_PDF_SECONDS``: seconds each render takes (a slow renderer);
- ``AHEAD_PDF_KILL`` / ``AHEAD_PDF_EXIT`` / ``AHEAD_PDF_HANG``: a document number whose render SIGKILLs its own
  process, calls ``os._exit(7)``, or never ends.

Each PDF comes with a renderer note (``document.extra["warnings"]``) and a logged warning carrying an escape
sequence (as html_pdf's VAT notes, whose text holds ERP data): the run must print it as plain text.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from sellintegro_core import hookimpl
from sellintegro_core.components import RendererSpec


class AheadPdfConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AheadPdfRenderer:
    def __init__(self, config: AheadPdfConfig, context: Any) -> None:
        self.config = config

    def render(self, document: Any, template: str = "pl", *, ksef_label: str | None = None) -> bytes:
        from sellintegro_baselinker_emulator.pdf import simple_pdf

        log = os.environ.get("AHEAD_PDF_LOG")
        if log:
            name = f"{os.getpid()}-{document.number}".replace("/", "_").replace(" ", "_")
            Path(log, name).write_text(document.number, encoding="utf-8")
        number = document.number
        if number == os.environ.get("AHEAD_PDF_KILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        if number == os.environ.get("AHEAD_PDF_EXIT"):
            os._exit(7)
        if number == os.environ.get("AHEAD_PDF_HANG"):
            time.sleep(3600)
        time.sleep(float(os.environ.get("AHEAD_PDF_SECONDS", "0")))
        document.extra.setdefault("warnings", []).append(f"ahead_pdf note for {number}")
        logging.getLogger("ahead_pdf").warning("ahead_pdf log for %s \x1b[2J", number)
        return simple_pdf([f"{document.kind} {number}"])


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    register(RendererSpec(name="ahead_pdf", config_model=AheadPdfConfig, factory=AheadPdfRenderer,
                          description="one-page PDF, steered by AHEAD_PDF_* (render-ahead tests only)"))
