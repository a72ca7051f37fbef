"""Interactive `sellintegro init` on a real terminal (a pseudo-terminal): a bad answer is asked again at once, the
questions speak one language (English, the Polish term in parentheses), and the file it writes passes `check`'s
settings (an invoice series is required)."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli

POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
POLISH_WORDS = {"dni", "ilu", "czy", "godziny", "tygodnia", "przetwarzać", "uruchamiać", "co", "wstecz",
                "seria", "szablon", "dokumenty", "pole", "dla", "zamówień"}


class Terminal:
    """``sellintegro init`` on a pseudo-terminal; answers one prompt at a time (bounded in time)."""

    def __init__(self, args: list[str], cwd: Path, timeout: float = 60) -> None:
        master, slave = pty.openpty()
        attrs = termios.tcgetattr(slave)
        attrs[3] &= ~termios.ECHO                      # the transcript shows what init prints, not the typing
        termios.tcsetattr(slave, termios.TCSANOW, attrs)
        env = dict(os.environ, COLUMNS="200", SELLINTEGRO_NOW="")
        self.proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "init", *args], stdin=slave,
                                     stdout=slave, stderr=slave, cwd=cwd, env=env, close_fds=True)
        os.close(slave)
        self.master = master
        self.deadline = time.monotonic() + timeout
        self.output = ""
        self.prompts: list[str] = []      # every prompt, in order, as shown (without the default in [...])

    def _read(self) -> bool:
        ready, _, _ = select.select([self.master], [], [], 0.2)
        if not ready:
            return True
        try:
            data = os.read(self.master, 4096)
        except OSError:                   # EIO: the child closed the terminal
            return False
        if not data:
            return False
        self.output += data.decode("utf-8", "replace").replace("\r\n", "\n")
        return True

    def next_prompt(self) -> str | None:
        """Wait for the next question; None when init ended."""
        seen = len(self.output)
        while time.monotonic() < self.deadline:
            alive = self._read()
            tail = self.output[seen:]
            if tail.endswith(": ") and "\n" not in tail[tail.rfind("\n") + 1:]:
                prompt = tail[tail.rfind("\n") + 1:] if "\n" in tail else tail
                prompt = re.sub(r" \[[^\]]*\]: $", "", prompt).removesuffix(": ")
                self.prompts.append(prompt)
                return prompt
            if not alive or self.proc.poll() is not None and not select.select([self.master], [], [], 0.2)[0]:
                return None
        pytest.fail(f"init did not ask or finish in time; output so far:\n{self.output}")

    def answer(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode())

    def finish(self) -> int:
        try:
            return self.proc.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        finally:
            os.close(self.master)


def run_interactive(tmp_path: Path, answers: dict[str, list[str]]) -> Terminal:
    """Answer each prompt with the next answer listed under the first key it contains, else the default."""
    term = Terminal(["shop.toml", "--subiekt-dsn", "sqlite:///subiekt.sqlite", "--token-env", "SHOP_TOKEN"],
                    cwd=tmp_path)
    pending = {key: list(values) for key, values in answers.items()}
    for _ in range(60):
        prompt = term.next_prompt()
        if prompt is None:
            break
        key = next((k for k in pending if k in prompt and pending[k]), None)
        term.answer(pending[key].pop(0) if key else "")
    code = term.finish()
    term.output += f"\n[exit {code}]"
    return term


def test_a_bad_answer_is_asked_again_at_once(tmp_path: Path) -> None:
    term = run_interactive(tmp_path, {
        "Days of the week": ["pn,wt", "mon,tue"],
        "Pattern": [r"^B_(\d+)$", r"^B_(?P<ref>\d+)$"],
        "invoice series": ["", "Subiekt"],
        "Scenario name": ["mój sklep", "sklep"],
    })
    assert term.output.endswith("[exit 0]"), term.output
    prompts = term.prompts
    for question in ("Days of the week", "Pattern", "invoice series", "Scenario name"):
        index = next(i for i, p in enumerate(prompts) if question in p)
        assert question in prompts[index + 1], f"{question!r} was not asked again at once: {prompts}"
        assert not any(question in p for p in prompts[index + 2:]), prompts
    out = term.output
    assert "unknown day 'pn', 'wt'" in out and "pn = mon" in out
    assert "none is named ref" in out
    assert "the invoice series (name or id of a BaseLinker INVOICE series) is required" in out
    text = (tmp_path / "shop.toml").read_text(encoding="utf-8")
    assert 'weekdays = ["mon", "tue"]' in text and 'invoice_series = "Subiekt"' in text
    assert 'pattern = "^B_(?P<ref>\\\\d+)$"' in text and 'name = "sklep"' in text
    valid = run_cli("validate", str(tmp_path / "shop.toml"), env={"SHOP_TOKEN": "t"})
    assert valid.returncode == 0, valid.stderr


def test_questions_speak_english_with_the_polish_term_in_parentheses(tmp_path: Path) -> None:
    term = run_interactive(tmp_path, {"invoice series": ["Subiekt"], "Process orders placed before": ["include"]})
    assert term.output.endswith("[exit 0]"), term.output
    assert len(term.prompts) >= 20, term.prompts
    with_polish = 0
    for prompt in term.prompts:
        outside = re.sub(r"\([^)]*\)", "", prompt)
        outside = re.sub(r"\b\w+_\w+\b", "", outside)     # setting values such as pole_wlasne:<name>
        words = set(re.findall(r"[a-ząćęłńóśźż]+", outside.lower()))
        assert not POLISH_LETTERS & set(outside) and not POLISH_WORDS & words, f"not English: {prompt!r}"
        with_polish += bool(re.search(r"\([^)]*[ąćęłńóśźż][^)]*\)|\((dni|seria|szablon|dokumenty|uwagi)", prompt))
    assert with_polish >= 8, term.prompts


def test_non_interactive_init_names_the_bad_flag_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    base = ["init", str(path), "--non-interactive", "--invoice-series", "Subiekt"]
    for extra, expected in ((["--weekdays", "pn,wt"], "--weekdays: unknown day 'pn', 'wt'"),
                            (["--match-pattern", r"^B_(\d+)$"], "--match-pattern: the pattern has groups but none"),
                            (["--invoice-series", ""], "--invoice-series: the invoice series"),
                            (["--name", "mój sklep"], "--name: 'mój sklep' is not valid here")):
        result = run_cli(*base, *extra)
        assert result.returncode == 2, (extra, result.stderr)
        assert expected in result.stderr, result.stderr
        assert "run `sellintegro init` again" in result.stderr and "validate" not in result.stderr
        assert not path.exists()


def test_the_hint_after_already_exists_matches_the_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.toml"
    path.write_text("name = 'x'\n", encoding="utf-8")
    result = run_cli("init", str(path), "--non-interactive", "--invoice-series", "Subiekt")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"error: {path} already exists; use --force to overwrite it or choose another path"
    assert lines[1].startswith(f"to overwrite it: sellintegro init {path} --force"), lines
    assert "fix the scenario" not in result.stderr
    assert path.read_text(encoding="utf-8") == "name = 'x'\n"
