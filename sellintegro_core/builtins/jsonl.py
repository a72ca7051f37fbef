"""Built-in JSONL components, useful on their own and for the conformance kit.

- source ``jsonl``: reads ``SalesDocument`` objects, one JSON object per line, from ``path``.
- sink ``jsonl``: a dry-run sink: reads orders from ``orders`` (JSONL of ``Order``) and *records* every action
  it is asked to apply into ``path`` (JSONL) instead of calling any API. Applying an action twice records it once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from ..components import ApplyContext, ComponentContext, OrderQuery
from ..errors import ConfigError, DocumentError
from ..models import Action, ActionResult, AttachDocument, Order, SalesDocument, Window
from .jsonl_config import JsonlSinkConfig, JsonlSourceConfig


def _resolve(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


class JsonlSource:
    def __init__(self, config: JsonlSourceConfig, context: ComponentContext) -> None:
        self.path = _resolve(context.base_dir, config.path)
        if not self.path.exists():
            raise ConfigError(f"source.path: {self.path} does not exist",
                              errors=[("source.path", f"{self.path} does not exist")])

    def _all(self) -> Iterator[SalesDocument]:
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield SalesDocument.model_validate_json(line)
                except ValidationError as exc:
                    raise ConfigError(f"{self.path}:{number}: not a valid document: {exc.errors()[0]['msg']}",
                                      errors=[("source.path", f"{self.path} line {number}: "
                                                              f"{exc.errors()[0]['msg']}")]) from None

    def read(self, window: Window) -> Iterator[SalesDocument]:
        start, end = window.start.date(), window.end.date()
        for doc in self._all():
            if start <= doc.issue_date <= end:
                yield doc

    def find(self, ref: str) -> SalesDocument | None:
        for doc in self._all():
            if ref in (doc.id, doc.number):
                return doc
        return None


_ACTION = TypeAdapter(Action)


class JsonlSink:
    """Records actions instead of applying them. ``api_calls`` stays 0: nothing leaves the machine."""

    api_calls = 0

    def __init__(self, config: JsonlSinkConfig, context: ComponentContext) -> None:
        self.path = _resolve(context.base_dir, config.path)
        self.orders_path = _resolve(context.base_dir, config.orders) if config.orders else None
        self.plan_only = context.plan_only

    def _orders(self) -> list[Order]:
        if self.orders_path is None or not self.orders_path.exists():
            return []
        with self.orders_path.open(encoding="utf-8") as handle:
            return [Order.model_validate_json(line) for line in handle if line.strip()]

    def fetch_orders(self, query: OrderQuery) -> Iterator[Order]:
        wanted = set(query.refs) if query.refs is not None else None
        for order in self._orders():
            if wanted is not None:
                if order.ref_value(query.key) in wanted:
                    yield order
                continue
            if query.date_from is not None and order.date_add < query.date_from:
                continue
            if query.statuses is not None and not ({order.status_id, order.status_name} & set(query.statuses)):
                continue
            yield order

    def recorded(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def apply(self, action: Action, context: ApplyContext) -> ActionResult:
        if any(item["key"] == action.key for item in self.recorded()):
            return ActionResult(key=action.key, outcome="already_done", message="already recorded")
        record: dict[str, Any] = {"key": action.key, "action": action.model_dump(mode="json")}
        if isinstance(action, AttachDocument):
            if context.render is None:
                raise DocumentError("no renderer configured to make the PDF")
            pdf = context.render()
            record["file_bytes"] = len(pdf)
            context.steps.record("file", {"bytes": len(pdf)})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return ActionResult(key=action.key, outcome="done", message="recorded")


def _load_action(data: dict[str, Any]) -> Action:
    return _ACTION.validate_python(data)
