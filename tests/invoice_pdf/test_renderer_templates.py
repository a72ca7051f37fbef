"""Custom templates: a user folder overrides some files, the built-in set supplies the rest."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from sellintegro_core.errors import ConfigError, DocumentError
from sellintegro_core.models import SalesDocument
from sellintegro_invoice_pdf.config import RendererConfig
from sellintegro_invoice_pdf.renderer import BUILTIN_DIR, HtmlPdfRenderer

from .conftest import V6_URL, decode_qr, pdf_text


def flat(text: str) -> str:
    return " ".join(text.split())


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_user_folder_overrides_one_file_and_keeps_the_rest(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "my-templates"
    write(folder, "FS.html", '{% extends "base.html" %}\n'
                             '{% block remarks %}<p>Stopka sklepu: {{ seller.name }}, faktura {{ number }}, '
                             'razem {{ totals.gross|money(currency) }}</p>{% endblock %}\n')
    pdf = HtmlPdfRenderer().render(fs_doc, str(folder))
    text = flat(pdf_text(pdf))
    assert "Stopka sklepu: Sklep Żółta Łódź sp. z o.o., faktura FS 12/2026, razem 856,28 zł" in text
    assert "Dziękujemy za zakupy." not in text           # the replaced block
    assert "Do zapłaty: 856,28 zł" in text               # built-in parts still there
    assert decode_qr(pdf, tmp_path) == [V6_URL]          # and the built-in KSeF block


def test_user_partial_is_used_by_builtin_templates(pa_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    write(folder, "_parties.html", "<p>SPRZEDAJE: {{ seller.name }} (NIP {{ seller.tax_id }})</p>")
    text = flat(pdf_text(HtmlPdfRenderer().render(pa_doc, str(folder))))
    assert "SPRZEDAJE: Sklep Żółta Łódź sp. z o.o. (NIP 5265877635)" in text
    assert "Kopia paragonu — dokument niefiskalny" in text


def test_copy_of_the_builtin_folder_renders_the_same(fs_doc: SalesDocument, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(BUILTIN_DIR, copy)
    renderer = HtmlPdfRenderer()
    assert pdf_text(renderer.render(fs_doc, str(copy))) == pdf_text(renderer.render(fs_doc, "pl"))


def test_labels_json_changes_wording_and_language(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "tpl-en"
    write(folder, "labels.json", json.dumps({"lang": "en", "seller": "Vendor", "amount_due": "Please pay"}))
    text = flat(pdf_text(HtmlPdfRenderer().render(fs_doc, str(folder))))
    assert "VENDOR" in text and "Please pay: 856,28 zł" in text
    assert "VAT invoice" in text                                         # the rest in English
    assert "eight hundred and fifty-six zlotys 28/100" in text


def test_labels_json_can_add_a_language(eur_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "tpl-de"
    write(folder, "labels.json", json.dumps({"lang": "de", "title_FS": "Rechnung", "in_words": "In Worten"}))
    text = flat(pdf_text(HtmlPdfRenderer().render(eur_doc, str(folder))))
    assert "Rechnung" in text
    assert "In Worten: zweihundertzweiundfünfzig" in text


def test_user_folder_may_use_images_relative_to_itself(fs_doc: SalesDocument, tmp_path: Path) -> None:
    import segno

    folder = tmp_path / "logo-tpl"
    folder.mkdir()
    segno.make("LOGO").save(str(folder / "logo.png"), kind="png", scale=4)
    write(folder, "FS.html", '{% extends "base.html" %}{% block references %}'
                             '<img src="logo.png" style="width: 20mm">{% endblock %}')
    pdf = HtmlPdfRenderer().render(fs_doc, str(folder))
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    assert any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def test_relative_template_folder_is_resolved_against_the_scenario_folder(fs_doc: SalesDocument,
                                                                         tmp_path: Path) -> None:
    write(tmp_path / "szablony", "FS.html", '{% extends "base.html" %}{% block remarks %}<p>WZÓR WŁASNY</p>'
                                            '{% endblock %}')
    renderer = HtmlPdfRenderer(base_dir=tmp_path)
    assert "WZÓR WŁASNY" in pdf_text(renderer.render(fs_doc, "szablony"))


def test_templates_dir_overrides_the_builtin_languages(fs_doc: SalesDocument, tmp_path: Path) -> None:
    write(tmp_path / "tpls" / "pl", "FS.html", '{% extends "base.html" %}{% block remarks %}<p>NADPISANE PL</p>'
                                               '{% endblock %}')
    write(tmp_path / "tpls", "FS.html", '{% extends "base.html" %}{% block remarks %}<p>NADPISANE WSZYSTKIE</p>'
                                        '{% endblock %}')
    renderer = HtmlPdfRenderer(RendererConfig(templates_dir=Path("tpls")), base_dir=tmp_path)
    assert "NADPISANE PL" in pdf_text(renderer.render(fs_doc, "pl"))
    assert "NADPISANE WSZYSTKIE" in pdf_text(renderer.render(fs_doc, "en"))


def test_missing_templates_dir_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="templates_dir"):
        HtmlPdfRenderer(RendererConfig(templates_dir=tmp_path / "nope"))


@pytest.mark.parametrize("source,expected", [
    ('{% extends "base.html" %}{% block remarks %}{% if %}{% endblock %}', "FS.html"),
    ('{% extends "base.html" %}{% block remarks %}{{ no_such_variable.name }}{% endblock %}', "no_such_variable"),
])
def test_broken_user_template_is_a_document_error_naming_the_problem(fs_doc: SalesDocument, tmp_path: Path,
                                                                     source: str, expected: str) -> None:
    folder = tmp_path / "broken"
    write(folder, "FS.html", source)
    with pytest.raises(DocumentError) as info:
        HtmlPdfRenderer().render(fs_doc, str(folder))
    assert info.value.code == "template_error"
    assert expected in info.value.message


def test_unknown_template_name_is_a_document_error(fs_doc: SalesDocument, tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match='neither "pl", "en" nor an existing folder'):
        HtmlPdfRenderer(base_dir=tmp_path).render(fs_doc, "de")


def test_invalid_labels_json_is_a_document_error(fs_doc: SalesDocument, tmp_path: Path) -> None:
    write(tmp_path / "bad", "labels.json", "{not json")
    with pytest.raises(DocumentError, match="labels.json"):
        HtmlPdfRenderer().render(fs_doc, str(tmp_path / "bad"))


def test_render_html_shows_the_context_for_template_authors(fs_doc: SalesDocument, pa_doc: SalesDocument) -> None:
    renderer = HtmlPdfRenderer()
    html = renderer.render_html(fs_doc)
    assert html.startswith("<!DOCTYPE html>") and 'lang="pl"' in html
    assert "<svg" in html and V6_URL in html
    assert "ksef" not in renderer.render_html(pa_doc).lower()


def test_custom_ksef_block_with_inline_svg(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "svg-ksef"
    write(folder, "_ksef.html", '{% if ksef.show %}<div class="ksef">{{ ksef.qr_svg|safe }}'
                                '<p>{{ ksef.label }}</p></div>{% endif %}')
    pdf = HtmlPdfRenderer().render(fs_doc, str(folder))
    assert decode_qr(pdf, tmp_path) == [V6_URL]


def test_hidden_qr_slot_falls_back_to_inline_svg(fs_doc: SalesDocument, tmp_path: Path) -> None:
    folder = tmp_path / "hidden-slot"
    write(folder, "_ksef.html", '{% if ksef.show %}<div id="{{ ksef.slot }}" style="display: none"></div>'
                                '<div class="ksef">{{ ksef.qr_svg|safe }}</div>{% endif %}')
    pdf = HtmlPdfRenderer().render(fs_doc, str(folder))
    assert decode_qr(pdf, tmp_path) == [V6_URL]
