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
    from .demo_parts import DemoPart
    from .models import Action, ActionResult, Window
    from .wizard import InitSection

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
        ``SubiektConfig`` and ``make_source(config, context)`` returns a
        :class:`~sellintegro_core.components.Source`: ``read(window) -> Iterator[SalesDocument]``. Optional
        capabilities: ``Finder`` (``find(ref)``, for `sellintegro pdf`), ``Checkable``, ``Closable``.
        """

    @hookspec
    def sellintegro_register_sinks(self, register: Callable[[SinkSpec], None]) -> None:
        """Register sinks (systems that hold orders and receive documents).

        Example::

            @hookimpl
            def sellintegro_register_sinks(register):
                register(SinkSpec(name="baselinker", config_model=BaseLinkerConfig, factory=make_sink))

        The factory returns a :class:`~sellintegro_core.components.Sink`: ``fetch_orders(query)`` and
        ``apply(action, context)``. Optional capabilities: ``BatchingSink`` (``apply_batch``), ``CountsCalls``
        (``api_calls``), ``Preflighting``, ``PlanCheckingSink``, ``StatusChecking``, ``Checkable``, ``Closable``.
        """

    @hookspec
    def sellintegro_register_rules(self, register: Callable[[RuleSpec], None]) -> None:
        """Register rules (pure functions deciding actions per order).

        Example::

            @hookimpl
            def sellintegro_register_rules(register):
                register(RuleSpec(name="invoice_pdf", config_model=RuleConfig, factory=make_rule))

        The factory returns a :class:`~sellintegro_core.components.Rule`:

        - ``scan()``: which orders it wants to see (referenced ones, or every order of the window);
        - ``pending(documents, facts, context) -> bool``: asked before any order is fetched, from ledger facts
          alone. False means the order is settled: the engine neither fetches it (no API call) nor calls
          ``decide``, so False must mean ``decide`` would write nothing. Say True when unsure;
        - ``decide(order, documents, facts, context) -> list[Action]``: pure, no I/O.

        Optional capability: ``ReferencesStatuses`` (``referenced_statuses()``, checked before the first write).
        """

    @hookspec
    def sellintegro_register_renderers(self, register: Callable[[RendererSpec], None]) -> None:
        """Register renderers (document -> PDF bytes).

        Example::

            @hookimpl
            def sellintegro_register_renderers(register):
                register(RendererSpec(name="html_pdf", config_model=RendererConfig, factory=make_renderer))

        The factory returns a :class:`~sellintegro_core.components.Renderer`:
        ``render(document, template, ksef_label=None) -> bytes``. Optional capabilities:
        ``PlanCheckingRenderer`` (``plan_check``, the checks `sellintegro plan` runs without making a PDF),
        ``Closable``.
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

        Caps can only be raised; the highest value any plugin asks for wins. ``limits.suggest(plugin=...,
        package=..., days_back=...)`` names a plugin (installed or not) that would raise a cap: the
        over-the-cap message then suggests installing it.
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

    @hookspec(firstresult=True)
    def sellintegro_default_renderer(self) -> str | None:
        """Name the renderer that a ``[renderer]`` without ``plugin`` (or no ``[renderer]`` at all) means.

        Example::

            @hookimpl
            def sellintegro_default_renderer():
                return "html_pdf"          # one of the renderers this plugin registers

        The first answer that is not ``None`` wins; a plugin that should take over the default from another
        marks its implementation ``@hookimpl(tryfirst=True)``. Without any answer a scenario must name its
        renderer.
        """

    @hookspec
    def sellintegro_init_questions(self, register: Callable[[InitSection], None]) -> None:
        """Contribute the questions of ``sellintegro init`` for one scenario section, and write that section.

        Example::

            @hookimpl
            def sellintegro_init_questions(register):
                register(InitSection(kind="sink", plugin="my_shop", render=render, questions=(
                    Question("token_env", "Environment variable holding the API token (token API)",
                             "--token-env", default="MY_SHOP_TOKEN", step=5, check=env_name,
                             help="environment variable holding the API token (default MY_SHOP_TOKEN)"),
                )))

            def render(answers):
                return f'[sink]\nplugin = "my_shop"\ntoken = {{ env = "{answers["token_env"]}" }}'

        Each ``Question`` is asked in the order of its ``step`` among the core's (name 1, window 2-3,
        schedule 4) and the other plugins' questions, is re-asked at once when its check fails, and is also a
        flag of ``sellintegro init``. ``render(answers)`` returns the section's TOML. One plugin per section.
        """

    @hookspec
    def sellintegro_demo_parts(self, register: Callable[[DemoPart], None]) -> None:
        """Contribute a part of ``sellintegro demo``: the source's data, the sink's account, the rule's settings.

        Example::

            @hookimpl
            def sellintegro_demo_parts(register):
                register(DemoPart(kind="sink", name="my_shop", start=start_demo_shop))

            def start_demo_shop(demo):          # demo: DemoContext (folder, documents, seed, shared)
                server = start_local_shop(demo.folder, orders=demo.shared["orders"])
                return DemoPiece(section=f'[sink]\nplugin = "my_shop"\nurl = "{server.url}"',
                                 started=f"demo shop: {server.url}", stop=server.stop)

        The demo starts the parts in the order source, sink, rule, renderer; each ``start`` returns a
        ``DemoPiece`` (its scenario section, the environment it needs, what to stop at the end...). The demo
        needs a source, a sink and a rule part; ``start`` raises ``ConfigError`` naming the package to install
        when something it needs is missing.
        """

