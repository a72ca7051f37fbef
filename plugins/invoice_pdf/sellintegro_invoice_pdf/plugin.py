"""Hook implementations of sellintegro-invoice-pdf. Imports stay light: weasyprint loads on first render."""

from __future__ import annotations

from typing import Any

from sellintegro_core import hookimpl
from sellintegro_core.components import CommandSpec, ComponentContext, RendererSpec, RuleSpec


def _make_renderer(config: Any, context: ComponentContext) -> Any:
    from .renderer import HtmlPdfRenderer

    return HtmlPdfRenderer(config, base_dir=context.base_dir)


@hookimpl
def sellintegro_register_renderers(register: Any) -> None:
    """Register the ``html_pdf`` renderer (jinja2 templates -> PDF with KSeF KOD I)."""
    from .config import RendererConfig

    register(RendererSpec(name="html_pdf", config_model=RendererConfig, factory=_make_renderer,
                          description="HTML templates to PDF (WeasyPrint) with the KSeF QR code"))


def _make_rule(config: Any, context: ComponentContext) -> Any:
    from .rule import InvoicePdfRule, check_template_folders

    rule = InvoicePdfRule(config, base_dir=context.base_dir)
    check_template_folders(rule)
    return rule


@hookimpl
def sellintegro_register_rules(register: Any) -> None:
    """Register the ``invoice_pdf`` rule (Sellintegro's options: statuses, on_success/on_failure, KSeF wait)."""
    from .rule_config import RuleConfig

    register(RuleSpec(name="invoice_pdf", config_model=RuleConfig, factory=_make_rule,
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
    """``[renderer]`` without ``plugin`` means ``html_pdf``."""
    return "html_pdf"


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
