"""``reliability_fast_pdf``: a renderer plugin for the crash and fault suites (installed into a temp site dir).

The suites test that nothing is lost or duplicated when a run dies or the network fails; the PDF's look is
tested elsewhere (tests/invoice_pdf). WeasyPrint takes ~0.4 s per document, which would make hundreds of
crash cycles too slow for CI, so most cycles use this one-page PDF naming the document (a few of them keep
the real ``html_pdf`` renderer).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from sellintegro_core import hookimpl
from sellintegro_core.components import RendererSpec


class FastPdfConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF showing ``text`` (the emulator's hand-built PDF)."""
    from sellintegro_baselinker_emulator.pdf import simple_pdf

    return simple_pdf([text])


class FastPdfRenderer:
    def __init__(self, config: FastPdfConfig, context: Any) -> None:
        self.config = config

    def render(self, document: Any, template: str = "pl", *, ksef_label: str | None = None) -> bytes:
        return tiny_pdf(f"{document.kind} {document.number}")


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    register(RendererSpec(name="reliability_fast_pdf", config_model=FastPdfConfig, factory=FastPdfRenderer,
                          description="one-page PDF naming the document (reliability tests only)"))
