"""One error tree, typed by what the host does with the error.

Every error carries a ``message`` for the user (safe to print, never contains secrets) and an optional
``internal`` message for logs/debugging.

| class              | host behaviour                                             | exit code |
|--------------------|------------------------------------------------------------|-----------|
| ConfigError        | user must fix the scenario/setup                           | 2         |
| SourceConnectionError / AuthError | cannot reach or log in to a system          | 3         |
| RetriableError     | bounded retries with backoff, then the run is deferred     | 4 (deferred) |
| RateLimitBlocked   | stop all calls until ``until``; defer the rest of the run  | 4 (deferred) |
| DocumentError      | skip this document/order, record why, run continues        | 1 at the end |
| Stopped            | SIGTERM/Ctrl-C: the run records what it did and ends       | 4 (stopped)  |

Messages are redacted (:func:`sellintegro_core.secrets.redact`): a secret a server echoes back never reaches
the user, the ledger or a log through an error.
"""

from __future__ import annotations

from datetime import datetime

EXIT_OK = 0
EXIT_DOCUMENT_ERRORS = 1
EXIT_CONFIG = 2
EXIT_CONNECTION = 3
EXIT_DEFERRED = 4


class SellintegroError(Exception):
    """Base of all errors the host knows how to handle."""

    exit_code: int = 1

    def __init__(self, message: str, *, internal: str | None = None) -> None:
        from .secrets import redact

        message = redact(message)
        super().__init__(message)
        self.message = message
        self.internal = redact(internal) if internal is not None else None

    def __str__(self) -> str:
        return self.message


class ConfigError(SellintegroError):
    """The scenario file or set-up is wrong; ``errors`` holds ``(path, message)`` pairs.

    ``hint`` is the next step the CLI prints under the error; without it the CLI suggests `validate`.
    """

    exit_code = EXIT_CONFIG

    def __init__(self, message: str, *, errors: list[tuple[str, str]] | None = None,
                 internal: str | None = None, hint: str | None = None) -> None:
        super().__init__(message, internal=internal)
        from .secrets import redact

        self.errors = [(path, redact(text)) for path, text in (errors or [])]
        self.hint = hint

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return "\n".join(f"{path}: {msg}" if path else msg for path, msg in self.errors)


class PluginError(ConfigError):
    """A plugin failed to load or registered something invalid (duplicate component name...)."""


class SourceConnectionError(SellintegroError):
    """A system (database, API) cannot be reached. Message names the server, never the password."""

    exit_code = EXIT_CONNECTION


class AuthError(SourceConnectionError):
    """Credentials were rejected (bad or empty token, login failed)."""


class RetriableError(SellintegroError):
    """A transient failure (5xx, timeout, reset, invalid JSON) that survived bounded retries."""

    exit_code = EXIT_DEFERRED


class RateLimitBlocked(RetriableError):
    """The remote API blocked the credentials until ``until`` (aware datetime). Make no call before it."""

    def __init__(self, message: str, *, until: datetime, internal: str | None = None) -> None:
        super().__init__(message, internal=internal)
        self.until = until


class DocumentError(SellintegroError):
    """This document cannot be sent as it is (bad KSeF number, number too long...). Recorded; run goes on."""

    exit_code = EXIT_DOCUMENT_ERRORS

    def __init__(self, message: str, *, code: str = "document_error", internal: str | None = None) -> None:
        super().__init__(message, internal=internal)
        self.code = code


STOPPED_MESSAGE = "stopped; the next run continues"


class Stopped(SellintegroError):
    """A stop was requested (SIGTERM, Ctrl-C): the run ends after recording what it did (exit 4)."""

    exit_code = EXIT_DEFERRED

    def __init__(self, message: str = STOPPED_MESSAGE) -> None:
        super().__init__(message)
