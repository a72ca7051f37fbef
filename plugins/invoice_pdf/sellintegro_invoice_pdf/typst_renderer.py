"""The ``typst_pdf`` renderer: a typst template (``typst_templates/invoice.typ``) -> PDF with the ``typst`` package.

``render(document, template="pl", *, ksef_label=None) -> bytes``, the same call and the same legal content as
``html_pdf``: the document data is the html_pdf template context (:mod:`context`, :mod:`labels`) turned into
JSON (:mod:`typst_data`) and handed to typst as ``sys.inputs.data``. The template prints its strings as text,
so nothing from the ERP is ever typst markup or code. The KSeF QR codes are SVG drawn from the QR matrix
(vector rectangles in the PDF). Fonts: DejaVu Sans shipped in the package (``fonts/``), subset into each PDF.

``template`` is ``"pl"``, ``"en"`` or a folder holding your own ``invoice.typ`` and/or ``labels.json``; a
typst compiler (fonts loaded once) is kept per template file and reused.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sellintegro_core.api import ConfigError, DocumentError

from .config import TypstRendererConfig
from .context import build_context
from .ksef import KsefMark
from .labels import labels_for
from .renderer import MAX_PDF_BYTES, ksef_mark_for, template_folders
from .typst_data import document_data
from .validate import check_document, check_printed, vat_warnings

if TYPE_CHECKING:
    from sellintegro_core.api import SalesDocument

log = logging.getLogger("sellintegro.invoice_pdf")

PACKAGE_DIR = Path(__file__).resolve().parent
BUILTIN_TYPST_DIR = PACKAGE_DIR / "typst_templates"
FONT_DIR = PACKAGE_DIR / "fonts"
TEMPLATE_FILE = "invoice.typ"


@dataclass
class _TypstSet:
    key: str
    lang: str
    labels: dict[str, str]
    path: Path
    compiler: Any             # typst.Compiler, fonts loaded once
    lock: threading.Lock


_FONTS: dict[bool, Any] = {}
_FONTS_LOCK = threading.Lock()


def _fonts(system: bool) -> Any:
    """One ``typst.Fonts`` per process: DejaVu Sans from the package first, system fonts as a fallback."""
    with _FONTS_LOCK:
        if system not in _FONTS:
            import typst

            _FONTS[system] = typst.Fonts(include_system_fonts=system, include_embedded_fonts=False,
                                         font_paths=[str(FONT_DIR)])
        return _FONTS[system]


def _qr_svgs(mark: KsefMark) -> dict[str, str]:
    """The SVG of each QR code the page shows, drawn from its matrix (4-module quiet zone)."""
    from .qr import qr_svg

    out = {}
    if mark.show and mark.url:
        out["kod1"] = qr_svg(mark.url)
    if mark.show and mark.kod2_url:
        out["kod2"] = qr_svg(mark.kod2_url)
    return out


def _typst_message(exc: Exception) -> str:
    message = str(getattr(exc, "message", "") or exc).strip()
    hints = [str(h) for h in getattr(exc, "hints", None) or []]
    return message + (f" (hint: {'; '.join(hints)})" if hints else "")


class TypstPdfRenderer:
    """Renders :class:`SalesDocument` objects to PDF bytes with typst (see the module docstring)."""

    def __init__(self, config: TypstRendererConfig | None = None, *, base_dir: Path | None = None) -> None:
        self.config = config or TypstRendererConfig()
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self.templates_dir: Path | None = None
        if self.config.templates_dir is not None:
            self.templates_dir = self._resolve(self.config.templates_dir)
            if not self.templates_dir.is_dir():
                raise ConfigError(f"renderer.templates_dir: {self.templates_dir} is not a folder",
                                  errors=[("renderer.templates_dir", f"{self.templates_dir} is not a folder")])
        self._sets: dict[str, _TypstSet] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- public

    def render(self, document: SalesDocument, template: str = "pl", *,
               ksef_label: Literal["number", "offline"] | None = None) -> bytes:
        """The PDF of ``document``. Raises ``DocumentError`` when it cannot be made correctly."""
        tset = self._template_set(template)
        mark = self.ksef_mark(document, ksef_label)
        qr = _qr_svgs(mark)
        data = self._data(document, tset, mark, qr)
        check_document(document)                       # the validator's data checks: no PDF for a bad document
        pdf = self._compile(document, tset, data)
        if len(pdf) > MAX_PDF_BYTES:
            raise DocumentError(f"{document.number}: the PDF has {len(pdf) / 1048576:.1f} MB, more than the 2 MB "
                                "marketplaces accept; use smaller images in the template", code="pdf_too_large")
        drawn = {"kod1": mark.url, "kod2": mark.kod2_url}
        check_printed(document, pdf, mark, {k: v for k, v in drawn.items() if k in qr and v})
        for warning in vat_warnings(document):
            log.warning("%s", warning)
            document.extra.setdefault("warnings", []).append(warning)
        return pdf

    def plan_check(self, document: SalesDocument, template: str = "pl", *,
                   ksef_label: Literal["number", "offline"] | None = None) -> None:
        """What :meth:`render` would refuse, without making the PDF (for ``plan``): the template, the KSeF data
        and the validator's checks on the document's data, raising the same ``DocumentError`` as the run."""
        tset = self._template_set(template)
        self._data(document, tset, self.ksef_mark(document, ksef_label), {})
        check_document(document)

    def render_data(self, document: SalesDocument, template: str = "pl", *,
                    ksef_label: Literal["number", "offline"] | None = None) -> str:
        """The JSON the template gets as ``sys.inputs.data`` (for template authors)."""
        tset = self._template_set(template)
        mark = self.ksef_mark(document, ksef_label)
        return self._data(document, tset, mark, _qr_svgs(mark))

    def ksef_mark(self, document: SalesDocument,
                  ksef_label: Literal["number", "offline"] | None = None) -> KsefMark:
        """What the document shows for KSeF (§4.2 of ksef_visualisation.md); raises ``DocumentError``."""
        return ksef_mark_for(document, self.config, ksef_label)

    # ---------------------------------------------------------------- internals

    def _resolve(self, path: Path | str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def _data(self, document: SalesDocument, tset: _TypstSet, mark: KsefMark, qr: dict[str, str]) -> str:
        context = build_context(document, mark=mark, t=tset.labels, print_title=self.config.print_title)
        return json.dumps(document_data(context, qr), ensure_ascii=False, separators=(",", ":"))

    def _compile(self, document: SalesDocument, tset: _TypstSet, data: str) -> bytes:
        import typst

        try:
            with tset.lock:
                pdf = tset.compiler.compile(format="pdf", sys_inputs={"data": data},
                                            pdf_tags=self.config.pdf_tags)
        except typst.TypstError as exc:
            raise DocumentError(f"{document.number}: the PDF could not be made from template {tset.key!r} "
                                f"({tset.path}): {_typst_message(exc)}", code="template_error") from exc
        except Exception as exc:  # noqa: BLE001 - report the document, never lose the run
            raise DocumentError(f"{document.number}: the PDF could not be made from template {tset.key!r}: "
                                f"{exc}", code="pdf_error") from exc
        if not isinstance(pdf, bytes):
            raise DocumentError(f"{document.number}: typst returned no PDF for template {tset.key!r}",
                                code="pdf_error")
        return pdf

    def _template_set(self, template: str) -> _TypstSet:
        key = (template or "pl").strip()
        with self._lock:
            cached = self._sets.get(key)
            if cached is None:
                cached = self._sets[key] = self._build_set(key)
            return cached

    def _build_set(self, key: str) -> _TypstSet:
        import typst

        lang, overrides, folders = template_folders(key, self.templates_dir, self._resolve)
        path = next((f / TEMPLATE_FILE for f in folders if (f / TEMPLATE_FILE).is_file()),
                    BUILTIN_TYPST_DIR / TEMPLATE_FILE)
        compiler = typst.Compiler(input=str(path), root=str(path.parent),
                                  font_paths=_fonts(self.config.system_fonts),
                                  ignore_system_fonts=not self.config.system_fonts)
        return _TypstSet(key=key, lang=lang, labels=labels_for(lang, overrides), path=path, compiler=compiler,
                         lock=threading.Lock())
