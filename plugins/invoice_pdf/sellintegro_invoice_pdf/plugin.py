"""Hook implementations of sellintegro-invoice-pdf. Imports stay light: typst/weasyprint load on first render."""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import CommandSpec, ComponentContext, RendererSpec, RuleSpec, hookimpl


def _make_renderer(config: Any, context: ComponentContext) -> Any:
    from .renderer import HtmlPdfRenderer

    return HtmlPdfRenderer(config, base_dir=context.base_dir)


def _make_typst_renderer(config: Any, context: ComponentContext) -> Any:
    from .typst_renderer import TypstPdfRenderer

    return TypstPdfRenderer(config, base_dir=context.base_dir)


def _typst_config() -> Any:
    from .config import TypstRendererConfig

    return TypstRendererConfig


def _html_config() -> Any:
    from .config import RendererConfig

    return RendererConfig


def _rule_config() -> Any:
    from .rule_config import RuleConfig

    return RuleConfig


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    """Register the ``typst_pdf`` renderer (typst template, the default) and ``html_pdf`` (jinja2 HTML templates
    and WeasyPrint), both printing the same invoice with the KSeF KOD I. Settings models load on use."""
    register(RendererSpec(name="typst_pdf", config_model=_typst_config, factory=_make_typst_renderer,
                          description="typst template to PDF with the KSeF QR code (fast, small PDFs)"))
    register(RendererSpec(name="html_pdf", config_model=_html_config, factory=_make_renderer,
                          description="HTML templates to PDF (WeasyPrint) with the KSeF QR code"))


def _make_rule(config: Any, context: ComponentContext) -> Any:
    from .rule import InvoicePdfRule, check_template_folders

    rule = InvoicePdfRule(config, base_dir=context.base_dir)
    check_template_folders(rule)
    return rule


@hookimpl
def sellintegro_register_rules(register: Any) -> None:
    """Register the ``invoice_pdf`` rule (Sellintegro's options: statuses, on_success/on_failure, KSeF wait)."""
    register(RuleSpec(name="invoice_pdf", config_model=_rule_config, factory=_make_rule,
                      description="attach Subiekt documents' PDFs to BaseLinker orders, then set statuses"))


def _setup_pdf(parser: Any) -> None:
    from .command import setup_parser

    setup_parser(parser)


def _run_pdf(args: Any) -> int:
    from .command import run

    return run(args)


@hookimpl
def sellintegro_register_commands(register: Any) -> None:
    """Register ``sellintegro pdf SCENARIO --document NUMBER``: preview a document's PDF."""
    register(CommandSpec(name="pdf", help="render one document of a scenario to a PDF file (preview)",
                         setup=_setup_pdf, run=_run_pdf, after="check"))


@hookimpl
def sellintegro_default_renderer() -> str:
    """``[renderer]`` without ``plugin`` means ``typst_pdf`` (``plugin = "html_pdf"`` keeps the HTML templates)."""
    return "typst_pdf"


@hookimpl
def sellintegro_init_questions(register: Any) -> None:
    """The ``[rule]`` questions (statuses, documents, templates) and the ``[renderer]`` exemption basis."""
    from .init_questions import SECTION

    register(SECTION)


@hookimpl
def sellintegro_demo_parts(register: Any) -> None:
    """The demo's rule and renderer settings."""
    from sellintegro_core.api import DemoPart

    from .demo_part import start

    register(DemoPart(kind="rule", name="invoice_pdf", start=start))
