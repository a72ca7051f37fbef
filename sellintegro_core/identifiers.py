"""Polish identifiers every plugin may need: the NIP check digit and the KSeF number's CRC-8.

Pure functions, standard library only; the Subiekt source (demo data) and the PDF renderer (validation)
both use them.
"""

from __future__ import annotations

import re

NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
KSEF_NUMBER = re.compile(r"(\d{10})-(\d{8})-([0-9A-F]{12})-([0-9A-F]{2})")


def nip_check_digit(first9: str) -> int | None:
    """Check digit of a NIP from its first nine digits; None when no valid NIP starts with them."""
    digit = sum(int(c) * w for c, w in zip(first9, NIP_WEIGHTS, strict=True)) % 11
    return None if digit == 10 else digit


def nip_checksum_ok(nip: str) -> bool:
    """True when the 10-digit ``nip`` (digits only) has a valid check digit (weights 6 5 7 2 3 4 5 6 7, mod 11)."""
    if not re.fullmatch(r"\d{10}", nip or ""):
        return False
    return nip_check_digit(nip[:9]) == int(nip[9])


def crc8(data: bytes) -> int:
    """CRC-8 as KSeF uses it: polynomial 0x07, init 0x00, MSB-first, no reflection, no final XOR."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def make_ksef_number(nip: str, yyyymmdd: str, technical12: str) -> str:
    """A KSeF number ``NIP-YYYYMMDD-TECHNICAL-CRC`` with a valid checksum (demo data and tests)."""
    data = f"{nip}-{yyyymmdd}-{technical12.upper()}"
    return f"{data}-{crc8(data.encode('ascii')):02X}"
