"""Values from Subiekt are text, never markup or terminal commands; output to a closed pipe ends quietly.

Rich markup (``[/red]``, ``[bold green]…``) and terminal escapes (``ESC [2J`` clears the screen, ``ESC ]52;``
writes the clipboard, the 8-bit CSI ``\\x9b``) are edited into a copy of the demo database. ``plan``, ``run`` and
``history`` run as real processes -- on a pipe and on a pseudo-terminal, where rich does colour its output --
and must print those values literally, without the control characters, and never fail with ``MarkupError``.
``history`` keeps working after the value is fixed in Subiekt (the ledger holds text, not markup).
"""

from __future__ import annotations

import json
import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .stack import cli_env, report_of, run_cli

CLOSING_TAG = "B_[/red]"
STYLED = "[bold green]FAKE-done"
ESCAPES = "FS \x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m 9"
ESCAPES_SHOWN = "FS [2J]52;c;ZXZpbA==31m 9"       # what the terminal must get instead
BAD_BYTES = ("\x1b[2J", "\x1b]52", "\x9b", "\x07")
DOCUMENTS = ("FS 16/11/2026", "FS 8/11/2026", "FS 5/11/2026")     # in the window of the reliability demo


def _edit(db: Path) -> dict[str, Any]:
    """Put the hostile values into three sales documents of the demo copy; returns what to restore."""
    con = sqlite3.connect(db)
    unmatched, styled, escaped = (con.execute("SELECT dok_Id, dok_NrPelny, dok_NrPelnyOryg, dok_DoDokId FROM "
                                              "dok__Dokument WHERE dok_NrPelny = ?", (number,)).fetchone()
                                  for number in DOCUMENTS)
    zk = con.execute("SELECT dok_Id, dok_NrPelnyOryg FROM dok__Dokument WHERE dok_Id = ?", (unmatched[3],)).fetchone()
    con.execute("UPDATE dok__Dokument SET dok_NrPelnyOryg = ? WHERE dok_Id IN (?, ?)",
                (CLOSING_TAG, unmatched[0], zk[0]))
    con.execute("UPDATE dok__Dokument SET dok_NrPelny = ? WHERE dok_Id = ?", (STYLED, styled[0]))
    con.execute("UPDATE dok__Dokument SET dok_NrPelny = ? WHERE dok_Id = ?", (ESCAPES, escaped[0]))
    con.commit()
    con.close()
    return {"unmatched": unmatched, "zk": zk, "styled": styled, "escaped": escaped}


def _restore(db: Path, saved: dict[str, Any]) -> None:
    con = sqlite3.connect(db)
    con.execute("UPDATE dok__Dokument SET dok_NrPelnyOryg = ? WHERE dok_Id = ?", (saved["unmatched"][2],
                                                                               saved["unmatched"][0]))
    con.execute("UPDATE dok__Dokument SET dok_NrPelnyOryg = ? WHERE dok_Id = ?", (saved["zk"][1], saved["zk"][0]))
    for key in ("styled", "escaped"):
        con.execute("UPDATE dok__Dokument SET dok_NrPelny = ? WHERE dok_Id = ?", (saved[key][1], saved[key][0]))
    con.commit()
    con.close()


def _assert_plain(result: subprocess.CompletedProcess[str], *shown: str) -> None:
    out = result.stdout + result.stderr
    context = f"exit {result.returncode}\n{out[-3000:]}"
    assert result.returncode in (0, 1), context
    assert "MarkupError" not in out and "unexpected" not in out and "Traceback" not in out, context
    for bad in BAD_BYTES:
        assert bad not in out, f"{bad!r} reached the terminal: {context}"
    flat = " ".join(result.stdout.split())          # the table may wrap a long cell
    for text in shown:
        assert text in flat or text in result.stdout.replace("\n", ""), f"{text!r} not shown literally: {context}"


def test_markup_and_escapes_from_subiekt_are_plain_text(stack_factory: Any) -> None:
    stack = stack_factory()
    saved = _edit(stack.db)
    env = cli_env(COLUMNS="400")
    folder = stack.folder

    plan = run_cli("plan", str(stack.scenario), env=env, cwd=folder)
    _assert_plain(plan, CLOSING_TAG, STYLED, ESCAPES_SHOWN)

    as_json = run_cli("plan", str(stack.scenario), "--json", env=env, cwd=folder)
    assert "\x1b" not in as_json.stdout and "\x9b" not in as_json.stdout, as_json.stdout[-2000:]
    report = report_of(as_json.stdout)
    assert report is not None, as_json.stdout[-2000:]
    numbers = {row["document"] for row in report["rows"]}
    assert STYLED in numbers and ESCAPES in numbers, numbers        # JSON keeps the exact value, escaped
    assert any(CLOSING_TAG in row["message"] for row in report["rows"]), report["rows"]

    run = run_cli("run", str(stack.scenario), env=env, cwd=folder)
    _assert_plain(run, CLOSING_TAG, STYLED)
    history = run_cli("history", str(stack.scenario), env=env, cwd=folder)
    _assert_plain(history, CLOSING_TAG)
    assert history.returncode == 0

    _restore(stack.db, saved)                                       # the value is fixed in Subiekt
    again = run_cli("history", str(stack.scenario), env=env, cwd=folder)
    _assert_plain(again, CLOSING_TAG)
    assert again.returncode == 0


