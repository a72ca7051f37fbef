"""The call log: one entry per request, kept in memory and optionally appended to a JSONL file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sellintegro_baselinker.write_methods import WRITE_METHODS

FILE_KEYS = ("file",)


def redact(value: Any) -> Any:
    """Parameters with file bodies replaced by ``"<file: N chars>"`` (files are long and not useful in logs)."""
    if isinstance(value, dict):
        return {k: (f"<file: {len(v)} chars>" if k in FILE_KEYS and isinstance(v, str) else redact(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class CallLog:
    """Entries: ``time`` (ISO, UTC), ``method``, ``write`` (the method changes data), ``parameters`` (redacted),
    ``status``, ``error_code``, and ``fault`` / ``applied`` when a fault was injected."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None
        self.entries: list[dict[str, Any]] = []
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def add(self, now: float, method: str | None, parameters: Any, status: str | None,
            error_code: str | None, fault: str | None = None, applied: bool | None = None) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": method, "write": method in WRITE_METHODS, "parameters": redact(parameters), "status": status,
            "error_code": error_code}
        if fault is not None:
            entry["fault"] = fault
            entry["applied"] = applied
        self.entries.append(entry)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return entry
