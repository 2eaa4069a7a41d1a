"""Keeps an engine working: starts it, restarts it when it died, stops a job past its time limit,
and runs one job to its outcome. Knows nothing of Telegram or the database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from worker.client import Capabilities, EngineClient
from worker.protocol import Done, EventKind, Failed, JobSpec, Progress

from ..limits import JOB_TIME_LIMIT

log = logging.getLogger(__name__)
#: Seconds the engine gets to stop a job that ran out of time before it is restarted.
CANCEL_GRACE = 30.0
#: Attempts at a job whose engine died under it (then it fails with a message).
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class Outcome:
    """How a job ended: done, failed, cancelled, time_limit, or crashed (the engine died under it)."""

    kind: str
    done: Done | None = None
    failed: Failed | None = None


class Supervisor:
    def __init__(self, engine: EngineClient, time_limit: float = JOB_TIME_LIMIT, cancel_grace: float = CANCEL_GRACE):
        self.engine, self.time_limit, self.cancel_grace = engine, time_limit, cancel_grace

    @property
    def alive(self) -> bool:
        return self.engine.alive

    async def start(self) -> Capabilities:
        capabilities = await self.engine.start()
        log.info("engine ready on %s (load %.2f s)", capabilities.device, capabilities.load_seconds)
        return capabilities

    @property
    def self_healing(self) -> bool:
        """Workers elsewhere (worker.remote): nothing here to restart; a dead worker's job is requeued there."""
        return self.engine.self_healing

    async def ensure_alive(self) -> None:
        if not self.engine.alive and not self.self_healing:  # it died idle (killed, out of memory): a fresh one
            log.warning("engine found dead while idle; restarting it")
            await self.start()

    async def cancel(self, job_id: str) -> None:
        await self.engine.cancel(job_id)

    @staticmethod
    def may_retry(attempts: int) -> bool:
        return attempts < MAX_ATTEMPTS

    async def run(self, job_id: str, spec: JobSpec, on_progress: Callable[[Progress], Awaitable[None]]) -> Outcome:
        """Submit the job and follow its events to the end, enforcing the time limit."""
        await self.ensure_alive()
        await self.engine.submit(job_id, spec)
        deadline, stopping = time.monotonic() + self.time_limit, False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not stopping:
                log.warning("job %s ran past %.0f s; stopping it", job_id, self.time_limit)
                stopping, deadline = True, time.monotonic() + self.cancel_grace
                await self.engine.cancel(job_id)
                continue
            if remaining <= 0:  # the engine did not stop it: a fresh engine for the next job
                if not self.self_healing:
                    await self.start()
                return Outcome("time_limit")
            try:
                event = await self.engine.next_event(job_id, timeout=remaining)
            except TimeoutError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():  # a cancel an engine client reported as a timeout
                    raise asyncio.CancelledError from None
                continue
            if event.kind == EventKind.PROGRESS:
                await on_progress(event)
            elif event.kind == EventKind.DONE:
                return Outcome("done", done=event)
            elif event.kind == EventKind.CANCELLED:
                return Outcome("time_limit" if stopping else "cancelled")
            elif event.kind == EventKind.FAILED:
                if event.code == "engine_crashed" and not self.self_healing:
                    log.warning("engine died during job %s; restarting it", job_id)
                    await self.start()
                    return Outcome("crashed", failed=event)
                return Outcome("failed", failed=event)

    async def stop(self) -> None:
        await self.engine.stop()
