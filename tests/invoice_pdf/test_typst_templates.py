"""typst_pdf: your own ``invoice.typ`` and ``labels.json``, the data it gets, fonts, tags and size — PDFs read back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from sellintegro_core.errors import ConfigError, DocumentError
from sellintegro_core.models import SalesDocument, updated
from sellintegro_invoice_pdf.config import TypstRendererConfig
from sellintegro_invoice_pdf.typst_renderer import BUILTIN_TYPST_DIR, TEMPLATE_FILE, TypstPdfRenderer

from .conftest import make_fs, make_line, pdf_text, totals_of, vat_table

BUILTIN = (BUILTIN_TYPST_DIR / TEMPLATE_FILE).read_text(encoding="utf-8")


def flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def own_template(folder: Path, old: str = "", new: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    assert old in BUILTIN
    (folder / TEMPLATE_FILE).write_text(BUILTIN.replace(old, new) if old else BUILTIN, encoding="utf-8")
    return folder


def test_own_invoice_typ_in_a_folder_is_used(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = own_template(tmp_path / "mine", "#let h = data.header", '#block(text(size: 14pt)[MÓJ WZÓR])\n'
                                                                     '#let h = data.header')
    text = flat(TypstPdfRenderer().render(fs_doc, str(folder)))
    assert "MÓJ WZÓR" in text and "Faktura VAT" in text and "Do zapłaty: 856,28 zł" in text


def test_labels_json_alone_changes_wording_and_language(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "labels"
    folder.mkdir()
    (folder / "labels.json").write_text(json.dumps({"lang": "en", "title_FS": "Tax invoice"}), encoding="utf-8")
    text = flat(TypstPdfRenderer().render(fs_doc, str(folder)))
    assert "Tax invoice" in text and "Issue date: 2026-04-15" in text and "zlotys 28/100" in text


def test_templates_dir_overrides_a_builtin_language(fs_doc: SalesDocument, tmp_path: Path) -> None:
    own_template(tmp_path / "tpls" / "en", "#let h = data.header", "#block[OUR ENGLISH LAYOUT]\n#let h = data.header")
    renderer = TypstPdfRenderer(TypstRendererConfig(templates_dir=Path("tpls")), base_dir=tmp_path)
    assert "OUR ENGLISH LAYOUT" in flat(renderer.render(fs_doc, "en"))
    assert "OUR ENGLISH LAYOUT" not in flat(renderer.render(fs_doc, "pl"))


def test_missing_templates_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        TypstPdfRenderer(TypstRendererConfig(templates_dir=tmp_path / "nope"))


def test_broken_template_is_a_document_error_naming_the_problem(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = own_template(tmp_path / "broken", "#let h = data.header", "#let h = data.no_such_field")
    with pytest.raises(DocumentError) as caught:
        TypstPdfRenderer().render(fs_doc, str(folder))
    assert caught.value.code == "template_error"
    assert "FS 12/2026" in caught.value.message and "no_such_field" in caught.value.message


def test_a_template_cannot_read_files_outside_its_folder(fs_doc: SalesDocument, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("TOP SECRET", encoding="utf-8")
    folder = own_template(tmp_path / "nosy", "#let h = data.header", '#read("../secret.txt")\n#let h = data.header')
    with pytest.raises(DocumentError) as caught:
        TypstPdfRenderer().render(fs_doc, str(folder))
    assert caught.value.code == "template_error" and "TOP SECRET" not in caught.value.message


def test_unknown_template_name_is_a_document_error(fs_doc: SalesDocument, tmp_path: Path) -> None:
    with pytest.raises(DocumentError) as caught:
        TypstPdfRenderer(base_dir=tmp_path).render(fs_doc, "de")
    assert caught.value.code == "template_error" and '"pl", "en"' in caught.value.message


def test_render_data_is_the_json_the_template_gets(fs_doc: SalesDocument) -> None:
    data = json.loads(TypstPdfRenderer().render_data(fs_doc))
    assert data["number"] == "FS 12/2026" and data["header"]["title"] == "Faktura VAT"
    assert [row["cells"][1] for row in data["lines"]["rows"]] == [line.name for line in fs_doc.lines]
    assert data["ksef"]["qr"].startswith("<svg") and data["ksef"]["url"].startswith("https://qr.ksef.mf.gov.pl/")


def test_fonts_come_from_the_package_subset_and_untagged_by_default(fs_doc: SalesDocument) -> None:
    pdf = TypstPdfRenderer().render(fs_doc)
    reader = PdfReader(io.BytesIO(pdf))
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert fonts and all("+DejaVuSans" in f for f in fonts), fonts        # "ABCDEF+": a subset
    assert len(reader.pages[0].images) == 0          # the QR code is vector paths, no raster image
    assert "/StructTreeRoot" not in reader.trailer["/Root"]
    tagged = TypstPdfRenderer(TypstRendererConfig(pdf_tags=True)).render(fs_doc)
    assert "/StructTreeRoot" in PdfReader(io.BytesIO(tagged)).trailer["/Root"]
    assert "Żółta Łódź" in pdf_text(tagged)


def test_a_three_line_invoice_stays_under_40_kib() -> None:
    lines = [make_line(1, "Kawa ziarnista 1 kg", "2", "54.50", "8"),
             make_line(2, "Młynek ręczny żarnowy", "1", "149.00", "23"),
             make_line(3, "Filtry papierowe", "3", "12.99", "23")]
    doc = make_fs(lines=lines)
    doc = updated(doc, {"vat_table": vat_table(lines), "totals": totals_of(vat_table(lines))})
    doc = updated(doc, {"payment.to_pay": doc.totals.gross})
    pdf = TypstPdfRenderer().render(doc)
    assert len(pdf) <= 40 * 1024, len(pdf)
