"""Optional capabilities of components: each a named, runtime-checkable protocol.

The host asks ``isinstance(component, Capability)`` (never ``getattr``): a component without a capability still
works, the host then does without it. A runtime check looks at method names only, so two capabilities with one
method name (the sink's and the renderer's ``plan_check``) are told apart by the kind of component. The web
panel's capabilities (status and series pickers, the pattern preview) are here too. docs/plugins.md lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from .components import ApplyContext, CheckItem
    from .models import ActionResult, AfterAction, AttachDocument, SalesDocument


@runtime_checkable
class Closable(Protocol):
    """Holds resources (a connection, a client): the host calls ``close()`` once it is done with it."""

    def close(self) -> None: ...


@runtime_checkable
class Checkable(Protocol):
    """Adds lines to `sellintegro check` (reachability, credentials, settings). Never writes."""

    def check(self) -> list[CheckItem]: ...


@runtime_checkable
class Finder(Protocol):
    """A source that finds one document by number or id (`sellintegro pdf`, the panel's preview)."""

    def find(self, ref: str) -> SalesDocument | None: ...


@runtime_checkable
class BatchingSink(Protocol):
    """A sink that applies many status/field changes at once (e.g. one setOrderStatuses call per status).

    Returns one result per action, in order. Without it the engine applies them one by one with ``apply``.
    """

    def apply_batch(self, actions: Sequence[AfterAction],
                    contexts: Sequence[ApplyContext]) -> list[ActionResult]: ...


@runtime_checkable
class CountsCalls(Protocol):
    """A sink that counts the API calls it made in this run (shown in the run's summary and history)."""

    @property
    def api_calls(self) -> int: ...


@runtime_checkable
class StatusChecking(Protocol):
    """A sink that checks status names exist (`sellintegro check`'s "statuses exist" lines)."""

    def check_statuses(self, names: list[str]) -> list[CheckItem]: ...


@runtime_checkable
class Preflighting(Protocol):
    """A sink that resolves every status, series and field name before the run's first write: raises
    ``ConfigError`` naming the unknown ones, so a typo writes nothing."""

    def preflight(self, statuses: list[str]) -> None: ...


@runtime_checkable
class PlanCheckingSink(Protocol):
    """A sink's checks of an attach before any call (`sellintegro plan`): raises ``DocumentError``."""

    def plan_check(self, action: AttachDocument) -> None: ...


@runtime_checkable
class PlanCheckingRenderer(Protocol):
    """A renderer's checks before the PDF is made (`sellintegro plan`): raises ``DocumentError``."""

    def plan_check(self, document: SalesDocument, template: str = "pl", *,
                   ksef_label: Literal["number", "offline"] | None = None) -> None: ...


@runtime_checkable
class RendersHtml(Protocol):
    """A renderer that also gives the document as HTML (for browsers). `plan` renders the HTML to find the
    document's errors when the renderer is not :class:`PlanCheckingRenderer`."""

    def render_html(self, document: SalesDocument, template: str = "pl", *,
                    ksef_label: Literal["number", "offline"] | None = None) -> str: ...


@runtime_checkable
class ReferencesStatuses(Protocol):
    """A rule that names the order statuses it sets or scans (checked by `check` and before the first write)."""

    def referenced_statuses(self) -> list[str]: ...


# ------------------------------------------------------------------ what the web panel uses


@runtime_checkable
class ListsStatuses(Protocol):
    """A sink that lists the account's order statuses as ``(id, name)`` (the panel's status pickers)."""

    def status_list(self) -> list[tuple[int, str]]: ...


@runtime_checkable
class ListsSeries(Protocol):
    """A sink that lists the account's document series as ``(id, name, type)`` (the panel's series pickers)."""

    def series_list(self) -> list[tuple[int, str, str]]: ...


@runtime_checkable
class PreviewsMatch(Protocol):
    """A source that shows how its newest documents would match with ``match`` (the panel's Test pattern)."""

    def match_preview(self, match: dict[str, Any], sample: int = 20) -> list[dict[str, str]]: ...
