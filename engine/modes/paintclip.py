"""A clip painted by the optimisation, a mode: Gatys et al. frame by frame, kept steady the way
Ruder, Dosovitskiy & Brox (2016) keep it — each frame's optimisation starts from the previous
painted frame carried along the source's optical flow, and a temporal loss holds it to that carried
frame wherever the flow is consistent (not occluded, not newly seen). The first frame starts from
the instant painting and takes more steps; the others need few. Meant for a GPU (a few tenths of a
second a frame there); on a CPU a frame at 384 px takes tens of seconds, so a bot offers it only on
GPU hosts (bot.modes.video)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

from ..job_folder import given
from ..knobs import check_fields, knob
from ..results import Losses, Progress, Result
from ..settings import BRUSHES, StyleSettings, check_styles
from .base import CLIP_SECONDS, VIDEO_FAMILY, Mode

#: The clip's longest side at most: the optimisation's cost grows with the pixels, frame after frame.
MAX_SIDE = 768


@dataclass(frozen=True)
class PaintClipSettings:
    size: int = knob(384, "longest side of the painted clip (even)", low=64, high=MAX_SIDE, unit="px")
    gamma: float = knob(0.5, "two styles: share of the first, 0…1", low=0.0, high=1.0)
    strength: float = knob(0.5, "style strength 0…1, as for a painting", low=0.0, high=1.0)
    keep_colors: bool = knob(False, "keep the clip's colours")
    brush: str = knob("normal", "stroke size: fine, normal or bold", choices=BRUSHES)
    style_weights: tuple[float, ...] | None = knob(
        None, "each style picture's share of the mix", low=0.0, high=1e9, metavar="W1,W2,…"
    )
    first_steps: int = knob(60, "optimiser steps on the first frame (from the instant painting)", low=1, high=1000)
    steps: int = knob(15, "optimiser steps on each next frame (from the previous, carried)", low=1, high=500)
    temporal_weight: float = knob(
        2000.0,
        "how strongly a frame keeps to the previous one where the motion is consistent (0: frames on their own)",
        low=0.0,
        high=1e7,
    )
    max_seconds: float = knob(
        10.0, "paint at most this much of the clip (from its start)", low=0.5, high=60.0, unit="s"
    )
    max_fps: float = knob(24.0, "highest frame rate painted", low=1.0, high=60.0, unit="fps")

    def frame(self, steps: int) -> StyleSettings:
        """One frame's optimisation: one size, ``steps`` steps."""
        return StyleSettings(
            size=self.size,
            steps=steps,
            start_size=self.size,
            paint_size=self.size,
            gamma=self.gamma,
            strength=self.strength,
            brush=self.brush,
            style_weights=self.style_weights,
            init="image",
            seed=0,
        )

    @property
    def frames(self) -> int:
        return max(1, math.ceil(self.max_seconds * self.max_fps - 1e-6))

    @property
    def work(self) -> float:
        """The cost model's units (steps at 256 px): the first frame's, then every other's."""
        return self.frame(self.first_steps).work + (self.frames - 1) * self.frame(self.steps).work

    @property
    def total_steps(self) -> int:
        return self.frames

    def replace(self, **changes) -> PaintClipSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 1) -> PaintClipSettings:
        check_styles(n_styles, self.style_weights)
        check_fields(self)
        return self


PAINTCLIP_PRESETS: dict[str, dict] = {
    "fast": {"size": 256, "first_steps": 40, "steps": 10},
    "balanced": {"size": 384, "first_steps": 60, "steps": 15},
    "best": {"size": 512, "first_steps": 100, "steps": 25},
}


def run(engine, inputs: dict, settings: PaintClipSettings, callback=None, folder=None) -> Result:
    """The mode's job: the clip ``content`` in the style of ``styles``, an MP4 with its sound
    (``Result.file``), each frame written as it is painted."""
    import cv2
    import numpy as np
    from PIL import Image

    from ..colors import keep_colors
    from ..imaging import open_image
    from ..video import clips
    from ..video.steady import CUT, _gray, warp

    styles = [open_image(s, role="style image") for s in inputs["styles"]]
    settings = settings.validate(len(styles))
    started = time.perf_counter()
    source = inputs["content"]
    info = clips.probe(source)
    size, fps = clips.even_size(info.size, settings.size), clips.rate(info, settings.max_fps)
    total = clips.frame_count(info, fps, settings.max_seconds)
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    last: list[np.ndarray] = []

    def painted():
        previous_gray = previous = None
        for index, frame in enumerate(clips.frames(source, size, fps=fps, seconds=settings.max_seconds), 1):
            photo, gray = Image.fromarray(frame), _gray(frame)
            if previous_gray is None or np.abs(gray.astype(np.float32) - previous_gray).mean() > CUT:
                # the first frame, or a new scene: from the instant painting, with more steps
                start, steps, held = _instant_start(engine, photo, styles, settings), settings.first_steps, None
            else:  # the carried painting where the motion is consistent, the photo where something appears
                carried, mask = warp(previous_gray, gray, previous, flow)
                start = Image.fromarray((carried * mask[..., None] + frame * (1 - mask[..., None])).astype(np.uint8))
                steps, held = settings.steps, (Image.fromarray(carried), settings.temporal_weight * mask)
            frame_settings = settings.frame(steps)
            layers = frame_settings.content_layers + frame_settings.style_layers
            result = engine.optimise("paintclip", frame_settings, (photo, styles, start, held), layers, None)
            previous_gray, previous = gray, np.asarray(result.image.convert("RGB").resize(size))
            shown = keep_colors(Image.fromarray(previous), photo) if settings.keep_colors else None
            last[:] = [np.asarray(shown) if shown is not None else previous]
            if callback is not None:
                elapsed, frames = time.perf_counter() - started, max(total, index)
                image = Image.fromarray(last[0]) if index == 1 or index % 12 == 0 else None
                callback(
                    Progress(
                        "optimize",
                        0,
                        1,
                        size,
                        index,
                        frames,
                        None,
                        elapsed,
                        elapsed / index * (frames - index),
                        image,
                        index / frames,
                    )
                )
            yield last[0]

    path = given(folder) / "clip.mp4"
    written = clips.write(
        path, painted(), fps, sound_from=source if info.has_audio else None, seconds=total / float(fps)
    )
    unmeasured = Losses(math.nan, tuple(math.nan for _ in styles), math.nan, math.nan)
    return Result(
        Image.fromarray(last[0]),
        settings,
        unmeasured,
        unmeasured,
        written,
        time.perf_counter() - started,
        str(engine.device),
        file=str(path),
    )


def _instant_start(engine, photo, styles, settings: PaintClipSettings):
    """The first frame's start: the instant painting (the optimisation only refines it), or the photo
    on an engine without the instant networks."""
    from ..errors import EngineError
    from .style import instant_start

    try:
        return instant_start(engine, photo, styles, settings.frame(1))
    except EngineError:
        return photo


MODE = Mode(
    name="paintclip",
    title="a clip painted by the optimisation",
    settings=PaintClipSettings,
    presets=PAINTCLIP_PRESETS,
    default_preset="balanced",
    objective="engine.objectives.temporal:TemporalStyleObjective",
    inputs=("content", "styles"),
    several=("styles",),
    run="engine.modes.paintclip:run",
    family=VIDEO_FAMILY,
    counts=CLIP_SECONDS,
)
