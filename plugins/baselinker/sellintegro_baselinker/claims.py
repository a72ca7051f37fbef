"""Who attached a document: the claim every sellintegro scenario leaves in BaseLinker (docs/baselinker.md).

Two scenarios (or two hosts) on one BaseLinker account must never both attach the same Subiekt document.
The claim is the document itself, made visible to every other scenario:

* invoices and receipts: BaseLinker keeps **one** invoice and one receipt per order, and creates them one call
  at a time, so exactly one scenario's ``addInvoice`` / ``addReceipt`` succeeds (create-then-verify: the
  other is refused, reads the order and sees the winner's document);
* the uploaded PDF carries the scenario's tag as a PDF comment after ``%%EOF`` (readers ignore it), read back
  with ``getInvoiceFile {get_external: true}`` when a scenario finds an invoice it did not record itself;
* a correction placeholder carries the tag as its issuer (``fv_person``), so ``getInvoices`` shows it at no cost.

Corrections are the only documents BaseLinker would accept twice, so only the scenario that holds the order's
invoice (its tag on the file) creates them. The tag is ``<scenario>@<host>#<id>``; the id is derived from the
host, the scenario folder and name and the ledger's path (or ``sink.instance``), so a lost or replaced ledger
keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
from pathlib import Path

PDF_MARK = b"%sellintegro-claim: "
ISSUER_PREFIX = "sellintegro:"
TAG_MAX = 80
_SAFE = re.compile(r"[^\w.\-]+")
_TAG_RE = re.compile(rb"%sellintegro-claim: ([^\r\n]{1,80})")


def instance_tag(scenario: str, base_dir: Path, override: str | None = None, ledger: str = "") -> str:
    """This scenario's claim tag: ``<scenario>@<host>#<6 hex>`` (or ``sink.instance`` when set); the hex part
    comes from the host, the scenario folder, its name and the ledger's path."""
    if override:
        return override.strip()[:TAG_MAX]
    host = socket.gethostname() or "host"
    try:
        folder = str(base_dir.resolve())
        ledger = str(Path(ledger).resolve()) if ledger else ""
    except OSError:
        folder = str(base_dir)
    digest = hashlib.sha256(f"{host}\0{folder}\0{scenario}\0{ledger}".encode()).hexdigest()[:6]
    name = _SAFE.sub("_", scenario)[:40]
    return f"{name}@{_SAFE.sub('_', host)[:30]}#{digest}"


def describe(tag: str) -> str:
    """``scenario 'demo' on host h (instance 1a2b3c)`` for a tag; the tag itself when it has another shape."""
    match = re.fullmatch(r"(.+)@(.+)#([0-9a-f]{6})", tag)
    if match is None:
        return f"scenario instance {tag!r}"
    return f"scenario {match.group(1)!r} on host {match.group(2)} (instance {match.group(3)})"


def tag_pdf(pdf: bytes, tag: str) -> bytes:
    """The PDF with the claim as a trailing comment (after ``%%EOF``; PDF readers ignore it)."""
    return pdf + b"\n" + PDF_MARK + tag.encode("utf-8", "replace") + b"\n"


def tag_of_file(data_uri: str) -> str | None:
    """The claim tag in an uploaded file (``"data:" + base64``), or None (no tag, not ours, unreadable)."""
    text = data_uri[5:] if data_uri.startswith("data:") else data_uri
    try:
        raw = base64.b64decode(text[-4096 * 4:] if len(text) > 16384 and len(text) % 4 == 0 else text,
                               validate=False)
    except (ValueError, TypeError):
        return None
    found = _TAG_RE.findall(raw[-2048:])
    return found[-1].decode("utf-8", "replace").strip() if found else None


def issuer_tag(tag: str) -> str:
    """What a correction placeholder carries as ``fv_person``."""
    return ISSUER_PREFIX + tag


def tag_of_issuer(issuer: str) -> str | None:
    issuer = issuer.strip()
    return issuer[len(ISSUER_PREFIX):][:TAG_MAX] if issuer.startswith(ISSUER_PREFIX) else None


def without_claim(pdf: bytes | None) -> bytes | None:
    """The file as the renderer made it (the claim comment removed); for comparisons in tests and tools."""
    if pdf is None:
        return None
    at = pdf.rfind(b"\n" + PDF_MARK)
    return pdf[:at] if at >= 0 and pdf.endswith(b"\n") and b"\n" not in pdf[at + 1:-1] else pdf
