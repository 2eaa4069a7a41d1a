"""Time estimates from the engine's own cost model: a job's work units (steps at 256×256 px,
engine.optimize.schedule) times seconds per unit, learnt from every finished job."""

from __future__ import annotations

from worker.protocol import JobSpec

#: Seconds per work unit before any job is measured: 0.52 s per step at 256 px on the 2-core dev CPU.
CPU_GUESS = 0.55
#: A GPU's first guess (≈ 4 ms per step at 512 px on an H100, plus launch costs).
GPU_GUESS = 0.02
#: Seconds of every job that do not scale with its work (reading pictures, targets, saving).
OVERHEAD = 3.0
#: The same for an instant picture (a second process, reading and writing JPEGs, no network to prepare).
INSTANT_OVERHEAD = 0.5
#: Weight of the newest measurement.
LEARNING_RATE = 0.3


class EtaModel:
    def __init__(self, seconds_per_unit: float = CPU_GUESS, overhead: float = OVERHEAD):
        self.seconds_per_unit, self.overhead = seconds_per_unit, overhead

    def use_device(self, device: str) -> None:
        """A first guess for the engine's device, until a job there is measured."""
        self.seconds_per_unit = GPU_GUESS if device.startswith("cuda") else CPU_GUESS

    def seconds(self, units: float) -> float:
        return units * self.seconds_per_unit + self.overhead

    def learn(self, units: float, seconds: float) -> None:
        measured = max(0.0, seconds - self.overhead) / max(units, 1e-6)
        self.seconds_per_unit = (1 - LEARNING_RATE) * self.seconds_per_unit + LEARNING_RATE * measured


def units(spec: JobSpec) -> float:
    """A job's work units, from its settings' own schedule (engine.optimize.schedule)."""
    return spec.mode_settings().work
