"""The one interface the bot paints through: an :class:`EngineClient`.

Two implementations: :class:`worker.local.LocalEngine` (a spawned process on this machine, the
default) and :class:`worker.remote.RemoteEngine` (``python -m worker`` processes on any hosts).
The bot never imports torch or the engine's internals:
it submits :class:`~worker.protocol.JobSpec`\\ s and reads typed events. Everything the bot needs to
know of a client is stated here; no client is probed for what it might have.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from engine.modes import DEFAULT, family_of

from .protocol import Event, JobSpec


@dataclass(frozen=True)
class Capabilities:
    """What an engine offers, learnt when it starts."""

    device: str  #: e.g. "cpu", "cuda"; "mixed" for workers on several kinds
    modes: tuple[str, ...] = (DEFAULT,)
    load_seconds: float = 0.0
    #: measured seconds per work unit of its paintings (engine.painter.Engine.calibrate), if it paints any
    seconds_per_unit: float | None = None

    @property
    def families(self) -> tuple[str, ...]:
        """The mode families it paints (engine.modes: pictures, and later videos)."""
        return tuple(dict.fromkeys(family_of(mode) for mode in self.modes))


@runtime_checkable
class EngineClient(Protocol):
    """Start it once; submit jobs; read each job's events in order; cancel; restart when it dies."""

    capabilities: Capabilities | None
    #: True: engines elsewhere (workers) recover on their own — a dead one's job is handed to another
    #: there, so the bot restarts nothing and follows jobs that outlive it; False: the bot restarts it.
    self_healing: bool

    async def start(self) -> Capabilities:
        """Start (or restart) the engine and wait until it takes jobs."""

    async def submit(self, job_id: str, spec: JobSpec) -> None:
        """Hand a job over; its events follow on :meth:`next_event`."""

    async def cancel(self, job_id: str) -> None:
        """Ask the engine to stop a job; a ``Cancelled`` event confirms it."""

    async def next_event(self, job_id: str, timeout: float | None = None) -> Event:
        """The next event of ``job_id``; raises TimeoutError after ``timeout`` seconds. An engine
        that dies mid-job reports ``Failed(code="engine_crashed")``."""

    @property
    def alive(self) -> bool:
        """Whether the engine can take a job now."""

    def slots(self, family: str = "picture") -> int:
        """Jobs of this mode family it paints at once now (0 when none can start)."""

    async def stop(self) -> None:
        """Stop the engine; a running job is abandoned (the bot paints it again at the next start)."""
