"""The ``html_pdf`` renderer: jinja2 HTML templates -> PDF with WeasyPrint, KSeF KOD I where §4 requires it.

``render(document, template="pl", *, ksef_label=None) -> bytes``. ``template`` is ``"pl"``, ``"en"`` or a
folder of your own templates (files missing there come from the built-in set). The jinja environment, the
compiled stylesheet and WeasyPrint's font configuration are built once per template set and reused.

Templates run sandboxed and WeasyPrint reads only files of the template folders and the built-in set
(``sandbox``): a template folder is code, but it cannot run commands or embed files from elsewhere.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sellintegro_core.api import ConfigError, DocumentError, SalesDocument

from . import formatting
from .config import RendererConfig
from .context import RECEIPT_KINDS, build_context
from .ksef import KsefMark, decide
from .labels import labels_for
from .qr import SLOT_KOD1, SLOT_KOD2
from .validate import check_document, check_printed, vat_warnings

log = logging.getLogger("sellintegro.invoice_pdf")

BUILTIN_DIR = Path(__file__).resolve().parent / "templates" / "default"
BUILTIN_LANGUAGES = ("pl", "en")
MAX_PDF_BYTES = 2 * 1024 * 1024
KIND_TEMPLATES = {"FS": "FS.html", "FSd": "FSd.html", "PA": "PA.html", "KFS": "KFS.html", "ZW": "ZW.html"}


@dataclass
class _TemplateSet:
    key: str
    env: Any                 # jinja2.Environment
    labels: dict[str, str]
    stylesheet: Any          # weasyprint.CSS
    base_url: str
    url_fetcher: Any         # sandbox.folder_fetcher: files of the template folders only


_FONT_CONFIG: Any = None
_FONT_LOCK = threading.Lock()


def _font_config() -> Any:
    """One WeasyPrint FontConfiguration per process (loading fonts is the slow part of a first render)."""
    global _FONT_CONFIG
    with _FONT_LOCK:
        if _FONT_CONFIG is None:
            from weasyprint.text.fonts import FontConfiguration

            _FONT_CONFIG = FontConfiguration()
        return _FONT_CONFIG


class HtmlPdfRenderer:
    """Renders :class:`SalesDocument` objects to PDF bytes (see the module docstring)."""

    def __init__(self, config: RendererConfig | None = None, *, base_dir: Path | None = None) -> None:
        self.config = config or RendererConfig()
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self.templates_dir: Path | None = None
        if self.config.templates_dir is not None:
            self.templates_dir = self._resolve(self.config.templates_dir)
            if not self.templates_dir.is_dir():
                raise ConfigError(f"renderer.templates_dir: {self.templates_dir} is not a folder",
                                  errors=[("renderer.templates_dir", f"{self.templates_dir} is not a folder")])
        self._sets: dict[str, _TemplateSet] = {}
        self._lock = threading.Lock()
        self._qr_slots = True        # draw QR codes into slots (falls back to inline SVG once if unsupported)

    # ---------------------------------------------------------------- public

    def render(self, document: SalesDocument, template: str = "pl", *,
               ksef_label: Literal["number", "offline"] | None = None) -> bytes:
        """The PDF of ``document``. Raises ``DocumentError`` when it cannot be made correctly."""
        from .qr import QrPainter, SlotMissing

        tset = self._template_set(template)
        mark = self.ksef_mark(document, ksef_label)
        html = self._render_html(document, tset, mark, qr_slots=self._qr_slots)
        check_document(document)                       # the validator's data checks: no PDF for a bad document
        slots = {slot: url for slot, url in ((SLOT_KOD1, mark.url), (SLOT_KOD2, mark.kod2_url))
                 if url and f'id="{slot}"' in html}
        try:
            try:
                pdf = self._write_pdf(html, tset, QrPainter(slots) if slots else None)
            except SlotMissing as missing:
                # the template hid the box (or this WeasyPrint gives no box sizes): inline SVG instead
                log.info("%s: %s; drawing the QR code as inline SVG", document.number, missing)
                if missing.unsupported:
                    self._qr_slots = False
                pdf = self._write_pdf(self._render_html(document, tset, mark, qr_slots=False), tset, None)
        except DocumentError:
            raise
        except Exception as exc:  # noqa: BLE001 - WeasyPrint raises many types; report the document
            raise DocumentError(f"{document.number}: the PDF could not be made from template {template!r}: {exc}",
                                code="pdf_error") from exc
        if len(pdf) > MAX_PDF_BYTES:
            raise DocumentError(f"{document.number}: the PDF has {len(pdf) / 1048576:.1f} MB, more than the 2 MB "
                                "marketplaces accept; use smaller images in the template", code="pdf_too_large")
        check_printed(document, pdf, mark, slots)      # the validator's checks on the PDF: raises DocumentError
        for warning in vat_warnings(document):
            log.warning("%s", warning)
            document.extra.setdefault("warnings", []).append(warning)
        return pdf

    def plan_check(self, document: SalesDocument, template: str = "pl", *,
                   ksef_label: Literal["number", "offline"] | None = None) -> None:
        """What :meth:`render` would refuse, without making the PDF (for ``plan``): the template, the KSeF data
        and the validator's checks on the document's data, raising the same ``DocumentError`` as the run."""
        tset = self._template_set(template)
        self._render_html(document, tset, self.ksef_mark(document, ksef_label), qr_slots=self._qr_slots)
        check_document(document)

    def render_html(self, document: SalesDocument, template: str = "pl", *,
                    ksef_label: Literal["number", "offline"] | None = None) -> str:
        """The HTML the PDF is made from, QR codes as inline SVG (for template authors and browsers)."""
        return self._render_html(document, self._template_set(template), self.ksef_mark(document, ksef_label))

    def ksef_mark(self, document: SalesDocument,
                  ksef_label: Literal["number", "offline"] | None = None) -> KsefMark:
        """What the document shows for KSeF (§4.2 of ksef_visualisation.md); raises ``DocumentError``."""
        return ksef_mark_for(document, self.config, ksef_label)

    # ---------------------------------------------------------------- internals

    def _resolve(self, path: Path | str) -> Path:
        p = Path(path).expanduser()
        return p if p.is_absolute() else (self.base_dir / p)

    def _write_pdf(self, html: str, tset: _TemplateSet, finisher: Any) -> bytes:
        from weasyprint import HTML

        return HTML(string=html, base_url=tset.base_url, url_fetcher=tset.url_fetcher).write_pdf(
            stylesheets=[tset.stylesheet], font_config=_font_config(), finisher=finisher)

    def _render_html(self, document: SalesDocument, tset: _TemplateSet, mark: KsefMark, *,
                     qr_slots: bool = False) -> str:
        from jinja2 import TemplateError, TemplateNotFound

        context = build_context(document, mark=mark, t=tset.labels, qr_slots=qr_slots,
                                print_title=self.config.print_title)
        name = KIND_TEMPLATES.get(document.kind, "FS.html")
        try:
            return tset.env.get_template(name).render(context)
        except TemplateNotFound as exc:
            raise DocumentError(f"template {exc.name!r} not found in {tset.key}", code="template_error") from exc
        except TemplateError as exc:
            lineno = getattr(exc, "lineno", None)      # a TemplateSyntaxError says where
            where = f" ({getattr(exc, 'name', None)}, line {lineno})" if lineno else ""
            raise DocumentError(f"{document.number}: template {tset.key} failed{where}: {exc.message}",
                                code="template_error") from exc

    def _template_set(self, template: str) -> _TemplateSet:
        key = (template or "pl").strip()
        with self._lock:
            cached = self._sets.get(key)
            if cached is None:
                cached = self._sets[key] = self._build_set(key)
            return cached

    def _build_set(self, key: str) -> _TemplateSet:
        from jinja2 import StrictUndefined, TemplateError
        from weasyprint import CSS

        from .sandbox import folder_fetcher, template_environment

        lang, overrides, folders = template_folders(key, self.templates_dir, self._resolve)
        labels = labels_for(lang, overrides)
        # user folders first, the built-in set for every file they do not have; sandboxed
        env = template_environment(folders, BUILTIN_DIR, autoescape=True, undefined=StrictUndefined,
                                   trim_blocks=True, lstrip_blocks=True, auto_reload=False)
        env.filters.update({
            "amount": formatting.amount, "money": formatting.money, "price": formatting.price,
            "qty": formatting.quantity,
            "rate": formatting.rate, "date": formatting.date, "xrate": formatting.exchange_rate,
            "words": lambda value, currency="PLN": formatting.words(value, currency, lang),
        })
        try:
            css_text = env.get_template("style.css").render(t=labels, lang=lang)
        except TemplateError as exc:
            raise DocumentError(f"style.css of template {key!r} failed: {exc}", code="template_error") from exc
        base = folders[0] if folders else BUILTIN_DIR
        base_url = base.as_uri() + "/"
        fetcher = folder_fetcher([*folders, BUILTIN_DIR])
        stylesheet = CSS(string=css_text, base_url=base_url, font_config=_font_config(), url_fetcher=fetcher)
        return _TemplateSet(key=key, env=env, labels=labels, stylesheet=stylesheet, base_url=base_url,
                            url_fetcher=fetcher)


def ksef_mark_for(document: SalesDocument, config: RendererConfig,
                  ksef_label: Literal["number", "offline"] | None = None) -> KsefMark:
    """What ``document`` shows for KSeF under ``config`` (every renderer of this package); ``DocumentError``."""
    if document.kind in RECEIPT_KINDS:
        if document.ksef.state != "not_in_ksef" or document.ksef.number:
            log.warning("%s: a %s is never a KSeF invoice; its KSeF data is ignored", document.number,
                        document.kind)
        return KsefMark(environment=config.ksef_environment)
    try:
        mark = decide(document.ksef, seller_nip=document.seller.nip, issue_date=document.issue_date,
                      environment=config.ksef_environment, ksef_label=ksef_label,
                      kod2_url=document.extra.get("ksef_kod2_url"), strict_nip=config.strict_nip)
    except DocumentError as exc:
        raise DocumentError(f"{document.number}: {exc.message}", code=exc.code, internal=exc.internal) from None
    for warning in mark.warnings:
        log.warning("%s: %s", document.number, warning)
    return mark


def read_labels(folder: Path) -> tuple[str, dict[str, str]]:
    """``labels.json`` of a custom folder -> (language, overrides); Polish without the file."""
    path = folder / "labels.json"
    if not path.exists():
        return "pl", {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(f"{path} is not valid JSON: {exc}", code="template_error") from exc
    if not isinstance(data, dict):
        raise DocumentError(f"{path} must hold a JSON object of label names to texts", code="template_error")
    lang = str(data.get("lang") or "pl")
    return lang, {str(k): str(v) for k, v in data.items()}


def template_folders(key: str, templates_dir: Path | None,
                     resolve: Callable[[str], Path]) -> tuple[str, dict[str, str], list[Path]]:
    """A template name -> ``(language, label overrides, the user's folders to search first)``: ``"pl"``/``"en"``
    with the scenario's ``templates_dir`` (its language folder, then itself), or a folder of the user's own."""
    folders: list[Path] = []
    overrides: dict[str, str] = {}
    if key.lower() in BUILTIN_LANGUAGES:
        lang = key.lower()
        if templates_dir is not None:
            folders += [p for p in (templates_dir / lang, templates_dir) if p.is_dir()]
    else:
        folder = resolve(key)
        if not folder.is_dir():
            raise DocumentError(f'template {key!r} is neither "pl", "en" nor an existing folder ({folder})',
                                code="template_error")
        folders.append(folder)
        lang, overrides = read_labels(folder)
    return lang, overrides, folders
