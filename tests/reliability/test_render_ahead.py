"""Issue 17.2: render ahead. The next documents' PDFs are made in ``[renderer] workers`` processes.

Real processes: ``python -m sellintegro_core.cli run`` against the emulator on 127.0.0.1, with the ``ahead_pdf``
test renderer (a real entry point on PYTHONPATH) whose workers log which process rendered what. Proven here:
the same documents are attached once each with the pool on and off, and the renderer's notes come back; a
worker that is SIGKILLed or calls ``os._exit`` fails only its own document; a stuck render is a document
error after ``[renderer] timeout``; a stop with the pool busy exits 4 within 10 s and leaves no worker; `plan`
never renders.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .stack import cli_env, report_of, run_cli, snapshot

STOPPED = "stopped; the next run continues"


@pytest.fixture(scope="module")
def ahead_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import write_dist

    source = (Path(__file__).parent / "ahead_pdf.py").read_text(encoding="utf-8")
    return write_dist(tmp_path_factory.mktemp("site"), "ahead_pdf", source)


class Rig:
    """A stack whose scenario renders with ``ahead_pdf`` in ``workers`` processes; renders logged in ``log``."""

    def __init__(self, stack_factory: Any, site: Path, workers: int, **renderer: Any) -> None:
        self.stack = stack_factory()
        self.site = site
        self.log = self.stack.folder / "renders"
        self.log.mkdir()
        self.pid = 0
        self.stderr = ""
        data = self.stack.data
        data["renderer"].update({"plugin": "ahead_pdf", "workers": workers, **renderer})
        self.stack.rewrite(data)

    def env(self, **extra: str) -> dict[str, str]:
        return cli_env(PYTHONPATH=str(self.site), AHEAD_PDF_LOG=str(self.log), **extra)

    def run(self, *args: str, **env: str) -> tuple[int, dict[str, Any]]:
        """``sellintegro ARGS scenario --json`` to its end: (exit code, report); ``self.pid`` is its process."""
        proc = subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", *args, str(self.stack.scenario),
                                 "--json", "--no-progress"], cwd=self.stack.folder, env=self.env(**env),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.pid = proc.pid
        stdout, stderr = proc.communicate(timeout=180)
        self.stderr = stderr
        report = report_of(stdout)
        assert report is not None, (stdout, stderr)
        return proc.returncode, report

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        """``run`` in the background, in its own session (so a signal can go to its whole process group)."""
        with (self.stack.folder / "run.out").open("wb") as out, (self.stack.folder / "run.err").open("wb") as err:
            return subprocess.Popen([sys.executable, "-m", "sellintegro_core.cli", "run", str(self.stack.scenario),
                                     "--json", "--no-progress"], cwd=self.stack.folder, env=self.env(**env),
                                    stdout=out, stderr=err, start_new_session=True)

    def renders(self) -> list[tuple[int, str]]:
        """(pid, document number) of every render so far."""
        return [(int(p.name.split("-", 1)[0]), p.read_text(encoding="utf-8")) for p in self.log.iterdir()]

    def attached(self) -> list[tuple[int, str, str]]:
        return sorted(snapshot(self.stack.emulator).documents().elements())


def attach_rows(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((r["order_id"], r["document"], r["outcome"]) for r in report["rows"]
                  if r["action"].startswith("attach"))


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture
def reference(stack_factory: Any, ahead_site: Path) -> tuple[dict[str, Any], list[tuple[int, str, str]]]:
    """One run rendering in the run process (``workers = 0``): its report and what it attached."""
    rig = Rig(stack_factory, ahead_site, 0)
    code, report = rig.run("run")
    assert code == 0, report
    renders = rig.renders()
    assert renders and {pid for pid, _ in renders} == {rig.pid}, "workers = 0 renders in the run process"
    assert rig.stderr.count("ahead_pdf log for") == len(renders) and "\x1b" not in rig.stderr
    return report, rig.attached()


def test_the_pool_attaches_the_same_documents_once_each(stack_factory: Any, ahead_site: Path,
                                                        reference: tuple[dict[str, Any], list[Any]]) -> None:
    ref_report, ref_attached = reference
    rig = Rig(stack_factory, ahead_site, 2)
    code, report = rig.run("run")
    assert code == 0, report
    attached = rig.attached()
    assert attached == ref_attached and len(set(attached)) == len(attached), "each document once, as without"
    assert len(attached) >= 8
    assert attach_rows(report) == attach_rows(ref_report)
    assert report["counts"] == ref_report["counts"]
    renders = rig.renders()
    workers = {pid for pid, _ in renders}
    assert 1 <= len(workers) <= 2 and rig.pid not in workers, f"rendered by {workers}: the pool has 2 workers"
    # the renderer's notes come back from the workers, onto the document's row, as without the pool
    notes = {r["document"] for r in report["rows"] if "warning: ahead_pdf note for" in r["message"]}
    assert notes == {r["document"] for r in ref_report["rows"] if "warning: ahead_pdf note for" in r["message"]}
    assert len(notes) == len(attached)
    # the renderer's log warnings reach stderr from the workers too, as plain text (no escape sequence)
    assert rig.stderr.count("ahead_pdf log for") == len(renders) and "\x1b" not in rig.stderr
    # a second run has nothing to render or send
    before = len(rig.renders())
    code, again = rig.run("run")
    assert code == 0 and not attach_rows(again) and len(rig.renders()) == before


@pytest.mark.parametrize("how", ["AHEAD_PDF_KILL", "AHEAD_PDF_EXIT"])
def test_a_crashed_worker_fails_only_its_document(stack_factory: Any, ahead_site: Path, how: str,
                                                  reference: tuple[dict[str, Any], list[Any]]) -> None:
    _, ref_attached = reference
    victim = next(a for a in ref_attached if a[1] == "receipt")      # nothing waits for a receipt
    rig = Rig(stack_factory, ahead_site, 2)
    code, report = rig.run("run", **{how: victim[2]})
    assert code == 1, report
    failed = [r for r in report["rows"] if r["outcome"] == "failed"]
    assert [r["document"] for r in failed] == [victim[2]], failed
    assert "worker process ended while making this PDF" in failed[0]["message"]
    assert rig.attached() == sorted(set(ref_attached) - {victim}), "every other document is attached"
    history = run_cli("history", str(rig.stack.scenario), "--json", cwd=rig.stack.folder, env=rig.env())
    assert "render_crashed" in history.stdout or "worker process ended" in history.stdout
    code, _ = rig.run("run")                        # the next run, without the crash, attaches it
    assert code == 0
    assert rig.attached() == ref_attached


def test_a_stuck_render_is_a_document_error_after_the_timeout(stack_factory: Any, ahead_site: Path,
                                                               reference: tuple[dict[str, Any], list[Any]]) -> None:
    _, ref_attached = reference
    victim = next(a for a in ref_attached if a[1] == "receipt")
    rig = Rig(stack_factory, ahead_site, 2, timeout=3)
    started = time.monotonic()
    code, report = rig.run("run", AHEAD_PDF_HANG=victim[2])
    assert code == 1, report
    assert time.monotonic() - started < 120
    failed = [r for r in report["rows"] if r["outcome"] == "failed"]
    assert [r["document"] for r in failed] == [victim[2]], failed
    assert "took longer than 3 s" in failed[0]["message"] and "[renderer] timeout" in failed[0]["message"]
    assert rig.attached() == sorted(set(ref_attached) - {victim})


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("sig,group", [(signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["SIGTERM-to-run", "SIGINT-to-group"])
def test_a_stop_with_the_pool_busy_exits_4_and_leaves_no_worker(stack_factory: Any, ahead_site: Path,
                                                                sig: int, group: bool) -> None:
    rig = Rig(stack_factory, ahead_site, 2)
    run = rig.start(AHEAD_PDF_SECONDS="30")
    try:
        deadline = time.monotonic() + 120
        while len({pid for pid, _ in rig.renders()}) < 2:     # both workers are making a PDF
            assert run.poll() is None, (rig.stack.folder / "run.err").read_text()
            assert time.monotonic() < deadline, "the workers never started rendering"
            time.sleep(0.1)
        workers = {pid for pid, _ in rig.renders()}
        assert run.pid not in workers and all(alive(pid) for pid in workers)
        sent = time.monotonic()
        if group:                                   # Ctrl-C in a terminal: the whole group gets SIGINT
            os.killpg(run.pid, sig)
        else:                                       # systemd's main-process SIGTERM
            run.send_signal(sig)
        code = run.wait(30)
        took = time.monotonic() - sent
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    output = (rig.stack.folder / "run.out").read_text()
    assert code == 4, (output, (rig.stack.folder / "run.err").read_text())
    assert took < 10, f"took {took:.1f} s"
    report = report_of(output)
    assert report is not None and report["outcome"] == "stopped" and report["message"] == STOPPED
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if alive(pid)], "render workers outlived the run"
    assert not rig.attached(), "nothing was rendered, so nothing was sent"


def test_plan_never_renders(stack_factory: Any, ahead_site: Path) -> None:
    rig = Rig(stack_factory, ahead_site, 2)
    code, report = rig.run("plan")
    assert code == 0, report
    assert any(r["outcome"] == "planned" and r["action"].startswith("attach") for r in report["rows"])
    assert rig.renders() == []


@pytest.mark.parametrize("value,expected", [("-1", "renderer.workers"), ('"two"', "renderer.workers"),
                                            ("0", None), ("65", "renderer.workers")])
def test_renderer_workers_is_validated(stack_factory: Any, ahead_site: Path, value: str,
                                       expected: str | None) -> None:
    rig = Rig(stack_factory, ahead_site, 2)
    text = rig.stack.scenario.read_text(encoding="utf-8").replace("workers = 2", f"workers = {value}")
    rig.stack.scenario.write_text(text, encoding="utf-8")
    done = run_cli("validate", str(rig.stack.scenario), cwd=rig.stack.folder, env=rig.env())
    if expected is None:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode == 2 and expected in done.stdout + done.stderr, done.stdout + done.stderr


@pytest.mark.parametrize("workers", [0, 2])
def test_a_renderer_that_cannot_be_built_stops_the_run_with_exit_2_either_way(stack_factory: Any, workers: int
                                                                              ) -> None:
    stack = stack_factory()
    data = stack.data
    data["renderer"].update({"templates_dir": "no-such-folder", "workers": workers})
    stack.rewrite(data)
    done = run_cli("run", str(stack.scenario), "--no-progress", cwd=stack.folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "renderer.templates_dir" in done.stdout + done.stderr and "is not a folder" in done.stdout + done.stderr
    assert not snapshot(stack.emulator).attached


def test_a_script_that_runs_the_engine_is_not_run_again_by_the_workers(stack_factory: Any, ahead_site: Path
                                                                        ) -> None:
    """A program embedding the engine without an ``if __name__ == "__main__"`` guard: the workers are fresh
    interpreters running the renderer only, never a second copy of the program."""
    rig = Rig(stack_factory, ahead_site, 2)
    script = rig.stack.folder / "embed.py"
    starts = rig.stack.folder / "starts.txt"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from sellintegro_core.config import load_scenario\n"
        "from sellintegro_core.engine import run_scenario\n"
        f"with open({str(starts)!r}, 'a') as f:\n"
        "    f.write('started\\n')\n"
        "report = run_scenario(load_scenario(sys.argv[1]))\n"
        "print(report.outcome, report.counts.get('done', 0))\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), str(rig.stack.scenario)], cwd=rig.stack.folder,
                            env=rig.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert stdout.split()[0] == "ok", stdout
    assert starts.read_text().count("started") == 1
    assert rig.renders() and proc.pid not in {pid for pid, _ in rig.renders()}
    assert len(rig.attached()) == len(rig.renders())
