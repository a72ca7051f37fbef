"""BaseLinker ``connector.php`` client on httpx (baselinker_api.md §1-§4).

One POST per call with form fields ``method`` and ``parameters`` (JSON) and the ``X-BLToken`` header.
Outcomes (§2):

* ``status: SUCCESS`` -> the body (dict);
* ``ERROR_BLOCKED_TOKEN`` / ``ERROR_USER_ACCOUNT_BLOCKED`` -> the block is remembered (state store) and
  :class:`RateLimitBlocked` raised; no call is made before the until-time, in this run or the next;
* ``ERROR_EMPTY_TOKEN`` / ``ERROR_BAD_TOKEN`` -> :class:`AuthError` (exit 3);
* ``ERROR_UNKNOWN_METHOD`` -> :class:`ConfigError` (the URL is probably not BaseLinker's);
* any other ``ERROR_*`` -> :class:`ApiRejected` (the caller decides: usually a document error);
* HTTP 5xx, timeouts, resets, invalid JSON, no ``status`` -> bounded retries (count *and* total time) with
  exponential backoff and jitter, then :class:`RetriableError` (the run is deferred).

Every attempt has a wall-clock deadline (``timeout`` seconds for the whole answer, however slowly it drips),
one call with its retries takes at most ``timeout + retry_max_seconds``, and an answer larger than
``max_answer_bytes`` is refused without being read further (see :mod:`.transport`). Waits (backoff, rate
limit) end at once on a stop request; a read in flight is abandoned then, a write is given its deadline.

Writes that create objects are not idempotent: a transport failure after which the call *may* have been
applied is passed to the caller's ``confirm`` callback (reads through this client) before the write is
repeated; ``confirm`` returns the body to use when the write turns out to have been applied.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sellintegro_core.api import (
    AuthError,
    ConfigError,
    RateLimitBlocked,
    RetriableError,
    SellintegroError,
    SourceConnectionError,
    redact,
    remember_secret,
)

from .limiter import CallLimiter, parse_block_until
from .transport import DEFAULT_MAX_ANSWER_BYTES, Transport, TransportFailure
from .write_methods import WRITE_METHODS

BLOCK_CODES = frozenset({"ERROR_BLOCKED_TOKEN", "ERROR_USER_ACCOUNT_BLOCKED"})
AUTH_CODES = frozenset({"ERROR_EMPTY_TOKEN", "ERROR_BAD_TOKEN"})
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0

Confirm = Callable[[], "dict[str, Any] | None"]


class ApiRejected(SellintegroError):
    """BaseLinker answered ``status: ERROR`` with a code that is not about the token (request rejected)."""

    def __init__(self, method: str, code: str, message: str) -> None:
        super().__init__(f"BaseLinker rejected {method}: {message} ({code})")
        self.method = method
        self.code = code
        self.error_message = redact(message)


_Transport = TransportFailure


class BaseLinkerClient:
    """Rate-limited, counted, retrying BaseLinker API client.

    ``calls`` counts every HTTP request sent (retries included) and ``method_calls`` counts per method.
    ``transport`` (an httpx transport), ``sleep`` and ``rng`` are injectable for tests.
    """

    def __init__(self, token: str, url: str, *, limiter: CallLimiter | None = None, timeout: float = 30.0,
                 max_retries: int = 3, retry_max_seconds: float = 120.0, transport: Any = None,
                 sleep: Callable[[float], None] | None = None, rng: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.monotonic, max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
                 stop: Any = None) -> None:
        if not token or not token.strip():
            raise AuthError("the BaseLinker token is empty; set the environment variable named in sink.token")
        self._token = token.strip()
        remember_secret(token)
        self.url = url
        self.limiter = limiter or CallLimiter()
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_max_seconds = retry_max_seconds
        self.stop = stop
        self.sleep = sleep if sleep is not None else (stop.sleep if stop is not None else time.sleep)
        self.rng = rng
        self.clock = clock
        self.calls = 0
        self.method_calls: Counter[str] = Counter()
        self.retries = 0
        self.max_answer_bytes = max_answer_bytes
        self._http = Transport(url, timeout=timeout, max_answer_bytes=max_answer_bytes, transport=transport,
                               stop=stop)

    # ------------------------------------------------------------------ lifecycle
    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ calls
    def call(self, method: str, parameters: dict[str, Any] | None = None, *,
             confirm: Confirm | None = None) -> dict[str, Any]:
        """Make one API call and return the SUCCESS body; see the module docstring for the errors.

        For a write that creates something, pass ``confirm``: after an ambiguous transport failure it is
        called before any repetition; a non-None result is returned as if the write had answered it.
        """
        body = json.dumps(parameters or {}, ensure_ascii=False, separators=(",", ":"))
        started = self.clock()
        budget_end = started + self.timeout + self.retry_max_seconds   # the whole call, retries included
        attempt = 0
        while True:
            deadline = min(self.timeout, budget_end - self.clock())
            try:
                return self._once(method, body, deadline)
            except _Transport as failure:
                attempt += 1
                if failure.sent and confirm is not None:
                    confirmed = confirm()
                    if confirmed is not None:
                        return confirmed
                delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + self.rng())
                spent = self.clock() - started
                if attempt > self.max_retries or spent + delay > self.retry_max_seconds \
                        or budget_end - (self.clock() + delay) < 1.0:
                    raise RetriableError(
                        f"BaseLinker did not answer {method} properly ({failure.what}) after {attempt} "
                        f"attempt{'s' if attempt != 1 else ''}; the run is deferred and will resume later",
                        internal=failure.what) from None
                self.retries += 1
                self.sleep(delay)

    def _once(self, method: str, body: str, deadline: float) -> dict[str, Any]:
        self.limiter.acquire()
        self.calls += 1
        self.method_calls[method] += 1
        try:
            status, content = self._http.post(method, {"method": method, "parameters": body},
                                              {"X-BLToken": self._token}, deadline=deadline,
                                              abandon_on_stop=method not in WRITE_METHODS)
        finally:
            self.limiter.finished()
        if status >= 500 or status == 429:
            raise _Transport(f"HTTP {status}")
        if status != 200:
            raise SourceConnectionError(
                f"BaseLinker URL {self.url} answered HTTP {status}; check sink.url "
                "(https://api.baselinker.com/connector.php)")
        try:
            data = json.loads(content)
        except ValueError:
            raise _Transport("invalid JSON in the answer") from None
        if not isinstance(data, dict) or "status" not in data:
            raise _Transport("answer without a status")
        if data.get("status") == "SUCCESS":
            return data
        code = str(data.get("error_code") or "ERROR_UNKNOWN")
        message = str(data.get("error_message") or "")
        if code in BLOCK_CODES:
            until = parse_block_until(message, self.limiter.now())
            self.limiter.block(until)
            self.limiter.raise_if_blocked()
        if code in AUTH_CODES:
            raise AuthError(f"BaseLinker refused the API token ({code}: {message or 'no details'}); check the "
                            "token in BaseLinker (Moje konto -> API) and the environment variable named in "
                            "sink.token")
        if code == "ERROR_UNKNOWN_METHOD":
            raise ConfigError(f"{self.url} does not know the method {method} ({message}); is sink.url "
                              "BaseLinker's connector.php?")
        raise ApiRejected(method, code, message)


__all__ = ["ApiRejected", "BaseLinkerClient", "RateLimitBlocked", "WRITE_METHODS"]
