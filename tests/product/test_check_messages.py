"""`sellintegro check` against a BaseLinker that is not there: a plain "no answer" line, no talk of deferring,
exit code 1 as documented."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sellintegro_subiekt_gt.demo_db import generate
from tests.conftest import REPO, run_cli


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_with_baselinker_down_says_no_answer_and_defers_nothing(tmp_path: Path) -> None:
    db = tmp_path / "subiekt.sqlite"
    generate(db, documents=10, seed=3)
    url = f"http://127.0.0.1:{_closed_port()}/connector.php"
    path = tmp_path / "shop.toml"
    made = run_cli("init", str(path), "--non-interactive", "--subiekt-dsn", f"sqlite:///{db}", "--baselinker-url",
                   url, "--token-env", "CHECK_TOKEN", "--invoice-series", "Faktury", env={"CHECK_TOKEN": "t"})
    assert made.returncode == 0, made.stderr
    path.write_text(path.read_text(encoding="utf-8").replace(
        "requests_per_minute = 60", "requests_per_minute = 60\nmax_retries = 0"), encoding="utf-8")
    human = run_cli("check", str(path), env={"CHECK_TOKEN": "t", "COLUMNS": "300"})
    assert human.returncode == 1, human.stdout + human.stderr
    assert "deferred" not in human.stdout.lower() and "resume" not in human.stdout.lower(), human.stdout
    assert f"BaseLinker reachable: FAIL — no proper answer from {url}" in human.stdout
    assert "is BaseLinker (or the emulator) running" in human.stdout
    items = json.loads(run_cli("check", str(path), "--json", env={"CHECK_TOKEN": "t"}).stdout)
    red = [i for i in items if not i["ok"]]
    assert [i["name"] for i in red] == ["BaseLinker reachable", "statuses exist"], red
    assert red[1]["detail"].startswith("not checked")
    assert any(i["name"] == "Subiekt GT reachable" and i["ok"] for i in items)     # the rest is still checked


def test_check_exit_codes_are_documented() -> None:
    def flat(text: str) -> str:
        return " ".join(text.replace("**", "").split())

    readme = flat((REPO / "README.md").read_text(encoding="utf-8"))
    trouble = flat((REPO / "docs" / "troubleshooting.md").read_text(encoding="utf-8"))
    for text in (readme, trouble):
        assert "exits with 0 when every line is green and 1 when any line is red" in text
    assert "exit code 0 when all are green, 1 when any is red" in flat(
        run_cli("check", "--help", env={"COLUMNS": "300"}).stdout)
