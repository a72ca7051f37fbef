"""``sellintegro init [PATH]``: the set-up questions, in their order, or as flags.

The core asks for the scenario's name, window and schedule; every installed plugin adds the questions of its
section through the ``sellintegro_init_questions`` hook (see :mod:`sellintegro_core.wizard`). Writes a
commented scenario file, validates it, and records the set-up moment in the ledger.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .answers import Asker, int_range, matches, split_list, weekdays
from .errors import ConfigError
from .wizard import Answers, InitSection, Question, add_flags, init_sections, ordered


def _hours(value: str) -> None:
    from .config import parse_hours

    parse_hours(value)


def _include(answers: Answers) -> bool:
    return answers.get("before_setup") == "include"


def core_questions(host: Any | None = None) -> list[Question]:
    """The core's own questions: the scenario's name, window and schedule."""
    from .components import Limits
    from .config import NAME_RE
    from .vocabulary import WEEKDAYS

    limits = host.limits() if host is not None else Limits()
    every_day = ",".join(WEEKDAYS)
    return [
        Question("name", "Scenario name (the ledger key; letters, digits, . _ -)", "--name", step=1,
                 help="scenario name, the ledger key: letters, digits, . _ - (default: the file name)",
                 check=matches(NAME_RE, "sklep-allegro")),
        Question("days_back", f"How many days back to process orders (dni wstecz)? (1-{limits.days_back})",
                 "--days-back", default=14, type=int, metavar="N", step=2, convert=int,
                 help="orders placed at most N days ago: 1-14, more when a plugin raises the cap (see "
                      "`sellintegro plugins`) (default 14)", check=int_range(1, limits.days_back)),
        Question("before_setup", "Process orders placed before the set-up (zamówienia sprzed konfiguracji)? "
                 "(skip / include)", "--before-setup", default="skip", choices=("skip", "include"), step=3,
                 help="skip: only orders placed after the set-up; include: also the days before it (default skip)"),
        Question("before_setup_days", f"How many days before the set-up? (1-{limits.before_setup_days})",
                 "--before-setup-days", default=7, type=int, metavar="N", step=3, convert=int, asked=_include,
                 help="with --before-setup include: 1-7, more when a plugin raises the cap (default 7)",
                 check=int_range(1, limits.before_setup_days)),
        Question("mode", "Run automatically (automatycznie)? (auto / manual)", "--mode", default="auto",
                 choices=("auto", "manual"), step=4,
                 help="auto: `sellintegro schedule` runs it; manual: only `sellintegro run` (default auto)"),
        Question("every_minutes", "Every how many minutes (co ile minut)? (5-1440)", "--every-minutes", default=30,
                 type=int, metavar="N", step=4, convert=int, check=int_range(5, 1440),
                 help="minutes between scheduled runs, 5-1440 (default 30)"),
        Question("hours", "Working hours (godziny działania), within 1:00-23:00", "--hours", default="1:00-23:00",
                 metavar="H:MM-H:MM", step=4, check=_hours,
                 help="when scheduled runs may start, within 1:00-23:00 (default 1:00-23:00)"),
        Question("weekdays", f"Days of the week (dni tygodnia): {every_day}", "--weekdays", default=every_day,
                 metavar="DAYS", step=4, check=weekdays(WEEKDAYS), convert=split_list,
                 help=f"comma-separated days of {every_day} (default: every day)"),
    ]


def add_init_arguments(p: argparse.ArgumentParser, host: Any | None = None) -> None:
    p.add_argument("path", nargs="?", default="sellintegro.toml",
                   help="scenario file to write (default: sellintegro.toml)")
    p.add_argument("--non-interactive", action="store_true",
                   help="ask nothing: take every answer from the flags and their defaults")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    questions = core_questions(host)
    for section in init_sections(host) if host is not None else []:
        questions += section.questions
    add_flags(p, questions)


def _toml(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def gather(args: argparse.Namespace, host: Any) -> tuple[dict[str, Any], list[InitSection]]:
    """Every answer, asked in order (on a terminal) or taken from the flags; and the sections to write."""
    sections = init_sections(host)
    asker = Asker(not args.non_interactive and sys.stdin.isatty())
    answers: dict[str, Any] = {"path": str(args.path)}
    if getattr(args, "name", None) is None:
        args.name = Path(args.path).stem
    for prefix, q in ordered(core_questions(host), sections):
        default = getattr(args, q.dest, q.default)
        if q.boolean or not q.is_asked(answers):
            answers[q.key] = q.stored(default)
            continue
        note = q.note_text(answers)
        if note and asker.interactive:
            print(note)

        def check(value: str, _q: Question = q) -> None:
            _q.validate(value, answers)

        answers[q.key] = q.stored(asker.ask(f"{prefix}{q.text}".rstrip(), default, check=check, flag=q.flag))
    return answers, sections


def render_scenario(ans: Answers, sections: list[InitSection]) -> str:
    lines = [
        "# sellintegro scenario — written by `sellintegro init`; check it with `sellintegro check THIS_FILE`",
        f"name = {_toml(ans['name'])}              # ledger key: keep it stable",
        'timezone = "Europe/Warsaw"',
        "",
        "[window]",
        f"days_back = {ans['days_back']}                   # orders placed at most N days ago",
        f"before_setup = {_toml(ans['before_setup'])}            # skip: only orders placed after set-up",
        f"before_setup_days = {ans['before_setup_days']}            # with include: days before set-up",
        "",
        "[schedule]",
        f"mode = {_toml(ans['mode'])}                   # auto: `sellintegro schedule`; manual: `sellintegro run`",
        f"every_minutes = {ans['every_minutes']}",
        f"hours = {_toml(ans['hours'])}             # within 1:00-23:00",
        f"weekdays = {_toml(ans['weekdays'])}",
        "",
        "[state]",
        'url = "sqlite:///sellintegro-state.db"   # the ledger, next to this file: back it up',
        "",
    ]
    for section in sections:
        text = section.render(ans).strip("\n")
        if text:
            lines += [text, ""]
    return "\n".join(lines)


def run_init(args: argparse.Namespace, *, host: Any) -> int:
    from . import clock
    from .config import load_scenario
    from .ledger import open_ledger

    path = Path(args.path).expanduser()
    if path.exists() and not args.force:
        raise ConfigError(f"{path} already exists; use --force to overwrite it or choose another path",
                          hint=f"to overwrite it: sellintegro init {path} --force; to check it: "
                               f"sellintegro validate {path}")
    answers, sections = gather(args, host)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_scenario(answers, sections), encoding="utf-8")
    print(f"wrote {path}")
    try:
        scenario = load_scenario(path, host=host)
    except ConfigError as exc:
        env_only = exc.errors and all("environment variable" in msg for _, msg in exc.errors)
        if not env_only:
            raise
        print("the file is valid once these are set:", file=sys.stderr)
        for field, msg in exc.errors:
            print(f"  {field}: {msg}", file=sys.stderr)
        scenario = load_scenario(path, host=host, validate_components=False)
    ledger = open_ledger(scenario.model.state.url, scenario.base_dir)
    try:
        setup = ledger.ensure_setup(scenario.name, clock.now(scenario.timezone))
    finally:
        ledger.close()
    print(f"scenario {scenario.name!r} set up at {setup:%Y-%m-%d %H:%M %Z}; next: sellintegro check {path}")
    return 0
