"""The dispatcher's lanes as a table, what it knows of each job in them, and the queue as handlers see it.

A lane is one engine client with its own fair queue and the modes it takes: the painting lane
(Gatys, seconds to minutes per job) and the instant lane (onnxruntime only, about a second per
picture). A job goes to the first started lane that takes its mode; the last lane takes the rest.
Another kind of engine (videos) is another row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from engine.errors import SettingsError
from worker.protocol import JobSpec, SpecError

from .eta import Countdown, EtaModel, Kind, kind, units
from .fair_queue import FairQueue
from .supervisor import Supervisor


@dataclass
class Lane:
    """One engine, the modes it takes, and the jobs waiting for it."""

    name: str
    supervisor: Supervisor
    eta: EtaModel
    #: the modes it takes (None: any its engine paints, after the lanes before it took theirs)
    modes: frozenset[str] | None = None
    family: str = "picture"  #: the engine's slots it fills (engine.modes families)
    announces: bool = False  #: tells waiting jobs their new place when the queue moves (the long waits)
    queue: FairQueue = field(default_factory=FairQueue)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task | None = None
    active: set[asyncio.Task] = field(default_factory=set)  #: its jobs being painted
    ready: bool = False  #: its engine started
    offered: tuple[str, ...] = ()  #: the modes its engine said it paints

    def takes(self, mode: str) -> bool:
        return self.ready and (mode in self.modes if self.modes is not None else True)

    def capacity(self) -> int:
        """Jobs it paints at once: one for a local engine; the live workers' slots for workers."""
        return self.supervisor.engine.slots(self.family)

    def holds(self, job_id: int) -> bool:
        """Whether the job waits or paints here."""
        return job_id in self.queue or job_id in self.queue.running_jobs

    def jobs(self) -> set[int]:
        return {*self.queue.waiting, *self.queue.running_jobs}


@dataclass
class Tracked:
    """What is known of a waiting or running job without reading its row again."""

    mode: str
    work: float  #: the engine's work units (eta.units)
    kind: Kind | None  #: what its rate is learnt under
    progress: float = 0.0  #: fraction done, while it paints
    countdown: Countdown | None = None  #: what its card says is left, while it paints


class JobBook:
    """Each queued or running job's mode, work and progress, kept while it is in a lane."""

    def __init__(self) -> None:
        self._jobs: dict[int, Tracked] = {}

    def note(self, job_id: int, spec_dict: dict) -> Tracked:
        """Read a job's stored spec once; one that cannot be read is kept as an empty painting (it
        fails with a message when its turn comes)."""
        if job_id not in self._jobs:
            try:
                spec = JobSpec.from_dict(spec_dict)
                self._jobs[job_id] = Tracked(spec.mode, units(spec), kind(spec))
            except (SpecError, SettingsError):
                self._jobs[job_id] = Tracked("style", 0.0, None)
        return self._jobs[job_id]

    def get(self, job_id: int) -> Tracked | None:
        return self._jobs.get(job_id)

    def ids(self) -> set[int]:
        return set(self._jobs)

    def progress(self, job_id: int) -> float:
        tracked = self._jobs.get(job_id)
        return tracked.progress if tracked else 0.0

    def forget(self, job_id: int) -> None:
        self._jobs.pop(job_id, None)


class QueueView:
    """What handlers may know of the painting queue: order, places, time estimates. Read-only."""

    def __init__(self, lanes: Callable[[], list[Lane]], book: JobBook, slots: Callable[[], int]):
        self._lanes, self._book, self._slots = lanes, book, slots

    @property
    def _lane(self) -> Lane:
        return self._lanes()[-1]  # the painting lane: where people wait

    @property
    def _queue(self) -> FairQueue:
        return self._lane.queue

    @property
    def running(self) -> int | None:
        return self._queue.running

    @property
    def running_jobs(self) -> tuple[int, ...]:
        """Every job being painted (one with the local engine; up to the workers' slots with workers)."""
        return self._queue.running_jobs

    @property
    def waiting(self) -> tuple[int, ...]:
        return self._queue.waiting

    def running_fraction(self, job_id: int | None = None) -> float:
        job_id = self._queue.running if job_id is None else job_id
        return self._book.progress(job_id) if job_id is not None else 0.0

    def position(self, job_id: int) -> int:
        return self._queue.position(job_id)

    def estimate(self, job_id: int, lane: Lane | None = None) -> float:
        """Seconds a waiting or running job takes, all of it."""
        tracked = self._book.get(job_id)
        if tracked is None:
            return 0.0
        return (lane or self._lane_of(tracked.mode)).eta.seconds(tracked.work, tracked.kind)

    def eta(self, job_id: int) -> float:
        """Seconds until ``job_id``'s picture, roughly: the work ahead (shared by the slots), then its own."""
        waiting = self._queue.waiting
        ahead = waiting[: waiting.index(job_id)] if job_id in waiting else ()
        return self._spread(sum(self.estimate(j) for j in ahead) + self._running_rest()) + self.estimate(job_id)

    def quote(self, spec: JobSpec, user_id: int) -> tuple[int, float]:
        """Place and seconds-to-result a job like ``spec`` would get if ``user_id`` queued it now."""
        lane = self._lane_of(spec.mode)
        slot = lane.queue.slot_for(user_id)
        ahead = sum(self.estimate(j, lane) for j in lane.queue.waiting[:slot])
        if lane is self._lane:
            ahead = self._spread(ahead + self._running_rest())
        return slot + 1, ahead + lane.eta.seconds(units(spec), kind(spec))

    def _lane_of(self, mode: str) -> Lane:
        return next((lane for lane in self._lanes() if lane.takes(mode)), self._lane)

    def _spread(self, seconds: float) -> float:
        return seconds / max(1, self._slots())

    def _running_rest(self) -> float:
        return sum(self.estimate(j) * (1 - self._book.progress(j)) for j in self._queue.running_jobs)
