"""Run every benchmark and write docs/benchmarks.md.

    python benchmarks/run.py            # the sizes of issue 8 (several minutes), writes docs/benchmarks.md
    python benchmarks/run.py --quick    # small sizes, a smoke run (writes benchmarks-quick.md in --workdir)
    python benchmarks/run.py --long     # the sizes of issue 8 with more repetitions
    python benchmarks/run.py --only rendering startup
    python benchmarks/run.py --only scale --update   # measure one again, replace its parts of docs/benchmarks.md

Each benchmark is a module of this folder with ``run(size, workdir) -> Result``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.common import Result  # noqa: E402

ORDER = ["calls_per_document", "throughput", "rendering", "render_ahead", "scale", "startup"]


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB RAM"
                break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    parts = [f"{cores} cores" + (f" ({cpu})" if cpu else ""), mem,
             f"{platform.system()} {platform.release()}", f"Python {platform.python_version()}"]
    return ", ".join(p for p in parts if p)


def _met(value: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[value]


def load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _row_lines(r: Result) -> list[str]:
    if r.error:
        return [f"| {r.title} | (did not run) | | {r.error.splitlines()[0][:120]} | **no** |"]
    return [f"| {r.title} | {row.metric} | {row.target} | {row.measured} | {_met(row.met)} |" for row in r.rows]


def _missed_lines(r: Result) -> list[str]:
    lines = [f"* **{r.title} — {row.metric}**: target {row.target}, measured {row.measured}. {row.note}"
             for row in r.rows if row.met is False]
    return lines + ([f"* **{r.title}** did not run: `{r.error.splitlines()[0]}`"] if r.error else [])


def _section_lines(r: Result) -> list[str]:
    out = [f"## {r.title}", "", f"Module: `benchmarks/{r.name}.py` ({r.seconds:.0f} s in this run).", "",
           "**Method.** " + r.method, ""]
    return out + (r.details + [""] if r.details else [])


def update_markdown(text: str, results: list[Result], command: str, loads: tuple[str, str]) -> str:
    """``text`` (an existing docs/benchmarks.md) with the rows, missed targets and sections of ``results``
    replaced by the new ones; the other benchmarks' parts stay as they were, and a line in the header says
    which benchmarks were measured again, when and how."""
    lines = text.rstrip("\n").split("\n")
    for r in results:
        rows = [i for i, line in enumerate(lines) if line.startswith(f"| {r.title} |")]
        at = rows[0] if rows else max(i for i, line in enumerate(lines) if line.startswith("|")) + 1
        lines = [line for i, line in enumerate(lines) if i not in rows]
        lines[at:at] = _row_lines(r)
        start = lines.index("## Missed targets")
        end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("## "))
        bullets = [line for line in lines[start + 1:end] if line.startswith("* ")
                   and not line.startswith((f"* **{r.title} —", f"* **{r.title}**"))]
        bullets += _missed_lines(r)
        body = bullets or ["None: every target was met in this run."]
        lines[start:end] = ["## Missed targets", "", *body, ""]
        heading = f"## {r.title}"
        if heading in lines:
            start = lines.index(heading)
            end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
            lines[start:end] = _section_lines(r)
        else:
            lines += ["", *_section_lines(r)]
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    names = ", ".join(r.title for r in results)
    note = (f"* {names} measured again on {now} with `{command} --update` (load average {loads[0]} at the start, "
            f"{loads[1]} at the end); its rows and section come from that run, the others from the runs above.")
    run_line = next(i for i, line in enumerate(lines) if line.startswith("* Run:"))
    lines.insert(run_line + 1, note)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(results: list[Result], size: str, command: str, total: float, loads: tuple[str, str]) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmarks",
        "",
        "What sellers feel — BaseLinker calls per document (the 100 calls/minute budget is shared with every",
        "other integration on the token), throughput under that limit, rendering speed, memory at scale and",
        "start-up — measured by one command. **This file is generated** by the command below; edit",
        "`benchmarks/*.py`, not this file.",
        "",
        "```console",
        f"$ {command}",
        "```",
        "",
        f"* Machine: {machine()}. The machine was shared with other work, so wall times carry some noise;",
        "  CPU-time measurements (rendering) are less affected.",
        f"* Run: {now}, size `{size}`, {total / 60:.1f} minutes in total; load average (1/5/15 min) "
        f"{loads[0]} at the start, {loads[1]} at the end.",
        "* `--quick` runs small sizes in well under a minute (a smoke run; its numbers are not comparable);",
        "  `--long` repeats the measurements more often. `--only NAME ...` runs some of them.",
        "",
        "## Results",
        "",
        "| benchmark | metric | target | measured | met? |",
        "|---|---|---|---|---|",
    ]
    for r in results:
        if r.error:
            out.append(f"| {r.title} | (did not run) | | {r.error.splitlines()[0][:120]} | **no** |")
        for row in r.rows:
            out.append(f"| {r.title} | {row.metric} | {row.target} | {row.measured} | {_met(row.met)} |")
    missed = [(r, row) for r in results for row in r.rows if row.met is False]
    out += ["", "## Missed targets", ""]
    if not missed and not any(r.error for r in results):
        out.append("None: every target was met in this run.")
    for r, row in missed:
        out.append(f"* **{r.title} — {row.metric}**: target {row.target}, measured {row.measured}. {row.note}")
    for r in results:
        if r.error:
            out.append(f"* **{r.title}** did not run: `{r.error.splitlines()[0]}`")
    for r in results:
        out += ["", f"## {r.title}", "", f"Module: `benchmarks/{r.name}.py` ({r.seconds:.0f} s in this run).", "",
                "**Method.** " + r.method, ""]
        if r.details:
            out += r.details + [""]
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the sellintegro benchmarks and write docs/benchmarks.md")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--quick", action="store_true", help="small sizes: a smoke run in well under a minute")
    group.add_argument("--long", action="store_true", help="more repetitions than the default sizes")
    parser.add_argument("--only", nargs="+", choices=ORDER, metavar="NAME", help=f"some of: {', '.join(ORDER)}")
    parser.add_argument("--output", type=Path, help="Markdown file to write (default: docs/benchmarks.md; "
                        "with --quick or --only: benchmarks-<size>.md in the work folder)")
    parser.add_argument("--workdir", type=Path, help="folder for databases, logs and ledgers (default: a temp dir)")
    parser.add_argument("--update", action="store_true", help="with --only: replace only these benchmarks' rows "
                        "and sections in docs/benchmarks.md (or --output), keeping the others")
    args = parser.parse_args(argv)
    size = "quick" if args.quick else "long" if args.long else "full"
    names = args.only or ORDER
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sellintegro-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    output = args.output or (REPO / "docs" / "benchmarks.md" if size != "quick" and not args.only
                             else workdir / f"benchmarks-{size}.md")
    command = "python benchmarks/run.py" + {"quick": " --quick", "long": " --long", "full": ""}[size] + (
        f" --only {' '.join(args.only)}" if args.only else "")
    results: list[Result] = []
    load_start = load()
    started = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {module.TITLE} ({size}) ...", flush=True)
        t0 = time.perf_counter()
        folder = workdir / name
        folder.mkdir(exist_ok=True)
        try:
            result = module.run(size, folder)
        except Exception as exc:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            result = Result(name, module.TITLE, method=(module.__doc__ or "").strip(), size=size,
                            error=f"{type(exc).__name__}: {exc}")
        result.seconds = time.perf_counter() - t0
        results.append(result)
        for row in result.rows:
            flag = {True: "ok  ", False: "MISS", None: "    "}[row.met]
            print(f"   {flag} {row.metric}: {row.measured} (target {row.target})", flush=True)
        if result.error:
            print(f"   ERROR {result.error}", flush=True)
    total = time.perf_counter() - started
    output.parent.mkdir(parents=True, exist_ok=True)
    if args.update:
        target = args.output or REPO / "docs" / "benchmarks.md"
        target.write_text(update_markdown(target.read_text(encoding="utf-8"), results, command,
                                          (load_start, load())), encoding="utf-8")
        print(f"updated {target}")
        return 1 if any(r.error for r in results) else 0
    output.write_text(render_markdown(results, size, command, total, (load_start, load())), encoding="utf-8")
    print(f"wrote {output}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
