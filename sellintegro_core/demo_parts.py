"""The parts of ``sellintegro demo`` that plugins contribute (hook ``sellintegro_demo_parts``).

The core runs the demo; the plugins bring what it runs on: the source part makes a demo database, the sink part
starts a local stand-in of its system seeded with the matching orders, the rule part adds its settings. Each
part's ``start`` returns a :class:`DemoPiece`.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from re import Pattern
from typing import Any

from .errors import ConfigError, PluginError, SourceConnectionError

DEMO_KINDS = ("source", "sink", "rule", "renderer")
REQUIRED_KINDS = ("source", "sink", "rule")


@dataclass
class DemoContext:
    """What a demo part gets: the demo folder, the size and seed of the demo data, and ``shared``, where earlier
    parts publish what later ones need (the source part publishes ``orders``, the orders its documents belong
    to, in the sink's seed format, and ``expected``, the documents a correct run attaches: dicts with
    ``document_number``, ``document_id``, ``order_id`` and ``target``)."""

    folder: Path
    documents: int = 60
    seed: int = 1
    shared: dict[str, Any] = field(default_factory=dict)


@dataclass
class DemoPiece:
    """A started demo part.

    ``section``: its TOML section(s) of the demo scenario. ``env``: environment variables the scenario reads
    (a demo token), set for the run and printed by ``--keep-running``. ``started``: a line printed once it is
    up. ``stop()``: called when the demo ends. A sink part also gives ``writes()`` (write calls so far),
    ``writes_explained`` and ``reads_explained`` (what its writes and reads are), and ``save_files(folder)``
    (reads back every attached file into ``folder``; returns ``{document number: path}``). A rule part gives
    ``held_back_codes``: outcome codes of documents a correct run deliberately does not attach yet.
    """

    section: str = ""
    env: dict[str, str] = field(default_factory=dict)
    started: str = ""
    stop: Callable[[], None] | None = None
    writes: Callable[[], int] | None = None
    writes_explained: str = ""
    reads_explained: str = ""
    save_files: Callable[[Path], dict[str, Path]] | None = None
    held_back_codes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DemoPart:
    """A plugin's part of the demo: ``kind`` (source, sink, rule or renderer), the component ``name`` its
    section uses, and ``start(context) -> DemoPiece``."""

    kind: str
    name: str
    start: Callable[[DemoContext], DemoPiece]
    owner: str = field(default="", compare=False)


def demo_parts(host: Any) -> list[DemoPart]:
    """One part per kind, in start order; a missing source, sink or rule part is a ``ConfigError``."""
    found: dict[str, DemoPart] = {}
    for impl in host.pm.hook.sellintegro_demo_parts.get_hookimpls():
        owner = impl.plugin_name

        def register(part: DemoPart, _owner: str = owner) -> None:
            if part.kind not in DEMO_KINDS:
                raise PluginError(f"plugin {_owner!r} registered a demo part of unknown kind {part.kind!r}")
            if part.kind in found:
                raise PluginError(f"the demo's {part.kind} part is registered by two plugins: "
                                  f"{found[part.kind].owner!r} and {_owner!r}; disable one "
                                  "(SELLINTEGRO_DISABLED_PLUGINS)")
            found[part.kind] = DemoPart(part.kind, part.name, part.start, owner=_owner)

        impl.function(register=register)
    missing = [kind for kind in REQUIRED_KINDS if kind not in found]
    if missing:
        raise ConfigError(f"the demo needs a plugin with a demo {' and a '.join(missing)}; none is installed",
                          hint="install the plugins from the repository root: pip install . ./plugins/*")
    return [found[kind] for kind in DEMO_KINDS if kind in found]


class ServerProcess:
    """A child process that prints the URL it serves on (found with ``url_re``); ``stop()`` ends it."""

    url_re: Pattern[str]
    what = "the server"
    start_seconds = 30.0

    def _start(self, argv: list[str], **popen: Any) -> None:
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.start_seconds
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            match = self.url_re.search(line)
            if match:
                return match.group(1)
        self.stop()
        err = self.proc.stderr.read() if self.proc.stderr else ""
        raise SourceConnectionError(f"{self.what} did not start: {err.strip()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)
