"""KOD I (and KOD II) as vector QR symbols: error correction M, byte mode, 4-module quiet zone, black on white.

Two ways to put a symbol on the page:

* ``qr_svg(url)``: an inline ``<svg>`` for templates (``{{ ksef.qr_svg|safe }}``), sized by CSS;
* a *slot*: the built-in templates leave an empty box ``<div id="sellintegro-kod1">`` and :class:`QrPainter`
  (a WeasyPrint ``finisher``) draws the modules into that box as filled PDF rectangles after layout. Same
  result, several times faster than WeasyPrint's SVG interpreter for a 41x41 symbol.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

BORDER = 4          # quiet zone in modules (ISO/IEC 18004 minimum)
SLOT_KOD1 = "sellintegro-kod1"
SLOT_KOD2 = "sellintegro-kod2"


def make_symbol(url: str) -> Any:
    """The QR symbol for ``url`` at level M (no error-level boost, so the level stays M as MF's samples)."""
    import segno

    return segno.make_qr(url, error="m", boost_error=False, mode="byte")


@lru_cache(maxsize=64)
def _matrix(url: str) -> tuple[tuple[int, ...], ...]:
    return tuple(tuple(1 if module else 0 for module in row) for row in make_symbol(url).matrix)


def qr_svg(url: str) -> str:
    """Inline ``<svg>`` (modules as one vector path, quiet zone included); the caller sets width/height."""
    return make_symbol(url).svg_inline(scale=1, border=BORDER, dark="#000", light="#fff", omitsize=True,
                                       svgclass="qr", lineclass=None)


class LazySvg:
    """``{{ ksef.qr_svg|safe }}`` in a template: the SVG is made only if a template prints it."""

    def __init__(self, url: str | None) -> None:
        self.url = url

    def __str__(self) -> str:
        return qr_svg(self.url) if self.url else ""

    def __html__(self) -> str:
        return str(self)

    def __bool__(self) -> bool:
        return bool(self.url)


def dark_runs(url: str) -> tuple[int, list[tuple[int, int, int]]]:
    """``(size, [(x, y, length), ...])``: horizontal runs of dark modules, quiet zone included in ``size``."""
    matrix = _matrix(url)
    runs = []
    for y, row in enumerate(matrix):
        x, n = 0, len(row)
        while x < n:
            if row[x]:
                start = x
                while x < n and row[x]:
                    x += 1
                runs.append((start + BORDER, y + BORDER, x - start))
            else:
                x += 1
    return len(matrix) + 2 * BORDER, runs


class SlotMissing(Exception):
    """A slot the template promised was not found on any page; ``unsupported``: WeasyPrint gave no box size."""

    def __init__(self, message: str, *, unsupported: bool = False) -> None:
        super().__init__(message)
        self.unsupported = unsupported


class QrPainter:
    """WeasyPrint ``finisher``: draws each slot's QR symbol into the box of the element with that id.

    Anchors give the element's border box in CSS pixels from the top-left of the page; PDF user space has
    its origin bottom-left in points (0.75 pt per CSS px). The page's own content is wrapped in ``q``/``Q``
    so the drawing starts from the default graphics state.
    """

    def __init__(self, slots: dict[str, str]) -> None:
        self.slots = {slot: url for slot, url in slots.items() if url}

    def __call__(self, document: Any, pdf: Any) -> None:
        import pydyf

        found: set[str] = set()
        page_numbers = pdf.pages["Kids"][::3]
        for page, number in zip(document.pages, page_numbers, strict=False):
            boxes = []
            for slot, url in self.slots.items():
                anchor = page.anchors.get(slot)
                if anchor is None:
                    continue
                if len(anchor) != 4:
                    raise SlotMissing(f"WeasyPrint gave no box size for {slot}", unsupported=True)
                boxes.append((anchor, url))
                found.add(slot)
            if not boxes:
                continue
            height = page.height * 0.75
            before = pydyf.Stream()
            before.push_state()
            after = pydyf.Stream(compress=True)
            after.pop_state()
            after.push_state()
            for (x1, y1, x2, y2), url in boxes:
                size, runs = dark_runs(url)
                side = min(x2 - x1, y2 - y1) * 0.75
                unit = side / size
                left = x1 * 0.75 + ((x2 - x1) * 0.75 - side) / 2
                top = height - y1 * 0.75
                after.set_color_rgb(1, 1, 1)
                after.rectangle(left, top - side, side, side)
                after.fill()
                after.set_color_rgb(0, 0, 0)
                for x, y, length in runs:
                    after.rectangle(left + x * unit, top - (y + 1) * unit, length * unit, unit)
                after.fill()
            after.pop_state()
            pdf.add_object(before)
            pdf.add_object(after)
            page_dict = pdf.objects[number]
            page_dict["Contents"] = pydyf.Array([before.reference, page_dict["Contents"], after.reference])
        missing = set(self.slots) - found
        if missing:
            raise SlotMissing(f"no box for {', '.join(sorted(missing))} on any page")
