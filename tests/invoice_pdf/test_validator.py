"""Issue 13: the pre-upload validator and the exemption basis. A document that fails is not uploaded, the run
exits 1 and the document error names the check and the fix. PDFs are read back (pypdf, zbarimg)."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sellintegro_core.errors import DocumentError
from sellintegro_core.models import Order, updated
from sellintegro_invoice_pdf.ksef import KsefMark
from sellintegro_invoice_pdf.renderer import HtmlPdfRenderer
from sellintegro_invoice_pdf.typst_renderer import BUILTIN_TYPST_DIR, TEMPLATE_FILE, TypstPdfRenderer
from sellintegro_invoice_pdf.validate import check_pdf, check_printed, expected_kod1, vat_warnings
from tests.conftest import run_cli

from .conftest import V6_URL, V7_B64, decode_qr, make_fs, make_kfs, make_line, pdf_text, totals_of, vat_table
from .test_pdf_command import write_scenario


def edited_typst(folder: Path, old: str, new: str) -> None:
    """``folder/invoice.typ``: the built-in typst template with ``old`` replaced by ``new``."""
    source = (BUILTIN_TYPST_DIR / TEMPLATE_FILE).read_text(encoding="utf-8")
    assert old in source
    (folder / TEMPLATE_FILE).write_text(source.replace(old, new), encoding="utf-8")


def refused(renderer, doc, template: str = "pl") -> str:
    with pytest.raises(DocumentError) as caught:
        renderer.render(doc, template)
    assert caught.value.code == "validation_failed"
    assert f"{doc.number} was not uploaded" in caught.value.message and "Fix:" in caught.value.message
    return caught.value.message


def test_a_line_that_does_not_tie_is_refused(renderer) -> None:
    doc = make_fs()
    doc.lines[1] = doc.lines[1].model_copy(update={"quantity": Decimal("4")})     # 4 × 54,50 ≠ 163,50
    message = refused(renderer, doc)
    assert "'lines tie'" in message and "line 2" in message


def test_net_plus_vat_must_be_gross(renderer) -> None:
    doc = make_fs()
    doc.lines[0] = doc.lines[0].model_copy(update={"gross": doc.lines[0].gross + Decimal("0.01")})
    assert "'lines tie'" in refused(renderer, doc)


def test_vat_table_must_match_the_lines(renderer) -> None:
    doc = make_fs()
    row = doc.vat_table[0]
    doc.vat_table[0] = row.model_copy(update={"net": row.net + 10, "gross": row.gross + 10})
    doc = updated(doc, {"totals": totals_of(doc.vat_table)})
    message = refused(renderer, doc)
    assert "'VAT table matches the lines'" in message and "rate 23%" in message


def test_header_must_match_the_vat_table(renderer) -> None:
    doc = make_fs()
    doc = updated(doc, {"totals": doc.totals.model_copy(update={"gross": doc.totals.gross + 1})})
    assert "'header matches the VAT table'" in refused(renderer, doc)


def test_a_template_that_drops_a_mandatory_element_is_refused(renderer, renderer_name: str, tmp_path: Path) -> None:
    folder = tmp_path / "no-buyer"
    folder.mkdir()
    if renderer_name == "typst_pdf":
        edited_typst(folder, "..data.parties.map(", "..data.parties.slice(0, 1).map(")
    else:
        (folder / "_parties.html").write_text("<p>{{ seller.name }} NIP {{ seller.tax_id }}</p>", encoding="utf-8")
    message = refused(renderer, make_fs(), str(folder))
    assert "'mandatory elements'" in message and "buyer name (art. 106e ust. 1 pkt 3)" in message


def test_a_correction_must_name_the_corrected_invoice(renderer, renderer_name: str, tmp_path: Path) -> None:
    folder = tmp_path / "no-refs"
    folder.mkdir()
    if renderer_name == "typst_pdf":
        edited_typst(folder, "#let r = data.references", "#let r = none")
    else:
        (folder / "KFS.html").write_text('{% extends "base.html" %}{% block body %}'
                                         '{% include "_correction_lines.html" %}{% endblock %}', encoding="utf-8")
    message = refused(renderer, make_kfs(), str(folder))
    assert "corrected document number (art. 106j ust. 2 pkt 2): 'FS 12/2026'" in message


def test_the_qr_code_carries_the_documents_kod1_link(renderer, tmp_path: Path) -> None:
    doc = make_fs()
    pdf = renderer.render(doc)
    assert decode_qr(pdf, tmp_path) == [expected_kod1(doc, "prod")] == [V6_URL]
    kfs = make_kfs()                       # Base64 hash form
    assert kfs.ksef.hash == V7_B64
    assert decode_qr(renderer.render(kfs), tmp_path) == [expected_kod1(kfs, "prod")]
    wrong = KsefMark(show=True, url=V6_URL.replace("15-04-2026", "16-04-2026"), label=doc.ksef.number)
    with pytest.raises(DocumentError) as caught:
        check_pdf(doc, pdf, wrong, {"kod1": wrong.url})
    assert "'QR code'" in caught.value.message and V6_URL in caught.value.message


def test_vat_row_matching_no_method_is_printed_as_stored_with_a_warning(renderer) -> None:
    lines = [make_line(1, "Herbata", "7", "20.06", "5"), make_line(2, "Kawa", "1", "3.60", "5")]
    doc = make_fs(lines=lines, ksef=False)
    row = doc.vat_table[0]                 # 144,02 net at 5 %: net × rate 7,20, stored (line sum) 7,19
    doc.vat_table[0] = row.model_copy(update={"vat": Decimal("7.19"), "gross": row.net + Decimal("7.19")})
    doc = updated(doc, {"lines": [ln.model_copy(update={"vat": v, "gross": ln.net + v}) for ln, v in
                 zip(doc.lines, (Decimal("7.02"), Decimal("0.17")), strict=True)]})
    doc = updated(doc, {"totals": totals_of(doc.vat_table)})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    assert row.net == Decimal("144.02")
    warnings = vat_warnings(doc)
    assert len(warnings) == 1 and "7,19" in warnings[0] and "7,20" in warnings[0]
    text = " ".join(pdf_text(renderer.render(doc)).split())
    assert "5% 144,02 7,19 151,21" in text
    assert doc.extra["warnings"] == warnings
    assert vat_warnings(make_fs()) == []


# ------------------------------------------------------------------ through `sellintegro run`


def exempt_doc(reason: str | None):
    lines = [make_line(1, "Szkolenie baristyczne online", "1", "300.00", "zw", unit="usł.")]
    doc = make_fs(lines=lines, ksef=False, number="FS 21/2026", doc_id="1021")
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    doc = updated(doc, {"vat_exemption_reason": reason})
    return doc


def run_shop(tmp_path: Path, docs, renderer: str = "", plugin: str = "html_pdf") -> tuple[int, str, dict]:
    """``sellintegro run`` on ``docs``; ``renderer`` replaces the ``[renderer]`` section when given."""
    shop = write_scenario(tmp_path / "shop", docs, tables='[window]\nbefore_setup = "include"', plugin=plugin)
    text = shop.read_text(encoding="utf-8")
    if renderer:
        text = text.replace(f'[renderer]\nplugin = "{plugin}"\n', renderer)
    shop.write_text(text, encoding="utf-8")
    placed = datetime.fromisoformat("2026-04-15T09:00:00+02:00")
    orders = [Order(id=d.order_ref.value, status_id="1", status_name="Nowe", date_add=placed) for d in docs]
    (shop.parent / "orders.jsonl").write_text("\n".join(o.model_dump_json() for o in orders) + "\n",
                                              encoding="utf-8")
    result = run_cli("run", str(shop), "--json", "--no-progress", env={"SELLINTEGRO_NOW": "2026-04-17T12:00:00+02:00"})
    actions = shop.parent / "actions.jsonl"
    recorded = [json.loads(x) for x in actions.read_text(encoding="utf-8").splitlines()] if actions.exists() else []
    attached = {r["action"]["document_number"]: r for r in recorded if r["action"]["type"] == "attach"}
    return result.returncode, result.stdout + result.stderr, attached


def test_exempt_lines_without_a_basis_are_not_uploaded_and_the_run_exits_1(tmp_path: Path, renderer_name: str) -> None:
    code, output, attached = run_shop(tmp_path, [exempt_doc(None)], plugin=renderer_name)
    assert code == 1 and "FS 21/2026" not in attached
    assert "Przyczyna zwolnienia z VAT" in output and "[renderer] exemption_basis" in output


def test_renderer_section_without_plugin_gives_the_exemption_basis(tmp_path: Path) -> None:
    basis = "art. 43 ust. 1 pkt 29 lit. a ustawy o VAT"
    code, output, attached = run_shop(tmp_path, [exempt_doc(None)], f'[renderer]\nexemption_basis = "{basis}"\n')
    assert code == 0, output
    assert "FS 21/2026" in attached


def test_subiekts_own_basis_wins_over_the_scenarios(tmp_path: Path) -> None:
    from sellintegro_core.exemption import apply_exemption_basis

    doc = exempt_doc("art. 113 ust. 1 ustawy o VAT")
    assert apply_exemption_basis(doc, "art. 43").vat_exemption_reason == "art. 113 ust. 1 ustawy o VAT"
    assert apply_exemption_basis(exempt_doc(None), "art. 43").vat_exemption_reason == "art. 43"


def test_a_document_failing_the_validator_is_not_uploaded(tmp_path: Path, renderer_name: str) -> None:
    good, bad = make_fs(), make_fs(number="FS 22/2026", doc_id="1022")
    bad = bad.model_copy(update={"order_ref": bad.order_ref.model_copy(update={"value": "7654321"})})
    bad = updated(bad, {"totals": bad.totals.model_copy(update={"vat": bad.totals.vat + 1})})
    code, output, attached = run_shop(tmp_path, [good, bad], plugin=renderer_name)
    assert code == 1
    assert "FS 12/2026" in attached and "FS 22/2026" not in attached
    assert "header matches the VAT table" in output and "Fix:" in output


def test_the_run_report_carries_the_vat_row_warning(tmp_path: Path, renderer_name: str) -> None:
    lines = [make_line(1, "Herbata", "7", "20.06", "5"), make_line(2, "Kawa", "1", "3.60", "5")]
    doc = make_fs(lines=lines, ksef=False, number="FS 23/2026", doc_id="1023")
    row = doc.vat_table[0]
    doc.vat_table[0] = row.model_copy(update={"vat": Decimal("7.19"), "gross": row.net + Decimal("7.19")})
    doc = updated(doc, {"lines": [ln.model_copy(update={"vat": v, "gross": ln.net + v}) for ln, v in
                 zip(doc.lines, (Decimal("7.02"), Decimal("0.17")), strict=True)]})
    doc = updated(doc, {"totals": totals_of(doc.vat_table)})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    code, output, attached = run_shop(tmp_path, [doc], plugin=renderer_name)
    assert code == 0 and "FS 23/2026" in attached
    report = json.loads(output[output.index("{"):output.rindex("}") + 1])
    row_messages = [r["message"] for r in report["rows"] if r["document"] == "FS 23/2026"]
    assert any("warning:" in m and "neither net × rate" in m for m in row_messages), row_messages


def test_names_in_other_scripts_are_not_refused(renderer) -> None:
    """Text extractors misread fallback fonts (CJK, emoji): such names never make a lawful PDF fail."""
    lines = [make_line(1, "Ελληνικό τσάι 茶叶 🍵 Sencha", "1", "18.52", "5"),
             make_line(2, "緑茶", "2", "10.00", "5")]
    doc = make_fs(lines=lines, ksef=False)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    pdf = renderer.render(doc)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


# ------------------------------------------------------------------ fallback fonts, corrections, plan


def test_polish_names_next_to_cjk_and_emoji_are_read_back(renderer) -> None:
    """A CJK/emoji name makes WeasyPrint embed a fallback font as a 2-byte CID subset; pypdf then garbled the
    Polish names ('Ś' read as '\\x019') and the validator refused a correct invoice."""
    lines = [make_line(1, "Ελληνικό μέλι 蜂蜜 🍯 ąćęłńóśźż", "1", "18.52", "5"),
             make_line(2, "Zestaw prezentowy Święta", "2", "10.00", "23"),
             make_line(3, "Kawa ziarnista Łódź żółć", "1", "30.00", "23")]
    doc = make_fs(lines=lines, ksef=False)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    pdf = renderer.render(doc)          # CJK/emoji may have no font here: printed as boxes, never refused
    printed = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, timeout=60, check=True)
    assert "Zestaw prezentowy Święta" in printed.stdout.decode()      # poppler: an independent reader
    # the check still sees a Polish name that is not printed, in a PDF with the fallback font
    other = doc.model_copy(deep=True)
    other.lines[1] = other.lines[1].model_copy(update={"name": "Zestaw prezentowy Wielkanoc"})
    with pytest.raises(DocumentError) as caught:
        check_printed(other, pdf, renderer.ksef_mark(other))
    assert "line 2 name (art. 106e ust. 1 pkt 7): 'Zestaw prezentowy Wielkanoc'" in caught.value.message
    assert "Święta" not in caught.value.message


def test_a_correction_with_negative_quantities_and_values_is_accepted(renderer) -> None:
    before = make_line(2, "Kawa ziarnista 1 kg", "3", "54.50", "8", side="before")
    after = make_line(2, "Kawa ziarnista 1 kg", "-1", "54.50", "8", side="after")      # net -54,50
    doc = make_kfs()
    doc = updated(doc, {"lines": [before, after]})
    net, vat = after.net - before.net, after.vat - before.vat
    doc = updated(doc, {"vat_table": [updated(doc.vat_table[0], {"net": net, "vat": vat, "gross": net + vat})]})
    doc = updated(doc, {"totals": totals_of(doc.vat_table)})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    assert after.net == Decimal("-54.50")
    assert renderer.render(doc).startswith(b"%PDF")
    # a quantity made negative without its values does not tie: refused, before any PDF is made
    flipped = make_kfs()
    flipped.lines[1] = flipped.lines[1].model_copy(update={"quantity": -flipped.lines[1].quantity})
    message = refused(renderer, flipped)
    assert "'lines tie'" in message and "line 2 (after): quantity -1 × price 54,50 ≠ net 54,50" in message


def test_a_faktura_without_lines_is_accepted_when_its_totals_are_zero(renderer) -> None:
    empty = make_fs(lines=[], ksef=False)
    empty = updated(empty, {"vat_table": [], "totals": totals_of([])})
    empty = updated(empty, {"payment.to_pay": empty.totals.gross})
    assert renderer.render(empty).startswith(b"%PDF")
    # lines deleted but the VAT table and totals kept: the summary lists rates no line has
    orphan = make_fs(ksef=False)
    orphan = updated(orphan, {"lines": []})
    message = refused(renderer, orphan)
    assert "'VAT table matches the lines'" in message and "is in the VAT table but on no line" in message


def test_plan_check_raises_what_render_raises_without_a_pdf(renderer, renderer_name: str, monkeypatch) -> None:
    doc = make_fs()
    doc.lines[1] = doc.lines[1].model_copy(update={"quantity": Decimal("4")})
    message = refused(renderer, doc)
    made: list[str] = []
    maker = (TypstPdfRenderer, "_compile") if renderer_name == "typst_pdf" else (HtmlPdfRenderer, "_write_pdf")
    monkeypatch.setattr(*maker, lambda *a, **k: made.append("pdf") or b"")
    with pytest.raises(DocumentError) as caught:
        renderer.plan_check(doc)
    assert caught.value.message == message and caught.value.code == "validation_failed"
    renderer.plan_check(make_fs())                    # a correct document: nothing to say
    assert made == []
