"""Questions of ``sellintegro init`` and the checks of their answers.

An interactive answer that fails its check is asked again at once, with the reason. Without a terminal (or with
``--non-interactive``) the answers come from the flags, and a bad one stops init with a configuration error
that names the flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import ConfigError

Check = Callable[[str], None]
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Polish abbreviations a user may type for the days of the week, to name the accepted ones in the message.
POLISH_DAYS = {"pn": "mon", "pon": "mon", "wt": "tue", "sr": "wed", "śr": "wed", "cz": "thu", "czw": "thu",
               "pt": "fri", "pi": "fri", "sb": "sat", "so": "sat", "sob": "sat", "nd": "sun", "nie": "sun",
               "niedz": "sun"}


class Asker:
    """Asks on a terminal, or returns the defaults (the flags) when non-interactive."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive

    def ask(self, question: str, default: Any, *, check: Check | None = None, flag: str = "") -> str:
        if not self.interactive:
            value = "" if default is None else str(default)
            if check is not None:
                try:
                    check(value)
                except ValueError as exc:
                    where = flag or question
                    raise ConfigError(f"{where}: {exc}",
                                      hint=f"change {where} and run `sellintegro init` again") from None
            return value
        while True:
            shown = "" if default is None or default == "" else f" [{default}]"
            answer = input(f"{question}{shown}: ").strip()
            value = answer or ("" if default is None else str(default))
            try:
                if check is not None:
                    check(value)
                return value
            except ValueError as exc:
                print(f"  {exc}; please answer again")


def int_range(low: int, high: int) -> Check:
    def check(value: str) -> None:
        if not value.isdigit() or not low <= int(value) <= high:
            raise ValueError(f"enter a whole number from {low} to {high}")
    return check


def choice(*options: str) -> Check:
    def check(value: str) -> None:
        if value not in options:
            raise ValueError(f"{value!r} is not one of: {', '.join(options)}" if value
                             else f"choose one of: {', '.join(options)}")
    return check


def split_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def weekdays(allowed: tuple[str, ...]) -> Check:
    def check(value: str) -> None:
        days = split_list(value)
        bad = [d for d in days if d not in allowed]
        if not days or bad:
            hints = [f"{d} = {POLISH_DAYS[d.lower()]}" for d in bad if d.lower() in POLISH_DAYS]
            raise ValueError(("unknown day " + ", ".join(repr(d) for d in bad) + "; " if bad else "")
                             + f"use {','.join(allowed)} separated by commas"
                             + (f" ({', '.join(hints)})" if hints else ""))
    return check


def one_of_list(allowed: tuple[str, ...], what: str) -> Check:
    def check(value: str) -> None:
        items = split_list(value)
        bad = [item for item in items if item not in allowed]
        if not items or bad:
            raise ValueError((f"unknown {what} {', '.join(repr(b) for b in bad)}; " if bad else "")
                             + f"choose from {','.join(allowed)} separated by commas")
    return check


def env_name(value: str) -> None:
    if not ENV_NAME_RE.match(value):
        raise ValueError(f"{value!r} is not an environment variable name: use letters, digits and _ "
                         "(e.g. SHOP_API_TOKEN)")


def http_url(value: str) -> None:
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError(f"{value!r} is not a URL: it starts with https:// (e.g. https://api.example.com/)")


def matches(pattern: re.Pattern[str], example: str) -> Check:
    def check(value: str) -> None:
        if not pattern.match(value):
            raise ValueError(f"{value!r} is not valid here (e.g. {example})")
    return check


def required(what: str) -> Check:
    def check(value: str) -> None:
        if not value.strip():
            raise ValueError(f"{what} is required")
    return check


def model_setting(model: Any, key: str, build: Callable[[str], Any]) -> Check:
    """Validate an answer with the pydantic model of the setting that will read it (``model.key``).

    ``build`` turns the answer into the setting's value; the first error's message is the reason.
    """
    from pydantic import TypeAdapter, ValidationError

    adapter: TypeAdapter[Any] | None = TypeAdapter(model.model_fields[key].annotation)

    def check(value: str) -> None:
        if adapter is None:
            return
        try:
            adapter.validate_python(build(value))
        except ValidationError as exc:
            first = exc.errors()[0]
            raise ValueError(str(first["msg"]).removeprefix("Value error, ")) from None
    return check
