"""The one interface the bot paints through: an :class:`EngineClient`.

Two implementations: :class:`worker.local.LocalEngine` (a spawned process on this machine, the
default) and :class:`worker.remote.RemoteEngine` (``python -m worker`` processes on any hosts).
The bot never imports torch or the engine's internals:
it submits :class:`~worker.protocol.JobSpec`\\ s and reads typed events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .protocol import Event, JobSpec


@dataclass(frozen=True)
class Capabilities:
    """What an engine offers, learnt when it starts."""

    device: str  #: e.g. "cpu", "cuda"
    modes: tuple[str, ...] = ("style",)
    load_seconds: float = 0.0


@runtime_checkable
class EngineClient(Protocol):
    """Start it once; submit jobs; read their events in order; cancel; restart when it dies."""

    capabilities: Capabilities | None

    async def start(self) -> Capabilities:
        """Start (or restart) the engine and wait until it takes jobs."""

    async def submit(self, job_id: str, spec: JobSpec) -> None:
        """Hand a job over; its events follow on :meth:`next_event`."""

    async def cancel(self, job_id: str) -> None:
        """Ask the engine to stop a job; a ``Cancelled`` event confirms it."""

    async def next_event(self, timeout: float | None = None, job_id: str | None = None) -> Event:
        """The next event (of ``job_id``, for an engine that paints several jobs at once; one that
        paints one at a time may hand any job's); raises TimeoutError after ``timeout`` seconds.
        An engine that dies mid-job reports ``Failed(code="engine_crashed")``."""

    @property
    def alive(self) -> bool:
        """Whether the engine can take a job now."""

    async def stop(self) -> None:
        """Stop the engine; a running job is abandoned (the bot paints it again at the next start)."""
