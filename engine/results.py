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
class Note:
    """Something a job reports beside its result: a ``code`` that the bot words in its own catalogs
    (bot.texts), and the same in English for the command line and the logs."""

    code: str
    text: str


#: The notes' codes: no clear subject (the whole picture painted), painted smaller than asked for lack
#: of memory, only the clip's start painted.
NO_SUBJECT, SMALLER, CUT = "no_subject", "smaller", "cut"
NOT_FOUND = Note(NO_SUBJECT, "no clear subject was found: the whole picture was painted")


@dataclass(frozen=True)
class Made:
    """Another file a job made beside its result, in its job folder: where, what kind of media it is
    (the job protocol's kinds: "animation", "mask" …) and its size in pixels."""

    path: str
    media: str
    size: tuple[int, int]


@dataclass(frozen=True)
class Result:
    image: Image.Image
    settings: Any  #: the mode's settings, as run (smaller than asked after an out-of-memory retry)
    start: Losses  #: at the starting image
    end: Losses  #: at the returned image
    steps: int
    elapsed: float
    device: str
    warnings: tuple[Note, ...] = ()  #: e.g. painted smaller than asked because memory ran out
    file: str | None = None  #: a file the mode wrote itself (a clip; ``image`` is then its last frame)
    extras: tuple[Made, ...] = ()  #: other files it made beside it: a time-lapse, the subject mask it found

    @property
    def codes(self) -> tuple[str, ...]:
        """Its notes' codes, as the job protocol carries them."""
        return tuple(note.code for note in self.warnings)

    @property
    def relative_improvement(self) -> tuple[float, ...]:
        """RI_i = L_style_i(start) / L_style_i(end), per style (inf for a style whose loss reached 0)."""
        return tuple(s / e if e > 0 else float("inf") for s, e in zip(self.start.styles, self.end.styles))


ProgressCallback = Callable[[Progress], object]
