"""Scenarios stored in PostgreSQL (``sellintegro deploy``), and loading them back on any host.

The stored text is the scenario file as written: secrets in it are ``{ env = "NAME" }`` references (a literal
secret is refused when the file is loaded), so PostgreSQL never holds a secret in plain text. Each worker host
sets the same environment variables (systemd ``EnvironmentFile=``).
"""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Scenario, load_scenario
from ..errors import ConfigError
from ..hints import did_you_mean
from ..ledger_pg import PgLedger


def use_state(scenario: Scenario, url: str) -> Scenario:
    """The scenario with its ``[state] url`` replaced by the shared PostgreSQL URL."""
    scenario.model.state.url = url
    return scenario


def deploy(ledger: PgLedger, path: Path, *, host: Any = None) -> Scenario:
    """Validate a scenario file and store it (replacing an earlier version of the same name)."""
    scenario = load_scenario(path, host=host)
    text = path.read_text(encoding="utf-8")
    ledger._tx([(
        "INSERT INTO sellintegro_deployments (name, source, file_name, deployed_at, next_run, schedule_mode) "
        "VALUES (%s, %s, %s, %s, NULL, %s) ON CONFLICT (name) DO UPDATE SET source = excluded.source, "
        "file_name = excluded.file_name, deployed_at = excluded.deployed_at, next_run = NULL, "
        "schedule_mode = excluded.schedule_mode",
        (scenario.name, text, str(path.resolve()), datetime.now(UTC).isoformat(timespec="seconds"),
         scenario.model.schedule.mode))])
    return scenario


def deployed_names(ledger: PgLedger) -> list[str]:
    return [row[0] for row in ledger._rows("SELECT name FROM sellintegro_deployments ORDER BY name", ())]


def deployments(ledger: PgLedger) -> list[dict[str, Any]]:
    return ledger._dicts("SELECT name, file_name, deployed_at, next_run, schedule_mode FROM "
                         "sellintegro_deployments ORDER BY name", ())


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    folder = Path(base) / "sellintegro" / "deployed"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def load_deployed(ledger: PgLedger, name: str, state_url: str, *, host: Any = None,
                  validate_components: bool = True) -> Scenario:
    """The deployed scenario ``name``, ready to run on this host against the shared state.

    Relative paths in it resolve against the folder the file was deployed from (keep the same layout on every
    host, or use absolute paths). ``validate_components=False`` reads only the core settings (the schedule
    tick needs no secrets and no plugins).
    """
    rows = ledger._rows("SELECT source, file_name FROM sellintegro_deployments WHERE name = %s", (name,))
    if not rows:
        known = deployed_names(ledger)
        listing = ", ".join(known) or "none"
        raise ConfigError(f"no scenario named {name!r} is deployed{did_you_mean(name, known)} (deployed: "
                          f"{listing}); deploy it with `sellintegro deploy SCENARIO.toml --state URL`")
    source, file_name = rows[0]
    fd, tmp = tempfile.mkstemp(prefix=f"{name}-", suffix=".toml", dir=_cache_dir())
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(source)
        scenario = load_scenario(tmp, host=host, validate_components=validate_components)
    finally:
        os.unlink(tmp)
    scenario.path = Path(file_name)
    return use_state(scenario, state_url)
