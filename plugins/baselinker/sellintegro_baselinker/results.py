"""The :class:`ActionResult` every part of the ``baselinker`` sink answers with."""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import ActionResult


def result(action: Any, outcome: str, message: str = "", **data: Any) -> ActionResult:
    """The result of ``action`` (keyed by its idempotency key); ``data`` without its ``None`` values."""
    return ActionResult(key=action.key, outcome=outcome, message=message,  # type: ignore[arg-type]
                        data={k: v for k, v in data.items() if v is not None})
