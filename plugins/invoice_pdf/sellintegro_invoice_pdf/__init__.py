"""sellintegro-invoice-pdf: the ``invoice_pdf`` rule and the ``html_pdf`` renderer.

The renderer turns a :class:`~sellintegro_core.models.SalesDocument` into a PDF (jinja2 + WeasyPrint) with
the KSeF KOD I QR code where ksef_visualisation.md §4 requires it. Heavy modules (weasyprint, jinja2,
segno) are imported only when a renderer is built.
"""

__version__ = "0.1.0"
