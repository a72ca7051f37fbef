"""KSeF rules of ksef_visualisation.md: every test vector of §1.10, §2.5-§2.7, CRC-8 check value, §4 decisions."""

from __future__ import annotations

import base64
from datetime import date
from types import SimpleNamespace

import pytest

from sellintegro_core.errors import ConfigError, DocumentError
from sellintegro_core.models import KsefInfo
from sellintegro_invoice_pdf import ksef
from sellintegro_invoice_pdf.qr import make_symbol, qr_svg

# ------------------------------------------------------------------------------------------ §1.10 vectors

# (name, hex, standard Base64, Base64URL, NIP, ISO issue date, environment, full URL)
VECTORS = [
    ("V1", "52d429f46a5ce75cbebb7c40a598c88e0929674d63b3e27c29f9523d6f16cc81",
     "UtQp9Gpc51y+u3xApZjIjgkpZ01js+J8KflSPW8WzIE=", "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE",
     "1111111111", "2026-02-01", "test",
     "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"),
    ("V2", "199306355cecde4ac5e9444a82f6b0efb38e786de727e586ce24f9c60ba5890f",
     "GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=", "GZMGNVzs3krF6URKgvaw77OOeG3nJ-WGziT5xguliQ8",
     "5265877635", "2025-09-16", "test",
     "https://qr-test.ksef.mf.gov.pl/invoice/5265877635/16-09-2025/GZMGNVzs3krF6URKgvaw77OOeG3nJ-WGziT5xguliQ8"),
    ("V3", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
     "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
     "1111111111", "2026-02-01", "test",
     "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"),
    ("V4", "aabb368022d79d3532ebef801f01ee0f116e0a3d016141911ad06e1a727037e7",
     "qrs2gCLXnTUy6++AHwHuDxFuCj0BYUGRGtBuGnJwN+c=", "qrs2gCLXnTUy6--AHwHuDxFuCj0BYUGRGtBuGnJwN-c",
     "1234567890", "2026-01-05", "test",
     "https://qr-test.ksef.mf.gov.pl/invoice/1234567890/05-01-2026/qrs2gCLXnTUy6--AHwHuDxFuCj0BYUGRGtBuGnJwN-c"),
    ("V5", "d9b120ddc50e709c51dfc25e917271b89a619e49fe3547523febb239cd2107a2",
     "2bEg3cUOcJxR38JekXJxuJphnkn+NUdSP+uyOc0hB6I=", "2bEg3cUOcJxR38JekXJxuJphnkn-NUdSP-uyOc0hB6I",
     "1234567890", "2026-01-05", "test",
     "https://qr-test.ksef.mf.gov.pl/invoice/1234567890/05-01-2026/2bEg3cUOcJxR38JekXJxuJphnkn-NUdSP-uyOc0hB6I"),
    ("V6", "dac49463cd7053009f147009cab89c44712dd371f350cfb5a9af26ee438bb0ab",
     "2sSUY81wUwCfFHAJyricRHEt03HzUM+1qa8m7kOLsKs=", "2sSUY81wUwCfFHAJyricRHEt03HzUM-1qa8m7kOLsKs",
     "5265877635", "2026-04-15", "prod",
     "https://qr.ksef.mf.gov.pl/invoice/5265877635/15-04-2026/2sSUY81wUwCfFHAJyricRHEt03HzUM-1qa8m7kOLsKs"),
    ("V7", "eea8fb39d8846d94fda687421a0edbf5f2bc884306fa4102c04d61113d69e814",
     "7qj7OdiEbZT9podCGg7b9fK8iEMG+kECwE1hET1p6BQ=", "7qj7OdiEbZT9podCGg7b9fK8iEMG-kECwE1hET1p6BQ",
     "5265877635", "2026-04-15", "prod",
     "https://qr.ksef.mf.gov.pl/invoice/5265877635/15-04-2026/7qj7OdiEbZT9podCGg7b9fK8iEMG-kECwE1hET1p6BQ"),
    ("V8", "8af7a0595f01d273206ad1d2b4c470a717a20424babc0b50a59c6bca558ed8a5",
     "ivegWV8B0nMgatHStMRwpxeiBCS6vAtQpZxrylWO2KU=", "ivegWV8B0nMgatHStMRwpxeiBCS6vAtQpZxrylWO2KU",
     "5265877635", "2026-04-15", "prod",
     "https://qr.ksef.mf.gov.pl/invoice/5265877635/15-04-2026/ivegWV8B0nMgatHStMRwpxeiBCS6vAtQpZxrylWO2KU"),
    ("V9", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
     "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0",
     "9999999999", "2026-12-31", "demo",
     "https://qr-demo.ksef.mf.gov.pl/invoice/9999999999/31-12-2026/ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"),
]

