"""Configuration model of the ``html_pdf`` renderer (the scenario's ``[renderer]`` table)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

KsefEnvironment = Literal["prod", "demo", "test"]


class RendererConfig(BaseModel):
    """``[renderer] plugin = "html_pdf"``.

    ``ksef_environment`` picks the KOD I host (production unless you test against KSeF test/demo).
    ``templates_dir`` is a folder of your own template files that override the built-in "pl"/"en" ones
    (looked up as ``templates_dir/<lang>/<file>`` then ``templates_dir/<file>``; relative paths are resolved
    against the scenario's folder). ``strict_nip`` enforces the NIP checksum in test/demo too (it is always
    enforced in production). ``print_title`` prints Subiekt's tytuł and podtytuł under the heading (the
    heading itself is always the document's kind). ``exemption_basis`` is the core's key (any renderer).
    """

    model_config = ConfigDict(extra="forbid")

    ksef_environment: KsefEnvironment = "prod"
    templates_dir: Path | None = None
    strict_nip: bool = False
    print_title: bool = False       # print Subiekt's tytuł / podtytuł under the heading (never instead of it)


class TypstRendererConfig(RendererConfig):
    """``[renderer] plugin = "typst_pdf"``: the keys of ``html_pdf`` plus the typst options.

    ``templates_dir`` holds your own ``invoice.typ`` (``templates_dir/<lang>/invoice.typ`` or
    ``templates_dir/invoice.typ``); ``pdf_tags`` writes a tagged (accessible) PDF, larger and slower, off by
    default; ``system_fonts`` lets typst fall back to the system's fonts for characters DejaVu Sans lacks (CJK,
    emoji); the built-in DejaVu Sans shipped with the package is always used first.
    """

    pdf_tags: bool = False
    system_fonts: bool = True
