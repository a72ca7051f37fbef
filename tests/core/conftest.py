from __future__ import annotations

import json
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sellintegro_core import clock
from sellintegro_core.models import Order, OrderRef, Party, SalesDocument, Totals
from tests.conftest import write_dist
from tests.core.sample_plugin import RULE_PLUGIN

NOW = "2026-11-20T12:00:00+01:00"


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SELLINTEGRO_NOW", NOW)
    return NOW


@pytest.fixture
def plugin_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test rule/renderer plugin, installed through a real entry point (a .dist-info on sys.path)."""
    site = write_dist(tmp_path / "site", "sellintegro_testrule", RULE_PLUGIN)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return site


def make_doc(number: str, order: str | None, days_ago: int = 1, doc_id: str | None = None) -> SalesDocument:
    now = clock.now()
    return SalesDocument(
        id=doc_id or number.replace(" ", "_").replace("/", "-"), kind="FS", number=number,
        issue_date=(now - timedelta(days=days_ago)).date(), seller=Party(name="Sklep", nip="5260250995"),
        totals=Totals(net=Decimal("100.00"), vat=Decimal("23.00"), gross=Decimal("123.00")),
        order_ref=OrderRef(value=order) if order else None)


def make_order(order_id: str, days_ago: int = 2, status: str = "1001") -> Order:
    return Order(id=order_id, status_id=status, status_name="Nowe zamówienia",
                 date_add=clock.now() - timedelta(days=days_ago))


@pytest.fixture
def scenario_dir(tmp_path: Path, fixed_now: str, plugin_site: Path) -> Path:
    """A scenario using the JSONL source and sink with the test rule and renderer."""
    folder = tmp_path / "scn"
    folder.mkdir()
    docs = [make_doc("FS 1/11/2026", "101"), make_doc("FS 2/11/2026", "102"),
            make_doc("FS 3/11/2026", None), make_doc("FS 4/11/2026", "404")]
    docs[2] = docs[2].model_copy(update={"match": docs[2].match.model_copy(
        update={"problem": 'numer oryginału "XYZ" does not match ^B_(?P<ref>\\d+)$'})})
    (folder / "docs.jsonl").write_text("\n".join(d.model_dump_json() for d in docs) + "\n", encoding="utf-8")
    orders = [make_order("101"), make_order("102")]
    (folder / "orders.jsonl").write_text("\n".join(o.model_dump_json() for o in orders) + "\n", encoding="utf-8")
    write_scenario(folder / "shop.toml")
    return folder


def write_scenario(path: Path, *, extra_rule: str = "", window: str = "", renderer: str = "") -> Path:
    path.write_text(f'''
name = "test-shop"
timezone = "Europe/Warsaw"
[window]
days_back = 14
before_setup = "include"
before_setup_days = 7
{window}
[source]
plugin = "jsonl"
path = "docs.jsonl"
[sink]
plugin = "jsonl"
path = "actions.jsonl"
orders = "orders.jsonl"
[rule]
plugin = "attach_all"
{extra_rule}
[renderer]
plugin = "text_pdf"
{renderer}
''', encoding="utf-8")
    return path


def recorded(folder: Path) -> list[dict]:
    path = folder / "actions.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
