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
    """A valid one-page PDF showing ``text`` (ASCII-escaped)."""
    safe = text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 12 Tf 50 800 Td ({safe}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


class FastPdfRenderer:
    def __init__(self, config: FastPdfConfig, context: Any) -> None:
        self.config = config

    def render(self, document: Any, template: str = "pl", *, ksef_label: str | None = None) -> bytes:
        return tiny_pdf(f"{document.kind} {document.number}")


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    register(RendererSpec(name="reliability_fast_pdf", config_model=FastPdfConfig, factory=FastPdfRenderer,
                          description="one-page PDF naming the document (reliability tests only)"))
