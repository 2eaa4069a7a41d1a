"""A DeepDream zoom, a mode: the dream applied to its own output, zooming in a little before each
step — "an endless stream of new impressions" — written as a few seconds of silent animation.

The first frame is a whole dream of the photo (octaves, engine.modes.dream); each next one is the
last, enlarged by ``zoom`` about its centre and dreamt on for a few steps at one size, so what the
network sees keeps growing out of what it saw before. It needs VGG19 (a picture engine paints it)
and makes an animation (the video family's output)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from fractions import Fraction

from ..job_folder import given
from ..knobs import check_fields, knob
from ..results import Losses, Progress, Result
from .base import VIDEO_FAMILY, Mode
from .dream import DREAM_LAYERS, DreamSettings


@dataclass(frozen=True)
class DreamZoomSettings:
    size: int = knob(320, "longest side of the animation (even)", low=64, high=1024, unit="px")
    layer: str = knob("relu4_1", "VGG19 layer to amplify (as /dream)", choices=tuple(DREAM_LAYERS))
    strength: float = knob(0.5, "how hard each step pushes, 0…1", low=0.0, high=1.0, open_low=True)
    seconds: float = knob(4.0, "length of the animation", low=1.0, high=20.0, unit="s")
    fps: int = knob(12, "frames a second", low=4, high=30)
    zoom: float = knob(1.04, "enlargement from one frame to the next", low=1.0, high=1.5)
    steps: int = knob(2, "dream steps on each new frame", low=1, high=20)
    seed: int | None = knob(None, "random seed of the jitter", low=0, high=2**63 - 1)

    @property
    def frames(self) -> int:
        return max(2, round(self.seconds * self.fps))

    @property
    def first(self) -> DreamSettings:
        """How the first frame is dreamt: a whole dream of the photo."""
        return DreamSettings(
            size=self.size, layer=self.layer, strength=self.strength, octaves=3, steps=8, seed=self.seed
        )

    @property
    def next(self) -> DreamSettings:
        """How each next frame is dreamt on: a few steps at its own size, a little jitter."""
        return DreamSettings(
            size=self.size,
            layer=self.layer,
            strength=self.strength,
            octaves=1,
            steps=self.steps,
            jitter=8,
            seed=self.seed,
        )

    @property
    def work(self) -> float:
        """The cost model's units (steps at 256 px), as a dream's."""
        return self.first.work + (self.frames - 1) * self.next.work

    @property
    def total_steps(self) -> int:
        return self.frames

    def replace(self, **changes) -> DreamZoomSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 0) -> DreamZoomSettings:
        check_fields(self)
        return self


DREAMZOOM_PRESETS: dict[str, dict] = {
    "fast": {"size": 256, "seconds": 3.0},
    "balanced": {"size": 320, "seconds": 4.0},
    "best": {"size": 448, "seconds": 5.0},
}


def zoomed(picture, factor: float):
    """``picture`` enlarged by ``factor`` about its centre, at its own size."""
    from PIL import Image

    width, height = picture.size
    w, h = width / factor, height / factor
    box = ((width - w) / 2, (height - h) / 2, (width + w) / 2, (height + h) / 2)
    return picture.resize((width, height), Image.Resampling.BICUBIC, box=box)


def run(engine, inputs: dict, settings: DreamZoomSettings, callback=None, folder=None) -> Result:
    """The zoom's job: the photo ``content`` dreamt, then dreamt on frame after frame, each a little
    nearer; an MP4 of its own (``Result.file``)."""
    import numpy as np

    from ..imaging import open_image, resize
    from ..video.clips import even_size, write

    settings = settings.validate()
    started = time.perf_counter()
    photo = open_image(inputs["content"], role="photo")
    photo = resize(photo, even_size(photo.size, settings.size))
    layers = (settings.layer,)
    frames = settings.frames

    def report(done: int, picture) -> None:
        if callback is not None:
            elapsed = time.perf_counter() - started
            eta = elapsed / done * (frames - done)
            callback(Progress("optimize", 0, 1, picture.size, done, frames, None, elapsed, eta, picture, done / frames))

    current = engine.optimise("dream", settings.first, (photo, None), layers, None).image
    report(1, current)
    pictures = [np.asarray(current)]
    for done in range(2, frames + 1):
        current = engine.optimise("dream", settings.next, (zoomed(current, settings.zoom), None), layers, None).image
        pictures.append(np.asarray(current))
        report(done, current)
    path = given(folder) / "zoom.mp4"
    write(path, pictures, Fraction(settings.fps))
    unmeasured = Losses(math.nan, (), math.nan, math.nan)
    return Result(
        current,
        settings,
        unmeasured,
        unmeasured,
        frames,
        time.perf_counter() - started,
        str(engine.device),
        file=str(path),
    )


MODE = Mode(
    name="dreamzoom",
    title="DeepDream zoom",
    settings=DreamZoomSettings,
    presets=DREAMZOOM_PRESETS,
    default_preset="balanced",
    objective=None,
    inputs=("content",),
    run="engine.modes.dreamzoom:run",
    family=VIDEO_FAMILY,
)
