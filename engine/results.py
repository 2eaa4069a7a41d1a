"""What a run reports: losses, progress per step, and the result (plain data, no torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class Losses:
    """Loss values at one image. ``styles`` are the raw losses per style (before mixing)."""

    content: float
    styles: tuple[float, ...]
    tv: float
    total: float


@dataclass(frozen=True)
class Progress:
    """One report to the progress callback."""

    stage: str  #: "prepare" (computing targets), "optimize", or "done"
    scale: int  #: index of the current size (coarse-to-fine), from 0
    scales: int  #: number of sizes
    size: tuple[int, int]  #: (width, height) being optimised
    step: int  #: steps done so far, over all sizes
    total_steps: int
    losses: Losses | None
    elapsed: float  #: seconds since the job started
    eta: float | None  #: estimated seconds still to go
    image: Image.Image | None = None  #: an intermediate picture, every ``preview_every`` steps
    work: float | None = None  #: share of the job's work done, 0…1 (engine.optimize.schedule's cost model)

    @property
    def fraction(self) -> float:
        """How far the job is, by work (a step at 1024 px counts far more than one at 128 px)."""
        if self.work is not None:
            return self.work
        return self.step / self.total_steps if self.total_steps else 0.0


@dataclass(frozen=True)
class Result:
    image: Image.Image
    settings: Any  #: the mode's settings, as run (smaller than asked after an out-of-memory retry)
    start: Losses  #: at the starting image
    end: Losses  #: at the returned image
    steps: int
    elapsed: float
    device: str
    warnings: tuple[str, ...] = ()  #: e.g. painted smaller than asked because memory ran out
    file: str | None = None  #: a file the mode wrote itself (a clip; ``image`` is then its last frame)
    extras: tuple[tuple[str, str], ...] = ()  #: other files it made beside it: (path, media kind), e.g. a time-lapse

    @property
    def relative_improvement(self) -> tuple[float, ...]:
        """RI_i = L_style_i(start) / L_style_i(end), per style (inf for a style whose loss reached 0)."""
        return tuple(s / e if e > 0 else float("inf") for s, e in zip(self.start.styles, self.end.styles))


ProgressCallback = Callable[[Progress], object]
