"""Fixtures of the panel's browser tests: a real ``sellintegro panel`` process, the emulator on 127.0.0.1, a demo
Subiekt database, and Debian's Chromium driven by Playwright (skipped only when /usr/bin/chromium is missing)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sellintegro_core.api import ServerProcess
from tests.reliability.stack import (
    NOW,
    TOKEN,
    Demo,
    cli_env,
    dump_toml,
    emulator_seed,
    generate_demo,
    preset_setup,
    scenario_data,
)

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
IMG = REPO / "docs" / "img"
URL_RE = re.compile(r"(http://\S+?:\d+/)")
HEADER = "# Shop scenario (the panel must keep this comment)\n"


@pytest.fixture(scope="session")
def panel_demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    return generate_demo(tmp_path_factory.mktemp("panel-demo"), documents=16, seed=11)


@pytest.fixture(scope="session")
def slow_pdf_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import write_dist

    source = (Path(__file__).parent / "slow_pdf.py").read_text(encoding="utf-8")
    return write_dist(tmp_path_factory.mktemp("site"), "panel_slow_pdf", source)


class PanelProcess(ServerProcess):
    """``sellintegro panel ARGS`` as a user starts it; ``url`` is what it printed."""

    url_re = URL_RE
    what = "the panel"
    start_seconds = 60.0

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self._start([sys.executable, "-m", "sellintegro_core.cli", "panel", *args], cwd=cwd, env=env)


class Shop:
    """A folder with a copy of the demo database, a served emulator, a scenario file and a running panel."""

    def __init__(self, folder: Path, emulator: Any, url: str, scenario: Path) -> None:
        self.folder, self.emulator, self.emulator_url, self.scenario = folder, emulator, url, scenario
        self.panel: PanelProcess | None = None

    @property
    def url(self) -> str:
        assert self.panel is not None
        return self.panel.url


@pytest.fixture
def shop_factory(tmp_path: Path, panel_demo: Demo, slow_pdf_site: Path) -> Iterator[Callable[..., Shop]]:
    """``shop_factory(renderer=None, host="127.0.0.1", password=None) -> Shop`` with its panel running."""
    from sellintegro_baselinker_emulator import Emulator, serve

    contexts: list[Any] = []
    shops: list[Shop] = []

    def make(*, renderer: str | None = None, host: str = "127.0.0.1", password: str | None = None,
             mutate: Callable[[dict[str, Any]], None] | None = None) -> Shop:
        folder = tmp_path / f"shop{len(shops)}"
        panel_demo.copy_to(folder)
        if mutate is not None:
            mutate({"db": folder / "subiekt.sqlite"})
        emulator = Emulator(token=TOKEN, seed=emulator_seed(panel_demo.sidecar), requests_per_minute=1000)
        cm = serve(emulator)
        server = cm.__enter__()
        contexts.append(cm)
        data = scenario_data(server.url, name="shop")
        if renderer:
            data.setdefault("renderer", {})["plugin"] = renderer   # keeps [renderer] exemption_basis
        scenario = folder / "shop.toml"
        scenario.write_text(HEADER + dump_toml(data), encoding="utf-8")
        preset_setup(folder / "state" / "ledger.db", "shop", NOW - timedelta(days=7))
        shop = Shop(folder, emulator, server.url, scenario)
        env = cli_env(PYTHONPATH=str(slow_pdf_site), PANEL_SLOW_PDF_SECONDS="0.4")
        env.pop("SELLINTEGRO_PANEL_PASSWORD", None)
        if password is not None:
            env["SELLINTEGRO_PANEL_PASSWORD"] = password
        shop.panel = PanelProcess([str(scenario), "--host", host, "--port", "0"], env, folder)
        shops.append(shop)
        return shop

    yield make
    for shop in shops:
        if shop.panel is not None:
            shop.panel.stop()
    for cm in reversed(contexts):
        cm.__exit__(None, None, None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (/usr/bin/chromium): apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot for docs/panel.md (made by the tests, so the documentation shows the real pages)."""
    IMG.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(IMG / name), full_page=True)


def env_without_password() -> dict[str, str]:
    env = cli_env()
    env.pop("SELLINTEGRO_PANEL_PASSWORD", None)
    return env


__all__ = ["os", "screenshot"]
