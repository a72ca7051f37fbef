"""`sellintegro subiekt detect` suggests the match settings a user's documents need."""

from __future__ import annotations

import io
from pathlib import Path

from sellintegro_subiekt_gt.config import MatchConfig
from sellintegro_subiekt_gt.detect import detect, format_report, run_detect
from tests.conftest import run_cli

from .conftest import make_source

SCENARIO = """\
name = "shop"

[source]
plugin = "subiekt_gt"
dsn = "{dsn}"
document_types = ["FS", "PA", "KFS"]

[source.match]
field = "tytul"

[sink]
plugin = "jsonl"
path = "out.jsonl"

[rule]
plugin = "invoice_pdf"
"""


def test_detect_suggests_numer_oryginalny_on_the_zk(demo):
    source = make_source(f"sqlite:///{demo.path}")
    report = detect(source, sample=500)
    source.close()
    best = report.best
    assert best is not None
    assert (best.field, best.pattern, best.via_order_document, best.order_key) == (
        "numer_oryginalny", r"^B_(?P<ref>\d+)$", True, "order_id")
    MatchConfig(field=best.field, pattern=best.pattern)          # the suggestion is a valid setting
    text = format_report(report)
    assert "[source.match]" in text and 'field = "numer_oryginalny"' in text
    assert 'pattern = "^B_(?P<ref>\\\\d+)$"' in text
    assert "numer oryginału on" in text and "% of ZK looks like B_<digits>" in text
    assert 'pole własne "Zamówienie BL"' in text


def test_detect_finds_the_reference_in_podtytul_when_that_is_where_it_is(tmp_path):
    """A database whose integration writes the order only into podtytuł of the FS."""
    import sqlite3

    from sellintegro_subiekt_gt.demo_db import generate

    summary = generate(tmp_path / "p.sqlite", documents=60, seed=11)
    con = sqlite3.connect(summary.path)
    con.execute("UPDATE dok__Dokument SET dok_Podtytul = 'BL ' || substr(d2.dok_NrPelnyOryg, 3) "
                "FROM dok__Dokument d2 WHERE d2.dok_Id = dok__Dokument.dok_DoDokId AND d2.dok_Typ = 16")
    con.execute("UPDATE dok__Dokument SET dok_NrPelnyOryg = '' WHERE dok_Typ = 16")
    con.commit()
    con.close()
    source = make_source(f"sqlite:///{summary.path}")
    best = detect(source).best
    source.close()
    assert best.field == "podtytul" and not best.via_order_document
    assert best.pattern in (r"(?i)(?:zam[oó]wieni[ea]|order|baselinker|\bBL\b)\D{0,30}(?P<ref>\d{5,12})",)


def test_detect_command_reads_the_scenario(demo, tmp_path: Path):
    scenario = tmp_path / "shop.toml"
    scenario.write_text(SCENARIO.format(dsn=f"sqlite:///{demo.path}"), encoding="utf-8")
    out = io.StringIO()
    assert run_detect(str(scenario), sample=200, out=out) == 0
    assert 'field = "numer_oryginalny"' in out.getvalue()
    result = run_cli("subiekt", "detect", str(scenario))
    assert result.returncode == 0, result.stderr
    assert "via_order_document = true" in result.stdout


def test_detect_on_a_missing_database_exits_with_code_3(tmp_path: Path):
    scenario = tmp_path / "shop.toml"
    scenario.write_text(SCENARIO.format(dsn="sqlite:///missing.sqlite"), encoding="utf-8")
    result = run_cli("subiekt", "detect", str(scenario))
    assert result.returncode == 3
    assert "missing.sqlite" in result.stdout + result.stderr


def test_detect_names_an_invalid_source_setting_once_prefixed(tmp_path: Path):
    scenario = tmp_path / "shop.toml"
    text = SCENARIO.format(dsn="sqlite:///missing.sqlite").replace('["FS", "PA", "KFS"]', '["FS", "XX"]')
    scenario.write_text(text, encoding="utf-8")
    result = run_cli("subiekt", "detect", str(scenario))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "source.document_types" in output and "source..document_types" not in output


def test_detect_names_a_bad_dsn_source_dsn_not_source__dsn(tmp_path: Path):
    """The issue saw `source..dsn`: detect builds the source through the core's one building path, which
    prefixes each error with the section once."""
    scenario = tmp_path / "shop.toml"
    scenario.write_text(SCENARIO.format(dsn="sqlite://two-slashes.sqlite"), encoding="utf-8")
    result = run_cli("subiekt", "detect", str(scenario))
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "source.dsn: 'sqlite://two-slashes.sqlite'" in output and "source..dsn" not in output
