"""The html_pdf renderer passes the core's conformance kit (registered, strict config, a PDF that shows the
document's number, the document left unchanged)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sellintegro_core.models import SalesDocument
from sellintegro_core.testing import RendererConformance

from .conftest import make_fs, make_pa


class TestHtmlPdfRendererConformance(RendererConformance):
    component = "html_pdf"

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"ksef_environment": "test"}

    def sample_document(self) -> SalesDocument:
        return make_fs()


class TestHtmlPdfRendererConformanceOnAReceipt(TestHtmlPdfRendererConformance):
    def sample_document(self) -> SalesDocument:
        return make_pa()
