"""A clip painted frame by frame with the instant networks, kept steady along the source's motion
(engine.video.steady), written with its sound at its frame rate (engine.video.clips)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import ImageError
from ..imaging import ImageSource, open_image
from ..settings import InstantSettings
from . import clips
from .steady import CARRY, Steadier


@dataclass(frozen=True)
class ClipResult:
    path: Path
    frames: int
    size: tuple[int, int]
    fps: float
    seconds: float  #: the clip's length
    elapsed: float  #: how long painting it took
    has_audio: bool
    last: Image.Image  #: its last painted frame


def paint_clip(
    painter,
    source: str | Path,
    styles: Sequence[ImageSource],
    output: str | Path,
    settings: InstantSettings | None = None,
    *,
    carry: float = CARRY,
    max_seconds: float = clips.MAX_SECONDS,
    callback: Callable[[int, int, float, np.ndarray], object] | None = None,
) -> ClipResult:
    """Paint ``source`` in the style of ``styles`` with ``painter`` (an engine.instant.InstantPainter)
    at ``settings.size`` (longest side, even), steadied with ``carry`` (0: each frame on its own).
    ``callback(frame, frames, elapsed, painted)`` after each frame; it may raise to stop."""
    started = time.perf_counter()
    settings = (settings or InstantSettings(size=640)).validate(len(styles))
    info = clips.probe(source)
    if info.seconds > max_seconds:
        raise ImageError(f"That video is {info.seconds:.0f} s long; at most {max_seconds:.0f} s are painted.",
                         "too_long")  # fmt: skip
    size = clips.even_size(info.size, settings.size)
    style_imgs = [open_image(s, role="style image") for s in styles]
    total = max(1, info.frames)
    steadier = Steadier(carry)
    paint = None
    last: list[np.ndarray] = []

    def painted():
        nonlocal paint
        for index, frame in enumerate(clips.frames(source, size)):
            picture = Image.fromarray(frame)
            if paint is None:
                paint = painter.frames(picture, style_imgs, settings, size)
            steady = steadier(frame, np.asarray(paint(picture)))
            last[:] = [steady]
            yield steady
            if callback is not None:
                callback(index + 1, max(total, index + 1), time.perf_counter() - started, steady)

    written = clips.write(output, painted(), info.fps, sound_from=source if info.has_audio else None)
    return ClipResult(Path(output), written, size, float(info.fps), info.seconds, time.perf_counter() - started,
                      info.has_audio, Image.fromarray(last[0]))  # fmt: skip
