"""Secrets in scenario files: only as ``{ env = "NAME" }``, resolved to a ``SecretStr``.

Use ``EnvSecret`` as the type of a config field::

    class BaseLinkerConfig(BaseModel):
        token: EnvSecret

A literal string in the file is refused (secrets never live in the scenario file), a missing or empty
environment variable is a config error naming the variable.

Every secret resolved from the environment is remembered for :func:`redact`: errors, ledger events, run
reports and CLI output pass through it, so a secret a server echoes back (``ERROR_BAD_TOKEN: Invalid token
1-23-...``) is shown as ``***`` everywhere.
"""

from __future__ import annotations

import json
import os
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REDACTED = "***"
MIN_SECRET_LENGTH = 3          # shorter values would blank out ordinary text; they are not real secrets
_SECRETS: set[str] = set()
_PATTERN: re.Pattern[str] | None = None


def remember_secret(value: str) -> None:
    """Redact ``value`` (and its stripped, URL- and JSON-escaped forms) from everything shown or recorded."""
    global _PATTERN
    from urllib.parse import quote, quote_plus

    forms = {value, value.strip(), quote(value.strip(), safe=""), quote_plus(value.strip()),
             json.dumps(value.strip())[1:-1]}
    new = {form for form in forms if len(form) >= MIN_SECRET_LENGTH} - _SECRETS
    if new:
        _SECRETS.update(new)
        ordered = sorted(_SECRETS, key=len, reverse=True)     # longest first: no partial leftovers
        _PATTERN = re.compile("|".join(re.escape(s) for s in ordered))


def remember_env_secrets(data: Any) -> None:
    """Remember every ``{ env = "NAME" }`` value of a scenario (set and non-empty), whether or not the section
    is validated, so that even `history` redacts a secret recorded before it was redacted."""
    if isinstance(data, dict):
        if set(data) == {"env"} and isinstance(data["env"], str):
            value = os.environ.get(data["env"])
            if value and value.strip():
                remember_secret(value)
            return
        for item in data.values():
            remember_env_secrets(item)
    elif isinstance(data, list):
        for item in data:
            remember_env_secrets(item)


def redact(text: str) -> str:
    """``text`` with every remembered secret replaced by ``***``."""
    if _PATTERN is None or not isinstance(text, str) or not text:
        return text
    return _PATTERN.sub(REDACTED, text)


def redact_data(value: Any) -> Any:
    """``redact`` applied to every string inside a JSON-like value (dicts, lists)."""
    if _PATTERN is None:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact(k) if isinstance(k, str) else k: redact_data(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v) for v in value]
    return value


def resolve_env_secret(value: Any) -> SecretStr:
    if isinstance(value, SecretStr):
        return value
    if isinstance(value, str):
        raise ValueError('secrets are not written in the scenario file; use { env = "VARIABLE_NAME" } '
                         "and set that environment variable")
    if not isinstance(value, dict) or set(value) != {"env"} or not isinstance(value["env"], str):
        raise ValueError('expected { env = "VARIABLE_NAME" }')
    name = value["env"]
    if not _ENV_NAME.match(name):
        raise ValueError(f"{name!r} is not a valid environment variable name")
    secret = os.environ.get(name)
    if secret is None or secret.strip() == "":
        raise ValueError(f"environment variable {name} is not set (or empty); export {name}=... "
                         "before running")
    remember_secret(secret)
    return SecretStr(secret)


EnvSecret = Annotated[SecretStr, BeforeValidator(resolve_env_secret)]


def env_or_literal(value: Any) -> Any:
    """For settings that may be a secret or not (an ODBC DSN): ``{env=...}`` -> SecretStr, str kept."""
    if isinstance(value, dict):
        return resolve_env_secret(value)
    return value


MaybeEnvSecret = Annotated[SecretStr | str, BeforeValidator(env_or_literal)]
