"""'Did you mean ...?' hints for unknown keys and names (a typo gets the closest valid spelling)."""

from __future__ import annotations

import typing
import unicodedata
from collections.abc import Iterable
from typing import Any


def _plain(text: str) -> str:
    """Lower case without Polish diacritics, so that 'wyslana' is close to 'wysłana'."""
    text = text.lower().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word`` (case, spacing and diacritics aside), or None when none is close."""
    import difflib  # only when a hint is needed: keeps `validate` quick

    options = {_plain(str(c)).strip(): str(c) for c in candidates}
    found = difflib.get_close_matches(_plain(str(word)).strip(), list(options), n=1, cutoff=0.6)
    return options[found[0]] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``" (did you mean 'days_back'?)"`` or ``""`` when no candidate is close: put it after the unknown word."""
    match = closest(word, candidates)
    return f" (did you mean {match!r}?)" if match is not None and match != word else ""


def model_keys(model: Any, path: Iterable[Any]) -> list[str]:
    """The keys a pydantic model accepts at ``path`` (nested models followed), or [] when unknown."""
    from pydantic import BaseModel

    current = model
    for part in path:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = next((a for a in (field.annotation, *typing.get_args(field.annotation))
                        if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []
