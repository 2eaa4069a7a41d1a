"""Time estimates from the engine's own cost model: a job's work units (steps at 256×256 px,
engine.optimize.schedule) times seconds per unit, learnt on this host from every finished job,
kept per mode and size (a step at 1024 px runs more efficiently per pixel than one at 128 px, and
an instant pass is another thing again); and a card's countdown that does not jump about."""

from __future__ import annotations

import time
from collections.abc import Callable

from worker.protocol import JobSpec

#: Seconds per work unit before any job is measured: 0.52 s per step at 256 px on the 2-core dev CPU.
CPU_GUESS = 0.55
#: A GPU's first guess (≈ 4 ms per step at 512 px on an H100, plus launch costs).
GPU_GUESS = 0.02
#: Seconds of every job that do not scale with its work (reading pictures, targets, saving).
OVERHEAD = 3.0
#: The same for an instant picture (a second process, reading and writing JPEGs, no network to prepare).
INSTANT_OVERHEAD = 0.5
#: A clip's first guesses, per frame at 640 px (engine.modes.video's units): 0.25 s measured on the
#: 2-core dev CPU (instant networks, flow and encoding); a GPU host's onnxruntime several times faster.
CLIP_CPU_GUESS, CLIP_GPU_GUESS = 0.3, 0.08
#: Seconds of a clip job that do not scale with its frames (reading, the networks, the sound).
CLIP_OVERHEAD = 2.0
#: Weight of the newest measurement.
LEARNING_RATE = 0.3

Kind = tuple[str, int]  #: (mode, longest side of the result)


class EtaModel:
    """Seconds per work unit, learnt per :data:`Kind` from finished jobs (a kind not yet seen borrows
    the nearest size of its mode, else the device's first guess)."""

    def __init__(self, seconds_per_unit: float = CPU_GUESS, overhead: float = OVERHEAD, gpu_guess: float = GPU_GUESS):
        self.guess, self.overhead = seconds_per_unit, overhead
        self.guesses = (seconds_per_unit, gpu_guess)  #: the first guess on a CPU, on a GPU
        self.measured: float | None = None  #: the engine's own timing of itself, when it gave one
        self.rates: dict[Kind, float] = {}

    @property
    def seconds_per_unit(self) -> float:
        """The rate of the kind learnt last (the first guess before any)."""
        return next(reversed(self.rates.values()), self.guess)

    def use_device(self, device: str, measured: float | None = None) -> None:
        """A first guess for the engine's device — what the engine measured of itself as it started
        (engine.painter.Engine.calibrate), else a guess for the kind of device — until a job there is
        measured; another device's (or host's) measurements no longer apply."""
        guess = measured or (self.guesses[1] if device.startswith("cuda") else self.guesses[0])
        self.measured = measured
        if guess != self.guess:
            self.guess, self.rates = guess, {}

    def rate(self, kind: Kind | None = None) -> float:
        if kind in self.rates:
            return self.rates[kind]
        same_mode = [k for k in self.rates if kind is not None and k[0] == kind[0]]
        if same_mode:
            return self.rates[min(same_mode, key=lambda k: abs(k[1] - kind[1]))]
        return self.seconds_per_unit

    def seconds(self, units: float, kind: Kind | None = None) -> float:
        return units * self.rate(kind) + self.overhead

    def learn(self, units: float, seconds: float, kind: Kind | None = None) -> None:
        """A finished job's time: the first of its kind is taken as it is (a first guess may be far off
        on an unknown host), later ones move the rate by :data:`LEARNING_RATE`."""
        measured = max(0.0, seconds - self.overhead) / max(units, 1e-6)
        before = self.rates.pop(kind, None)  # put back last: the kind learnt most recently
        self.rates[kind] = measured if before is None else (1 - LEARNING_RATE) * before + LEARNING_RATE * measured

    def left(self, units: float, kind: Kind | None, fraction: float, engine_eta: float | None) -> float:
        """Seconds still to go for a running job: what this host's rate says for the work left, handed
        over to the engine's own measurement of this job as it gets further (early on the engine has
        timed only the cheap small sizes, and its extrapolation runs high)."""
        model = units * (1.0 - fraction) * self.rate(kind)
        if engine_eta is None:
            return model
        return (1.0 - fraction) * model + fraction * engine_eta


def units(spec: JobSpec) -> float:
    """A job's work units, from its settings' own schedule (engine.optimize.schedule)."""
    return spec.mode_settings().work


def kind(spec: JobSpec) -> Kind:
    """What a job's rate is learnt and looked up under: its mode and the size of its result."""
    return kind_of(spec.mode, spec.mode_settings())


def kind_of(mode: str, settings) -> Kind:
    """The same for settings not yet in a spec (the ⚙ card's estimate)."""
    return mode, int(getattr(settings, "size", 0))


class Countdown:
    """What a card says is left: it counts down with the clock, and a new estimate replaces it only
    when the two differ by more than a quarter (and 10 s) — so "about 2 min" does not become
    "4 min" and then "1 min" on noise, yet a real change shows."""

    SLACK, FLOOR = 0.25, 10.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.shown: float | None = None
        self.at = 0.0

    def now(self) -> float | None:
        if self.shown is None:
            return None
        return max(1.0, self.shown - (self.clock() - self.at))

    def update(self, estimate: float | None) -> float | None:
        current = self.now()
        if estimate is not None and (
            current is None or abs(estimate - current) > max(self.FLOOR, self.SLACK * current)
        ):
            self.shown, self.at = estimate, self.clock()
        return self.now()
