"""The ledger bound to one scenario: what the engine, the applier and the components see.

A ledger *store* (:class:`~sellintegro_core.ledger.SqliteLedger` in a file, or
:class:`~sellintegro_core.ledger_pg.PgLedger` in PostgreSQL) holds every scenario that shares it, each row keyed
by scenario; both implement :class:`LedgerStore`. ``store.scenario(name)`` gives a :class:`ScenarioLedger`: it
names its scenario once, so no caller can read or write another scenario's rows, and an action's result is
recorded with ``record(action, result)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from .models import AttachDocument, OrderFacts, SetStatus, Skip

if TYPE_CHECKING:
    from .models import Action, ActionResult


def _now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Entry:
    """One action's result as the ledger stores it (a row of ``actions`` when durable, plus an event)."""

    key: str
    order_id: str
    document_id: str
    type: str
    outcome: str
    code: str
    message: str
    data: Mapping[str, Any]
    at: datetime
    document_number: str = ""

    @classmethod
    def of(cls, action: Action, result: ActionResult, *, at: datetime, document_number: str = "") -> Entry:
        """The entry for ``action`` with ``result`` (a skip's ``code`` and ``final`` come from the skip)."""
        data = dict(result.data)
        code = str(data.get("code", "") or "")
        if isinstance(action, Skip):
            code = action.code
            data["final"] = action.final
        document_id = "" if isinstance(action, SetStatus) else action.document_id
        number = document_number or (action.document_number if isinstance(action, AttachDocument | Skip) else "")
        return cls(key=action.key, order_id=action.order_id, document_id=document_id, type=action.type,
                   outcome=result.outcome, code=code, message=result.message, data=data, at=at,
                   document_number=number)

    @property
    def status(self) -> str | None:
        """The durable state this entry leaves (``done``, ``failed``, ``final_skip``), or None (an event only)."""
        if self.outcome == "skipped" and self.data.get("final"):
            return "final_skip"
        return {"done": "done", "already_done": "done", "failed": "failed"}.get(self.outcome)


def facts_of(order_id: str, rows: Iterable[tuple[str, str, str, Any]]) -> OrderFacts:
    """Facts of one order from its durable ``(key, status, message, data)`` rows (``data``: decoded JSON)."""
    done: dict[str, Mapping[str, Any]] = {}
    failed: dict[str, str] = {}
    skips: dict[str, str] = {}
    for key, status, message, data in rows:
        if status == "done":
            done[key] = data
        elif status == "failed":
            failed[key] = message
        elif status == "final_skip":
            skips[key] = message
    return OrderFacts(order_id=order_id, done=done, failed=failed, skips=skips)


class LedgerStore(Protocol):
    """A ledger database shared by scenarios (every row keyed by scenario). Every write is durable when the
    method returns. Components and the engine use it only through :class:`ScenarioLedger`."""

    read_only: bool

    @property
    def location(self) -> str:
        """Where the store lives (a file path; empty for a database server): part of a component's identity,
        e.g. the BaseLinker sink's claim tag, so it must not change between versions."""
        ...

    def setup_at(self, scenario: str) -> datetime | None: ...
    def ensure_setup(self, scenario: str, moment: datetime) -> datetime: ...
    def start_run(self, scenario: str, started_at: datetime) -> int: ...
    def finish_run(self, run_id: int, finished_at: datetime, outcome: str, exit_code: int,
                   counts: dict[str, int], api_calls: int, deferred_until: datetime | None) -> None: ...
    def facts(self, scenario: str, order_id: str) -> OrderFacts: ...
    def record(self, scenario: str, run_id: int | None, entry: Entry) -> None: ...
    def get_step(self, scenario: str, key: str, step: str) -> dict[str, Any] | None: ...
    def record_step(self, scenario: str, key: str, step: str, data: dict[str, Any], at: datetime) -> None: ...
    def steps(self, scenario: str, key: str) -> list[dict[str, Any]]: ...
    def order_for_ref(self, scenario: str, ref_key: str, ref_value: str) -> str | None: ...
    def remember_ref(self, scenario: str, ref_key: str, ref_value: str, order_id: str) -> None: ...
    def get_state(self, scenario: str, key: str) -> Any | None: ...
    def set_state(self, scenario: str, key: str, value: Any) -> None: ...
    def history(self, scenario: str, order_id: str | None = None) -> list[dict[str, Any]]: ...
    def runs(self, scenario: str, limit: int = 20) -> list[dict[str, Any]]: ...
    def scenario(self, name: str, *, now: Callable[[], datetime] | None = None) -> ScenarioLedger: ...
    def close(self) -> None: ...


