"""The dispatcher's lanes as a table, what it knows of each job in them, and the queue as handlers see it.

A lane is one engine client with its own fair queue and the modes it takes: the painting lane
(Gatys, seconds to minutes per job), the instant lane (onnxruntime only, about a second per
picture) and the clips' lane (frame by frame, minutes per clip: a long video never holds up
anyone's picture). A job goes to the first started lane that takes its mode; the last lane takes
the rest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from engine import modes as engine_modes
from engine.errors import SettingsError
from engine.modes.base import NETWORKS, VIDEO_FAMILY
from worker.client import EngineClient
from worker.protocol import JobSpec, SpecError

from ..limits import INSTANT_TIME_LIMIT
from .eta import CLIP_CPU_GUESS, CLIP_GPU_GUESS, CLIP_OVERHEAD, INSTANT_OVERHEAD, Countdown, EtaModel, Kind, kind, units
from .fair_queue import FairQueue
from .supervisor import Supervisor

#: The instant lane's modes: a second's work each (engine.modes: ``quick``).
QUICK = frozenset(engine_modes.painted_with(NETWORKS, quick=True))
#: The clips' lane's: every clip mode its engine paints (a light process: the instant networks'
#: clips; workers: the whole video family, whose queue those that offer it share).
CLIPS = frozenset(engine_modes.painted_with(NETWORKS, family=VIDEO_FAMILY))


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
    shared: bool = False  #: its engine is the painting lane's (workers: those that offer its family)
    required: bool = False  #: its engine must start (the painting lane); another lane is off without it
    sketched: bool = False  #: its paintings get an instant sketch on their card while they wait
    sketches: bool = False  #: it paints those sketches, ahead of its own jobs (the instant lane)

    def takes(self, mode: str) -> bool:
        """Whether a job of ``mode`` is this lane's: one of its modes that its engine said it paints."""
        return self.ready and (self.modes is None or (mode in self.modes and mode in self.offered))

    def capacity(self) -> int:
        """Jobs it paints at once: one for a local engine; the live workers' slots for workers."""
        return self.supervisor.engine.slots(self.family)

    def holds(self, job_id: int) -> bool:
        """Whether the job waits or paints here."""
        return job_id in self.queue or job_id in self.queue.running_jobs

    def jobs(self) -> set[int]:
        return {*self.queue.waiting, *self.queue.running_jobs}


class Lanes:
    """The lanes in routing order (a job goes to the first started lane that takes its mode; the
    painting lane, last, takes the rest) and the painting engine's device, which they estimate by."""

    def __init__(self, paint: Lane, instant: Lane | None = None, clips: Lane | None = None):
        self.paint, self.instant, self.clips = paint, instant, clips
        self.all = [lane for lane in (instant, clips, paint) if lane is not None]
        self.device = "unknown"  #: the painting engine's device, once started

    def __iter__(self):
        return iter(self.all)

    def route(self, mode: str) -> Lane:
        return next((lane for lane in self.all if lane.takes(mode)), self.paint)

    def jobs(self) -> set[int]:
        """Every job the lanes hold, waiting or painting."""
        return {job_id for lane in self.all for job_id in lane.jobs()}

    def offered(self) -> set[str]:
        """The modes the started lanes' engines paint."""
        return {mode for lane in self.all if lane.ready for mode in lane.offered}

    def use_device(self, device: str, seconds_per_unit: float | None = None) -> None:
        """The painting engine's device and its own timing of itself: the first estimates of the lanes
        it paints for start there."""
        if device != self.device or seconds_per_unit != self.paint.eta.measured:
            self.device = device
            for lane in self.all:
                if lane.supervisor is self.paint.supervisor:
                    lane.eta.use_device(device, seconds_per_unit)


