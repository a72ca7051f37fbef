"""Benchmark 3 — rendering: CPU time per invoice of BOTH renderers, side by side in one run, and PDF sizes.

Each renderer is built the way a run builds it: ``PluginHost().component("renderer", NAME)`` and its factory
with the default config. After a warm-up render by each renderer (fonts, templates, compilers), the renders
are interleaved — typst_pdf, html_pdf, typst_pdf, html_pdf... — N times per invoice size, so both see the same
machine load. Two ways:

* ``same``: the same invoice N times (the method of issue 17's table). typst memoizes layout, so a repeated
  document is cheaper for it than a new one;
* ``distinct``: every render a new invoice (its own number and KSeF hash, so its own QR code), as a run sees
  them. The targets are checked on this one.

The figure is the median CPU time of this process per render (``time.process_time``, all threads); every
render includes the KSeF QR code and the pre-upload validator, as in a run. Wall time is reported too.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .common import Result, check_size, fmt, median

NAME = "rendering"
TITLE = "Rendering"
RENDERERS = ("typst_pdf", "html_pdf")
DEFAULT = "typst_pdf"
LINES = (3, 30)
TARGET_MS = {3: 25.0, 30: 40.0}          # CPU per invoice, default renderer (issue 17)
TARGET_KIB = 40.0                        # PDF size, 3-line invoice, default renderer
SIZES = {"quick": 5, "full": 50, "long": 150}    # renders per renderer and document


def build_renderer(base_dir: Path, name: str = DEFAULT) -> Any:
    """The renderer ``name`` through the plugin host (default settings)."""
    from sellintegro_core.components import ComponentContext
    from sellintegro_core.plugins import PluginHost

    spec = PluginHost().component("renderer", name)
    config = spec.settings_model().model_validate({})
    return spec.factory(config, ComponentContext(scenario="benchmark", base_dir=base_dir))


def documents(lines: int, times: int, distinct: bool) -> list[Any]:
    """``times`` invoices of ``lines`` lines: one repeated, or each with its own number and KSeF hash."""
    import hashlib

    from sellintegro_core.api import updated

    from .sample_documents import invoice

    if not distinct:
        return [invoice(lines)] * times
    out = []
    for i in range(times):
        document = invoice(lines, number=f"FS {1000 + i}/2026")
        document = updated(document, {"ksef.hash": hashlib.sha256(f"{lines} {i}".encode()).hexdigest()})
        out.append(document)
    return out


def measure(renderers: dict[str, Any], docs: list[Any]) -> dict[str, dict[str, float]]:
    """Per renderer: median CPU and wall seconds per PDF over the interleaved renders of ``docs``, PDF size."""
    from .sample_documents import invoice

    warm = invoice(len(docs[0].lines), number="FS 1/2026")
    pdfs = {name: r.render(warm, "pl") for name, r in renderers.items()}        # warm-up
    cpu: dict[str, list[float]] = {name: [] for name in renderers}
    wall: dict[str, list[float]] = {name: [] for name in renderers}
    for document in docs:
        for name, renderer in renderers.items():
            c0, w0 = time.process_time(), time.perf_counter()
            pdfs[name] = renderer.render(document, "pl")
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    return {name: {"cpu": median(cpu[name]), "wall": median(wall[name]), "bytes": float(len(pdfs[name])),
                   "pages": float(_pages(pdfs[name])),
                   "validator": _validator_seconds(renderers[name], docs[-1], pdfs[name], min(len(docs), 20))}
            for name in renderers}


def _validator_seconds(renderer: Any, document: Any, pdf: bytes, times: int) -> float:
    """Median CPU seconds of the pre-upload validator (data checks + the PDF read back) on one finished PDF."""
    from sellintegro_invoice_pdf.validate import check_pdf

    mark = renderer.ksef_mark(document)
    cpu = []
    for _ in range(max(times, 3)):
        c0 = time.process_time()
        check_pdf(document, pdf, mark)
        cpu.append(time.process_time() - c0)
    return median(cpu)


def _pages(pdf: bytes) -> int:
    try:
        import io

        from pypdf import PdfReader

        return len(PdfReader(io.BytesIO(pdf)).pages)
    except Exception:  # noqa: BLE001 - page count is informational
        return 0


def _peak_rss_mb() -> float:
    """This process's own peak RSS (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(size: str = "full", workdir: Path | None = None) -> Result:
    check_size(size)
    times = SIZES[size]
    result = Result(NAME, TITLE, method=(
        f"Both renderers from the plugin host, default settings, Polish template: `typst_pdf` (the default) and "
        f"`html_pdf` (WeasyPrint). A numbered FS (company buyer, KSeF QR code) with 3 lines over two rates and "
        f"one with 30 lines over three rates. One warm-up render of each, then {times} renders per renderer, "
        f"invoice size and way, interleaved (typst, html, typst, html...): *same* renders one invoice {times} "
        f"times (the method of issue 17's table; typst memoizes layout, so a repeated document costs it less), "
        f"*distinct* renders {times} different invoices (own number and KSeF hash, so own QR code), as a run "
        f"does; the targets are checked on *distinct*. The figure is the median CPU time of one render "
        f"(`process_time` of the process, all threads), the KSeF QR code and the pre-upload validator "
        f"included. Wall time alongside."), size=size)
    started = time.perf_counter()
    renderers = {name: build_renderer(workdir or Path.cwd(), name) for name in RENDERERS}
    table = ["| renderer | invoice | way | ms per PDF (CPU / wall) | PDFs/s per core | of which the validator, ms "
             "| PDF size | pages |", "|---|---|---|---|---|---|---|---|"]
    measured = {(lines, way): measure(renderers, documents(lines, times, way == "distinct"))
                for lines in LINES for way in ("same", "distinct")}
    for name in RENDERERS:
        for (lines, way), by_renderer in measured.items():
            m = by_renderer[name]
            rate = 1 / m["cpu"] if m["cpu"] > 0 else float("inf")
            table.append(f"| `{name}` | {lines} lines | {way} | {fmt(m['cpu'] * 1000, 1)} / "
                         f"{fmt(m['wall'] * 1000, 1)} | {fmt(rate, 1)} | {fmt(m['validator'] * 1000, 1)} "
                         f"| {fmt(m['bytes'] / 1024, 1)} KiB | {int(m['pages'])} |")
    for lines in LINES:
        m, other = measured[(lines, "distinct")][DEFAULT], measured[(lines, "distinct")]["html_pdf"]
        same = measured[(lines, "same")][DEFAULT]["cpu"] * 1000
        ms = m["cpu"] * 1000
        speedup = other["cpu"] / m["cpu"] if m["cpu"] > 0 else float("inf")
        met = ms <= TARGET_MS[lines]
        result.add(f"CPU per invoice, default renderer ({DEFAULT}), {lines} lines, distinct invoices",
                   f"≤ {fmt(TARGET_MS[lines], 0)} ms",
                   f"{fmt(ms, 1)} ms (same invoice repeated: {fmt(same, 1)} ms; html_pdf "
                   f"{fmt(other['cpu'] * 1000, 0)} ms, {fmt(speedup, 1)}× slower)", met,
                   "" if met else (
                       f"gap {fmt(ms - TARGET_MS[lines], 1)} ms. Cause: typst lays out the lines table anew for "
                       f"every new document (about 0.8 ms per row; a repeated document is memoized, "
                       f"{fmt(same, 1)} ms), plus the QR code's mask selection in segno (about 4 ms per new "
                       f"link) and the validator reading the PDF back "
                       f"({fmt(m['validator'] * 1000, 1)} ms). Next step: a leaner lines table in invoice.typ "
                       f"(fixed column widths, one text run per row), a fixed QR mask."))
    kib = measured[(3, "distinct")][DEFAULT]["bytes"] / 1024
    html_kib = measured[(3, "distinct")]["html_pdf"]["bytes"] / 1024
    result.add(f"PDF size, 3-line invoice, default renderer ({DEFAULT})", f"≤ {fmt(TARGET_KIB, 0)} KiB",
               f"{fmt(kib, 1)} KiB (html_pdf {fmt(html_kib, 1)} KiB)",
               kib <= TARGET_KIB, "" if kib <= TARGET_KIB else f"gap {fmt(kib - TARGET_KIB, 1)} KiB")
    result.add(f"PDF size, 30-line invoice, default renderer ({DEFAULT})", "— (reported)",
               f"{fmt(measured[(30, 'distinct')][DEFAULT]['bytes'] / 1024, 1)} KiB", None)
    result.add("Peak RSS of the benchmark process (both renderers loaded)", "— (reported)",
               f"{fmt(_peak_rss_mb(), 0)} MB", None)
    result.details.extend(table)
    result.seconds = time.perf_counter() - started
    return result
