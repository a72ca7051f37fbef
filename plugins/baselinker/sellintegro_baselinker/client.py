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

from sellintegro_core.errors import (
    AuthError,
    ConfigError,
    RateLimitBlocked,
    RetriableError,
    SellintegroError,
    SourceConnectionError,
)

from .limiter import CallLimiter, parse_block_until

BLOCK_CODES = frozenset({"ERROR_BLOCKED_TOKEN", "ERROR_USER_ACCOUNT_BLOCKED"})
AUTH_CODES = frozenset({"ERROR_EMPTY_TOKEN", "ERROR_BAD_TOKEN"})
WRITE_METHODS = frozenset({"addOrder", "setOrderStatus", "setOrderStatuses", "setOrderFields", "addInvoice",
                           "addInvoiceCorrection", "addOrderInvoiceFile", "addReceipt", "addOrderReceiptFile"})
BACKOFF_BASE = 1.0
BACKOFF_CAP = 30.0

Confirm = Callable[[], "dict[str, Any] | None"]


class ApiRejected(SellintegroError):
    """BaseLinker answered ``status: ERROR`` with a code that is not about the token (request rejected)."""

    def __init__(self, method: str, code: str, message: str) -> None:
        super().__init__(f"BaseLinker rejected {method}: {message} ({code})")
        self.method = method
        self.code = code
        self.error_message = message


class _Transport(Exception):
    """A transport failure; ``sent`` is False when the request surely did not reach BaseLinker."""

    def __init__(self, what: str, *, sent: bool = True) -> None:
        super().__init__(what)
        self.what = what
        self.sent = sent


class BaseLinkerClient:
    """Rate-limited, counted, retrying BaseLinker API client.

    ``calls`` counts every HTTP request sent (retries included) and ``method_calls`` counts per method.
    ``transport`` (an httpx transport), ``sleep`` and ``rng`` are injectable for tests.
    """

    def __init__(self, token: str, url: str, *, limiter: CallLimiter | None = None, timeout: float = 30.0,
                 max_retries: int = 3, retry_max_seconds: float = 120.0, transport: Any = None,
                 sleep: Callable[[float], None] = time.sleep, rng: Callable[[], float] = random.random,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not token or not token.strip():
            raise AuthError("the BaseLinker token is empty; set the environment variable named in sink.token")
        self._token = token.strip()
        self.url = url
        self.limiter = limiter or CallLimiter()
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry_max_seconds = retry_max_seconds
        self.sleep = sleep
        self.rng = rng
        self.clock = clock
        self.calls = 0
        self.method_calls: Counter[str] = Counter()
        self.retries = 0
        self._transport = transport
        self._http: Any = None

    # ------------------------------------------------------------------ lifecycle
    def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
                                      transport=self._transport, headers={"User-Agent": "sellintegro"})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    # ------------------------------------------------------------------ calls
    def call(self, method: str, parameters: dict[str, Any] | None = None, *,
             confirm: Confirm | None = None) -> dict[str, Any]:
        """Make one API call and return the SUCCESS body; see the module docstring for the errors.

        For a write that creates something, pass ``confirm``: after an ambiguous transport failure it is
        called before any repetition; a non-None result is returned as if the write had answered it.
        """
        body = json.dumps(parameters or {}, ensure_ascii=False, separators=(",", ":"))
        started = self.clock()
        attempt = 0
        while True:
            try:
                return self._once(method, body)
            except _Transport as failure:
                attempt += 1
                if failure.sent and confirm is not None:
                    confirmed = confirm()
                    if confirmed is not None:
                        return confirmed
                delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + self.rng())
                spent = self.clock() - started
                if attempt > self.max_retries or spent + delay > self.retry_max_seconds:
                    raise RetriableError(
                        f"BaseLinker did not answer {method} properly ({failure.what}) after {attempt} "
                        f"attempt{'s' if attempt != 1 else ''}; the run is deferred and will resume later",
                        internal=failure.what) from None
                self.retries += 1
                self.sleep(delay)

    def _once(self, method: str, body: str) -> dict[str, Any]:
        import httpx

        self.limiter.acquire()
        self.calls += 1
        self.method_calls[method] += 1
        try:
            response = self._client().post(self.url, data={"method": method, "parameters": body},
                                           headers={"X-BLToken": self._token})
        except httpx.ConnectError as exc:
            raise _Transport(f"cannot connect: {type(exc).__name__}", sent=False) from None
        except httpx.ConnectTimeout:
            raise _Transport("connect timeout", sent=False) from None
        except httpx.TimeoutException:
            raise _Transport(f"no answer within {self.timeout:g} s") from None
        except httpx.TransportError as exc:
            raise _Transport(f"connection failed: {type(exc).__name__}") from None
        finally:
            self.limiter.finished()
        status = response.status_code
        if status >= 500 or status == 429:
            raise _Transport(f"HTTP {status}")
        if status != 200:
            raise SourceConnectionError(
                f"BaseLinker URL {self.url} answered HTTP {status}; check sink.url "
                "(https://api.baselinker.com/connector.php)")
        try:
            data = response.json()
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
