"""The live workers, as the bot's engine client and every following replica read them: one reading
of the ``engine_workers`` rows (each worker's slots, device and modes, refreshed by its heartbeat)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.modes import DEFAULT, family_of

from .client import Capabilities

#: Seconds without a heartbeat after which a worker is taken for dead (its job handed to another).
STALE_AFTER = 15.0


@dataclass(frozen=True)
class Roster:
    capabilities: Capabilities
    slots: dict[str, int] = field(default_factory=dict)  #: mode family → jobs the live workers paint at once

    @classmethod
    def of(cls, workers: Iterable[Mapping]) -> Roster:
        """From rows with ``slots``, ``device``, ``modes`` (space-separated), ``load_seconds``."""
        rows = list(workers)
        devices = sorted({row["device"] for row in rows})
        device = devices[0] if len(devices) == 1 else ("mixed" if devices else "workers")
        modes = tuple(dict.fromkeys(m for row in rows for m in row["modes"].split()))
        slots: dict[str, int] = {}
        for row in rows:  # a worker's slots serve each family it offers (one job at a time per slot)
            for family in dict.fromkeys(family_of(m) for m in row["modes"].split()):
                slots[family] = slots.get(family, 0) + row["slots"]
        load = max((row["load_seconds"] for row in rows), default=0.0)
        speeds = [row["seconds_per_unit"] for row in rows if row.get("seconds_per_unit")]
        speed = sum(speeds) / len(speeds) if speeds else None  # (a job goes to any of them)
        return cls(Capabilities(device, modes or (DEFAULT,), load, speed), slots)

    def slots_for(self, family: str) -> int:
        return self.slots.get(family, 0)
