"""User patterns of ``[source.match]``, applied within bounds: never an unbounded regular expression.

The pattern is the user's and the field values are Subiekt's: neither is trusted to be fast. Patterns run on
the ``regex`` module (the syntax of Python's ``re``) with a time limit per value (``MATCH_TIMEOUT``), and only
on values up to ``MAX_VALUE_LENGTH`` characters, so a pattern with nested repeats (``^B_(?P<ref>(\\d+)+)$``)
cannot hang a run or ignore a stop signal.
"""

from __future__ import annotations

from typing import Any

import regex

MATCH_TIMEOUT = 0.25          # seconds one search may take (the regex module checks it coarsely: up to ~2x)
MAX_VALUE_LENGTH = 1000       # longest value a pattern is applied to (Subiekt's longest text field has 500)
SLOW_PATTERN_TIMEOUTS = 3     # after this many timeouts in one run the pattern gets SHORT_TIMEOUT per value
SHORT_TIMEOUT = 0.02          # a pattern that matches at all does so in microseconds


class PatternError(Exception):
    """The pattern could not be applied to a value within the bounds (too slow, or the value too long)."""


def compile_pattern(pattern: str) -> Any:
    """``pattern`` compiled with the ``regex`` module (the syntax of Python's ``re``); raises ``regex.error``."""
    return regex.compile(pattern, flags=regex.VERSION0)


def search(compiled: Any, value: str, *, what: str = "the value", timeout: float = MATCH_TIMEOUT) -> Any:
    """``compiled.search(value)`` within ``timeout`` seconds on at most ``MAX_VALUE_LENGTH`` characters;
    raises :class:`PatternError` otherwise."""
    if len(value) > MAX_VALUE_LENGTH:
        raise PatternError(f"{what} has {len(value)} characters; [source.match] patterns are applied to at most "
                           f"{MAX_VALUE_LENGTH}: shorten the value in Subiekt GT")
    try:
        return compiled.search(value, timeout=timeout)
    except TimeoutError:
        raise PatternError(f"the pattern {compiled.pattern} took longer than {timeout:g} s on {what} "
                           f"({len(value)} characters) and was stopped; simplify source.match.pattern "
                           "(nested repeats such as (\\d+)+ make a pattern slow), e.g. ^B_(?P<ref>\\d+)$") from None
