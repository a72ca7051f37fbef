"""Checked by mypy, not run by pytest: the shipped components satisfy the component protocols and the
capabilities the host looks for, statically (tox runs ``mypy``, configured in pyproject.toml).

tests/*/test_capabilities.py prove the same at run time with ``isinstance``; this proves the signatures too (a
changed parameter or return type of, say, ``apply_batch`` fails here, where a runtime check sees only names).
"""

from __future__ import annotations

from sellintegro_baselinker.sink import BaseLinkerSink
from sellintegro_core.builtins.jsonl import JsonlSink, JsonlSource
from sellintegro_core.capabilities import (
    BatchingSink,
    Checkable,
    Closable,
    CountsCalls,
    Finder,
    ListsSeries,
    ListsStatuses,
    PlanCheckingRenderer,
    PlanCheckingSink,
    Preflighting,
    PreviewsMatch,
    ReferencesStatuses,
    RendersHtml,
    StatusChecking,
)
from sellintegro_core.components import Renderer, Rule, Sink, Source
from sellintegro_invoice_pdf.renderer import HtmlPdfRenderer
from sellintegro_invoice_pdf.rule import InvoicePdfRule
from sellintegro_subiekt_gt.reader import SubiektSource


def baselinker_sink(sink: BaseLinkerSink) -> list[object]:
    kinds: tuple[Sink, BatchingSink, CountsCalls, Preflighting, PlanCheckingSink, StatusChecking, Checkable,
                 Closable, ListsStatuses, ListsSeries] = (sink, sink, sink, sink, sink, sink, sink, sink, sink, sink)
    return list(kinds)


def subiekt_source(source: SubiektSource) -> list[object]:
    kinds: tuple[Source, Finder, Checkable, Closable, PreviewsMatch] = (source, source, source, source, source)
    return list(kinds)


def invoice_pdf(rule: InvoicePdfRule, renderer: HtmlPdfRenderer) -> list[object]:
    kinds: tuple[Rule, ReferencesStatuses, Renderer, PlanCheckingRenderer, RendersHtml] = (
        rule, rule, renderer, renderer, renderer)
    return list(kinds)


def jsonl(source: JsonlSource, sink: JsonlSink) -> list[object]:
    kinds: tuple[Source, Finder, Sink, CountsCalls] = (source, source, sink, sink)
    return list(kinds)