# Input bytes of V3-V9 (§1.10): hashing them must give the listed digest.
VECTOR_BYTES = {
    "V3": b"",
    "V4": b"<root>test</root>",
    "V5": b"<data>special & chars /?</data>",
    "V6": "<Faktura>Zażółć gęślą jaźń</Faktura>".encode(),
    "V7": "<Faktura>Zażółć gęślą jaźń</Faktura>\n".encode(),
    "V8": b"\xef\xbb\xbf" + "<Faktura>Zażółć gęślą jaźń</Faktura>".encode(),
    "V9": b"abc",
}


@pytest.mark.parametrize("vector", VECTORS, ids=[v[0] for v in VECTORS])
def test_every_stored_hash_form_gives_the_same_url(vector: tuple[str, ...]) -> None:
    _name, hex_, b64, b64url, nip, issued, env, url = vector
    for stored in (hex_, hex_.upper(), b64, b64url):
        assert ksef.hash_for_qr(stored) == b64url
        assert ksef.kod1_url(env, nip, issued, stored) == url
    assert ksef.kod1_url(env, nip, date.fromisoformat(issued), hex_) == url


@pytest.mark.parametrize("name", sorted(VECTOR_BYTES))
def test_vector_digests_match_their_input_bytes(name: str) -> None:
    import hashlib

    vector = next(v for v in VECTORS if v[0] == name)
    assert hashlib.sha256(VECTOR_BYTES[name]).hexdigest() == vector[1]


def test_v1_in_all_three_environments() -> None:
    tail = "/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"
    hex_ = VECTORS[0][1]
    assert ksef.kod1_url("prod", "1111111111", "2026-02-01", hex_) == "https://qr.ksef.mf.gov.pl" + tail
    assert ksef.kod1_url("demo", "1111111111", "2026-02-01", hex_) == "https://qr-demo.ksef.mf.gov.pl" + tail
    assert ksef.kod1_url("test", "1111111111", "2026-02-01", hex_) == "https://qr-test.ksef.mf.gov.pl" + tail


def test_unknown_environment_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="prod, demo or test"):
        ksef.kod1_url("production", "1111111111", "2026-02-01", VECTORS[0][1])


NEGATIVE_HASHES = [
    "",
    "52d429f46a5ce75cbebb7c40a598c88e0929674d63b3e27c29f9523d6f16cc",
    "52d429f46a5ce75cbebb7c40a598c88e0929674d63b3e27c29f9523d6f16cc8100",
    "11f6ad8ec52a2984abaafd7c3b516503785c2072",
    "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE=",
    "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIF",
    "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU==",
    "UtQp9Gpc51y+u3xApZjIjgkpZ01js-J8KflSPW8WzIE",
    # further: SHA-512 in hex, embedded whitespace, Base64 of 31 bytes, non-canonical standard Base64
    "ab" * 64,
    "52d429f46a5ce75cbebb7c40a598c88e 0929674d63b3e27c29f9523d6f16cc81",
    base64.b64encode(b"x" * 31).decode(),
    "UtQp9Gpc51y+u3xApZjIjgkpZ01js+J8KflSPW8WzIF=",
]


@pytest.mark.parametrize("stored", NEGATIVE_HASHES)
def test_bad_hashes_are_document_errors(stored: str) -> None:
    with pytest.raises(DocumentError) as info:
        ksef.hash_for_qr(stored)
    assert info.value.code == "ksef_hash"
    assert "hash" in info.value.message
    with pytest.raises(DocumentError):
        ksef.kod1_url("prod", "5265877635", "2026-04-15", stored)


def test_missing_hash_is_a_clear_error() -> None:
    with pytest.raises(DocumentError, match="missing"):
        ksef.hash_for_qr(None)


def test_v1_production_url_is_qr_version_6_at_level_m() -> None:
    url = "https://qr.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"
    assert len(url) == 99
    symbol = make_symbol(url)                   # the symbol the renderer draws
    assert symbol.version == 6
    assert symbol.error == "M"
    assert symbol.mode == "byte"
    assert symbol.symbol_size(border=0) == (41, 41)


