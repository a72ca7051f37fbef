"""Secrets in scenario files: only as ``{ env = "NAME" }``, resolved to a ``SecretStr``.

Use ``EnvSecret`` as the type of a config field::

    class BaseLinkerConfig(BaseModel):
        token: EnvSecret

A literal string in the file is refused (secrets never live in the scenario file), a missing or empty
environment variable is a config error naming the variable.
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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
    return SecretStr(secret)


EnvSecret = Annotated[SecretStr, BeforeValidator(resolve_env_secret)]


def env_or_literal(value: Any) -> Any:
    """For settings that may be a secret or not (an ODBC DSN): ``{env=...}`` -> SecretStr, str kept."""
    if isinstance(value, dict):
        return resolve_env_secret(value)
    return value


MaybeEnvSecret = Annotated[SecretStr | str, BeforeValidator(env_or_literal)]
