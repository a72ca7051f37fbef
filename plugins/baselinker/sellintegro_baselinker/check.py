"""``sellintegro check`` lines of the ``baselinker`` sink: token, series, KSeF field, statuses."""

from __future__ import annotations

from typing import Any

from sellintegro_core.api import (
    AuthError,
    CheckItem,
    ConfigError,
    RetriableError,
    SellintegroError,
    SourceConnectionError,
)

from .attach import plan_check
from .client import ApiRejected
from .config import BaseLinkerConfig
from .ksef import KsefGuard
from .lookups import Lookups


class SinkChecks:
    """The checks (a mixin of :class:`~sellintegro_baselinker.sink.BaseLinkerSink`)."""

    config: BaseLinkerConfig
    lookups: Lookups
    ksef: KsefGuard

    def check(self) -> list[CheckItem]:
        """``sellintegro check``: token valid, configured series and field exist."""
        items: list[CheckItem] = []
        try:
            statuses = self.lookups.statuses()
        except AuthError as exc:
            return [CheckItem("BaseLinker token", False, exc.message)]
        except RetriableError as exc:      # no answer: nothing is deferred here, check only reports it
            return [CheckItem("BaseLinker reachable", False,
                              f"no proper answer from {self.config.url} ({exc.internal or 'no answer'}); is "
                              "BaseLinker (or the emulator) running, and is sink.url right?")]
        except (SourceConnectionError, ConfigError, ApiRejected) as exc:
            return [CheckItem("BaseLinker reachable", False, exc.message)]
        items.append(CheckItem("BaseLinker token", True, f"{self.config.url} ({len(statuses)} order statuses)"))
        for kind in ("invoice", "receipt", "correction"):
            value = getattr(self.config, f"{kind}_series")
            if value is None:
                detail = ("not set: invoices cannot be attached" if kind == "invoice"
                          else "not set: BaseLinker's default series is used")
                items.append(CheckItem(f"{kind} series", kind != "invoice", detail))
                continue
            try:
                series_id = self.lookups.series_id(value, kind, f"{kind}_series")
                known = {s.id: s for s in self.lookups.series()}
                if series_id in known:
                    series = known[series_id]
                    ok = series.type.upper() == kind.upper()
                    detail = f"{series.name!r} ({series_id}, {series.type})" + (
                        "" if ok else f": not a {kind.upper()} series")
                else:
                    ok, detail = False, f"no series with id {series_id} on the account"
                items.append(CheckItem(f"{kind} series", ok, detail))
            except ConfigError as exc:
                items.append(CheckItem(f"{kind} series", False, str(exc)))
        items.extend(self.ksef.check_items({kind: self._checked_series(kind) for kind in ("invoice", "correction")}))
        if self.config.ksef_number_field is not None:
            try:
                kind, field_id = self.lookups.order_field(self.config.ksef_number_field, "sink.ksef_number_field")
                ok = field_id is None or field_id in {f.extra_field_id for f in self.lookups.extra_fields()}
                items.append(CheckItem("KSeF number field", ok, kind if field_id is None else
                                       f"extra field {field_id}" if ok else f"no extra field with id {field_id}"))
            except ConfigError as exc:
                items.append(CheckItem("KSeF number field", False, str(exc)))
        return items

    def _checked_series(self, kind: str) -> int | None:
        value = getattr(self.config, f"{kind}_series")
        try:
            return None if value is None else self.lookups.series_id(value, kind, f"{kind}_series")
        except ConfigError:
            return None

    def check_statuses(self, names: list[str]) -> list[CheckItem]:
        """One line per status the rule names (resolved like the run does)."""
        items = []
        known = {s.id for s in self.lookups.statuses()}
        for name in names:
            try:
                status_id = self.lookups.status_id(name)
                ok = status_id in known
                items.append(CheckItem(f"status {name!r}", ok, f"id {status_id}" if ok
                                       else f"no status with id {status_id} on the account"))
            except SellintegroError as exc:
                items.append(CheckItem(f"status {name!r}", False, exc.message))
        return items

    def plan_check(self, action: Any) -> None:
        """``plan``: the checks an attach makes before any call (number length, order id), so a plan shows the
        document errors the run would record. Raises :class:`DocumentError`."""
        plan_check(action)

    def preflight(self, statuses: list[str]) -> None:
        """Before a run's first write: every status, series and extra-field name the scenario uses must exist.

        Raises :class:`ConfigError` (exit 2) with a "did you mean ...?" hint; reads only (cached for the run).
        """
        errors: list[tuple[str, str]] = []
        for name in statuses:
            try:
                self.lookups.status_id(name)
            except ConfigError as exc:
                errors.append(("rule", exc.message))
        for kind in ("invoice", "receipt", "correction"):
            value = getattr(self.config, f"{kind}_series")
            if value is not None:
                try:
                    self.lookups.series_id(value, kind, f"{kind}_series")
                except ConfigError as exc:
                    errors.append((f"sink.{kind}_series", exc.message))
        if self.config.ksef_number_field is not None:
            try:
                self.lookups.order_field(self.config.ksef_number_field, "sink.ksef_number_field")
            except ConfigError as exc:
                errors.append(("sink.ksef_number_field", exc.message))
        if len(errors) == 1:
            raise ConfigError(errors[0][1])
        if errors:
            raise ConfigError(f"{len(errors)} names in the scenario are not on the BaseLinker account",
                              errors=errors)

    def status_list(self) -> list[tuple[int, str]]:
        """Optional: the account's live order statuses as (id, name) (the panel's status pickers)."""
        return [(s.id, s.name) for s in self.lookups.statuses()]

    def series_list(self) -> list[tuple[int, str, str]]:
        """Optional: the account's document series as (id, name, type) (the panel's series pickers)."""
        return [(s.id, s.name, s.type) for s in self.lookups.series()]
