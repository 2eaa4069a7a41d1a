"""The coarse-to-fine schedule and the one cost model behind every time estimate (no torch).

A step costs about its pixel count (VGG19's convolutions dominate and scale linearly with the
picture), so a run's *work* is counted in steps at 256×256 px: ``Σ steps · (side/256)²``. The
engine reports progress in these units and the bot learns seconds per unit from finished jobs,
so the painter and the queue's estimates share one model.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Work units are steps at this longest side (a square picture).
UNIT_SIDE = 256


def coarse_to_fine(
    size: int, steps: int, start_size: int | None, coarse_steps: int | None
) -> tuple[tuple[int, int], ...]:
    """(longest side, steps) of each size: from ``start_size`` up in √2 steps to ``size``."""
    if not start_size or start_size >= size:
        return ((size, steps),)
    sides, k = [], 0
    while (side := round(size / 2 ** (k / 2))) >= start_size:
        sides.insert(0, side)
        k += 1
    coarse = steps if coarse_steps is None else coarse_steps
    if coarse == 0:
        return ((size, steps),)
    return (*((side, coarse) for side in sides[:-1]), (size, steps))


def work(schedule: Iterable[tuple[int, int]]) -> float:
    """A schedule's cost in steps at 256×256 px."""
    return sum(steps * (side / UNIT_SIDE) ** 2 for side, steps in schedule)


def pixel_work(width: int, height: int, steps: int = 1) -> float:
    """The cost of ``steps`` steps on a ``width``×``height`` picture, in the same units."""
    return steps * width * height / UNIT_SIDE**2
