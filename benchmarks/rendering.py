"""Benchmark 3 — rendering: CPU time per invoice of BOTH renderers, side by side in one run, and PDF sizes.

Each renderer is built the way a run builds it: ``PluginHost().component("renderer", NAME)`` and its factory
with the default config. After a warm-up render of each document by each renderer (fonts, templates,
compilers), the renders are interleaved — typst_pdf, html_pdf, typst_pdf, html_pdf... — N times per document,
so both see the same machine load. The figure is the median CPU time of this process per render
(``time.process_time``; rendering is single-threaded, so CPU seconds are seconds of one core); every render
includes the pre-upload validator, as in a run. Wall time is reported too.
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
    config = spec.config_model.model_validate({})
    return spec.factory(config, ComponentContext(scenario="benchmark", base_dir=base_dir))


def measure(renderers: dict[str, Any], document: Any, times: int) -> dict[str, dict[str, float]]:
    """Per renderer: median CPU and wall seconds per PDF over ``times`` interleaved renders, and the PDF size."""
    pdfs = {name: r.render(document, "pl") for name, r in renderers.items()}        # warm-up
    cpu: dict[str, list[float]] = {name: [] for name in renderers}
    wall: dict[str, list[float]] = {name: [] for name in renderers}
    for _ in range(times):
        for name, renderer in renderers.items():
            c0, w0 = time.process_time(), time.perf_counter()
            pdfs[name] = renderer.render(document, "pl")
            cpu[name].append(time.process_time() - c0)
            wall[name].append(time.perf_counter() - w0)
    return {name: {"cpu": median(cpu[name]), "wall": median(wall[name]), "bytes": float(len(pdfs[name])),
                   "pages": float(_pages(pdfs[name])),
                   "validator": _validator_seconds(renderers[name], document, pdfs[name], min(times, 20))}
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
    from .sample_documents import invoice

    check_size(size)
    times = SIZES[size]
    result = Result(NAME, TITLE, method=(
        f"Both renderers from the plugin host, default settings, Polish template: `typst_pdf` (the default) and "
        f"`html_pdf` (WeasyPrint). A numbered FS (company buyer, KSeF QR code) with 3 lines over two rates and "
        f"one with 30 lines over three rates. One warm-up render of each, then {times} renders per renderer "
        f"and invoice, interleaved (typst, html, typst, html...); the figure is the median CPU time of one "
        f"render (`process_time`, one process, single-threaded, so per core), the pre-upload validator "
        f"included. Wall time alongside."), size=size)
    started = time.perf_counter()
    renderers = {name: build_renderer(workdir or Path.cwd(), name) for name in RENDERERS}
    table = ["| renderer | invoice | ms per PDF (CPU / wall) | PDFs/s per core | of which the validator, ms "
             "| PDF size | pages |", "|---|---|---|---|---|---|---|"]
    measured = {lines: measure(renderers, invoice(lines), times) for lines in LINES}
    for name in RENDERERS:
        for lines in LINES:
            m = measured[lines][name]
            rate = 1 / m["cpu"] if m["cpu"] > 0 else float("inf")
            table.append(f"| `{name}` | {lines} lines | {fmt(m['cpu'] * 1000, 1)} / {fmt(m['wall'] * 1000, 1)} "
                         f"| {fmt(rate, 1)} | {fmt(m['validator'] * 1000, 1)} | {fmt(m['bytes'] / 1024, 1)} KiB "
                         f"| {int(m['pages'])} |")
    for lines in LINES:
        m, other = measured[lines][DEFAULT], measured[lines]["html_pdf"]
        ms = m["cpu"] * 1000
        speedup = other["cpu"] / m["cpu"] if m["cpu"] > 0 else float("inf")
        result.add(f"CPU per invoice, default renderer ({DEFAULT}), {lines} lines", f"≤ {fmt(TARGET_MS[lines], 0)} ms",
                   f"{fmt(ms, 1)} ms (html_pdf {fmt(other['cpu'] * 1000, 0)} ms, {fmt(speedup, 1)}× faster)",
                   ms <= TARGET_MS[lines],
                   "" if ms <= TARGET_MS[lines] else f"gap {fmt(ms - TARGET_MS[lines], 1)} ms")
    kib = measured[3][DEFAULT]["bytes"] / 1024
    result.add(f"PDF size, 3-line invoice, default renderer ({DEFAULT})", f"≤ {fmt(TARGET_KIB, 0)} KiB",
               f"{fmt(kib, 1)} KiB (html_pdf {fmt(measured[3]['html_pdf']['bytes'] / 1024, 1)} KiB)",
               kib <= TARGET_KIB, "" if kib <= TARGET_KIB else f"gap {fmt(kib - TARGET_KIB, 1)} KiB")
    result.add(f"PDF size, 30-line invoice, default renderer ({DEFAULT})", "— (reported)",
               f"{fmt(measured[30][DEFAULT]['bytes'] / 1024, 1)} KiB", None)
    result.add("Peak RSS of the benchmark process (both renderers loaded)", "— (reported)",
               f"{fmt(_peak_rss_mb(), 0)} MB", None)
    result.details.extend(table)
    result.seconds = time.perf_counter() - started
    return result
