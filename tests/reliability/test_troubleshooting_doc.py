"""docs/troubleshooting.md keeps up with the code: every document-error code, every skip code of docs/rule.md
and every exit code is explained there."""

from __future__ import annotations

import re
from pathlib import Path

from sellintegro_core import errors

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "troubleshooting.md"
CODE = re.compile(r'code=f?"([a-z_{}0-9]+)"')


def _sources() -> list[Path]:
    roots = [REPO / "sellintegro_core", *(REPO / "plugins").glob("*/sellintegro_*")]
    return [p for root in roots for p in root.rglob("*.py") if "emulator" not in p.parts and "build" not in p.parts]


def test_every_document_error_code_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    codes = set()
    for path in _sources():
        for code in CODE.findall(path.read_text(encoding="utf-8")):
            if code == "{what}_taken":
                codes |= {"invoice_taken", "receipt_taken", "correction_taken"}
            else:
                codes.add(code)
    assert len(codes) > 15, codes
    missing = sorted(c for c in codes if f"`{c}`" not in text)
    assert not missing, f"docs/troubleshooting.md does not explain: {missing}"


def test_every_skip_code_of_the_rule_is_listed() -> None:
    rule = (REPO / "docs" / "rule.md").read_text(encoding="utf-8")
    table = rule[rule.index("## Skip codes"):]
    skip_codes = set(re.findall(r"^\| `([a-z_]+)`", table, flags=re.M))
    skip_codes |= set(re.findall(r"^\| `[a-z_]+` / `([a-z_]+)`", table, flags=re.M))
    skip_codes.discard("ksef_number_later")             # a note, not a skip
    text = DOC.read_text(encoding="utf-8")
    missing = sorted(c for c in skip_codes if f"`{c}`" not in text)
    assert len(skip_codes) > 10 and not missing, missing


def test_every_exit_code_is_explained() -> None:
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("### Exit codes"):text.index("## The scenario file")]
    for code in (errors.EXIT_OK, errors.EXIT_DOCUMENT_ERRORS, errors.EXIT_CONFIG, errors.EXIT_CONNECTION,
                 errors.EXIT_DEFERRED, 130):
        assert f"\n| {code} |" in table, code
