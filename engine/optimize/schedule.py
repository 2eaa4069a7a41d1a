"""The coarse-to-fine schedule and the one cost model behind every time estimate (no torch).

A step costs about its pixel count (VGG19's convolutions dominate and scale linearly with the
picture), so a run's *work* is counted in steps at 256×256 px: ``Σ steps · (side/256)²``. A
*detail* step (the sizes above the painting's, on the shallow layers only) costs a fixed share of
a full one. The engine reports progress in these units and the bot learns seconds per unit from
finished jobs, so the painter and the queue's estimates share one model.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Work units are steps at this longest side (a square picture).
UNIT_SIDE = 256
#: A detail step (forward and backward to relu3_1, not relu5_1) against a full step at the same
#: size: 0.60 at 512 px and 0.65 at 724 px, measured on 2026-12-07 on the 2-core CPU with torch
#: 2.14.1 inside a balanced 1024-px painting (0.42–0.47 when detail sizes were first added).
DETAIL_COST = 0.62


def ladder(size: int, low: int) -> list[int]:
    """Longest sides from ``low`` (or just above) up to ``size`` in √2 steps, ending exactly at ``size``."""
    sides, k = [], 0
    while (side := round(size / 2 ** (k / 2))) >= low:
        sides.insert(0, side)
        k += 1
    return sides or [size]


def coarse_to_fine(
    size: int,
    steps: int,
    start_size: int | None,
    coarse_steps: int | None,
    paint_size: int | None = None,
    detail_steps: int = 0,
    finest_steps: int = 0,
) -> tuple[tuple[int, int], ...]:
    """(longest side, steps) of each size: from ``start_size`` up in √2 steps to the painting's
    size (``paint_size``, else ``size``), ``steps`` at its last; then, when ``paint_size`` is below
    ``size``, ``detail_steps`` at each detail size on up to ``size`` and ``finest_steps`` at ``size``
    itself (0: the last detail size is enlarged to it)."""
    top = paint_size if paint_size and paint_size < size else size
    sides = ladder(size, min(start_size or top, top))
    painting = [side for side in sides if side <= top] or sides[:1]
    details = sides[len(painting) :]
    coarse = steps if coarse_steps is None else coarse_steps
    if not start_size or start_size >= top or coarse == 0:
        painting = painting[-1:]
    return (
        *((side, coarse) for side in painting[:-1]),
        (painting[-1], steps),
        *((side, detail_steps) for side in details[:-1]),
        *((side, finest_steps) for side in details[-1:]),
    )


def grown(size: int, grown_from: int, steps: int) -> tuple[tuple[int, int], ...]:
    """A print's schedule: the finished painting at ``grown_from`` (no steps: it is the start), then
    ``steps`` at each size up in √2 steps to ``size``, and half as many at ``size`` itself — painted,
    not enlarged, but its steps cost twice the size before's (a 2048-px print on a CPU within 4× the
    painting's time)."""
    sides, side = [], grown_from
    while side * 2**0.5 < size * 0.97:  # (a last step of less than 3 % would only cost)
        side = round(side * 2**0.5)
        sides.append(side)
    return ((grown_from, 0), *((side, steps) for side in sides), (size, max(1, steps // 2)))


def detail_from(size: int, paint_size: int | None) -> int | None:
    """The longest side above which a schedule's sizes are detail sizes (None: there are none)."""
    if not paint_size or paint_size >= size:
        return None
    return max(side for side in ladder(size, paint_size / 2) if side <= paint_size)


def work(schedule: Iterable[tuple[int, int]], detail_above: int | None = None) -> float:
    """A schedule's cost in steps at 256×256 px (detail sizes, those above ``detail_above``, at their share)."""
    return sum(
        steps * (side / UNIT_SIDE) ** 2 * (DETAIL_COST if detail_above and side > detail_above else 1.0)
        for side, steps in schedule
    )
