"""`sellintegro pdf SCENARIO --document REF`: preview a document's PDF through the real CLI, BaseLinker untouched."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sellintegro_core.models import KsefInfo, SalesDocument, updated
from tests.conftest import run_cli

from .conftest import V6_HEX, V6_URL, decode_qr, make_eur, make_fs, make_kfs, make_pa, pdf_text


def flat(text: str) -> str:
    return " ".join(text.split())


def write_scenario(folder: Path, documents: list[SalesDocument], *, renderer: str = "", rule: str = "",
                   tables: str = "", plugin: str = "html_pdf") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "docs.jsonl").write_text("\n".join(d.model_dump_json() for d in documents) + "\n", encoding="utf-8")
    path = folder / "shop.toml"
    path.write_text(f'''
name = "preview-shop"
timezone = "Europe/Warsaw"

[source]
plugin = "jsonl"
path = "docs.jsonl"

[sink]
plugin = "jsonl"
path = "actions.jsonl"
orders = "orders.jsonl"

[rule]
plugin = "invoice_pdf"
template = "pl"
foreign_buyer_template = "en"
{rule}

[renderer]
plugin = "{plugin}"
{renderer}
{tables}
''', encoding="utf-8")
    return path


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    pending = make_fs(number="FS 15/2026", doc_id="1015")
    pending = updated(pending, {"ksef": KsefInfo(state="online_pending", hash=V6_HEX)})
    return write_scenario(tmp_path / "shop", [make_fs(), make_pa(), make_kfs(), make_eur(), pending])


def test_preview_by_number_writes_the_pdf_and_touches_nothing_else(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "faktura.pdf"
    result = run_cli("pdf", str(shop), "--document", "FS 12/2026", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "FS 12/2026" in result.stdout and str(out) in result.stdout
    pdf = out.read_bytes()
    text = flat(pdf_text(pdf))
    assert "Faktura VAT" in text and "Nr FS 12/2026" in text and "Do zapłaty: 856,28 zł" in text
    assert decode_qr(pdf, tmp_path) == [V6_URL]
    # no sink action, no ledger: nothing was sent anywhere
    assert sorted(p.name for p in shop.parent.iterdir()) == ["docs.jsonl", "shop.toml"]


def test_preview_by_id_with_default_file_name(shop: Path, tmp_path: Path) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    result = run_cli("pdf", str(shop), "--document", "1020", cwd=work)
    assert result.returncode == 0, result.stderr
    pdf = (work / "KFS_3_2026.pdf").read_bytes()
    assert "Faktura korygująca" in pdf_text(pdf)


def test_template_option_and_foreign_buyer_default(shop: Path, tmp_path: Path) -> None:
    out = tmp_path / "en.pdf"
    assert run_cli("pdf", str(shop), "-d", "FS 12/2026", "-o", str(out), "--template", "en").returncode == 0
    assert "VAT invoice" in pdf_text(out.read_bytes())
    # without --template: the rule's foreign_buyer_template for a buyer outside Poland
    out2 = tmp_path / "foreign.pdf"
    assert run_cli("pdf", str(shop), "-d", "FS 13/2026", "-o", str(out2)).returncode == 0
    assert "Exchange rate: 1 EUR = 4,2813 PLN" in flat(pdf_text(out2.read_bytes()))
    # a domestic receipt: the rule's template ("pl")
    out3 = tmp_path / "pa.pdf"
    assert run_cli("pdf", str(shop), "-d", "PA 55/2026", "-o", str(out3)).returncode == 0
    assert "Kopia paragonu — dokument niefiskalny" in flat(pdf_text(out3.read_bytes()))


def test_template_folder_given_relative_to_the_current_directory(shop: Path, tmp_path: Path) -> None:
    work = tmp_path / "cwd2"
    (work / "wzory").mkdir(parents=True)
    (work / "wzory" / "FS.html").write_text('{% extends "base.html" %}{% block remarks %}<p>MÓJ WZÓR</p>'
                                            '{% endblock %}', encoding="utf-8")
    result = run_cli("pdf", str(shop), "-d", "FS 12/2026", "-o", "x.pdf", "-t", "wzory", cwd=work)
    assert result.returncode == 0, result.stderr
    assert "MÓJ WZÓR" in pdf_text((work / "x.pdf").read_bytes())


@pytest.mark.parametrize("plugin", ["html_pdf", "typst_pdf"])
def test_renderer_settings_of_the_scenario_apply(tmp_path: Path, plugin: str) -> None:
    shop = write_scenario(tmp_path / "shop-test", [make_fs()], renderer='ksef_environment = "test"', plugin=plugin)
    out = tmp_path / "t.pdf"
    result = run_cli("pdf", str(shop), "-d", "FS 12/2026", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert decode_qr(out.read_bytes(), tmp_path) == [V6_URL.replace("//qr.", "//qr-test.")]


def test_unknown_document_is_a_clear_error(shop: Path, tmp_path: Path) -> None:
    result = run_cli("pdf", str(shop), "-d", "FS 99/2026", "-o", str(tmp_path / "n.pdf"))
    assert result.returncode == 1
    assert "FS 99/2026" in result.stderr and "not found" in result.stderr
    assert not (tmp_path / "n.pdf").exists()


def test_document_waiting_for_its_ksef_number(shop: Path, tmp_path: Path) -> None:
    result = run_cli("pdf", str(shop), "-d", "FS 15/2026", "-o", str(tmp_path / "w.pdf"))
    assert result.returncode == 1
    assert "no KSeF number yet" in result.stderr
    result = run_cli("pdf", str(shop), "-d", "FS 15/2026", "-o", str(tmp_path / "w.pdf"), "--ksef-label", "offline")
    assert result.returncode == 0, result.stderr
    assert "OFFLINE" in pdf_text((tmp_path / "w.pdf").read_bytes())


def test_invalid_scenario_exits_2(tmp_path: Path) -> None:
    shop = write_scenario(tmp_path / "bad", [make_fs()], renderer='ksef_environment = "production"')
    result = run_cli("pdf", str(shop), "-d", "FS 12/2026", "-o", str(tmp_path / "b.pdf"))
    assert result.returncode == 2
    assert "renderer.ksef_environment" in result.stderr


def test_command_is_listed_in_help() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    assert "pdf" in result.stdout
    result = run_cli("pdf", "--help")
    assert "--document" in result.stdout and "--template" in result.stdout


def test_plugin_import_stays_light() -> None:
    code = ("import sys, sellintegro_invoice_pdf.plugin as p; "
            "heavy = [m for m in ('weasyprint', 'jinja2', 'segno', 'num2words', 'typst') if m in sys.modules]; "
            "print(heavy); sys.exit(1 if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("plugin", ["html_pdf", "typst_pdf"])
def test_a_run_renders_the_pdfs_through_the_engine(tmp_path: Path, plugin: str) -> None:
    """`sellintegro run` with the JSONL sink: the engine asks the scenario's renderer for each attached PDF."""
    from datetime import datetime

    from sellintegro_core.models import Order

    fs, pa = make_fs(), make_pa()
    pending = make_fs(number="FS 15/2026", doc_id="1015")
    pending = updated(pending, {"ksef": KsefInfo(state="online_pending", hash=V6_HEX)})
    pending = pending.model_copy(update={"order_ref": pending.order_ref.model_copy(update={"value": "7654321"})})
    shop = write_scenario(tmp_path / "run", [fs, pa, pending],
                          rule='wait_for_ksef = "all"\nsend_without_ksef_number = true',
                          tables='[window]\nbefore_setup = "include"', plugin=plugin)
    placed = datetime.fromisoformat("2026-04-15T09:00:00+02:00")
    orders = [Order(id=ref, status_id="1", status_name="Nowe", date_add=placed)
              for ref in ("1234567", "2233445", "7654321")]
    (shop.parent / "orders.jsonl").write_text("\n".join(o.model_dump_json() for o in orders) + "\n",
                                              encoding="utf-8")
    result = run_cli("run", str(shop), "--json", "--no-progress",
                     env={"SELLINTEGRO_NOW": "2026-04-17T12:00:00+02:00"})
    assert result.returncode in (0, 1), result.stderr
    import json

    recorded = [json.loads(line) for line in (shop.parent / "actions.jsonl").read_text(encoding="utf-8").splitlines()]
    attached = {r["action"]["document_number"]: r for r in recorded if r["action"]["type"] == "attach"}
    assert set(attached) == {"FS 12/2026", "PA 55/2026", "FS 15/2026"}
    assert attached["FS 12/2026"]["action"]["ksef_label"] == "number"
    assert attached["PA 55/2026"]["action"]["ksef_label"] is None
    # issued 2026-04-15, no KSeF number 24 h later: the rule sends it with OFFLINE and the renderer draws it
    assert attached["FS 15/2026"]["action"]["ksef_label"] == "offline"
    assert all(r["file_bytes"] > 10_000 for r in attached.values())
