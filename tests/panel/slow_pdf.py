"""``panel_slow_pdf``: a renderer plugin for the panel's race test (installed into a temp site dir).

It makes the one-page PDF of the reliability suites but takes ``PANEL_SLOW_PDF_SECONDS`` per document, so a
run lasts long enough for a second "Run now" to arrive while the first one holds the scenario lock.
"""

from __future__ import annotations

import os
import time
from typing import Any

from pydantic import BaseModel, ConfigDict

from sellintegro_core import hookimpl
from sellintegro_core.components import RendererSpec


class SlowPdfConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlowPdfRenderer:
    def __init__(self, config: SlowPdfConfig, context: Any) -> None:
        self.config = config

    def render(self, document: Any, template: str = "pl", *, ksef_label: str | None = None) -> bytes:
        from sellintegro_baselinker_emulator.pdf import simple_pdf

        time.sleep(float(os.environ.get("PANEL_SLOW_PDF_SECONDS", "0.5")))
        return simple_pdf([f"{document.kind} {document.number}"])


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    register(RendererSpec(name="panel_slow_pdf", config_model=SlowPdfConfig, factory=SlowPdfRenderer,
                          description="slow one-page PDF (panel race test only)"))
