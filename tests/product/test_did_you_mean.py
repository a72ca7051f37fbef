"""A typo in a scenario key, a plugin name, a match field or a BaseLinker status name gets a "did you mean"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sellintegro_baselinker_emulator import Emulator, serve

from sellintegro_subiekt_gt.demo_db import generate
from tests.conftest import run_cli

TOKEN = "typo-token"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("typos")
    db = folder / "subiekt.sqlite"
    generate(db, documents=10, seed=3)
    seed = json.loads(Path(str(db) + ".orders.json").read_text())
    seed.pop("expected")
    seed["statuses"] = [{"id": 2001, "name": "Faktura wysłana"}]
    with serve(Emulator(token=TOKEN, seed=seed)) as server:
        path = folder / "shop.toml"
        made = run_cli("init", str(path), "--non-interactive", "--subiekt-dsn", f"sqlite:///{db}",
                       "--baselinker-url", server.url, "--token-env", "TYPO_TOKEN", "--invoice-series", "Faktury",
                       "--on-success", "Faktura wysłana", env={"TYPO_TOKEN": TOKEN})
        assert made.returncode == 0, made.stderr
        yield path, path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("days_back = 14", "day_back = 14", "window.day_back: unknown setting (did you mean 'days_back'?)"),
    ('plugin = "baselinker"', 'plugin = "baselinkr"', "no sink named 'baselinkr' is installed (did you mean "
                                                      "'baselinker'?)"),
    ("document_types =", "document_type =", "source.document_type: unknown setting (did you mean "
                                            "'document_types'?)"),
    ('field = "numer_oryginalny"', 'field = "numer_orginalny"', "did you mean 'numer_oryginalny'?"),
    ("order_key =", "orderkey =", "source.match.orderkey: unknown setting (did you mean 'order_key'?)"),
    ("requests_per_minute = 60", "request_per_minute = 60", "(did you mean 'requests_per_minute'?)"),
    ('timezone = "Europe/Warsaw"', 'timezone = "Europe/Warsaw"\ncolour = "red"', "colour: unknown setting (check "
                                                                                 "the spelling"),
])
def test_a_typo_gets_the_closest_valid_name(scenario, tmp_path: Path, old: str, new: str, expected: str) -> None:
    path, text = scenario
    assert old in text
    broken = path.parent / f"broken-{abs(hash(new))}.toml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run_cli("validate", str(broken), env={"TYPO_TOKEN": TOKEN})
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr, result.stderr
    if "colour" in new:
        assert "did you mean" not in result.stderr          # nothing close: no made-up suggestion


def test_a_status_name_without_its_polish_letter_gets_the_real_name(scenario) -> None:
    path, text = scenario
    broken = path.parent / "status-typo.toml"
    broken.write_text(text.replace('status = "Faktura wysłana"', 'status = "Faktura wyslana"'), encoding="utf-8")
    result = run_cli("check", str(broken), "--json", env={"TYPO_TOKEN": TOKEN})
    red = [i for i in json.loads(result.stdout) if not i["ok"]]
    assert result.returncode == 1 and red, result.stdout
    assert any("did you mean 'Faktura wysłana'?" in i["detail"] for i in red), red
