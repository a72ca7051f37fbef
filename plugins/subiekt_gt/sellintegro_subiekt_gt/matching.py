"""Order matching: which BaseLinker order a Subiekt document belongs to, per ``[source.match]``.

Candidates are looked at in this order; the first whose field matches the pattern wins:

1. the document itself (``via = "document"``);
2. KFS / ZW: the corrected document, walked down ``dok_DoDokId`` to the FS / PA, then that document's ZK
   (``via = "corrected_document"``);
3. FS / PA (``via_order_document = true``): the ZK it was issued from (``via = "order_document"``);
4. FSd: the receipts it was issued for and their ZK (``via = "receipt"``).

When nothing matches, ``order_ref`` is None and ``MatchInfo.problem`` says what was found where.

Patterns are applied within bounds (see ``patterns``). A value the pattern cannot be applied to within them
makes ``MatchInfo.failed`` true: a document error on that document; the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sellintegro_core.api import MatchInfo, OrderRef

from .config import MatchConfig
from .patterns import (
    MATCH_TIMEOUT,
    MAX_VALUE_LENGTH,
    SHORT_TIMEOUT,
    SLOW_PATTERN_TIMEOUTS,
    PatternError,
    compile_pattern,
    search,
)

FIELD_COLUMNS = {"numer_oryginalny": "dok_NrPelnyOryg", "podtytul": "dok_Podtytul", "tytul": "dok_Tytul",
                 "uwagi": "dok_Uwagi"}
FIELD_LABELS = {"numer_oryginalny": "numer oryginału", "podtytul": "podtytuł", "tytul": "tytuł", "uwagi": "uwagi"}
ZK, FS, KFS, ZW, PA = 16, 2, 6, 14, 21
MAX_CHAIN = 5

Header = dict[str, Any]


class Matcher:
    """Applies one scenario's match settings. ``custom_value(header)`` returns the custom field's value."""

    def __init__(self, config: MatchConfig, custom_value: Callable[[Header], str | None] | None = None) -> None:
        self.config = config
        self.pattern = compile_pattern(config.pattern) if config.pattern else None
        self.custom_value = custom_value
        self.timeouts = 0   # a pattern that keeps timing out gets less time per value: a run stays bounded
        name = config.custom_field
        self.label = f'pole własne "{name}"' if name else FIELD_LABELS[config.field]

    # ------------------------------------------------------------------ values

    def value(self, header: Header) -> str:
        raw: Any
        if self.config.custom_field is not None:
            raw = self.custom_value(header) if self.custom_value else None
        else:
            raw = header.get(FIELD_COLUMNS[self.config.field])
        if raw is None:
            return ""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        return str(raw).strip()

    def extract(self, value: str, *, what: str = "the value") -> str | None:
        """The order reference in ``value`` or None; raises :class:`PatternError` when the pattern cannot be
        applied within the bounds (see the module docstring)."""
        if not value:
            return None
        if self.pattern is None:
            return value if len(value) <= MAX_VALUE_LENGTH else None
        slow = self.timeouts >= SLOW_PATTERN_TIMEOUTS
        try:
            match = search(self.pattern, value, what=what, timeout=SHORT_TIMEOUT if slow else MATCH_TIMEOUT)
        except PatternError:
            self.timeouts += 1
            raise
        if not match:
            return None
        ref = match.group("ref") if "ref" in self.pattern.groupindex else match.group(0)
        return ref.strip() or None if ref is not None else None

    # ------------------------------------------------------------------ candidates

    def candidates(self, header: Header, related: dict[int, Header],
                   receipts: dict[int, list[int]]) -> list[tuple[str, Header]]:
        out: list[tuple[str, Header]] = [("document", header)]
        typ = header.get("dok_Typ")
        if typ in (KFS, ZW):
            current, seen = header, {header.get("dok_Id")}
            for _ in range(MAX_CHAIN):
                parent = related.get(current.get("dok_DoDokId") or 0)
                if parent is None or parent.get("dok_Id") in seen:
                    break
                seen.add(parent.get("dok_Id"))
                if parent.get("dok_Typ") == ZK:
                    if self.config.via_order_document:
                        out.append(("corrected_document", parent))
                    break
                out.append(("corrected_document", parent))
                current = parent
        elif self.config.via_order_document:
            zk = related.get(header.get("dok_DoDokId") or 0)
            if zk is not None and zk.get("dok_Typ") == ZK:
                out.append(("order_document", zk))
        if typ == FS and header.get("dok_Podtyp") == 1:
            for pa_id in receipts.get(header["dok_Id"], []):
                pa = related.get(pa_id)
                if pa is None:
                    continue
                out.append(("receipt", pa))
                zk = related.get(pa.get("dok_DoDokId") or 0)
                if self.config.via_order_document and zk is not None and zk.get("dok_Typ") == ZK:
                    out.append(("receipt", zk))
        return out

    def match(self, header: Header, related: dict[int, Header],
              receipts: dict[int, list[int]]) -> tuple[OrderRef | None, MatchInfo]:
        seen: list[tuple[str, Header, str]] = []
        for via, candidate in self.candidates(header, related, receipts):
            value = self.value(candidate)
            where = candidate.get("dok_NrPelny") or candidate.get("dok_Id")
            try:
                ref = self.extract(value, what=f"{self.label} of {where}")
            except PatternError as exc:
                return None, MatchInfo(field=self.config.field, raw=_short(value), via=via, problem=str(exc),
                                       failed=True)
            if ref is not None:
                return (OrderRef(key=self.config.order_key, value=ref),
                        MatchInfo(field=self.config.field, raw=value, via=via))
            seen.append((via, candidate, value))
        return None, MatchInfo(field=self.config.field, raw=next((v for _, _, v in seen if v), ""),
                               via=seen[0][0] if seen else "document", problem=self.problem(header, seen))

    def problem(self, header: Header, seen: list[tuple[str, Header, str]]) -> str:
        filled = [(c, v) for _, c, v in seen if v]
        where = ", ".join(str(c.get("dok_NrPelny") or c.get("dok_Id")) for _, c, _ in seen)
        if filled:
            shown = "; ".join(f'{self.label} "{_short(v)}" on {c.get("dok_NrPelny") or c.get("dok_Id")}'
                              for c, v in filled[:3])
            return f"{shown} does not match {self.config.pattern}"
        hint = ""
        if len(seen) == 1 and header.get("dok_Typ") in (FS, PA) and not header.get("dok_DoDokId"):
            hint = " (the document was not issued from a ZK order)"
        elif len(seen) == 1 and header.get("dok_Typ") in (KFS, ZW):
            hint = " (the corrected document was not found)"
        return f"{self.label} is empty on {where}{hint}"


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"
