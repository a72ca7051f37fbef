"""Hook specifications: the whole plugin API of sellintegro.

Hooks are registration-style: a plugin *registers* named components (with a pydantic config model and a
factory) and the engine builds the one a scenario names. Every hook is prefixed ``sellintegro_``; its
docstring is its documentation (docs/plugins.md repeats each one with an example).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .components import CommandSpec, Limits, RendererSpec, RuleSpec, SinkSpec, SourceSpec
    from .models import Action, ActionResult, Window

hookspec = pluggy.HookspecMarker("sellintegro")


class SellintegroSpecs:
    @hookspec
    def sellintegro_register_sources(self, register: Callable[[SourceSpec], None]) -> None:
        """Register document sources.

        Example::

            @hookimpl
            def sellintegro_register_sources(register):
                register(SourceSpec(name="subiekt_gt", config_model=SubiektConfig, factory=make_source))

        The scenario's ``[source]`` section with ``plugin = "subiekt_gt"`` is validated with
        ``SubiektConfig`` and ``make_source(config, context)`` returns an object with
        ``read(window) -> Iterator[SalesDocument]``.
        """

    @hookspec
    def sellintegro_register_sinks(self, register: Callable[[SinkSpec], None]) -> None:
        """Register sinks (systems that hold orders and receive documents).

        Example::

            @hookimpl
            def sellintegro_register_sinks(register):
                register(SinkSpec(name="baselinker", config_model=BaseLinkerConfig, factory=make_sink))

        The factory returns an object with ``fetch_orders(query)`` and ``apply(action, context)``.
        """

    @hookspec
    def sellintegro_register_rules(self, register: Callable[[RuleSpec], None]) -> None:
        """Register rules (pure functions deciding actions per order).

        Example::

            @hookimpl
            def sellintegro_register_rules(register):
                register(RuleSpec(name="invoice_pdf", config_model=RuleConfig, factory=make_rule))

        The factory returns an object with ``scan()`` and ``decide(order, documents, facts, context)``.
        """

    @hookspec
    def sellintegro_register_renderers(self, register: Callable[[RendererSpec], None]) -> None:
        """Register renderers (document -> PDF bytes).

        Example::

            @hookimpl
            def sellintegro_register_renderers(register):
                register(RendererSpec(name="html_pdf", config_model=RendererConfig, factory=make_renderer))

        The factory returns an object with ``render(document, template, ksef_label=None) -> bytes``.
        """

    @hookspec
    def sellintegro_register_commands(self, register: Callable[[CommandSpec], None]) -> None:
        """Add sub-commands to the ``sellintegro`` CLI.

        Example::

            @hookimpl
            def sellintegro_register_commands(register):
                register(CommandSpec(name="baselinker", help="BaseLinker tools",
                                     setup=add_arguments, run=run_command))

        ``setup(parser)`` receives an ``argparse.ArgumentParser``; ``run(args)`` returns the exit code.
        Keep imports inside ``run`` so that ``sellintegro --help`` stays fast.
        """

    @hookspec
    def sellintegro_limits(self, limits: Limits) -> None:
        """Raise the window caps the core enforces (days_back 14, before_setup_days 7).

        Example::

            @hookimpl
            def sellintegro_limits(limits):
                limits.raise_to(plugin="si_extender", days_back=150, before_setup_days=90)

        Caps can only be raised; the highest value any plugin asks for wins.
        """

    @hookspec
    def sellintegro_run_started(self, scenario: str, window: Window, plan_only: bool) -> None:
        """Observer: a run (or a plan) of ``scenario`` started over ``window``.

        Example::

            @hookimpl
            def sellintegro_run_started(scenario, window, plan_only):
                log.info("run %s from %s", scenario, window.start)
        """

    @hookspec
    def sellintegro_action_applied(self, scenario: str, action: Action, result: ActionResult) -> None:
        """Observer: an action was applied (or recorded as a skip) with ``result``.

        Example::

            @hookimpl
            def sellintegro_action_applied(scenario, action, result):
                if not result.ok:
                    notify(f"{action.order_id}: {result.message}")
        """

    @hookspec
    def sellintegro_run_finished(self, scenario: str, report: dict[str, Any]) -> None:
        """Observer: a run ended; ``report`` is the run summary (outcome, counts, api_calls, exit_code; ``rows``
        is bounded: the first 500 actions and up to 500 failed ones, the ledger has every one).

        Example::

            @hookimpl
            def sellintegro_run_finished(scenario, report):
                metrics.gauge("sellintegro.attached", report["counts"].get("done", 0))
        """
