"""How the newest sales documents would match with given ``[source.match]`` settings (the panel's Test pattern).

The same reading as ``sellintegro subiekt detect`` (newest FS and PA, their ZK), but for one candidate
setting chosen by the user. Reads only (SELECT).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from sellintegro_core.api import ConfigError, format_validation_error

from . import queries as q
from .config import MatchConfig
from .matching import Matcher


def match_preview(source: Any, match: dict[str, Any], sample: int = 20) -> list[dict[str, str]]:
    """One row per document (newest first): number, the value read, the order reference or the problem."""
    try:
        config = MatchConfig.model_validate(match)
    except ValidationError as exc:
        raise ConfigError("the match settings are invalid",
                          errors=format_validation_error(exc, prefix="source.match")) from None
    sample = max(1, min(int(sample), 200))
    db = source.connect()
    schema = source.schema
    sql = q.recent_of_type(schema)
    sales = sorted(db.page(sql, [2], sample) + db.page(sql, [21], sample), key=lambda r: r["dok_Id"],
                   reverse=True)[:sample]
    related: dict[int, dict[str, Any]] = {r["dok_Id"]: r for r in sales}
    wanted = sorted({r["dok_DoDokId"] for r in sales if r.get("dok_DoDokId")} - set(related))
    if wanted:
        for r in db.rows(q.references_by_ids(schema, len(wanted)), wanted):
            related[r["dok_Id"]] = r
    getter = None
    if config.custom_field is not None:
        from .reader import SubiektSource

        helper = SubiektSource(source.config.model_copy(update={"match": config}), source.context)
        helper.db, helper.schema = source.db, source.schema
        helper._load_custom_values(sorted(related))
        getter = helper._custom_value
    matcher = Matcher(config, getter)
    rows: list[dict[str, str]] = []
    for header in sales:
        ref, info = matcher.match(header, related, {})
        rows.append({"number": str(header.get("dok_NrPelny") or header["dok_Id"]),
                     "value": info.raw if info.raw is not None else "",
                     "via": info.via, "order": ref.value if ref is not None else "",
                     "problem": "" if ref is not None else (info.problem or "")})
    return rows
