"""``sellintegro pdf SCENARIO --document NUMBER``: render one document to a PDF file, BaseLinker untouched.

The scenario's source is built and asked for the document (``source.find(ref)``, by number or id); the
scenario's renderer (``typst_pdf`` unless the scenario names another) renders it. The sink is never built.
"""

from __future__ import annotations

import re
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


def default_output(number: str) -> Path:
    """``"FS 12/2026"`` -> ``FS_12_2026.pdf`` in the current folder."""
    stem = re.sub(r"[^\w.-]+", "_", number, flags=re.UNICODE).strip("_.") or "document"
    return Path(f"{stem}.pdf")


def default_template(rule_section: dict[str, Any], document: Any) -> str:
    """The template the rule would use: ``foreign_buyer_template`` for buyers outside Poland, else ``template``."""
    buyer = getattr(document, "buyer", None)
    if buyer is not None and buyer.is_foreign and rule_section.get("foreign_buyer_template"):
        return str(rule_section["foreign_buyer_template"])
    return str(rule_section.get("template") or "pl")


def load_preview_scenario(path: str) -> Any:
    """Load the scenario validating only what a preview uses: core settings, [source] and [renderer].

    The sink and the rule are neither built nor validated, so a layout can be checked before BaseLinker
    and the rule are set up.
    """
    from pydantic import ValidationError

    from sellintegro_core.config import format_validation_error, load_scenario
    from sellintegro_core.errors import ConfigError
    from sellintegro_core.plugins import get_host

    scenario = load_scenario(path, validate_components=False)
    host = get_host()
    errors: list[tuple[str, str]] = []
    for kind in ("source", "renderer"):
        name = scenario.plugin_name(kind)
        if name is None:
            continue
        table = host.components(kind)
        if name not in table:
            known = ", ".join(sorted(table)) or "none installed"
            errors.append((f"{kind}.plugin", f"no {kind} named {name!r} is installed (installed: {known})"))
            continue
        try:
            scenario.configs[kind] = table[name][0].config_model.model_validate(scenario.section(kind))
        except ValidationError as exc:
            errors.extend(format_validation_error(exc, prefix=kind))
    if errors:
        raise ConfigError(f"{scenario.path}: invalid scenario", errors=errors)
    return scenario


def run(args: Any) -> int:
    """Render the document and write the file; errors are ``SellintegroError`` handled by the CLI."""
    from sellintegro_core.components import close_quietly
    from sellintegro_core.engine import build_component
    from sellintegro_core.errors import ConfigError, DocumentError
    from sellintegro_core.terminal import plain

    scenario = load_preview_scenario(args.scenario)
    source = build_component(scenario, "source")
    try:
        find = getattr(source, "find", None)
        if not callable(find):
            raise ConfigError(f"the source {scenario.plugin_name('source')!r} cannot look up single documents "
                              "(it has no find method), so `sellintegro pdf` cannot preview with it")
        document = find(args.document)
        if document is None:
            raise DocumentError(f"document {args.document!r} not found in the source of scenario "
                                f"{scenario.name!r}; give the number exactly as printed (e.g. \"FS 12/2026\") "
                                "or the document id", code="not_found")
    finally:
        close_quietly(source)
    renderer = build_component(scenario, "renderer")
    if renderer is None:
        raise ConfigError("no renderer is installed to make the PDF (install sellintegro-invoice-pdf)")
    template = args.template
    if template is None:
        template = default_template(scenario.section("rule"), document)
    elif template.lower() not in ("pl", "en") and Path(template).expanduser().is_dir():
        template = str(Path(template).expanduser().resolve())   # a folder given on the command line: from cwd
    from sellintegro_core.exemption import apply_exemption_basis

    document = apply_exemption_basis(document, scenario.exemption_basis)
    pdf = renderer.render(document, template, ksef_label=args.ksef_label)
    output = Path(args.output) if args.output else default_output(document.number)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(pdf)
    print(plain(f"{document.number}: {len(pdf):,} bytes written to {output}"), file=sys.stdout)
    return 0
