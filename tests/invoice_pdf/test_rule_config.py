"""The [rule] table of the invoice_pdf rule: the issue's example, defaults, clear errors, conformance kit."""

from __future__ import annotations

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from sellintegro_core.config import format_validation_error
from sellintegro_core.errors import ConfigError
from sellintegro_core.models import OrderFacts
from sellintegro_core.testing import RuleConformance
from sellintegro_invoice_pdf.rule import InvoicePdfRule, check_template_folders
from sellintegro_invoice_pdf.rule_config import RuleConfig

from .test_rule import attach_key, corrected_fs, doc, facts, order, rule

ISSUE_EXAMPLE = """
[rule]
plugin = "invoice_pdf"
statuses = "all"
on_success = "keep"
on_failure = { status = "Błąd faktury" }
no_document = { after_hours = 48, status = "Brak faktury" }
documents = ["FS", "PA", "KFS"]
paragon_with_invoice = "invoice"
wait_for_ksef = "b2b"
ksef_wait_max_hours = 24
template = "pl"
foreign_buyer_template = "en"
"""


def section(text: str = ISSUE_EXAMPLE) -> dict[str, Any]:
    table = tomllib.loads(text)["rule"]
    return {k: v for k, v in table.items() if k != "plugin"}


def errors(options: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as info:
        RuleConfig.model_validate(options)
    return format_validation_error(info.value, prefix="rule")


def test_issue_example_is_valid() -> None:
    config = RuleConfig.model_validate(section())
    assert config.statuses == "all" and config.on_success is None
    assert config.on_failure is not None and config.on_failure.status == "Błąd faktury"
    assert config.no_document is not None and config.no_document.after_hours == 48
    assert config.documents == ["FS", "PA", "KFS"]
    assert (config.wait_for_ksef, config.ksef_wait_max_hours, config.template) == ("b2b", 24, "pl")


def test_defaults() -> None:
    config = RuleConfig()
    assert config.statuses == "all" and config.on_success is None and config.on_failure is None
    assert config.no_document is None and config.documents == ["FS", "FSd", "PA", "KFS"]
    assert config.paragon_with_invoice == "invoice" and config.wait_for_ksef == "b2b"
    assert config.template == "pl" and config.foreign_buyer_template is None
    assert config.write_ksef_number is False


def test_unknown_key_is_rejected_with_its_name() -> None:
    found = errors({"statusy": "all"})
    assert found[0][0] == "rule.statusy" and "unknown setting" in found[0][1]


def test_statuses_forms() -> None:
    assert RuleConfig(statuses=["Nowe", 123, "nowe"]).statuses == ["Nowe", "123"]
    assert RuleConfig.model_validate({"statuses": 5}).statuses == ["5"]
    assert RuleConfig.model_validate({"statuses": "Wszystkie"}).statuses == "all"


@pytest.mark.parametrize("value, expected", [
    ("Nowe", '["Nowe"]'),
    ([], "empty list"),
    ([""], "empty"),
    ([True], "name (text) or an id"),
])
def test_statuses_errors(value: Any, expected: str) -> None:
    found = errors({"statuses": value})
    assert found[0][0].startswith("rule.statuses") and expected in found[0][1]


def test_status_change_forms() -> None:
    assert RuleConfig.model_validate({"on_success": {"status": 17}}).on_success.status == "17"  # type: ignore[union-attr]
    found = errors({"on_success": "Faktura wysłana"})
    assert found[0][0] == "rule.on_success" and '{ status = "Faktura wysłana" }' in found[0][1]
    found = errors({"on_failure": {"status": "X", "colour": "red"}})
    assert found[0][0] == "rule.on_failure.colour"
    found = errors({"on_success": {"status": "  "}})
    assert "empty" in found[0][1]


def test_no_document_needs_a_status_and_sane_hours() -> None:
    assert errors({"no_document": {"after_hours": 48}})[0][0] == "rule.no_document.status"
    assert errors({"no_document": {"after_hours": -1, "status": "X"}})[0][0] == "rule.no_document.after_hours"
    assert RuleConfig.model_validate({"no_document": {"status": "X"}}).no_document.after_hours == 48  # type: ignore[union-attr]
    assert "after_hours" in errors({"no_document": "Brak faktury"})[0][1]


@pytest.mark.parametrize("value, expected", [
    (["FS", "PAi"], "PAi"),
    (["FV"], '"FS"'),
    (["fsd"], 'small d'),
    (["fs"], 'write it as "FS"'),
    ([], "empty"),
])
def test_documents_errors(value: Any, expected: str) -> None:
    found = errors({"documents": value})
    assert found[0][0] == "rule.documents" and expected in found[0][1]


def test_documents_deduplicated() -> None:
    assert RuleConfig(documents=["FS", "FS", "PA"]).documents == ["FS", "PA"]


@pytest.mark.parametrize("options, where", [
    ({"wait_for_ksef": "yes"}, "rule.wait_for_ksef"),
    ({"ksef_wait_max_hours": 0}, "rule.ksef_wait_max_hours"),
    ({"ksef_wait_max_hours": 10_000}, "rule.ksef_wait_max_hours"),
    ({"paragon_with_invoice": "both"}, "rule.paragon_with_invoice"),
    ({"template": ""}, "rule.template"),
    ({"write_ksef_number": "maybe"}, "rule.write_ksef_number"),
])
def test_other_errors_name_the_option(options: dict[str, Any], where: str) -> None:
    assert errors(options)[0][0] == where


def test_template_names_are_case_insensitive() -> None:
    assert RuleConfig(template="PL", foreign_buyer_template="En").template == "pl"


def test_missing_template_folder_is_a_config_error(tmp_path: Path) -> None:
    r = InvoicePdfRule(RuleConfig(foreign_buyer_template="szablony/en"), base_dir=tmp_path)
    with pytest.raises(ConfigError) as info:
        check_template_folders(r)
    assert info.value.errors[0][0] == "rule.foreign_buyer_template"
    assert str(tmp_path / "szablony" / "en") in info.value.errors[0][1]
    (tmp_path / "szablony" / "en").mkdir(parents=True)
    check_template_folders(r)


def test_scan_follows_no_document_and_statuses() -> None:
    assert rule().scan().all_orders is False and rule().scan().statuses is None
    scan = rule(no_document={"status": "Brak"}, statuses=["Nowe", 12]).scan()
    assert scan.all_orders is True and scan.statuses == ["Nowe", "12"]


# ------------------------------------------------------------------ conformance kit (through the entry point)


class TestInvoicePdfRuleConformance(RuleConformance):
    component = "invoice_pdf"

    def make_config(self, tmp_path: Path) -> dict[str, Any]:
        return {"on_success": {"status": "Wysłane"}, "on_failure": {"status": "Błąd"},
                "no_document": {"after_hours": 24, "status": "Brak"}, "write_ksef_number": True,
                "documents": ["FS", "FSd", "PA", "KFS", "ZW"]}

    def cases(self) -> list[tuple[Any, list[Any], OrderFacts]]:
        now = self.context().now
        placed = now - timedelta(days=2)
        fs, kfs = doc("FS", "1"), doc("KFS", "5", corrected=corrected_fs())
        waiting = doc("FS", "3", ksef="online_pending", issued=now - timedelta(hours=2))
        return [
            (order(placed=placed), [fs], facts()),
            (order(placed=placed), [kfs, fs], facts(done=[attach_key("1")])),
            (order(placed=placed), [waiting, doc("PA", "7")], facts(failed={attach_key("7"): "HTTP 500"})),
            (order(placed=placed), [], facts()),
            (None, [fs, doc("ZW", "8")], facts()),
            (order(placed=now - timedelta(days=40)), [fs], facts()),
        ]

