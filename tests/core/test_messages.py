"""Messages are immutable: documents, actions and facts refuse changes; changed copies leave the original whole;
each action has one key builder; the engine never changes the facts a rule was given."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

from sellintegro_core import hookimpl
from sellintegro_core.components import ComponentContext, OrderScan, RuleContext, RuleSpec
from sellintegro_core.config import load_scenario
from sellintegro_core.engine import run_scenario
from sellintegro_core.models import (
    AttachDocument,
    Order,
    OrderFacts,
    SalesDocument,
    SetField,
    SetStatus,
    Skip,
    updated,
)
from sellintegro_core.plugins import PluginHost
from tests.core.conftest import make_doc, make_order, recorded


def attach(order_id: str = "7", document_id: str = "d1") -> AttachDocument:
    return AttachDocument(order_id=order_id, document_id=document_id, document_number="FS 1/2026",
                          document_kind="FS", target="invoice")


@pytest.mark.parametrize("change", [
    lambda d, a, f: setattr(d, "number", "FS 2/2026"),
    lambda d, a, f: setattr(d.seller, "nip", "0000000000"),          # a nested part of the document
    lambda d, a, f: setattr(d.order_ref, "value", "999"),
    lambda d, a, f: setattr(d.totals, "gross", Decimal("1")),
    lambda d, a, f: setattr(a, "order_id", "8"),
    lambda d, a, f: setattr(a, "target", "receipt"),
    lambda d, a, f: setattr(f, "done", {}),
    lambda d, a, f: setattr(f, "order_id", "8"),
], ids=["number", "seller", "order_ref", "totals", "action-order", "action-target", "facts-done", "facts-order"])
def test_a_change_to_a_message_is_refused(change: Any) -> None:
    document, action, facts = make_doc("FS 1/2026", "101"), attach(), OrderFacts(order_id="7")
    before = (document.model_dump_json(), action.model_dump_json(), facts.model_dump_json())
    with pytest.raises(ValidationError, match="frozen"):
        change(document, action, facts)
    assert (document.model_dump_json(), action.model_dump_json(), facts.model_dump_json()) == before


def test_an_updated_copy_leaves_the_original_whole() -> None:
    document = make_doc("FS 1/2026", "101")
    paid = updated(document, {"payment.to_pay": Decimal("0"), "seller.name": "Inny sklep", "remarks": "x"})
    assert (paid.payment.to_pay, paid.seller.name, paid.remarks) == (Decimal("0"), "Inny sklep", "x")
    assert document.payment.to_pay is None and document.seller.name == "Sklep" and document.remarks == ""
    assert paid.seller.nip == document.seller.nip and paid.number == document.number   # the rest is kept


def test_facts_change_by_copy() -> None:
    facts = OrderFacts(order_id="7", failed={"attach:7:d1": "timeout"})
    done = facts.with_done("attach:7:d1", {"invoice_id": "12"})
    failed = facts.with_failed("attach:7:d2", "bad number")
    assert done.is_done("attach:7:d1") and "attach:7:d1" not in done.failed     # done clears the failure
    assert failed.failed == {"attach:7:d1": "timeout", "attach:7:d2": "bad number"}
    assert facts.done == {} and facts.failed == {"attach:7:d1": "timeout"}        # the original is unchanged


def test_each_action_key_comes_from_its_one_builder() -> None:
    a = attach("7", "d1")
    assert a.key == AttachDocument.key_for("7", "d1") and a.key.startswith(AttachDocument.key_prefix("7"))
    assert not AttachDocument.key_for("70", "d1").startswith(AttachDocument.key_prefix("7"))
    s = SetStatus(order_id="7", status="Wysłane", cause="failure")
    assert s.key == SetStatus.key_for("7", "failure") != SetStatus.key_for("7", "success")
    f = SetField(order_id="7", field="ksef_number", value="X", document_id="d1")
    assert f.key == SetField.key_for("7", "ksef_number", "d1")
    k = Skip(order_id="7", code="unmatched", document_id="d1")
    assert k.key == Skip.key_for("7", "d1", "unmatched")
    assert len({a.key, s.key, f.key, k.key}) == 4


def test_json_shapes_are_unchanged_by_freezing(tmp_path: Path) -> None:
    """Frozen models still read what earlier versions wrote and write the same JSON."""
    document = make_doc("FS 1/2026", "101")
    again = SalesDocument.model_validate_json(document.model_dump_json())
    assert again == document and json.loads(again.model_dump_json()) == json.loads(document.model_dump_json())
    facts = OrderFacts(order_id="7", done={"k": {"invoice_id": "1"}})
    assert json.loads(facts.model_dump_json()) == {"order_id": "7", "done": {"k": {"invoice_id": "1"}},
                                                   "failed": {}, "skips": {}}
    assert json.loads(attach().model_dump_json())["type"] == "attach"


# ------------------------------------------------------------------ the engine never edits what a rule saw

class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FactsKeeper:
    """Attaches every document and keeps each facts object it was given, with what it held then."""

    seen: list[tuple[OrderFacts, str]] = []

    def __init__(self, config: _Config, context: ComponentContext) -> None:
        pass

    def scan(self) -> OrderScan:
        return OrderScan()

    def pending(self, documents: list[SalesDocument], facts: OrderFacts, context: RuleContext) -> bool:
        return True

    def decide(self, order: Order | None, documents: list[SalesDocument], facts: OrderFacts,
               context: RuleContext) -> list[Any]:
        FactsKeeper.seen.append((facts, facts.model_dump_json()))
        if order is None:
            return []
        return [AttachDocument(order_id=order.id, document_id=d.id, document_number=d.number,
                               document_kind=d.kind, target="invoice") for d in documents]


class KeeperPlugin:
    @hookimpl
    def sellintegro_register_rules(self, register: Any) -> None:
        register(RuleSpec(name="facts_keeper", config_model=_Config, factory=FactsKeeper))


def test_the_engine_never_changes_the_facts_a_rule_was_given(tmp_path: Path, fixed_now: str,
                                                             plugin_site: Path) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "docs.jsonl").write_text(make_doc("FS 1/11/2026", "101").model_dump_json() + "\n", encoding="utf-8")
    (folder / "orders.jsonl").write_text(make_order("101").model_dump_json() + "\n", encoding="utf-8")
    (folder / "shop.toml").write_text(
        'name = "keeper"\n[window]\nbefore_setup = "include"\n'
        '[source]\nplugin = "jsonl"\npath = "docs.jsonl"\n[sink]\nplugin = "jsonl"\norders = "orders.jsonl"\n'
        '[rule]\nplugin = "facts_keeper"\n[renderer]\nplugin = "text_pdf"\n', encoding="utf-8")
    host = PluginHost(extra_plugins=[KeeperPlugin()])
    FactsKeeper.seen = []
    report = run_scenario(load_scenario(folder / "shop.toml", host=host), host=host)
    assert report.counts["done"] == 1 and len(recorded(folder)) == 1
    # asked before the attach (once more when the PDF is made ahead) and after it (with the attach done);
    # the first facts are as they were
    assert len(FactsKeeper.seen) >= 2
    (first, first_json), (second, _) = FactsKeeper.seen[0], FactsKeeper.seen[-1]
    assert first.model_dump_json() == first_json and first.done == {}
    assert second.is_done(AttachDocument.key_for("101", "FS_1-11-2026")) and first is not second
