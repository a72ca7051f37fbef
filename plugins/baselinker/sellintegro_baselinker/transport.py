"""One HTTP POST to ``connector.php`` with a wall-clock deadline and a size cap (docs/baselinker.md).

httpx's timeout bounds each *read*: a server that drips one byte every few seconds never trips it. Here the
request runs in a worker thread and the caller waits for the complete answer at most ``deadline`` seconds;
after that the attempt is abandoned (its connection is dropped) and reported as a transport failure. The body
is read in chunks and refused as soon as it passes ``max_answer_bytes`` (a ``Content-Length`` above the cap is
refused before reading anything), so a huge answer never fills the memory.

While waiting, a stop request (the run's ``StopFlag``) abandons a read at once; a write is given its deadline
(its outcome matters to the ledger, and the deadline bounds it anyway).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sellintegro_core.api import RetriableError, Stopped

DEFAULT_MAX_ANSWER_BYTES = 5 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
POLL = 0.2                      # seconds between looks at the stop flag while an answer is awaited


class TransportFailure(Exception):
    """A transport failure; ``sent`` is False when the request surely did not reach BaseLinker."""

    def __init__(self, what: str, *, sent: bool = True) -> None:
        super().__init__(what)
        self.what = what
        self.sent = sent


class AnswerTooLarge(RetriableError):
    """The answer passed the size cap: refused unread (not retried: it would be as large again)."""

    def __init__(self, method: str, limit: int) -> None:
        megabytes = limit / (1024 * 1024)
        super().__init__(f"BaseLinker's answer to {method} is larger than {megabytes:g} MB (sink.max_answer_mb); "
                         "it was not read and the run is deferred. If the account really sends answers this large, "
                         "raise sink.max_answer_mb in the scenario")
        self.method = method


class _Abandoned(Exception):
    pass


class Transport:
    """Posts forms to one URL; ``post`` returns ``(HTTP status, body bytes)`` or raises."""

    def __init__(self, url: str, *, timeout: float, max_answer_bytes: int = DEFAULT_MAX_ANSWER_BYTES,
                 transport: Any = None, stop: Any = None) -> None:
        self.url = url
        self.timeout = timeout
        self.max_answer_bytes = max_answer_bytes
        self.stop = stop
        self._transport = transport
        # An in-process test transport (httpx.MockTransport / WSGITransport) has no socket that could hang:
        # it runs in the calling thread (test doubles may rely on that, e.g. hypothesis draws).
        self._inline = type(transport).__name__ in ("MockTransport", "WSGITransport")
        self._http: Any = None
        self.abandoned = 0             # attempts given up at their deadline (for tests and reports)

    def _client(self) -> Any:
        if self._http is None:
            import httpx

            self._http = httpx.Client(timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, CONNECT_TIMEOUT)),
                                      transport=self._transport, headers={"User-Agent": "sellintegro"})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            http, self._http = self._http, None
            try:
                http.close()
            except Exception:  # noqa: BLE001 - an abandoned attempt may still hold a connection
                pass

    def post(self, method: str, data: dict[str, str], headers: dict[str, str], *, deadline: float,
             abandon_on_stop: bool = False) -> tuple[int, bytes]:
        """POST and wait for the whole answer at most ``deadline`` seconds."""
        client = self._client()
        cancelled = threading.Event()
        if self._inline:
            return self._exchange(client, method, data, headers, cancelled)
        outcome: dict[str, Any] = {}
        finished = threading.Event()

        def work() -> None:
            try:
                outcome["value"] = self._exchange(client, method, data, headers, cancelled)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                outcome["error"] = exc
            finally:
                finished.set()

        worker = threading.Thread(target=work, name=f"baselinker-{method}", daemon=True)
        worker.start()
        end = time.monotonic() + max(deadline, 0.0)
        while not finished.wait(min(POLL, max(end - time.monotonic(), 0.0))):
            if abandon_on_stop and self.stop is not None and self.stop:
                self._abandon(cancelled)
                raise Stopped()
            if time.monotonic() >= end:
                self._abandon(cancelled)
                raise TransportFailure(f"no complete answer within {deadline:g} s")
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    def _abandon(self, cancelled: threading.Event) -> None:
        cancelled.set()
        self.abandoned += 1
        self.close()                # the next attempt gets a fresh connection

    def _exchange(self, client: Any, method: str, data: dict[str, str], headers: dict[str, str],
                  cancelled: threading.Event) -> tuple[int, bytes]:
        import httpx

        limit = self.max_answer_bytes
        try:
            with client.stream("POST", self.url, data=data, headers=headers) as response:
                length = response.headers.get("content-length", "")
                if length.isdigit() and int(length) > limit:
                    raise AnswerTooLarge(method, limit)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    if cancelled.is_set():
                        raise _Abandoned()
                    size += len(chunk)
                    if size > limit:
                        raise AnswerTooLarge(method, limit)
                    chunks.append(chunk)
                return response.status_code, b"".join(chunks)
        except httpx.ConnectError as exc:
            raise TransportFailure(f"cannot connect: {type(exc).__name__}", sent=False) from None
        except httpx.ConnectTimeout:
            raise TransportFailure("connect timeout", sent=False) from None
        except httpx.TimeoutException:
            raise TransportFailure(f"no answer within {self.timeout:g} s") from None
        except httpx.TransportError as exc:
            raise TransportFailure(f"connection failed: {type(exc).__name__}") from None
        except httpx.StreamError as exc:
            raise TransportFailure(f"connection failed: {type(exc).__name__}") from None