def test_qr_svg_is_vector_with_a_4_module_quiet_zone() -> None:
    url = "https://qr.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE"
    svg = qr_svg(url)
    assert svg.startswith("<svg") and 'viewBox="0 0 49 49"' in svg      # 41 modules + 2 x 4 quiet zone
    assert "<path" in svg and "<image" not in svg and "base64" not in svg
    assert 'fill="#fff"' in svg and 'stroke="#000"' in svg               # black on white


def test_qr_round_trip_through_a_png(tmp_path) -> None:
    import shutil
    import subprocess

    assert shutil.which("zbarimg"), "zbarimg is not installed (apt-get install zbar-tools)"
    url = VECTORS[0][7]
    png = tmp_path / "v1.png"
    make_symbol(url).save(str(png), kind="png", scale=8, border=4)
    result = subprocess.run(["zbarimg", "--raw", "-q", str(png)], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == url


# ------------------------------------------------------------------------------------------ issue date


@pytest.mark.parametrize("value", ["2026-02-30", "01-02-2026", "2026-2-1", "", "2026-02-01T00:00"])
def test_bad_issue_dates_are_refused(value: str) -> None:
    with pytest.raises(DocumentError) as info:
        ksef.format_issue_date(value)
    assert info.value.code == "ksef_date"


def test_issue_date_formats_dd_mm_yyyy() -> None:
    assert ksef.format_issue_date(date(2026, 2, 1)) == "01-02-2026"
    assert ksef.format_issue_date("2026-12-31") == "31-12-2026"


# ------------------------------------------------------------------------------------------ NIP


@pytest.mark.parametrize("typed", ["5265877635", "526-587-76-35", "526 587 76 35", "PL5265877635", "pl 526-58-77-635",
                                   " PL-526-587-76-35 "])
def test_nip_as_typed_in_subiekt_is_normalised(typed: str) -> None:
    assert ksef.normalize_nip(typed) == "5265877635"


@pytest.mark.parametrize("nip", ["1111111111", "5265877635", "5555555555", "9999999999"])
def test_checksum_valid_nips(nip: str) -> None:
    assert ksef.nip_checksum_ok(nip)
    assert ksef.normalize_nip(nip) == nip


@pytest.mark.parametrize("typed", ["1234567890", "5265877636", "0000000000", "526587763", "52658776355",
                                   "DE123456789", "", None, "PL52658776A5"])
def test_invalid_nips_are_refused(typed: str | None) -> None:
    with pytest.raises(DocumentError) as info:
        ksef.normalize_nip(typed)
    assert info.value.code == "ksef_nip"


def test_checksum_can_be_relaxed_for_test_environments() -> None:
    assert ksef.normalize_nip("1234567890", check=False) == "1234567890"
    with pytest.raises(DocumentError):
        ksef.normalize_nip("12345", check=False)


# ------------------------------------------------------------------------------------------ KSeF numbers


def test_crc8_check_value() -> None:
    assert ksef.crc8(b"123456789") == 0xF4


def test_crc8_of_the_documented_example() -> None:
    assert ksef.crc8(b"5265877635-20250826-0100001AF629") == 0xAF


MF_NUMBERS = [
    "5265877635-20250826-0100001AF629-AF",
    "5265877635-20250626-010080DD2B5E-26",
    "5265877635-20250916-0200A0D6723E-C2",
    "5555555555-20250828-010080615740-E4",
    "5265877635-20250925-010020A0A242-0A",
    "5265877635-20250729-01004014E040-00",
]
GENERATED_NUMBERS = [
    ("1111111111-20260201-0100000A1B2C-D2", "1111111111", "20260201", "0100000A1B2C"),
    ("9999999999-20260401-ABCDEF012345-11", "9999999999", "20260401", "ABCDEF012345"),
    ("5265877635-20261231-FFFFFFFFFFFF-32", "5265877635", "20261231", "FFFFFFFFFFFF"),
    ("5265877635-20260402-000000000000-DD", "5265877635", "20260402", "000000000000"),
]


@pytest.mark.parametrize("number", MF_NUMBERS)
def test_numbers_published_by_mf_verify(number: str) -> None:
    assert ksef.validate_ksef_number(number, number[:10]) == number


@pytest.mark.parametrize("number,nip,day,tech", GENERATED_NUMBERS)
def test_generated_numbers_verify_and_are_reproduced(number: str, nip: str, day: str, tech: str) -> None:
    assert ksef.make_ksef_number(nip, day, tech) == number
    assert ksef.validate_ksef_number(number, nip) == number


INVALID_NUMBERS = [
    ("5265877635-20250826-0100001AF629-AE", "5265877635", "checksum"),
    ("5265877635-20250826-0100001AF62-AF", "5265877635", "34 characters"),
    ("5265877635-20250826-010000-1AF629-AF", "5265877635", "36 characters"),
    ("5265877635-20250826-0100001af629-AF", "5265877635", "upper-case"),
    ("5265877635-20250230-0100001AF629-AF", "5265877635", "impossible date"),
    ("5555555555-20250808-9231003CA67B-BE", "5555555555", "expected FA"),
    ("5265877635-20250826-0100001AF629-AF", "1111111111", "belongs to NIP 5265877635"),
    ("5265877635_20250826_0100001AF629_AF", "5265877635", "form"),
    ("", "5265877635", "empty"),
]


@pytest.mark.parametrize("number,nip,reason", INVALID_NUMBERS)
def test_invalid_numbers_fail_for_the_stated_reason(number: str, nip: str, reason: str) -> None:
    with pytest.raises(DocumentError) as info:
        ksef.validate_ksef_number(number, nip)
    assert info.value.code == "ksef_number"
    assert reason in info.value.message


# ------------------------------------------------------------------------------------------ §4.2 decisions

V6 = VECTORS[5]
V6_NUMBER = ksef.make_ksef_number("5265877635", "20260415", "0100004A1B2C")


def _decide(state: str, *, number: str | None = None, stored_hash: str | None = V6[1], **kw: object) -> ksef.KsefMark:
    info = KsefInfo(state=state, number=number, hash=stored_hash)  # type: ignore[arg-type]
    kw.setdefault("seller_nip", "PL 526-587-76-35")
    kw.setdefault("issue_date", date(2026, 4, 15))
    return ksef.decide(info, **kw)  # type: ignore[arg-type]


def test_numbered_prints_qr_and_the_number() -> None:
    mark = _decide("numbered", number=V6_NUMBER)
    assert mark.show and not mark.offline
    assert mark.url == V6[7]
    assert mark.label == mark.number == V6_NUMBER
    assert mark.kod2_url is None
    assert mark.warnings == []


def test_numbered_ignores_a_stale_offline_request_and_prints_the_number() -> None:
    mark = _decide("numbered", number=V6_NUMBER, ksef_label="offline")
    assert mark.label == V6_NUMBER and not mark.offline


def test_numbered_with_an_invalid_number_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        _decide("numbered", number=V6_NUMBER[:-2] + "00")
    assert info.value.code == "ksef_number"


def test_numbered_with_another_sellers_number_is_refused() -> None:
    with pytest.raises(DocumentError, match="belongs to NIP 5265877635"):
        _decide("numbered", number=V6_NUMBER, seller_nip="1111111111")


def test_numbered_without_number_or_hash_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        _decide("numbered")
    assert info.value.code == "ksef_number"
    with pytest.raises(DocumentError) as info:
        _decide("numbered", number=V6_NUMBER, stored_hash=None)
    assert info.value.code == "ksef_hash"


def test_legacy_36_character_number_is_refused_as_label() -> None:
    with pytest.raises(DocumentError, match="KSeF 1.0"):
        _decide("numbered", number="5265877635-20250826-010000-1AF629-AF")


def test_number_dated_before_the_issue_date_is_only_a_warning() -> None:
    number = ksef.make_ksef_number("5265877635", "20260414", "0100004A1B2C")
    mark = _decide("numbered", number=number)
    assert mark.show and any("earlier" in w for w in mark.warnings)


def test_production_enforces_the_nip_checksum_test_mode_warns() -> None:
    number = ksef.make_ksef_number("1234567890", "20260105", "0100004A1B2C")
    with pytest.raises(DocumentError) as info:
        _decide("numbered", number=number, seller_nip="1234567890", issue_date="2026-01-05")
    assert info.value.code == "ksef_nip"
    mark = _decide("numbered", number=number, seller_nip="1234567890", issue_date="2026-01-05",
                   stored_hash=VECTORS[3][2], environment="test")
    assert mark.url == VECTORS[3][7]
    assert any("checksum" in w for w in mark.warnings)
    with pytest.raises(DocumentError):
        _decide("numbered", number=number, seller_nip="1234567890", issue_date="2026-01-05",
                environment="test", strict_nip=True)


def test_online_pending_waits_unless_the_rule_asked_for_offline() -> None:
    with pytest.raises(DocumentError) as info:
        _decide("online_pending")
    assert info.value.code == "ksef_pending"
    with pytest.raises(DocumentError):
        _decide("online_pending", ksef_label="number")
    mark = _decide("online_pending", ksef_label="offline")
    assert mark.show and mark.offline
    assert mark.label == "OFFLINE" and mark.number is None
    assert mark.url == V6[7]


def test_online_pending_offline_still_needs_a_valid_hash() -> None:
    with pytest.raises(DocumentError) as info:
        _decide("online_pending", ksef_label="offline", stored_hash="abc")
    assert info.value.code == "ksef_hash"


def test_offline_pending_without_kod2_is_refused() -> None:
    for label in (None, "offline"):
        with pytest.raises(DocumentError) as info:
            _decide("offline_pending", ksef_label=label)
        assert info.value.code == "ksef_offline"


KOD2_EXAMPLE = ("https://qr-test.ksef.mf.gov.pl/certificate/Nip/1111111111/1111111111/01F20A5D352AE590/"
                "UtQp9Gpc51y-u3xApZjIjgkpZ01js-J8KflSPW8WzIE/mSkm_XmM9fq7PgAJwiL32L9ujhyguOEV48cDB0ncemD2r9TMGa3l")


def test_offline_pending_with_a_structurally_valid_kod2_prints_offline_and_certificate() -> None:
    mark = _decide("offline_pending", ksef_label="offline", seller_nip="1111111111", issue_date="2026-02-01",
                   stored_hash=VECTORS[0][3], environment="test", kod2_url=KOD2_EXAMPLE)
    assert mark.label == "OFFLINE" and mark.kod2_url == KOD2_EXAMPLE
    assert mark.url == VECTORS[0][7]


@pytest.mark.parametrize("bad", [
    KOD2_EXAMPLE.replace("qr-test", "qr"),                       # other host than KOD I
    KOD2_EXAMPLE.replace("/Nip/", "/Pesel/"),                    # unknown context type
    KOD2_EXAMPLE.replace("/1111111111/01F2", "/5265877635/01F2"),  # another seller NIP
    KOD2_EXAMPLE.replace("01F20A5D352AE590", "XYZ"),             # serial not hex
    KOD2_EXAMPLE.replace("UtQp9Gpc51y", "AtQp9Gpc51y"),          # hash differs from KOD I
    KOD2_EXAMPLE + "?x=1",
    "https://qr-test.ksef.mf.gov.pl/invoice/1111111111/01-02-2026/x",
])
def test_offline_pending_with_a_malformed_kod2_is_refused(bad: str) -> None:
    with pytest.raises(DocumentError) as info:
        _decide("offline_pending", seller_nip="1111111111", issue_date="2026-02-01", stored_hash=VECTORS[0][3],
                environment="test", kod2_url=bad)
    assert info.value.code == "ksef_kod2"


def test_not_in_ksef_prints_nothing() -> None:
    mark = _decide("not_in_ksef", stored_hash=None)
    assert not mark.show and mark.url is None and mark.label is None
    # a label request on a document outside KSeF changes nothing; no NIP is needed (a receipt may have none)
    assert not _decide("not_in_ksef", stored_hash=None, ksef_label="offline", seller_nip=None).show


@pytest.mark.parametrize("state,number,stored", [
    ("not_in_ksef", V6_NUMBER, None),
    ("not_in_ksef", None, V6[1]),
    ("offline_pending", V6_NUMBER, V6[1]),
    ("online_pending", V6_NUMBER, V6[1]),
])
def test_contradictory_states_are_refused(state: str, number: str | None, stored: str | None) -> None:
    with pytest.raises(DocumentError) as info:
        _decide(state, number=number, stored_hash=stored, ksef_label="offline", kod2_url=KOD2_EXAMPLE)
    assert info.value.code == "ksef_state"


def test_decide_accepts_any_object_with_state_number_hash() -> None:
    info = SimpleNamespace(state="numbered", number=V6_NUMBER, hash=V6[2])
    assert ksef.decide(info, seller_nip="5265877635", issue_date="2026-04-15").url == V6[7]


def test_missing_issue_date_is_refused() -> None:
    with pytest.raises(DocumentError) as info:
        _decide("numbered", number=V6_NUMBER, issue_date=None)
    assert info.value.code == "ksef_date"
