"""The questions of ``sellintegro init``, contributed by plugins (hook ``sellintegro_init_questions``).

The core asks its own questions (scenario name, window, schedule) and those of each plugin's
:class:`InitSection`, in the order of their ``step``; questions of one step share a number. Each question is
also a flag of ``sellintegro init``; an invalid answer is asked again at once (or, without a terminal, stops
init naming the flag). Each section then writes its part of the scenario file from the answers.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import PluginError

Answers = Mapping[str, Any]
SECTION_ORDER = ("source", "sink", "rule", "renderer")


@dataclass(frozen=True)
class Question:
    """One set-up question and its flag.

    ``key`` names the answer in the answers every section sees (a plugin may read another's answer by key,
    with a fallback when it is absent). ``text`` is the question: English, the Polish term in parentheses.
    ``check(value)`` raises ``ValueError(reason)`` for an invalid answer; ``check_answers(value, answers)``
    does the same when the check depends on earlier answers. ``convert`` turns the text into the stored value
    (``int``, a list...). ``asked=False`` makes it a flag only; a callable decides from the earlier answers
    (a question that is not asked stores its flag's value). ``note`` is printed before it on a terminal.
    """

    key: str
    text: str
    flag: str
    help: str
    default: Any = None
    step: float = 50
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    type: Callable[[str], Any] | None = None
    boolean: bool = False
    check: Callable[[str], None] | None = None
    check_answers: Callable[[str, Answers], None] | None = None
    convert: Callable[[str], Any] | None = None
    asked: bool | Callable[[Answers], bool] = True
    note: str | Callable[[Answers], str] = ""

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")

    def is_asked(self, answers: Answers) -> bool:
        return self.asked(answers) if callable(self.asked) else bool(self.asked)

    def note_text(self, answers: Answers) -> str:
        return self.note(answers) if callable(self.note) else self.note

    def stored(self, value: Any) -> Any:
        if self.boolean:
            return bool(value)
        text = "" if value is None else str(value)
        return self.convert(text) if self.convert is not None else text

    def validate(self, value: str, answers: Answers) -> None:
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"{value!r} is not one of: {', '.join(self.choices)}" if value
                             else f"choose one of: {', '.join(self.choices)}")
        if self.check is not None:
            self.check(value)
        if self.check_answers is not None:
            self.check_answers(value, answers)


@dataclass(frozen=True)
class InitSection:
    """A plugin's part of ``sellintegro init``: its questions and the scenario section(s) it writes.

    ``kind`` is the section (source, sink, rule or renderer) and ``plugin`` the component it configures.
    ``render(answers)`` returns the TOML text of the section(s), comments included.
    """

    kind: str
    plugin: str
    questions: tuple[Question, ...]
    render: Callable[[Answers], str]
    owner: str = field(default="", compare=False)


def init_sections(host: Any) -> list[InitSection]:
    """Every plugin's :class:`InitSection`, in file order (source, sink, rule, renderer); one per kind."""
    found: dict[str, InitSection] = {}
    for impl in host.pm.hook.sellintegro_init_questions.get_hookimpls():
        owner = impl.plugin_name

        def register(section: InitSection, _owner: str = owner) -> None:
            if section.kind not in SECTION_ORDER:
                raise PluginError(f"plugin {_owner!r} registered init questions for an unknown section "
                                  f"{section.kind!r} (one of {', '.join(SECTION_ORDER)})")
            if section.kind in found:
                raise PluginError(f"the init questions of [{section.kind}] are registered by two plugins: "
                                  f"{found[section.kind].owner!r} and {_owner!r}; disable one "
                                  "(SELLINTEGRO_DISABLED_PLUGINS)")
            found[section.kind] = InitSection(section.kind, section.plugin, tuple(section.questions),
                                              section.render, owner=_owner)

        impl.function(register=register)
    return [found[kind] for kind in SECTION_ORDER if kind in found]


def ordered(core: list[Question], sections: list[InitSection]) -> list[tuple[str, Question]]:
    """All questions in the order they are asked, each with its prefix: ``"5. "`` on the first of a step,
    spaces on the others."""
    everything = [(q.step, 0, i, q) for i, q in enumerate(core)]
    for s_index, section in enumerate(sections, start=1):
        everything += [(q.step, s_index, i, q) for i, q in enumerate(section.questions)]
    everything.sort(key=lambda item: item[:3])
    steps = sorted({q.step for *_, q in everything if not q.boolean and q.asked is not False})
    numbers = {step: n for n, step in enumerate(steps, start=1)}
    out: list[tuple[str, Question]] = []
    seen: set[float] = set()
    width = len(f"{len(steps)}. ")
    for *_, q in everything:
        if q.step in numbers and q.step not in seen and q.asked is not False and not q.boolean:
            seen.add(q.step)
            out.append((f"{numbers[q.step]}. ".ljust(width), q))
        else:
            out.append((" " * width, q))
    return out


def add_flags(parser: argparse.ArgumentParser, questions: list[Question]) -> None:
    """Each question's flag, with its help."""
    for q in questions:
        if q.boolean:
            parser.add_argument(q.flag, dest=q.dest, action=argparse.BooleanOptionalAction, default=q.default,
                                help=q.help)
            continue
        kwargs: dict[str, Any] = {"dest": q.dest, "default": q.default, "help": q.help}
        if q.metavar:
            kwargs["metavar"] = q.metavar
        if q.choices:
            kwargs["choices"] = q.choices
        if q.type is not None:
            kwargs["type"] = q.type
        parser.add_argument(q.flag, **kwargs)
