"""KSeF on a PDF copy: NIP normalisation, KSeF numbers (CRC-8), invoice hash forms, KOD I URL, decision table.

Pure functions (standard library + ``sellintegro_core.errors``), following
``docs/reference/ksef_visualisation.md``: §1.3 (NIP), §1.6 (hash forms), §1.2/§1.4 (URL), §2 (KSeF
number and CRC-8), §4.2/§4.3 (what to print and when to refuse). Anything that would produce a wrong or
misleading QR code raises :class:`~sellintegro_core.errors.DocumentError` with a ``code`` and a message that
says what is wrong and how to fix it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

from sellintegro_core.api import (  # noqa: F401 - make_ksef_number re-exported
    KSEF_NUMBER,
    ConfigError,
    DocumentError,
    crc8,
    make_ksef_number,
    nip_checksum_ok,
)

Environment = Literal["prod", "demo", "test"]

QR_HOSTS: dict[str, str] = {
    "prod": "https://qr.ksef.mf.gov.pl",
    "demo": "https://qr-demo.ksef.mf.gov.pl",
    "test": "https://qr-test.ksef.mf.gov.pl",
}
"""KOD I base addresses per environment (§1.2). Only ``prod`` has legal effect."""

NIP_PATTERN = re.compile(r"[1-9]((\d[1-9])|([1-9]\d))\d{7}")      # FA(3) TNrNIP
KSEF_LEGACY = re.compile(r"\d{10}-\d{8}-[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{2}")
_HEX64 = re.compile(r"[0-9A-Fa-f]{64}")
_B64 = re.compile(r"[A-Za-z0-9+/]{43}=")
_B64URL = re.compile(r"[A-Za-z0-9_-]{43}")
_KOD2_CONTEXTS = ("Nip", "InternalId", "NipVatUe", "PeppolId")

OFFLINE = "OFFLINE"


# ------------------------------------------------------------------------------------------------ NIP


def normalize_nip(value: str | None, *, check: bool = True, what: str = "seller NIP") -> str:
    """Subiekt's NIP as typed (``"PL 526-587-76-35"``) -> ``"5265877635"``.

    Removes spaces, hyphens, dots and a leading ``PL`` (any case). The result must be 10 digits; with
    ``check`` the FA(3) pattern and the checksum must hold too. Raises ``DocumentError(code="ksef_nip")``.
    """
    raw = (value or "").strip()
    if not raw:
        raise DocumentError(f"the {what} is empty; enter the NIP in the company data in Subiekt",
                            code="ksef_nip")
    cleaned = re.sub(r"[\s\-.\u00a0]", "", raw)
    if cleaned[:2].upper() == "PL":
        cleaned = cleaned[2:]
    if not re.fullmatch(r"\d{10}", cleaned):
        raise DocumentError(f"the {what} {raw!r} is not a Polish NIP: after removing spaces, hyphens and a PL "
                            f"prefix it must be exactly 10 digits", code="ksef_nip")
    if check and not (NIP_PATTERN.fullmatch(cleaned) and nip_checksum_ok(cleaned)):
        raise DocumentError(f"the {what} {raw!r} has a wrong check digit (or is not a valid NIP); correct it in "
                            f"Subiekt", code="ksef_nip")
    return cleaned


# ------------------------------------------------------------------------------------------------ KSeF number


def ksef_number_date(number: str) -> _dt.date:
    """The acceptance date inside a (validated) KSeF number."""
    part = number[11:19]
    return _dt.date(int(part[:4]), int(part[4:6]), int(part[6:8]))


def validate_ksef_number(number: str | None, seller_nip: str | None = None) -> str:
    """Check a KSeF number offered as the label under KOD I; return it unchanged.

    Length 35, structure ``NNNNNNNNNN-YYYYMMDD-TTTTTTTTTTTT-CC`` in upper case, a real date, CRC-8 over the
    first 32 characters, and (when ``seller_nip`` is given, already normalised) the NIP segment equal to the
    seller's NIP. A 36-character KSeF 1.0 number is refused. Raises ``DocumentError(code="ksef_number")``.
    """
    value = number or ""
    shown = repr(value)
    if not value:
        raise DocumentError("the document is marked as sent to KSeF with a number, but the KSeF number is empty",
                            code="ksef_number")
    if len(value) == 36 and KSEF_LEGACY.fullmatch(value):
        raise DocumentError(f"KSeF number {shown} has 36 characters (the KSeF 1.0 form); a KSeF 2.0 number has "
                            f"35 and only that can be printed under the QR code", code="ksef_number")
    if len(value) != 35:
        raise DocumentError(f"KSeF number {shown} has {len(value)} characters, expected 35 "
                            f"(NNNNNNNNNN-YYYYMMDD-XXXXXXXXXXXX-CC); check the number stored in Subiekt",
                            code="ksef_number")
    match = KSEF_NUMBER.fullmatch(value)
    if not match:
        raise DocumentError(f"KSeF number {shown} does not have the form NNNNNNNNNN-YYYYMMDD-XXXXXXXXXXXX-CC "
                            f"(digits, hyphens and upper-case hex only)", code="ksef_number")
    try:
        ksef_number_date(value)
    except ValueError:
        raise DocumentError(f"KSeF number {shown} contains the impossible date {match[2]}",
                            code="ksef_number") from None
    expected = f"{crc8(value[:32].encode('ascii')):02X}"
    if expected != match[4]:
        raise DocumentError(f"KSeF number {shown} has a wrong checksum (expected {expected}, found {match[4]}); "
                            f"it was probably mistyped or truncated", code="ksef_number")
    if seller_nip is not None and match[1] != seller_nip:
        raise DocumentError(f"KSeF number {shown} belongs to NIP {match[1]}, not to the seller NIP {seller_nip} "
                            f"of this document", code="ksef_number")
    return value


# ------------------------------------------------------------------------------------------------ hash


def hash_for_qr(stored: str | None) -> str:
    """Any stored SHA-256 form (64 hex, 44 Base64, 43 Base64URL) -> 43-character Base64URL without padding.

    Refuses every other length, mixed alphabets, padded Base64URL, embedded whitespace and non-canonical
    encodings with ``DocumentError(code="ksef_hash")``.
    """
    value = stored if isinstance(stored, str) else ""
    s = value.strip()
    if not s:
        raise DocumentError("the KSeF invoice hash (SHA-256 of the invoice XML) is missing; without it the KSeF "
                            "QR code cannot be built", code="ksef_hash")
    if _HEX64.fullmatch(s):
        raw = bytes.fromhex(s)
    elif _B64.fullmatch(s):
        raw = base64.b64decode(s, validate=True)
    elif _B64URL.fullmatch(s):
        raw = base64.urlsafe_b64decode(s + "=")
    else:
        raise DocumentError(f"the KSeF invoice hash {_clip(s)!r} ({len(s)} characters) is not a SHA-256 digest "
                            f"as 64 hex, 44 Base64 or 43 Base64URL characters", code="ksef_hash")
    out = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    if len(raw) != 32 or (not _HEX64.fullmatch(s) and out != s.rstrip("=").replace("+", "-").replace("/", "_")):
        raise DocumentError(f"the KSeF invoice hash {_clip(s)!r} is not a canonical encoding of a 32-byte "
                            f"SHA-256 digest", code="ksef_hash")
    return out


def _clip(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------------------------------------------ URL


def qr_base(environment: str) -> str:
    """``prod``/``demo``/``test`` -> KOD I base address. An unknown environment is a configuration error."""
    try:
        return QR_HOSTS[environment]
    except KeyError:
        raise ConfigError(f"renderer.ksef_environment: unknown KSeF environment {environment!r} "
                          f"(use prod, demo or test)",
                          errors=[("renderer.ksef_environment",
                                   f"unknown KSeF environment {environment!r} (use prod, demo or test)")]) from None


def format_issue_date(issue_date: _dt.date | str) -> str:
    """``2026-02-01`` (date or ISO string) -> ``01-02-2026`` (DD-MM-YYYY, the KOD I date segment)."""
    if isinstance(issue_date, _dt.datetime):
        raise DocumentError("the issue date must be a calendar date, not a timestamp (a time-zone conversion "
                            "could move it by a day)", code="ksef_date")
    if isinstance(issue_date, str):
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", issue_date):
                raise ValueError
            issue_date = _dt.date.fromisoformat(issue_date)
        except ValueError:
            raise DocumentError(f"issue date {issue_date!r} is not a valid YYYY-MM-DD date",
                                code="ksef_date") from None
    if not isinstance(issue_date, _dt.date):
        raise DocumentError("the issue date of the document is missing", code="ksef_date")
    return f"{issue_date.day:02d}-{issue_date.month:02d}-{issue_date.year:04d}"


def kod1_url(environment: str, seller_nip: str, issue_date: _dt.date | str, stored_hash: str) -> str:
    """``https://{host}/invoice/{NIP}/{DD-MM-YYYY}/{hash}`` — the exact string KOD I encodes.

    ``seller_nip`` must already be 10 digits (see :func:`normalize_nip`).
    """
    base = qr_base(environment)
    if not re.fullmatch(r"\d{10}", seller_nip or ""):
        raise DocumentError(f"seller NIP {seller_nip!r} must be exactly 10 digits in the KSeF link",
                            code="ksef_nip")
    return f"{base}/invoice/{seller_nip}/{format_issue_date(issue_date)}/{hash_for_qr(stored_hash)}"


def check_kod2_url(url: str, *, kod1: str, seller_nip: str) -> str:
    """Structural checks of an upstream-supplied KOD II link (§4.2); the signature cannot be verified here."""
    parts = urlsplit(url or "")
    base = urlsplit(kod1)
    segments = parts.path.split("/")
    problem = None
    if parts.scheme != "https" or parts.netloc != base.netloc:
        problem = "its host differs from the KOD I host"
    elif parts.query or parts.fragment:
        problem = "it has a query string or fragment"
    elif len(segments) != 8 or segments[1] != "certificate":
        problem = "its path is not /certificate/{type}/{value}/{NIP}/{serial}/{hash}/{signature}"
    elif segments[2] not in _KOD2_CONTEXTS:
        problem = f"context type {segments[2]!r} is not one of {', '.join(_KOD2_CONTEXTS)}"
    elif segments[4] != seller_nip:
        problem = "its NIP segment differs from the seller NIP"
    elif not re.fullmatch(r"[0-9A-Fa-f]+", segments[5]):
        problem = "the certificate serial is not hexadecimal"
    elif segments[6] != kod1.rsplit("/", 1)[-1]:
        problem = "its hash differs from the KOD I hash"
    elif not re.fullmatch(r"[A-Za-z0-9_-]+", segments[7]):
        problem = "the signature is not Base64URL"
    if problem:
        raise DocumentError(f"the KOD II (certificate) link supplied for this offline invoice is invalid: "
                            f"{problem}", code="ksef_kod2")
    return url


# ------------------------------------------------------------------------------------------------ decision


@dataclass
class KsefMark:
    """What the PDF shows for KSeF (ksef_visualisation.md §4.2).

    ``show`` False: no QR code and no KSeF wording at all. Otherwise ``url`` is the KOD I link, ``label`` the
    text directly under the code (the KSeF number or ``OFFLINE``), ``number`` the KSeF number (header) or
    None, ``kod2_url`` an upstream KOD II link (label ``CERTYFIKAT``) or None. ``warnings`` are for the log.
    """

    show: bool = False
    url: str | None = None
    label: str | None = None
    number: str | None = None
    offline: bool = False
    sent_online: bool = False        # sent to KSeF online, number not assigned yet (never "offline mode")
    kod2_url: str | None = None
    environment: str = "prod"
    warnings: list[str] = field(default_factory=list)


def decide(ksef: Any, *, seller_nip: str | None, issue_date: _dt.date | str | None,
           environment: str = "prod", ksef_label: Literal["number", "offline"] | None = None,
           kod2_url: str | None = None, strict_nip: bool = False) -> KsefMark:
    """Apply the decision table of §4.2 to a document's KSeF data (``state``, ``number``, ``hash``).

    * ``not_in_ksef`` -> no QR, no KSeF wording (a number or hash present is a contradiction: refused);
    * ``numbered`` -> KOD I + the KSeF number under it (validated: CRC, NIP segment);
    * ``online_pending`` -> refused (wait for the number) unless ``ksef_label="offline"`` (the rule's decision
      after ``ksef_wait_max_hours``) -> KOD I + ``OFFLINE``;
    * ``offline_pending`` -> refused unless a valid KOD II link is supplied -> KOD I + ``OFFLINE`` + KOD II.

    The NIP checksum is enforced in production (and with ``strict_nip``); in test/demo it is a warning.
    """
    state = getattr(ksef, "state", "not_in_ksef") or "not_in_ksef"
    number = (getattr(ksef, "number", None) or "").strip() or None
    stored_hash = (getattr(ksef, "hash", None) or "").strip() or None
    mark = KsefMark(environment=environment)
    if state == "not_in_ksef":
        if number or stored_hash:
            what = "a KSeF number" if number else "a KSeF hash"
            raise DocumentError(f"the document is marked as outside KSeF but has {what}; the KSeF data in Subiekt "
                                f"is contradictory, check the document's KSeF status", code="ksef_state")
        return mark
    if state not in ("numbered", "online_pending", "offline_pending"):
        raise DocumentError(f"unknown KSeF state {state!r}", code="ksef_state")
    qr_base(environment)
    enforce = environment == "prod" or strict_nip
    nip = normalize_nip(seller_nip, check=enforce)
    if not enforce and not (NIP_PATTERN.fullmatch(nip) and nip_checksum_ok(nip)):
        mark.warnings.append(f"seller NIP {nip} fails the NIP checksum (accepted in {environment} mode only)")
    if issue_date is None:
        raise DocumentError("the issue date is missing; it is part of the KSeF QR link", code="ksef_date")

    if state == "numbered":
        if not number:
            raise DocumentError("the document is marked as numbered in KSeF but has no KSeF number",
                                code="ksef_number")
        validate_ksef_number(number, nip)
        day, month, year = format_issue_date(issue_date).split("-")
        issued = _dt.date(int(year), int(month), int(day))
        if ksef_number_date(number) < issued:
            mark.warnings.append(f"the date in KSeF number {number} is earlier than the issue date {issued}")
        mark.url = kod1_url(environment, nip, issue_date, stored_hash or "")
        mark.show, mark.label, mark.number = True, number, number
        return mark

    if number:
        raise DocumentError(f"the document is marked as {state.replace('_', ' ')} but already has KSeF number "
                            f"{number!r}; the KSeF data is contradictory", code="ksef_state")
    if state == "online_pending":
        if ksef_label != "offline":
            raise DocumentError("the document was sent to KSeF but has no KSeF number yet; it is sent once the "
                                "number arrives (or with the OFFLINE label after ksef_wait_max_hours)",
                                code="ksef_pending")
        mark.url = kod1_url(environment, nip, issue_date, stored_hash or "")
        mark.show, mark.label, mark.offline, mark.sent_online = True, OFFLINE, True, True
        return mark

    # offline_pending
    if not kod2_url:
        raise DocumentError("the document was issued in KSeF offline mode and has no KSeF number yet; its PDF "
                            "needs the KOD II certificate code, which only the issuing program can make; it is "
                            "sent once KSeF assigns the number", code="ksef_offline")
    mark.url = kod1_url(environment, nip, issue_date, stored_hash or "")
    mark.kod2_url = check_kod2_url(kod2_url, kod1=mark.url, seller_nip=nip)
    mark.warnings.append("the KOD II signature was not verified (no certificate available to sellintegro)")
    mark.show, mark.label, mark.offline = True, OFFLINE, True
    return mark
