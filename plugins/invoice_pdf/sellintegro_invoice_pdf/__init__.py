"""sellintegro-invoice-pdf: the ``invoice_pdf`` rule and two renderers, ``typst_pdf`` (default) and ``html_pdf``.

The renderers turn a :class:`~sellintegro_core.models.SalesDocument` into a PDF (a typst template fed JSON, or
jinja2 HTML + WeasyPrint) with the KSeF KOD I QR code where ksef_visualisation.md §4 requires it; both print
the same template context. Heavy modules (typst, weasyprint, jinja2, segno) are imported only when a renderer
is built.
"""

__version__ = "0.1.0"
