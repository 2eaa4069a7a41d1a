"""How it was painted: the intermediate pictures of an optimisation as a few-second animation (a
silent MP4 that loops, as Telegram plays GIFs), coarse sizes enlarged to the painting's, the
painting itself held at the end."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from ..results import Made
from . import clips

#: The animation's longest side (a phone's chat shows no more) and rate; the painting is held this long.
SIDE, FPS, HOLD_SECONDS = 640, 10, 1.5


class Timelapse:
    """Wraps a run's progress: it has pictures rendered ``timelapse`` times over the run and keeps
    them (small), passing on to ``callback`` only the previews it asked for (its ``preview_every``)."""

    def __init__(self, settings, callback=None, folder=None):
        self.callback, self.shown, self.folder = callback, settings.preview_every, folder
        every = max(1, settings.total_steps // max(1, settings.timelapse))
        self.settings = settings.replace(preview_every=every)
        self.frames: list[Image.Image] = []

    def collect(self, progress) -> None:
        if progress.image is not None and progress.stage == "optimize":
            frame = progress.image.copy()
            frame.thumbnail((SIDE, SIDE))
            self.frames.append(frame)
            if not (self.shown and progress.step % self.shown == 0):
                progress = dataclasses.replace(progress, image=None)
        if self.callback is not None:
            self.callback(progress)

    def finish(self, result):
        """The result with its settings as asked and the animation beside it (``Result.extras``)."""
        result = dataclasses.replace(result, settings=result.settings.replace(preview_every=self.shown))
        if not self.frames:
            return result
        from ..job_folder import given

        path = given(self.folder) / "timelapse.mp4"
        write(path, self.frames, result.image)
        made = Made(str(path), "animation", clips.even_size(result.image.size, SIDE))
        return dataclasses.replace(result, extras=(*result.extras, made))


def write(path: str | Path, frames: list[Image.Image], final: Image.Image) -> int:
    """The frames, each enlarged or shrunk to the painting's shape, then the painting held; frames written."""
    size = clips.even_size(final.size, SIDE)

    def pictures():
        for frame in [*frames, *[final] * round(HOLD_SECONDS * FPS)]:
            yield np.asarray(frame.convert("RGB").resize(size, Image.Resampling.LANCZOS))

    return clips.write(path, pictures(), Fraction(FPS))
