"""The procrastinate side: the run task, the schedule tick, queueing a run, and the worker loop.

* ``sellintegro.run`` (one job per run) is configured with ``lock=NAME`` (queued runs of a scenario go one at a
  time, in order) and ``queueing_lock=NAME`` (at most one waiting run per scenario). Inside, the run also holds
  the scenario's PostgreSQL advisory lock (:mod:`.locks`), so a ``sellintegro run`` from any host and a worker
  never overlap.
* ``sellintegro.tick`` is a procrastinate periodic job (every minute). It turns the scenarios' schedules
  (interval, hours, weekdays, in the scenario's time zone: :func:`sellintegro_core.schedule.next_run`, DST-correct)
  into run jobs: every deployed ``mode = "auto"`` scenario whose next run is due is queued, and its next run
  moves on. A compare-and-set on ``next_run`` keeps two ticks from queueing the same slot.
* The worker (:func:`work`) runs procrastinate's worker plus a sweeper: a job whose worker stopped sending
  heartbeats (SIGKILL, host lost) is stalled, and is put back to ``todo`` so another worker takes it over. The
  ledger's steps keep the effect exactly once.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import clock
from ..errors import RetriableError
from ..ledger_pg import PgLedger, connect
from ..schedule import in_active_window, next_run
from ..stopping import StopFlag
from .locks import AlreadyRunning, PgScenarioLock

RUN_TASK = "sellintegro.run"
TICK_TASK = "sellintegro.tick"
QUEUE = "sellintegro"
HEARTBEAT_SECONDS = float(os.environ.get("SELLINTEGRO_HEARTBEAT_SECONDS", "10"))
STALLED_SECONDS = float(os.environ.get("SELLINTEGRO_STALLED_SECONDS", "30"))
log = logging.getLogger("sellintegro.worker")
_ACTIVE: set[StopFlag] = set()           # stop flags of the runs in progress in this process
_ACTIVE_LOCK = threading.Lock()


@dataclass
class Enqueued:
    name: str
    job_id: int


def make_app(url: str) -> Any:
    """The procrastinate app on the shared PostgreSQL, with the run and tick tasks."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url),
                            worker_defaults={"update_heartbeat_interval": HEARTBEAT_SECONDS,
                                             "stalled_worker_timeout": STALLED_SECONDS})

    @app.task(name=RUN_TASK, queue=QUEUE)
    def run_job(scenario: str) -> str:
        return run_deployed(url, scenario)

    @app.periodic(cron="* * * * *", periodic_id="schedules")
    @app.task(name=TICK_TASK, queue=QUEUE, queueing_lock=TICK_TASK)
    def tick(timestamp: int) -> int:
        return queue_due(app, url)

    return app


def ensure_schema(url: str) -> None:
    """Migrate sellintegro's tables and install procrastinate's schema the first time."""
    import procrastinate

    PgLedger(url).close()
    conn = connect(url)
    try:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7262018)")
            present = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]
            if present is None:
                conn.execute(procrastinate.schema.SchemaManager.get_schema())
    finally:
        conn.close()


def active_job(url: str, name: str) -> tuple[int, str] | None:
    """The queued or running run job of a scenario: ``(job id, status)``."""
    conn = connect(url)
    try:
        row = conn.execute("SELECT id, status FROM procrastinate_jobs WHERE task_name = %s AND lock = %s AND "
                           "status IN ('todo', 'doing') ORDER BY id LIMIT 1", (RUN_TASK, name)).fetchone()
    finally:
        conn.close()
    return (int(row[0]), str(row[1])) if row else None


def _defer(app: Any, name: str) -> int:
    return int(app.configure_task(RUN_TASK, lock=name, queueing_lock=name, queue=QUEUE).defer(scenario=name))


def enqueue(url: str, name: str) -> Enqueued:
    """Queue a run of a deployed scenario now (``sellintegro enqueue``, the panel's Run now)."""
    import procrastinate

    from .deployments import deployed_names, load_deployed

    ensure_schema(url)
    ledger = PgLedger(url)
    try:
        if name not in deployed_names(ledger):
            load_deployed(ledger, name, url)          # raises the "not deployed" message with suggestions
    finally:
        ledger.close()
    found = active_job(url, name)
    if found is not None:
        raise AlreadyRunning(f"{name}: already running or queued (job {found[0]} is {found[1]}); "
                             "not queued again")
    app = make_app(url)
    with app.open():
        try:
            return Enqueued(name, _defer(app, name))
        except procrastinate.exceptions.AlreadyEnqueued:
            raise AlreadyRunning(f"{name}: already running or queued; not queued again") from None


