"""KOD I as a vector QR symbol (segno): error correction M, byte mode, 4-module quiet zone, black on white."""

from __future__ import annotations

from functools import lru_cache


def make_symbol(url: str):  # noqa: ANN201 - segno.QRCode, imported lazily
    """The QR symbol for ``url`` at level M (no error-level boost, so the level stays M as MF's samples)."""
    import segno

    return segno.make_qr(url, error="m", boost_error=False, mode="byte")


@lru_cache(maxsize=256)
def qr_svg(url: str) -> str:
    """Inline ``<svg>`` (modules as one vector path) sized by CSS; the caller sets width/height."""
    symbol = make_symbol(url)
    svg = symbol.svg_inline(scale=1, border=4, dark="#000", light="#fff", omitsize=True, svgclass="qr",
                            lineclass=None)
    return svg