class BindsScenario:
    """Mixed into a store: ``store.scenario(name)`` binds it to one scenario."""

    def scenario(self: Any, name: str, *, now: Callable[[], datetime] | None = None) -> ScenarioLedger:
        return ScenarioLedger(self, name, now=now)


class ScenarioLedger:
    """The ledger of one scenario. ``now`` stamps what it records (default: the current time in UTC).

    It is also the components' :class:`~sellintegro_core.components.StateStore` (``get_state``/``set_state``).
    """

    def __init__(self, store: LedgerStore, scenario: str, *, now: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.scenario = scenario
        self.now = now or _now_utc
        self.run_id: int | None = None

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    @property
    def location(self) -> str:
        """Where the ledger lives (see :attr:`LedgerStore.location`)."""
        return self.store.location

    # -- set-up and runs
    def setup_at(self) -> datetime | None:
        return self.store.setup_at(self.scenario)

    def ensure_setup(self, moment: datetime) -> datetime:
        """Record the set-up moment the first time; afterwards it never moves."""
        return self.store.ensure_setup(self.scenario, moment)

    def start_run(self, started_at: datetime) -> int:
        """Start a run: what is recorded from now on belongs to it."""
        self.run_id = self.store.start_run(self.scenario, started_at)
        return self.run_id

    def finish_run(self, finished_at: datetime, outcome: str, exit_code: int, counts: dict[str, int],
                   api_calls: int, deferred_until: datetime | None) -> None:
        if self.run_id is None:
            raise RuntimeError("finish_run without start_run")
        self.store.finish_run(self.run_id, finished_at, outcome, exit_code, counts, api_calls, deferred_until)

    def runs(self, limit: int = 20) -> list[dict[str, Any]]:
        return self.store.runs(self.scenario, limit)

    # -- actions
    def facts(self, order_id: str) -> OrderFacts:
        return self.store.facts(self.scenario, order_id)

    def record(self, action: Action, result: ActionResult, *, document_number: str = "") -> None:
        """Record ``action``'s ``result`` in the current run: durable state (done, failed, final skip) and a
        history event. Repeated non-final skips with an unchanged message add no new event."""
        entry = Entry.of(action, result, at=self.now(), document_number=document_number)
        self.store.record(self.scenario, self.run_id, entry)

    def history(self, order_id: str | None = None) -> list[dict[str, Any]]:
        return self.store.history(self.scenario, order_id)

    # -- steps inside one action
    def step_log(self, key: str) -> LedgerStepLog:
        """The :class:`~sellintegro_core.components.StepLog` of the action with idempotency key ``key``."""
        return LedgerStepLog(self, key)

    def steps(self, key: str) -> list[dict[str, Any]]:
        """Every recorded sub-step of one action (step, data, at), in the order they happened."""
        return self.store.steps(self.scenario, key)

    # -- order references (shop_order_id / external_order_id -> order_id)
    def order_for_ref(self, ref_key: str, ref_value: str) -> str | None:
        return self.store.order_for_ref(self.scenario, ref_key, ref_value)

    def remember_ref(self, ref_key: str, ref_value: str, order_id: str) -> None:
        self.store.remember_ref(self.scenario, ref_key, ref_value, order_id)

    # -- component state (StateStore)
    def get_state(self, key: str) -> Any | None:
        return self.store.get_state(self.scenario, key)

    def set_state(self, key: str, value: Any) -> None:
        self.store.set_state(self.scenario, key, value)

    def close(self) -> None:
        self.store.close()


class LedgerStepLog:
    """``StepLog`` of one action, backed by the scenario's ledger."""

    def __init__(self, ledger: ScenarioLedger, key: str) -> None:
        self._ledger = ledger
        self._key = key

    def get(self, step: str) -> dict[str, Any] | None:
        return self._ledger.store.get_step(self._ledger.scenario, self._key, step)

    def record(self, step: str, data: dict[str, Any] | None = None) -> None:
        self._ledger.store.record_step(self._ledger.scenario, self._key, step, data or {}, self._ledger.now())
