"""``sellintegro pdf SCENARIO --document NUMBER``: render one document to a PDF file, BaseLinker untouched.

The scenario's source is built and asked for the document (``source.find(ref)``, by number or id); the
scenario's renderer (``typst_pdf`` unless the scenario names another) renders it. The sink is never built.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def setup_parser(parser: Any) -> None:
    """Arguments of the ``pdf`` command (argparse only: this runs for every ``sellintegro`` call)."""
    parser.add_argument("scenario", help="scenario file (TOML)")
    parser.add_argument("--document", "-d", required=True, metavar="REF",
                        help='document number as printed (e.g. "FS 12/2026") or its id in the source')
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="where to write the PDF (default: the document number, e.g. FS_12_2026.pdf)")
    parser.add_argument("--template", "-t", metavar="pl|en|PATH",
                        help='"pl", "en" or a folder with your own templates (default: the renderer\'s)')
    parser.add_argument("--ksef-label", choices=("number", "offline"), default=None,
                        help='print "OFFLINE" under the QR code of a document still waiting for its KSeF '
                             "number (what the rule does after ksef_wait_max_hours)")


def load_preview_scenario(path: str) -> Any:
    """Load the scenario validating only what a preview uses: core settings, [source] and [renderer].

    The sink and the rule are neither built nor validated, so a layout can be checked before BaseLinker
    and the rule are set up.
    """
    from sellintegro_core.api import load_scenario

    return load_scenario(path, components=("source", "renderer"))


def run(args: Any) -> int:
    """Render the document and write the file; errors are ``SellintegroError`` handled by the CLI."""
    from sellintegro_core.api import plain, render_document_pdf, safe_filename

    scenario = load_preview_scenario(args.scenario)
    template = args.template
    if template is not None and template.lower() not in ("pl", "en") and Path(template).expanduser().is_dir():
        template = str(Path(template).expanduser().resolve())   # a folder given on the command line: from cwd
    number, pdf = render_document_pdf(scenario, args.document, template=template, ksef_label=args.ksef_label)
    output = Path(args.output) if args.output else Path(safe_filename(number))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(pdf)
    print(plain(f"{number}: {len(pdf):,} bytes written to {output}"), file=sys.stdout)
    return 0