def run_deployed(url: str, name: str) -> str:
    """The body of a run job: load the deployed scenario, hold its lock, run it. Returns the outcome."""
    from ..engine import run_scenario
    from ..plugins import get_host
    from .deployments import load_deployed

    ledger = PgLedger(url)
    try:
        scenario = load_deployed(ledger, name, url)
    finally:
        ledger.close()
    stop = StopFlag()
    with _ACTIVE_LOCK:
        _ACTIVE.add(stop)
    try:
        with PgScenarioLock(url, name):
            report = run_scenario(scenario, host=get_host(), stop=stop)
    except AlreadyRunning as exc:
        log.info("%s", exc.message)
        return "already_running"
    except RetriableError as exc:
        log.warning("%s: %s", name, exc.message)
        return "deferred"
    finally:
        with _ACTIVE_LOCK:
            _ACTIVE.discard(stop)
    log.info("%s: %s (%s)", name, report.outcome, ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())))
    return report.outcome


def queue_due(app: Any, url: str, *, now: datetime | None = None) -> int:
    """Queue every deployed auto scenario whose next run is due; returns how many were queued."""
    import procrastinate

    from .deployments import load_deployed

    ledger = PgLedger(url)
    queued = 0
    try:
        rows = ledger._rows("SELECT name, next_run FROM sellintegro_deployments WHERE schedule_mode = 'auto'", ())
        for name, stored in rows:
            try:
                scenario = load_deployed(ledger, name, url, validate_components=False)
            except Exception as exc:  # noqa: BLE001 - one broken scenario must not stop the others
                log.warning("%s: cannot load the deployed scenario: %s", name, exc)
                continue
            schedule, tz = scenario.model.schedule, scenario.timezone
            moment = (now or clock.now()).astimezone(UTC)
            if stored is None:
                due = moment if in_active_window(moment, schedule, tz) else next_run(moment, schedule, tz)
            else:
                due = datetime.fromisoformat(stored)
            following = next_run(max(moment, due), schedule, tz).astimezone(UTC).isoformat()
            if due > moment:
                if stored is None:
                    ledger._tx([("UPDATE sellintegro_deployments SET next_run = %s WHERE name = %s AND next_run "
                                 "IS NULL", (due.astimezone(UTC).isoformat(), name))])
                continue
            claimed = ledger._tx([("UPDATE sellintegro_deployments SET next_run = %s WHERE name = %s AND "
                                   "next_run IS NOT DISTINCT FROM %s RETURNING name", (following, name, stored))])
            if not claimed[0]:
                continue                       # another tick took this slot
            try:
                _defer(app, name)
                queued += 1
            except procrastinate.exceptions.AlreadyEnqueued:
                log.info("%s: a run is already queued; this slot is covered by it", name)
    finally:
        ledger.close()
    return queued


async def _sweep(app: Any, every: float) -> None:
    """Put jobs of dead workers back in the queue (another worker takes them over)."""
    while True:
        await asyncio.sleep(every)
        try:
            for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_SECONDS):
                log.warning("job %s (%s) was running on a worker that stopped answering; queued again",
                            job.id, job.task_kwargs.get("scenario", job.task_name))
                await app.job_manager.retry_job(job)
            await app.job_manager.prune_stalled_workers(STALLED_SECONDS)
        except Exception as exc:  # noqa: BLE001 - a lost connection is retried at the next sweep
            log.warning("stalled-job sweep failed: %s", exc)


def work(url: str, *, concurrency: int = 1) -> int:
    """Run a worker until SIGTERM/SIGINT: runs in progress are asked to stop and record what they did."""
    ensure_schema(url)
    app = make_app(url)

    async def main() -> None:
        async with app.open_async():
            worker = asyncio.create_task(app.run_worker_async(
                queues=[QUEUE], concurrency=concurrency, install_signal_handlers=False,
                name=f"sellintegro@{os.uname().nodename}:{os.getpid()}"))
            sweeper = asyncio.create_task(_sweep(app, max(1.0, HEARTBEAT_SECONDS)))
            loop = asyncio.get_running_loop()

            def stop() -> None:
                with _ACTIVE_LOCK:
                    for flag in _ACTIVE:
                        flag.set()
                worker.cancel()

            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop)
            try:
                await worker
            except asyncio.CancelledError:
                pass
            finally:
                sweeper.cancel()

    asyncio.run(main())
    return 0
