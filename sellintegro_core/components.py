"""Component descriptors that plugins register, and the protocols the components implement.

A plugin registers a *spec* (name + pydantic config model + factory). The engine validates the scenario
section with the spec's model (:meth:`ComponentSpec.settings_model`) and calls ``factory(config, context)`` to
build the component. The model may be given as a zero-argument function that imports and returns it, so that
commands that only list components (``sellintegro plugins``, ``--help``) import no pydantic model at all.
A spec is typed by the protocol its factory returns: ``SourceSpec`` is a ``ComponentSpec[Source]``, and so on.

Besides the four kinds (:class:`Source`, :class:`Sink`, :class:`Rule`, :class:`Renderer`) a component may offer
optional *capabilities*, each a named runtime-checkable protocol the host tests with ``isinstance``: see
:mod:`.capabilities`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, Protocol, TypeVar, runtime_checkable

from .capabilities import Checkable, Closable
from .vocabulary import BEFORE_SETUP_DAYS, DAYS_BACK

if TYPE_CHECKING:  # keep `sellintegro --help` fast: pydantic models are imported only when used
    import argparse

    from pydantic import BaseModel

    from .budget import Budgets
    from .models import (
        Action,
        ActionResult,
        Order,
        OrderFacts,
        SalesDocument,
        Window,
    )
    from .stopping import StopFlag
    from .vocabulary import OrderKey

# ------------------------------------------------------------------ context given to factories


class StateStore(Protocol):
    """Small persistent key/value store per scenario (e.g. a rate limiter's recent call times)."""

    def get_state(self, key: str) -> Any | None: ...
    def set_state(self, key: str, value: Any) -> None: ...


class MemoryState:
    """In-memory ``StateStore``: for components built without a ledger (unit tests, one-off tools)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def get_state(self, key: str) -> Any | None:
        return self.values.get(key)

    def set_state(self, key: str, value: Any) -> None:
        self.values[key] = value


@dataclass
class ComponentContext:
    """What a component factory gets besides its own config section."""

    scenario: str                         # scenario name (ledger key)
    base_dir: Path                        # folder of the scenario file (resolve relative paths here)
    timezone: str = "Europe/Warsaw"
    state: StateStore | None = None       # persistent per-scenario state (ledger-backed)
    plan_only: bool = False               # True in `plan`: components must not write anywhere
    stop: StopFlag | None = None          # the run's stop flag: wait with ``stop.wait(s)``, never a bare sleep
    budgets: Budgets | None = None        # shared per-token call budgets (None in plan)


@dataclass
class CheckItem:
    """One line of `sellintegro check`: green when ``ok``."""

    name: str
    ok: bool
    detail: str = ""


# ------------------------------------------------------------------ protocols


@runtime_checkable
class Source(Protocol):
    """Reads sales documents. ``read`` streams (never loads the whole window in memory)."""

    def read(self, window: Window) -> Iterator[SalesDocument]: ...

    # Optional capabilities: Finder (`sellintegro pdf`), Checkable (`sellintegro check`), Closable.


@dataclass
class OrderQuery:
    """What orders the engine needs from the sink.

    Either ``refs`` (specific orders, by the field ``key`` holds) or a scan of orders placed
    (date_add) since ``date_from`` in ``statuses`` (names or ids; None = all).
    """

    refs: list[str] | None = None
    key: OrderKey = "order_id"
    date_from: datetime | None = None     # aware datetime
    date_to: datetime | None = None
    statuses: list[str] | None = None
    include_unconfirmed: bool = False


class StepLog(Protocol):
    """Ledger-backed record of the sub-steps of one action (keyed by the action's idempotency key).

    A sink records each step *before* making the next call, and on a rerun finds it again:
    ``steps.get("placeholder")`` -> ``{"invoice_id": "123"}``.
    """

    def get(self, step: str) -> dict[str, Any] | None: ...
    def record(self, step: str, data: dict[str, Any] | None = None) -> None: ...


@dataclass
class ApplyContext:
    """Given to ``Sink.apply`` with each action."""

    steps: StepLog
    document: SalesDocument | None = None
    render: Callable[[], bytes] | None = None     # renders the PDF on demand


@runtime_checkable
class Sink(Protocol):
    """Reads orders and applies actions to them. Applying an action twice has its effect once."""

    def fetch_orders(self, query: OrderQuery) -> Iterator[Order]: ...
    def apply(self, action: Action, context: ApplyContext) -> ActionResult: ...

    # Optional capabilities: BatchingSink, CountsCalls, Preflighting, PlanCheckingSink, StatusChecking,
    # Checkable, Closable.


@dataclass
class OrderScan:
    """Which orders a rule wants to see: all orders in the window (``all_orders``) or only referenced ones."""

    all_orders: bool = False
    statuses: list[str] | None = None


@dataclass
class RuleContext:
    """Facts a rule may use besides the order and its documents. No I/O happens through it."""

    now: datetime                         # aware datetime
    window: Window
    scenario: str = ""


@runtime_checkable
class Rule(Protocol):
    """Pure: decides actions for one order from the order, its documents and ledger facts."""

    def scan(self) -> OrderScan:
        """Which orders the rule wants to see (only the referenced ones, or every order of the window)."""
        ...

    def pending(self, documents: list[SalesDocument], facts: OrderFacts, context: RuleContext) -> bool:
        """Whether the order these documents reference may still need work, from ledger facts alone.

        Called before any order is fetched: False means the order is settled, the engine never fetches it from
        the sink (no API call) and never calls ``decide`` for it. The contract: when ``pending`` is False,
        ``decide`` would write nothing (no attach, status or field change). ``facts`` are empty when the
        ledger has never seen the order. Say True when unsure: it only costs a fetch.
        """
        ...

    def decide(self, order: Order | None, documents: list[SalesDocument], facts: OrderFacts,
               context: RuleContext) -> list[Action]:
        """The actions for one order (``None`` when the sink does not have it). Pure: no I/O."""
        ...


@runtime_checkable
class Renderer(Protocol):
    """Turns a document into file bytes (a PDF)."""

    def render(self, document: SalesDocument, template: str = "pl", *,
               ksef_label: Literal["number", "offline"] | None = None) -> bytes: ...


# ------------------------------------------------------------------ specs registered by plugins

T = TypeVar("T")
Factory = Callable[[Any, ComponentContext], T]   # (the plugin's validated config model, context) -> component


@dataclass(frozen=True)
class ComponentSpec(Generic[T]):
    """A component a plugin registers: ``factory(config, context)`` builds it from the validated
    ``config_model``; ``T`` is the protocol it implements.

    ``config_model`` is the pydantic model class, or a function without arguments that imports and returns it
    (preferred: the model's module is then imported only when a scenario uses the component). Read it through
    :meth:`settings_model`, which accepts both."""

    name: str
    config_model: type[BaseModel] | Callable[[], type[BaseModel]]
    factory: Callable[[Any, ComponentContext], T]
    description: str = ""
    kind: str = ""          # "" means the class's KIND ("source" for a SourceSpec, ...)

    KIND: ClassVar[str] = "component"

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", self.KIND)

    def settings_model(self) -> type[BaseModel]:
        """The pydantic model of this component's scenario section (imported now when given as a function)."""
        model = self.config_model
        return model if isinstance(model, type) else model()


# The kinds' specs are plain subclasses (not dataclasses of their own: each dataclass costs start-up time).
class SourceSpec(ComponentSpec[Source]):
    KIND = "source"


class SinkSpec(ComponentSpec[Sink]):
    KIND = "sink"


class RuleSpec(ComponentSpec[Rule]):
    KIND = "rule"


class RendererSpec(ComponentSpec[Renderer]):
    KIND = "renderer"


@dataclass(frozen=True)
class CommandSpec:
    """A CLI command contributed by a plugin: ``sellintegro NAME ...``.

    ``setup(parser)`` adds arguments (or subparsers) to an ``argparse.ArgumentParser``;
    ``run(args)`` executes and returns the exit code. Import heavy modules inside ``run``.
    ``after`` names the core command this one follows in ``sellintegro --help`` (commands are listed in the
    order of a set-up: demo, init, validate, check, plan, run, schedule, history); default: after history.
    """

    name: str
    help: str
    setup: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    after: str = ""


@dataclass
class Limits:
    """Window caps. The core enforces them; plugins raise them in ``sellintegro_limits``."""

    days_back: int = DAYS_BACK
    before_setup_days: int = BEFORE_SETUP_DAYS
    raised_by: dict[str, str] = field(default_factory=dict)
    suggested: dict[str, tuple[str, str, int]] = field(default_factory=dict)   # key -> (plugin, package, cap)

    def suggest(self, *, plugin: str, package: str, days_back: int | None = None,
                before_setup_days: int | None = None) -> None:
        """Name a plugin, installed or not, that would raise a cap: the over-the-limit message suggests it."""
        for key, cap in (("days_back", days_back), ("before_setup_days", before_setup_days)):
            if cap is not None and cap > self.suggested.get(key, ("", "", 0))[2]:
                self.suggested[key] = (plugin, package, cap)

    def raise_to(self, *, plugin: str, days_back: int | None = None,
                 before_setup_days: int | None = None) -> None:
        if days_back is not None and days_back > self.days_back:
            self.days_back = days_back
            self.raised_by["days_back"] = plugin
        if before_setup_days is not None and before_setup_days > self.before_setup_days:
            self.before_setup_days = before_setup_days
            self.raised_by["before_setup_days"] = plugin


def close_quietly(component: object) -> None:
    """Close a component that is :class:`Closable` (anything else has nothing to close)."""
    if isinstance(component, Closable):
        component.close()


def component_checks(component: object) -> Iterable[CheckItem]:
    """The `check` lines of a :class:`Checkable` component (none for any other)."""
    return component.check() if isinstance(component, Checkable) else []