def _run_on_terminal(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 180) -> tuple[int, str]:
    """``sellintegro ARGS`` with stdout and stderr on a pseudo-terminal (rich colours its output there)."""
    main, child = pty.openpty()
    env = {k: v for k, v in env.items() if k not in ("NO_COLOR",)} | {"TERM": "xterm-256color",
                                                                      "FORCE_COLOR": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", *args], stdin=child, stdout=child,
                            stderr=child, env=env, cwd=cwd, close_fds=True)
    os.close(child)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 0.5)
        if ready:
            try:
                data = os.read(main, 65536)
            except OSError:               # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(main)
    code = proc.wait(timeout=30)
    return code, b"".join(chunks).decode("utf-8", "replace")


def test_on_a_terminal_no_escape_from_data_and_no_styling_by_data(stack_factory: Any) -> None:
    stack = stack_factory()
    _edit(stack.db)
    code, out = _run_on_terminal(["plan", str(stack.scenario), "--no-progress"], cli_env(COLUMNS="400"),
                                 stack.folder)
    assert code in (0, 1), out[-3000:]
    assert "MarkupError" not in out and "unexpected" not in out, out[-3000:]
    assert "\x1b[" in out, "rich did not colour the output: the test would prove nothing"
    for bad in BAD_BYTES:
        assert bad not in out, f"{bad!r} reached the terminal"
    assert STYLED in out, "the document number was read as markup (shown styled, brackets gone)"
    assert CLOSING_TAG in out


# ------------------------------------------------------------------------------------------------ pipes


def _closed_pipe(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run with stdout on a pipe whose reader has already gone (like ``| head`` that has read enough)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run([sys.executable, "-m", "sellintegro_core.cli", *args], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=cwd, timeout=180)
    finally:
        os.close(write_end)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", proc.stderr)


def test_output_to_a_closed_pipe_ends_quietly(stack_factory: Any) -> None:
    stack = stack_factory()
    env = cli_env()
    folder = stack.folder
    full = run_cli("plan", str(stack.scenario), "--json", env=env, cwd=folder)
    assert full.returncode in (0, 1) and report_of(full.stdout) is not None, full.stderr
    for args, code in ((["plan", str(stack.scenario), "--json"], full.returncode),
                       (["plan", str(stack.scenario)], full.returncode),
                       (["run", str(stack.scenario), "--json"], None),
                       (["history", str(stack.scenario)], 0),
                       (["history", str(stack.scenario), "--json"], 0),
                       (["schedule", str(stack.scenario), "--max-runs", "1"], 0)):
        result = _closed_pipe(args, env, folder)
        assert result.stderr == "", f"{args}: {result.stderr}"
        if code is not None:
            assert result.returncode == code, (args, result.returncode)
        else:
            assert result.returncode in (0, 1), (args, result.returncode)
    # the run whose report nobody read was still carried out and recorded
    history = run_cli("history", str(stack.scenario), "--json", env=env, cwd=folder)
    recorded = json.loads(history.stdout)
    assert recorded["runs"] and recorded["runs"][0]["outcome"] in ("ok", "document_errors"), recorded["runs"]
    assert stack.emulator.calls, "the run made no BaseLinker call"



# ------------------------------------------------------------------------------------------------ BaseLinker text

BL_MESSAGE = "[/red][bold green]FAKE-done \x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m"


def test_markup_and_escapes_from_baselinker_are_plain_text(stack_factory: Any) -> None:
    """A BaseLinker (or something on its URL) that answers every call with an error message full of markup and
    escapes: whatever the run reports, it shows the message as text."""
    import http.server
    import threading

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps({"status": "ERROR", "error_code": "ERROR_UNKNOWN[/red]",
                               "error_message": BL_MESSAGE}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        stack = stack_factory()
        data = stack.data
        data["sink"]["url"] = f"http://127.0.0.1:{server.server_address[1]}/connector.php"
        stack.rewrite(data)
        env = cli_env(COLUMNS="400")
        for args in (["plan", str(stack.scenario)], ["run", str(stack.scenario)], ["check", str(stack.scenario)],
                     ["history", str(stack.scenario)]):
            result = run_cli(*args, env=env, cwd=stack.folder, timeout=120)
            out = result.stdout + result.stderr
            assert "MarkupError" not in out and "unexpected" not in out and "Traceback" not in out, (args, out)
            for bad in BAD_BYTES:
                assert bad not in out, (args, bad, out)
            if args[0] in ("plan", "run", "check"):
                assert "[/red][bold green]FAKE-done" in out, (args, out)
    finally:
        server.shutdown()
        server.server_close()
