"""Settings: live BaseLinker pickers, Test pattern, a validation error next to its field, then Save (the file
validates with `sellintegro validate` and keeps its comments); secrets only as their variable's name."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from tests.reliability.stack import TOKEN, TOKEN_ENV, cli_env, run_cli

from .conftest import HEADER, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (tox installs it)").expect


def test_change_a_setting_see_the_error_fix_and_save(shop_factory: Any, page: Any) -> None:
    shop = shop_factory()
    original = shop.scenario.read_text(encoding="utf-8")
    assert "days_back = 14\n" in original and 'before_setup = "include"\n' in original
    shop.scenario.write_text(original.replace("days_back = 14\n", "days_back = 14   # how far back\n").replace(
        'before_setup = "include"\n', 'before_setup = "include"   # the shop existed before\n'), encoding="utf-8")
    before = shop.scenario.read_text(encoding="utf-8")
    page.goto(shop.url)
    page.get_by_role("link", name="Settings", exact=True).first.click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()

    # the status pickers hold the account's live status list (from the emulator, over HTTP)
    success = page.get_by_label("Status after upload")
    options = success.locator("option").all_inner_texts()
    assert {"Faktura wysłana", "Błąd faktury", "Brak faktury"} <= set(options)
    expect(success).to_have_value("Faktura wysłana")
    assert "Subiekt (31)" in page.get_by_label("Invoice series").locator("option").all_inner_texts()
    expect(page.get_by_text(f"from environment variable {TOKEN_ENV}")).to_be_visible()
    assert TOKEN not in page.content()
    from sellintegro_core.api import get_host

    limits = get_host().limits()                 # raised by plugins (sellintegro_limits), e.g. si_extender
    shown = f"limit {limits.days_back}" + (f" (raised by plugin {limits.raised_by['days_back']})"
                                           if "days_back" in limits.raised_by else "")
    expect(page.get_by_text(shown, exact=True)).to_be_visible()

    # Test pattern: how the newest 20 documents match, with the pattern typed in the form (not yet saved)
    page.get_by_label("Pattern").fill(r"^B_(?P<ref>\d+)$")
    page.get_by_role("button", name="Test pattern").click()
    result = page.get_by_role("region", name="Match test result")
    expect(result).to_contain_text("newest documents match an order")
    expect(result).to_contain_text(re.compile(r"FS \d+/\d+/2026"))    # document numbers, as in Subiekt
    matched = int(result.get_by_role("status").inner_text().split(" of ")[0])
    assert matched > 0
    page.get_by_label("Pattern").fill(r"^ZZZ(?P<ref>\d+)$")
    page.get_by_role("button", name="Test pattern").click()
    expect(result.get_by_role("status")).to_contain_text("0 of")
    page.get_by_label("Pattern").fill(r"^B_(?P<ref>\d+)$")

    # an invalid value: the error shows next to its field and the file is unchanged
    page.get_by_label("Days back", exact=True).fill(str(limits.days_back + 1))
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#err-window-days_back")).to_contain_text("over the limit")
    screenshot(page, "settings-error.png")
    assert shop.scenario.read_text(encoding="utf-8") == before
    page.get_by_label("Days back", exact=True).fill("10")
    page.get_by_label("Hours", exact=True).fill("0:00-23:00")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#err-schedule-hours")).to_contain_text("1:00-23:00")
    expect(page.locator("#err-window-days_back")).to_have_count(0)
    assert shop.scenario.read_text(encoding="utf-8") == before

    # fixed: saved, valid, comments kept
    page.get_by_label("Days back", exact=True).fill("10")
    page.get_by_label("Hours", exact=True).fill("6:00-22:00")
    page.get_by_label("Status for orders with no document").select_option("Brak faktury")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    screenshot(page, "settings.png")
    text = shop.scenario.read_text(encoding="utf-8")
    assert text.startswith(HEADER)
    assert "days_back = 10   # how far back\n" in text                   # a changed line keeps its comment
    assert 'before_setup = "include"   # the shop existed before\n' in text   # an unchanged line stays as is
    data = tomllib.loads(text)
    assert data["window"]["days_back"] == 10
    assert data["schedule"]["hours"] == "6:00-22:00"
    assert data["rule"]["no_document"]["status"] == "Brak faktury"
    assert data["rule"]["on_success"] == {"status": "Faktura wysłana"}
    assert data["sink"]["token"] == {"env": TOKEN_ENV}
    result = run_cli("validate", str(shop.scenario), env=cli_env())
    assert result.returncode == 0, result.stderr
    assert TOKEN not in text


def test_health_page_check_again(shop_factory: Any, page: Any) -> None:
    shop = shop_factory()
    page.goto(shop.url + "health")
    expect(page.get_by_role("heading", name="Health")).to_be_visible()
    expect(page.locator("ul.checks")).to_contain_text("BaseLinker token: ok")
    expect(page.locator("ul.checks")).to_contain_text("Subiekt GT reachable: ok")
    screenshot(page, "health.png")
    shop.scenario.write_text(shop.scenario.read_text(encoding="utf-8").replace('"Subiekt"', '"Nope"'),
                             encoding="utf-8")
    page.get_by_role("button", name="Check again").click()
    expect(page.locator("ul.checks li.bad")).to_contain_text("invoice series")
