"""Off loopback: no start without a password; with one, every page asks for it; wrong password and a missing
CSRF token are refused with 403 (127.0.0.2 is in the loopback range but is not 127.0.0.1, ::1 or localhost)."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest

from .conftest import env_without_password, screenshot

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (tox installs it)").expect

PASSWORD = "panel-pass-7f3a9c1e-never-print"


def test_refuses_to_start_off_loopback_without_a_password(shop_factory: Any) -> None:
    shop = shop_factory()
    result = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", "panel", str(shop.scenario),
                             "--host", "127.0.0.2", "--port", "0"], capture_output=True, text=True, timeout=60,
                            env=env_without_password())
    assert result.returncode == 2, result.stdout + result.stderr
    assert "SELLINTEGRO_PANEL_PASSWORD" in result.stderr
    assert "http://" not in result.stdout


def test_password_csrf_and_403(shop_factory: Any, browser: Any) -> None:
    shop = shop_factory(host="127.0.0.2", password=PASSWORD)
    assert shop.url.startswith("http://127.0.0.2:")
    context = browser.new_context()
    page = context.new_page()
    for path in ("", "orders", "health", "settings/shop", "runs/1"):
        page.goto(shop.url + path)
        expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto(shop.url)
    screenshot(page, "login.png")
    # a POST before logging in is refused
    assert context.request.post(shop.url + "scenarios/shop/run", max_redirects=0).status == 403

    page.get_by_label("Password").fill("wrong")
    with page.expect_response(lambda r: r.url.endswith("/login")) as answer:
        page.get_by_role("button", name="Log in").click()
    assert answer.value.status == 403
    expect(page.get_by_role("alert")).to_contain_text("Wrong password")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Scenarios")).to_be_visible()
    assert PASSWORD not in page.content()
    cookie = next(c for c in context.cookies() if c["name"] == "sellintegro_panel")
    assert PASSWORD not in cookie["value"] and cookie["httpOnly"]

    expect(page.locator("ul.checks")).to_contain_text("BaseLinker token: ok")   # the page's own calls done
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.content()).group(1)
    calls = len(shop.emulator.calls)
    missing = context.request.post(shop.url + "scenarios/shop/plan", form={}, max_redirects=0)
    assert missing.status == 403
    wrong = context.request.post(shop.url + "scenarios/shop/plan", form={"csrf_token": token[::-1]},
                                 max_redirects=0)
    assert wrong.status == 403
    header_only = context.request.post(shop.url + "health/shop/check", headers={"X-CSRF-Token": "nope"},
                                       max_redirects=0)
    assert header_only.status == 403
    assert len(shop.emulator.calls) == calls           # nothing ran
    ok = context.request.post(shop.url + "scenarios/shop/plan", form={"csrf_token": token}, max_redirects=0)
    assert ok.status == 303 and "/runs/" in ok.headers["location"]
    # a session cookie from another panel process (other key) does not log in
    other = browser.new_context()
    other.add_cookies([{**cookie, "value": cookie["value"][:-4] + "AAAA"}])
    other_page = other.new_page()
    other_page.goto(shop.url)
    expect(other_page.get_by_role("heading", name="Log in")).to_be_visible()
    other.close()
    context.close()


def test_loopback_names() -> None:
    """Only 127.0.0.1, ::1 and localhost count as loopback."""
    from sellintegro_panel.security import is_loopback

    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("127.0.0.2", "0.0.0.0", "192.168.1.10", "::", "example.com"))


def _status(url: str, host: str) -> int:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    con = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        con.request("GET", "/", headers={"Host": host})
        return con.getresponse().status
    finally:
        con.close()


def test_scenarios_folder(shop_factory: Any, tmp_path: Any) -> None:
    """``--scenarios DIR`` serves every *.toml in the folder and prints the URL."""
    import urllib.request

    shop = shop_factory()
    folder = tmp_path / "many"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.toml").write_text(shop.scenario.read_text(encoding="utf-8").replace(
            'name = "shop"', f'name = "shop-{name}"').replace("sqlite:///state/", f"sqlite:///{shop.folder}/state/")
            .replace("sqlite:///subiekt.sqlite", f"sqlite:///{shop.folder}/subiekt.sqlite"), encoding="utf-8")
    from .conftest import PanelProcess

    panel = PanelProcess(["--scenarios", str(folder), "--port", "0"], env_without_password(), tmp_path)
    try:
        assert panel.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(panel.url, timeout=30) as response:  # noqa: S310 - loopback panel
            html = response.read().decode("utf-8")
        assert "shop-a" in html and "shop-b" in html
        # without a password only loopback Host names are served (no DNS rebinding from a web page)
        port = panel.url.rstrip("/").rsplit(":", 1)[1]
        assert _status(panel.url, f"evil.example:{port}") == 403
        assert _status(panel.url, f"localhost:{port}") == 200
    finally:
        panel.stop()