def make_lanes(
    engine: EngineClient, instant: EngineClient | None, video: EngineClient | None, time_limit: float
) -> Lanes:
    """The painting lane, the instant lane and the clips' lane (none where there is no such engine).
    With workers the clips' client is the painting one: its workers that offer clips fill the
    clips' slots, and it is started once."""
    paint = Lane("paint", Supervisor(engine, time_limit), EtaModel(), announces=True, required=True, sketched=True)
    fast = None
    if instant is not None:
        eta = EtaModel(overhead=INSTANT_OVERHEAD)
        # a second's work (an instant picture, a sticker's mask) never waits behind paintings
        fast = Lane("quick", Supervisor(instant, INSTANT_TIME_LIMIT), eta, modes=QUICK, sketches=True)
    clips = None
    if video is not None:  # a long clip has its own queue: everyone's pictures go on meanwhile
        supervisor = paint.supervisor if video is engine else Supervisor(video, time_limit)
        eta = EtaModel(CLIP_CPU_GUESS, CLIP_OVERHEAD, CLIP_GPU_GUESS)
        clips = Lane("clips", supervisor, eta, modes=CLIPS, family=VIDEO_FAMILY, announces=True, shared=video is engine)
    return Lanes(paint, fast, clips)


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
                self._jobs[job_id] = Tracked(engine_modes.DEFAULT, 0.0, None)
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
    """What handlers may know of the queues where people wait (the painting lane, the clips' lane):
    order, places, time estimates. Read-only."""

    def __init__(self, lanes: Lanes, book: JobBook, slots: Callable[[], int]):
        self._lanes, self._book, self._slots = lanes, book, slots
        self._lane = lanes.paint  # where most people wait

    def _waited(self) -> list[Lane]:
        """The lanes whose jobs people wait for (an instant picture is there before anyone looks)."""
        return [lane for lane in self._lanes if lane.announces]

    @property
    def running(self) -> int | None:
        return self._lane.queue.running

    @property
    def running_jobs(self) -> tuple[int, ...]:
        """Every job being painted (one per local engine; up to the workers' slots with workers)."""
        return tuple(job for lane in self._waited() for job in lane.queue.running_jobs)

    @property
    def waiting(self) -> tuple[int, ...]:
        return tuple(job for lane in self._waited() for job in lane.queue.waiting)

    def running_fraction(self, job_id: int | None = None) -> float:
        job_id = self._lane.queue.running if job_id is None else job_id
        return self._book.progress(job_id) if job_id is not None else 0.0

    def position(self, job_id: int) -> int:
        return self._holding(job_id).queue.position(job_id)

    def estimate(self, job_id: int, lane: Lane | None = None) -> float:
        """Seconds a waiting or running job takes, all of it."""
        tracked = self._book.get(job_id)
        if tracked is None:
            return 0.0
        return (lane or self._lane_of(tracked.mode)).eta.seconds(tracked.work, tracked.kind)

    def eta(self, job_id: int) -> float:
        """Seconds until ``job_id``'s picture, roughly: the work ahead in its lane (shared by the
        lane's slots), then its own."""
        lane = self._holding(job_id)
        waiting = lane.queue.waiting
        ahead = waiting[: waiting.index(job_id)] if job_id in waiting else ()
        before = sum(self.estimate(j, lane) for j in ahead) + self._running_rest(lane)
        return self._spread(lane, before) + self.estimate(job_id, lane)

    def quote(self, spec: JobSpec, user_id: int) -> tuple[int, float]:
        """Place and seconds-to-result a job like ``spec`` would get if ``user_id`` queued it now."""
        lane = self._lane_of(spec.mode)
        slot = lane.queue.slot_for(user_id)
        ahead = sum(self.estimate(j, lane) for j in lane.queue.waiting[:slot])
        if lane.announces:
            ahead = self._spread(lane, ahead + self._running_rest(lane))
        return slot + 1, ahead + lane.eta.seconds(units(spec), kind(spec))

    def _lane_of(self, mode: str) -> Lane:
        return self._lanes.route(mode)

    def _holding(self, job_id: int) -> Lane:
        """The lane a job waits or paints in (the painting lane for one in none)."""
        return next((lane for lane in self._lanes if lane.holds(job_id)), self._lane)

    def _spread(self, lane: Lane, seconds: float) -> float:
        slots = self._slots() if lane is self._lane else lane.capacity()
        return seconds / max(1, slots)

    def _running_rest(self, lane: Lane) -> float:
        return sum(self.estimate(j, lane) * (1 - self._book.progress(j)) for j in lane.queue.running_jobs)
