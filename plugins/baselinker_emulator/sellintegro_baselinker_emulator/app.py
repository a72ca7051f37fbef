"""The :class:`Emulator`: request handling (token, rate limit, faults, methods, log) and the WSGI app."""

from __future__ import annotations

import copy
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from . import errors
from .calllog import CallLog
from .errors import ApiError
from .faults import Fault, FaultInjector, FaultSpec
from .methods import METHODS, WRITE_METHODS, Context
from .ratelimit import RateLimiter, blocked_message
from .store import Account, SeedError, public

SERVER_ENVIRON_KEY = "sellintegro.emulator.socket"


class DropConnection(Exception):
    """Raised by the WSGI app to make the socket server close the connection without a response."""


@dataclass
class Outcome:
    """What to send back for one request."""

    status: int
    body: bytes
    content_type: str = "application/json"
    delay: float = 0.0
    drop: bool = False
    timeout: bool = False


def encode(body: dict[str, Any]) -> bytes:
    """JSON as PHP's ``json_encode`` writes it: ``\\uXXXX`` for non-ASCII and escaped slashes."""
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/").encode("ascii")


class Emulator:
    """An emulated BaseLinker account behind ``connector.php``.

    ``seed`` is a dict or a JSON file path (seed_format); ``state_path`` persists everything (loaded when the
    file exists -- the seed is then ignored -- and saved after every successful write). ``faults`` is a
    :class:`FaultSpec` or its text form. ``clock`` returns unix seconds (tests may inject one).
    """

    def __init__(self, token: str | Sequence[str] = "1-23-ABC", seed: dict[str, Any] | str | Path | None = None,
                 state_path: str | Path | None = None, requests_per_minute: int = 100, time_scale: float = 1.0,
                 log_path: str | Path | None = None, faults: FaultSpec | str | None = None, *,
                 block_seconds: float = 600.0, extend_block_on_call: bool = False, journal_enabled: bool = True,
                 max_file_bytes: int = 2 * 1024 * 1024, clock: Callable[[], float] = time.time) -> None:
        self.tokens = frozenset([token] if isinstance(token, str) else token)
        if not self.tokens or "" in self.tokens:
            raise ValueError("the emulator needs a non-empty token")
        self.token = token if isinstance(token, str) else sorted(self.tokens)[0]
        self.clock = clock
        self.time_scale = time_scale
        self.journal_enabled = journal_enabled
        self.max_file_bytes = max_file_bytes
        self.state_path = Path(state_path) if state_path else None
        self.limiter = RateLimiter(requests_per_minute, block_seconds=block_seconds, time_scale=time_scale,
                                   extend_block_on_call=extend_block_on_call)
        if isinstance(faults, str):
            faults = FaultSpec.parse(faults)
        self.faults = FaultInjector(faults)
        self._rng = random.Random(faults.seed if faults else 0)
        self.log = CallLog(log_path)
        self._lock = threading.RLock()
        if self.state_path is not None and self.state_path.exists():
            self.account = Account.load(self.state_path)
        else:
            self.account = Account()
            if seed is not None:
                if isinstance(seed, str | Path):
                    try:
                        seed_data = json.loads(Path(seed).read_text(encoding="utf-8"))
                    except (OSError, json.JSONDecodeError) as exc:
                        raise SeedError(f"cannot read seed file {seed}: {exc}") from exc
                else:
                    seed_data = seed
                self.account.apply_seed(seed_data, int(self.clock()))
            self.save_state()

    # --- request handling ------------------------------------------------------------------------------

    def process(self, method: str | None, raw_parameters: str | None, token: str | None) -> Outcome:
        """Handle one call (already decoded from HTTP) and decide the response, faults included."""
        now = self.clock()
        with self._lock:
            fault = self.faults.choose(method or "")
            if fault is not None and not fault.applied:
                return self._unapplied_fault(fault, method, raw_parameters, token, now)
            body = self._call(method, raw_parameters, token, now, fault)
        outcome = Outcome(200, encode(body))
        if fault is not None:
            self._applied_fault(fault, outcome)
        return outcome

    def _call(self, method: str | None, raw_parameters: str | None, token: str | None, now: float,
              fault: Fault | None) -> dict[str, Any]:
        params: Any = None
        try:
            if not token:
                raise ApiError(errors.EMPTY_TOKEN, "No user token provided.")
            if token not in self.tokens:
                raise ApiError(errors.BAD_TOKEN, "Invalid user token")
            self.limiter.check(token, now)
            if not method or method not in METHODS:
                raise ApiError(errors.UNKNOWN_METHOD,
                               f"Unknown method: {method!r}" if method else "No method provided")
            if raw_parameters is None or raw_parameters.strip() == "":
                params = {}
            else:
                try:
                    params = json.loads(raw_parameters)
                except json.JSONDecodeError:
                    params = raw_parameters
                    raise ApiError(errors.PARAMETERS_FORMAT, "Parameter 'parameters' is not valid JSON") from None
                if not isinstance(params, dict):
                    raise ApiError(errors.PARAMETERS_FORMAT, "Parameter 'parameters' must be a JSON object")
            ctx = Context(self.account, int(now), max_file_bytes=self.max_file_bytes,
                          journal_enabled=self.journal_enabled)
            body = {"status": "SUCCESS", **METHODS[method](ctx, params)}
            if method in WRITE_METHODS:
                self.save_state()
        except ApiError as exc:
            body = exc.body()
        self.log.add(now, method, params, body["status"], body.get("error_code"),
                     fault.kind if fault else None, fault.applied if fault else None)
        return body

    def _unapplied_fault(self, fault: Fault, method: str | None, raw_parameters: str | None, token: str | None,
                         now: float) -> Outcome:
        params = _loads_or_raw(raw_parameters)
        if fault.kind == "block" and token in self.tokens:
            until = self.limiter.block_token(token, now)
            body = ApiError(errors.BLOCKED_TOKEN, blocked_message(until)).body()
            self.log.add(now, method, params, "ERROR", errors.BLOCKED_TOKEN, fault.kind, False)
            return Outcome(200, encode(body))
        if fault.kind == "block":  # no valid token to block: answer as usual
            return Outcome(200, encode(self._call(method, raw_parameters, token, now, None)))
        if fault.kind == "5xx":
            code = self._rng.choice((500, 502, 503))
            self.log.add(now, method, params, "ERROR", f"HTTP_{code}", fault.kind, False)
            return Outcome(code, f"<html><body><h1>{code} Server Error</h1></body></html>".encode(), "text/html")
        self.log.add(now, method, params, None, None, fault.kind, False)
        outcome = Outcome(200, b'{"status":"ERROR","error_code":"ERROR_')
        if fault.kind == "timeout":
            outcome = Outcome(504, b"<html><body><h1>504 Gateway Time-out</h1></body></html>", "text/html")
        self._applied_fault(fault, outcome)
        return outcome

    def _applied_fault(self, fault: Fault, outcome: Outcome) -> None:
        spec_delay = self.faults.spec.delay if self.faults.spec else 3.0
        if fault.kind == "timeout":
            outcome.delay = spec_delay
            outcome.timeout = True
        elif fault.kind == "drop":
            outcome.drop = True
        elif fault.kind == "malformed" and outcome.body.startswith(b"{") and outcome.status == 200:
            outcome.body = outcome.body[: max(1, len(outcome.body) // 2)]

    # --- WSGI --------------------------------------------------------------------------------------------

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """The WSGI application: ``POST /connector.php`` with form fields ``method`` and ``parameters``."""
        path = environ.get("PATH_INFO", "") or "/"
        if not path.endswith("connector.php"):
            start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"Not found: the API is at /connector.php\n"]
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        fields = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        fields.update(parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True))

        def first(name: str) -> str | None:
            values = fields.get(name)
            return values[0] if values else None

        token = environ.get("HTTP_X_BLTOKEN") or first("token")
        outcome = self.process(first("method"), first("parameters"), token)
        on_socket = bool(environ.get(SERVER_ENVIRON_KEY))
        if outcome.timeout:
            if not on_socket:
                import httpx

                raise httpx.ReadTimeout("emulator fault: timeout (no response in time)")
            time.sleep(outcome.delay)
        if outcome.drop:
            if not on_socket:
                import httpx

                raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
            raise DropConnection()
        reasons = {200: "OK", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                   504: "Gateway Time-out"}
        content_type = outcome.content_type + ("; charset=utf-8" if "charset" not in outcome.content_type else "")
        start_response(f"{outcome.status} {reasons.get(outcome.status, 'Error')}",
                       [("Content-Type", content_type), ("Content-Length", str(len(outcome.body)))])
        return [outcome.body]

    __call__ = wsgi_app

    # --- state, inspection and test helpers (no HTTP) ------------------------------------------------------

    def save_state(self) -> None:
        """Write ``state_path`` (atomically) if persistence is on."""
        if self.state_path is not None:
            with self._lock:
                self.account.save(self.state_path)

    def apply_seed(self, seed: dict[str, Any]) -> None:
        """Add seed data (statuses, series, extra fields, sources, orders) to the running account."""
        with self._lock:
            self.account.apply_seed(seed, int(self.clock()))
            self.save_state()

    def add_orders(self, orders: list[dict[str, Any]]) -> list[int]:
        """Create orders directly (seed format, e.g. many orders sharing one ``date_confirmed``); their ids."""
        with self._lock:
            before = set(self.account.orders)
            self.account.apply_seed({"orders": orders}, int(self.clock()))
            self.save_state()
            return sorted(set(self.account.orders) - before)

    def orders(self) -> list[dict[str, Any]]:
        with self._lock:
            return [public(o) for _, o in sorted(self.account.orders.items())]

    def order(self, order_id: int) -> dict[str, Any] | None:
        with self._lock:
            o = self.account.orders.get(order_id)
            return public(o) if o else None

    def statuses(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.account.statuses)

    def series(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.account.series)

    def invoices(self, order_id: int | None = None) -> list[dict[str, Any]]:
        """Invoices and corrections (getInvoices shape, plus ``has_external_file``), by id."""
        with self._lock:
            return [{**public(i), "has_external_file": i["_external_file"] is not None}
                    for _, i in sorted(self.account.invoices.items())
                    if order_id is None or i["order_id"] == order_id]

    def invoice_file(self, invoice_id: int) -> bytes | None:
        """The file uploaded with ``addOrderInvoiceFile`` (None when none)."""
        import base64

        with self._lock:
            inv = self.account.invoices.get(invoice_id)
            return base64.b64decode(inv["_external_file"]) if inv and inv["_external_file"] else None

    def receipts(self, order_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [{**public(r), "has_external_file": r["_external_file"] is not None}
                    for _, r in sorted(self.account.receipts.items())
                    if order_id is None or r["order_id"] == order_id]

    def receipt_file(self, receipt_id: int) -> bytes | None:
        import base64

        with self._lock:
            rec = self.account.receipts.get(receipt_id)
            return base64.b64decode(rec["_external_file"]) if rec and rec["_external_file"] else None

    def journal(self) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.account.journal)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """The call log entries so far (copies)."""
        with self._lock:
            return copy.deepcopy(self.log.entries)

    def call_count(self, method: str | None = None, *, status: str | None = None) -> int:
        with self._lock:
            return sum(1 for e in self.log.entries
                       if (method is None or e["method"] == method) and (status is None or e["status"] == status))

    def inject_fault(self, kind: str, method: str | None = None, times: int = 1, apply: str = "after") -> None:
        """Make the next ``times`` calls (of ``method``, or any) fail with ``kind`` (see faults.py)."""
        with self._lock:
            self.faults.inject(kind, method, times, apply)

    def block(self, token: str | None = None, seconds: float | None = None) -> datetime:
        """Block a token now (default: the block duration, scaled); the until-time (aware, UTC)."""
        with self._lock:
            until = self.limiter.block_token(token or self.token, self.clock(), seconds)
            return datetime.fromtimestamp(until, UTC)

    def blocked_until(self, token: str | None = None) -> datetime | None:
        with self._lock:
            until = self.limiter.blocked_until(token or self.token, self.clock())
            return datetime.fromtimestamp(until, UTC) if until is not None else None


def _loads_or_raw(raw: str | None) -> Any:
    if raw is None:
        return {}
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw
