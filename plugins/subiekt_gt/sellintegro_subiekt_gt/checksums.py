"""Checksums the demo data must get right: Polish NIP and the KSeF number's CRC-8 (shared with the core)."""

from __future__ import annotations

import re

from sellintegro_core.api import KSEF_NUMBER, crc8, make_ksef_number, nip_check_digit, nip_checksum_ok

__all__ = ["KSEF_NUMBER", "crc8", "ksef_number_is_valid", "make_ksef_number", "nip_check_digit", "nip_is_valid"]


def nip_is_valid(nip: str) -> bool:
    """True for a 10-digit NIP with a correct check digit (dashes, spaces and a ``PL`` prefix are ignored)."""
    return nip_checksum_ok(re.sub(r"[\s-]", "", nip or "").upper().removeprefix("PL"))


def ksef_number_is_valid(number: str) -> bool:
    """Structure and CRC-8 of a 35-character KSeF number."""
    match = KSEF_NUMBER.fullmatch(number or "")
    return match is not None and f"{crc8(number[:32].encode('ascii')):02X}" == match.group(4)
