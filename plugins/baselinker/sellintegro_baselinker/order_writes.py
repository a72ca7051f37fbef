"""Writing to orders: the one way the ``baselinker`` sink sets an order's status, fields and extra fields.

* :meth:`OrderWrites.set_fields` -- one ``setOrderFields`` per order: a standard field (``admin_comments``,
  ``extra_field_1``, ...) by its name, an extra field by name or id (``custom_extra_fields``), and the rule's
  ``ksef_number`` meaning ``sink.ksef_number_field``. The KSeF number the attach writes after an invoice's
  file goes through it too.
* :class:`Batch` -- the engine's ``SetStatus`` / ``SetField`` actions of one ``apply_batch``: statuses grouped
  per status into ``setOrderStatuses`` (100 ids per call, one ``setOrderStatus`` per order when that is
  refused), fields grouped per order into one :meth:`OrderWrites.set_fields`. Each action's "sent" step is
  recorded after its call.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sellintegro_core.api import ActionResult, ApplyContext, ConfigError, SetField, SetStatus

from .client import ApiRejected, BaseLinkerClient
from .config import BaseLinkerConfig
from .lookups import Lookups
from .results import result

STATUS_BATCH = 100                 # ids per setOrderStatuses call (§6.5 working choice)
KSEF_FIELD_ALIAS = "ksef_number"   # SetField(field="ksef_number") -> sink.ksef_number_field

Item = tuple[int, Any, ApplyContext]   # (index in the batch, action, its context)


class OrderWrites:
    """Statuses and fields of orders, over one client (names resolved through the run's :class:`Lookups`)."""

    def __init__(self, client: BaseLinkerClient, lookups: Lookups, config: BaseLinkerConfig) -> None:
        self.client = client
        self.lookups = lookups
        self.config = config

    # ------------------------------------------------------------------ the one way to set fields
    def set_fields(self, order_id: int, values: Sequence[tuple[str, str]]) -> None:
        """One ``setOrderFields`` with every ``(field, value)``; raises :class:`ApiRejected` when refused and
        :class:`ConfigError` (before any call) for a field the account does not have."""
        params: dict[str, Any] = {"order_id": order_id}
        custom: dict[str, str] = {}
        for name, value in values:
            kind, field_id = self._field(name)
            if field_id is None:
                params[kind] = value
            else:
                custom[str(field_id)] = value
        if custom:
            params["custom_extra_fields"] = custom
        self.client.call("setOrderFields", params)

    def _field(self, name: str) -> tuple[str, int | None]:
        if name == KSEF_FIELD_ALIAS:  # the rule's name for "the KSeF number field" (write_ksef_number)
            if self.config.ksef_number_field is None:
                raise ConfigError("the rule writes the KSeF number to the order (write_ksef_number), but "
                                  "sink.ksef_number_field is not set; name the BaseLinker order extra field, "
                                  'e.g. ksef_number_field = "KSeF"')
            return self.lookups.order_field(self.config.ksef_number_field, "sink.ksef_number_field")
        return self.lookups.order_field(name, f"field {name!r}")

    # ------------------------------------------------------------------ the engine's actions
    def batch(self) -> Batch:
        """A batch of ``SetStatus`` / ``SetField`` actions: :meth:`Batch.add` each, then :meth:`Batch.send`."""
        return Batch(self)

    def set_statuses(self, status_id: int, items: list[Item], results: dict[int, ActionResult]) -> None:
        for start in range(0, len(items), STATUS_BATCH):
            chunk = items[start:start + STATUS_BATCH]
            ids = list(dict.fromkeys(int(a.order_id) for _, a, _ in chunk))
            try:
                self.client.call("setOrderStatuses", {"order_ids": ids, "status_id": status_id})
            except ApiRejected:
                # unknown limits / one bad id rejects the whole call: fall back to one call per order (§6.5)
                for i, action, ctx in chunk:
                    try:
                        self.client.call("setOrderStatus", {"order_id": int(action.order_id),
                                                            "status_id": status_id})
                    except ApiRejected as exc:
                        results[i] = result(action, "failed", exc.message)
                        continue
                    self._status_sent(i, action, ctx, status_id, results)
                continue
            for i, action, ctx in chunk:
                self._status_sent(i, action, ctx, status_id, results)

    @staticmethod
    def _status_sent(i: int, action: SetStatus, ctx: ApplyContext, status_id: int,
                     results: dict[int, ActionResult]) -> None:
        ctx.steps.record("sent", {"status_id": status_id})
        results[i] = result(action, "done", f"status set to {action.status}", status_id=status_id)

    def set_order_fields(self, order_id: int, items: list[Item], results: dict[int, ActionResult]) -> None:
        try:
            self.set_fields(order_id, [(action.field, action.value) for _, action, _ in items])
        except ApiRejected as exc:
            for i, action, _ in items:
                results[i] = result(action, "failed", exc.message)
            return
        for i, action, ctx in items:
            ctx.steps.record("sent", {})
            results[i] = result(action, "done", f"{action.field} set")


class Batch:
    """The status and field changes of one ``apply_batch``: grouped as they are added, sent together."""

    def __init__(self, writes: OrderWrites) -> None:
        self.writes = writes
        self.by_status: dict[int, list[Item]] = defaultdict(list)
        self.by_order: dict[int, list[Item]] = defaultdict(list)

    def add(self, i: int, action: SetStatus | SetField, ctx: ApplyContext, results: dict[int, ActionResult]) -> None:
        """Group the action (``results[i]`` at once when it was sent before or names no BaseLinker order)."""
        what = "status" if isinstance(action, SetStatus) else "field"
        if ctx.steps.get("sent"):
            results[i] = result(action, "already_done", f"{what} already set")
        elif not str(action.order_id).isdigit():
            results[i] = result(action, "failed", f"{action.order_id!r} is not a BaseLinker order id")
        elif isinstance(action, SetStatus):
            self.by_status[self.writes.lookups.status_id(action.status)].append((i, action, ctx))
        else:
            self.by_order[int(action.order_id)].append((i, action, ctx))

    def send(self, results: dict[int, ActionResult]) -> None:
        """One call per status (and 100 orders) and one per order's fields; each result into ``results``."""
        for status_id, items in self.by_status.items():
            self.writes.set_statuses(status_id, items, results)
        for order_id, items in self.by_order.items():
            self.writes.set_order_fields(order_id, items, results)
