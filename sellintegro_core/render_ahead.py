"""Render ahead: the next documents' PDFs are made in a small pool of worker processes while the sink waits.

A run attaches one document at a time, and each attach waits for BaseLinker's rate limit and answers. With
``[renderer] workers = N`` (default: the number of cores; ``0`` renders in the run process, as before) the
engine decides a few orders ahead (:meth:`RenderPool.ahead`) and hands their documents to N worker
processes; the sink's ``render()`` then takes the finished PDF instead of making it.

- Workers are fresh interpreters (:mod:`.render_worker`, started with ``python -c``; not multiprocessing's
  spawn, so a program embedding the engine is never re-imported), each with two pipes and at most one
  document at a time, so the pool always knows which document a worker was making. Each worker builds the
  renderer itself, from the scenario's ``[renderer]`` section and the installed plugins (entry points).
  Documents cross as JSON; a worker's stdout goes to the run's stderr (it cannot mix with ``--json``).
- A worker that dies (a crash, ``os._exit``, SIGKILL) fails only the document it was making: a document
  error ``render_crashed``. A render that takes longer than ``[renderer] timeout`` seconds is stopped (its
  worker is killed): a document error ``render_timeout``. A new worker takes the next documents.
- Look-ahead is bounded (``2 × workers`` orders and ``4 × workers`` documents), so memory stays flat. A PDF
  made ahead but not uploaded (the run stopped, BaseLinker already had the document) is just dropped.
- Workers ignore SIGINT/SIGTERM (the run process decides when to stop); the run process kills them when
  the run ends, and a worker whose run process died exits (end of its pipe, and PR_SET_PDEATHSIG on Linux).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

from .errors import ConfigError, DocumentError
from .exemption import apply_exemption_basis
from .models import AttachDocument, SalesDocument
from .render_worker import Recipe, Reply
from .stopping import StopFlag

T = TypeVar("T")
POLL_SECONDS = 0.1          # how often a wait for a PDF looks at the stop flag
START_SECONDS = 120.0       # a worker's start-up (imports, fonts) is not counted in [renderer] timeout, up to this


class _Job:
    __slots__ = ("payload", "number", "reply", "started", "dropped", "sends")

    def __init__(self, payload: bytes, number: str) -> None:
        self.payload = payload
        self.number = number
        self.reply: Reply | None = None
        self.started = 0.0
        self.dropped = False
        self.sends = 0


class _Worker:
    def __init__(self, recipe: Recipe) -> None:
        to_worker, from_run = os.pipe()
        from_worker, to_run = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)    # the run's plugins, as it sees them
        code = "from sellintegro_core.render_worker import main; main()"
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", code, str(to_worker), str(to_run), str(os.getpid())],
                pass_fds=(to_worker, to_run), stdin=subprocess.DEVNULL, stdout=_stderr_fd(), env=env)
        except BaseException:
            for fd in (from_run, from_worker):
                os.close(fd)
            raise
        finally:
            os.close(to_worker)
            os.close(to_run)
        self.send = Connection(from_run, readable=False)
        self.conn = Connection(from_worker, writable=False)
        try:
            self.send.send(asdict(recipe))
        except OSError:
            pass                                # it died at once: seen as a crash with its first document
        self.job: _Job | None = None
        self.ready_at: float | None = None     # when it had built its renderer

    def alive(self) -> bool:
        return self.process.poll() is None

    def exit_code(self) -> int | None:
        return self.process.poll()

    def end(self) -> None:
        try:
            self.process.kill()
        except OSError:
            pass
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.send.close()
        self.conn.close()


def _stderr_fd() -> int | None:
    """The run's stderr for a worker's stdout (a renderer's prints must not mix with ``--json``)."""
    try:
        return sys.__stderr__.fileno() if sys.__stderr__ is not None else None
    except (OSError, ValueError):
        return None


class RenderPool:
    """``size`` worker processes making the PDFs of the documents the engine will attach next."""

    def __init__(self, recipe: Recipe, *, size: int, timeout: float, stop: StopFlag,
                 exemption_basis: str | None = None) -> None:
        self.recipe = recipe
        self.size = max(1, size)
        self.timeout = timeout
        self.stop = stop
        self.exemption_basis = exemption_basis
        self.depth = 2 * self.size                 # orders decided ahead
        self.max_jobs = 4 * self.size              # PDFs made ahead and not yet taken
        self._workers: list[_Worker] = []
        self._queue: deque[_Job] = deque()
        self._jobs: dict[str, _Job] = {}
        self.started = 0                           # workers started (a crash or timeout starts another)

    # ---------------------------------------------------------------- the engine's side
    def ahead(self, items: Iterable[T], renders: Callable[[T], list[tuple[AttachDocument, SalesDocument]]]
              ) -> Iterator[T]:
        """``items`` in order; while one is handled, the PDFs ``renders(item)`` names for the next ``depth``
        items are being made. ``renders`` may fail: that item is then simply not rendered ahead."""
        window: deque[tuple[T, list[str]]] = deque()
        source = iter(items)
        more = True
        while True:
            while more and len(window) <= self.depth:
                try:
                    item = next(source)
                except StopIteration:
                    more = False
                    break
                window.append((item, self._submit_all(item, renders)))
            if not window:
                return
            item, keys = window.popleft()
            yield item
            self.drop(keys)

    def _submit_all(self, item: T, renders: Callable[[T], list[tuple[AttachDocument, SalesDocument]]]
                    ) -> list[str]:
        try:
            wanted = renders(item)
        except Exception:  # noqa: BLE001 - the engine decides this item again and reports any error then
            return []
        return [action.key for action, document in wanted if self.submit(action, document)]

    def submit(self, action: AttachDocument, document: SalesDocument) -> bool:
        """Start making ``action``'s PDF (False when it is already under way, or too many are)."""
        if action.key in self._jobs or len(self._jobs) >= self.max_jobs:
            return False
        try:
            job = self._job(action, document)
        except DocumentError:
            return False            # reported when the document is attached
        self._jobs[action.key] = job
        self._queue.append(job)
        self._dispatch()
        return True

    def render(self, action: AttachDocument, document: SalesDocument) -> tuple[bytes, list[str]]:
        """The PDF of ``action`` and the renderer's notes: made ahead, or made now (waiting for it).

        Raises ``DocumentError`` (the renderer refused, crashed or took too long), ``Stopped`` (a stop was
        requested while waiting) or ``ConfigError`` (the renderer cannot be built)."""
        job = self._jobs.pop(action.key, None)
        if job is None:
            job = self._job(action, document)
            self._queue.appendleft(job)
        elif job.reply is None and job in self._queue:
            self._queue.remove(job)
            self._queue.appendleft(job)
        while job.reply is None:
            self.stop.check()
            self._pump(POLL_SECONDS)
        return self._result(job)

    def drop(self, keys: Iterable[str]) -> None:
        """Forget PDFs made ahead and not taken (their result is thrown away when it comes)."""
        for key in keys:
            job = self._jobs.pop(key, None)
            if job is not None:
                job.dropped = True
                if job in self._queue:
                    self._queue.remove(job)

    def close(self) -> None:
        """End every worker now (what is being made is dropped)."""
        workers, self._workers = self._workers, []
        for worker in workers:
            worker.end()
        self._queue.clear()
        self._jobs.clear()

    # ---------------------------------------------------------------- inside
    def _job(self, action: AttachDocument, document: SalesDocument) -> _Job:
        ready = apply_exemption_basis(document, self.exemption_basis)
        head = json.dumps({"template": action.template, "ksef_label": action.ksef_label}).encode()
        return _Job(head + b"\n" + ready.model_dump_json().encode("utf-8"), document.number)

    def _result(self, job: _Job) -> tuple[bytes, list[str]]:
        reply = job.reply or ("error", "render_failed", f"{job.number}: no PDF")
        if reply[0] == "ok":
            return reply[1], list(reply[2])
        if reply[0] == "fatal":
            _, exit_code, message, errors = reply
            if exit_code == ConfigError.exit_code:
                raise ConfigError(message, errors=[tuple(e) for e in errors])
            raise DocumentError(message, code="renderer_unavailable")
        raise DocumentError(reply[2], code=reply[1])

    def _dispatch(self) -> None:
        while self._queue:
            worker = next((w for w in self._workers if w.job is None), None)
            if worker is None:
                if len(self._workers) >= self.size:
                    return
                worker = _Worker(self.recipe)
                self._workers.append(worker)
                self.started += 1
            if not worker.alive():                  # ended while idle: no document was lost with it
                self._retire(worker)
                continue
            job = self._queue.popleft()
            job.started = time.monotonic()
            job.sends += 1
            try:
                worker.send.send_bytes(job.payload)
            except OSError:
                if job.sends < 3:
                    self._retire(worker)
                    self._queue.appendleft(job)
                else:
                    job.reply = self._crashed(job, worker)
                continue
            worker.job = job

    def _pump(self, seconds: float) -> None:
        self._dispatch()
        busy = [w for w in self._workers if w.job is not None]
        if not busy:
            return
        ready = set(wait([w.conn for w in busy], seconds))    # a worker that dies closes its pipe: ready too
        now = time.monotonic()
        for worker in busy:
            job = worker.job
            assert job is not None
            if worker.conn in ready:
                reply: Reply | None = None
                try:
                    if worker.conn.poll():
                        reply = worker.conn.recv()
                except (EOFError, OSError):
                    reply = None
                if reply is None:
                    job.reply = self._crashed(job, worker)
                elif reply[0] == "ready":
                    worker.ready_at = now
                else:
                    job.reply, worker.job = reply, None
            elif self._overdue(worker, job, now):
                self._retire(worker)
                job.reply = ("error", "render_timeout",
                             f"{job.number}: the PDF took longer than {self.timeout:g} s to make, so the render "
                             "was stopped and nothing was sent ([renderer] timeout)")
        self._dispatch()

    def _overdue(self, worker: _Worker, job: _Job, now: float) -> bool:
        if worker.ready_at is None:                     # still starting: its start-up is not the document's
            return now - job.started > self.timeout + START_SECONDS
        return now - max(job.started, worker.ready_at) > self.timeout

    def _crashed(self, job: _Job, worker: _Worker) -> Reply:
        self._retire(worker)
        code = worker.exit_code()
        how = f"killed by signal {-code}" if code is not None and code < 0 else f"exit code {code}"
        return ("error", "render_crashed",
                f"{job.number}: the renderer's worker process ended while making this PDF ({how}), so nothing "
                "was sent; the next documents go on with a new worker")

    def _retire(self, worker: _Worker) -> None:
        worker.end()
        if worker in self._workers:
            self._workers.remove(worker)


def planned_renders(rule: Any, order: Any, docs: list[SalesDocument], facts: Any, context: Any
                    ) -> list[tuple[AttachDocument, SalesDocument]]:
    """The attaches the rule would make first for ``order`` (the engine decides again when it gets there)."""
    by_id = {d.id: d for d in docs}
    return [(a, by_id[a.document_id]) for a in rule.decide(order, docs, facts, context)
            if isinstance(a, AttachDocument) and not facts.is_done(a.key) and a.document_id in by_id]


def pool_for(scenario: Any, *, stop: StopFlag) -> RenderPool | None:
    """The scenario's render pool, or None when it renders in the run process (``[renderer] workers = 0``)."""
    size = scenario.render_workers
    if size < 1:
        return None
    name = scenario.plugin_name("renderer")
    if name is None:
        return None
    recipe = Recipe(plugin=name, section=scenario.section("renderer"), scenario=scenario.name,
                    base_dir=str(scenario.base_dir), timezone=scenario.timezone)
    return RenderPool(recipe, size=size, timeout=scenario.render_timeout, stop=stop,
                      exemption_basis=scenario.exemption_basis)


__all__ = ["Recipe", "RenderPool", "planned_renders", "pool_for"]
