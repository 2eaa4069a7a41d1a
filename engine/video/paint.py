"""A clip painted frame by frame with the instant networks, kept steady along the source's motion
(engine.video.steady), written with its sound at its frame rate (engine.video.clips)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

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
    seconds: float  #: how much of the clip was painted
    elapsed: float  #: how long painting it took
    has_audio: bool
    last: Image.Image  #: its last painted frame
    length: float = 0.0  #: the whole source clip's length (more than ``seconds`` when it was cut)


def paint_clip(
    painter,
    source: str | Path,
    styles: Sequence[ImageSource],
    output: str | Path,
    settings: InstantSettings | None = None,
    *,
    carry: float = CARRY,
    max_seconds: float = clips.MAX_SECONDS,
    max_fps: float = 30.0,
    close_loops: bool = True,
    callback: Callable[[int, int, float, np.ndarray], object] | None = None,
) -> ClipResult:
    """Paint ``source`` in the style of ``styles`` with ``painter`` (an engine.instant.InstantPainter)
    at ``settings.size`` (longest side, even), steadied with ``carry`` (0: each frame on its own); at
    most its first ``max_seconds``, at most ``max_fps`` frames a second (a faster or variable-rate
    clip is painted at a constant rate, its length kept); a short clip that comes back to its first
    frame (a GIF) loops without a jump unless ``close_loops`` is False.
    ``callback(frame, frames, elapsed, painted)`` after each frame; it may raise to stop."""
    started = time.perf_counter()
    settings = (settings or InstantSettings(size=640)).validate(len(styles))
    info = clips.probe(source)
    size = clips.even_size(info.size, settings.size)
    fps = clips.rate(info, max_fps)
    seconds = min(info.seconds or max_seconds, max_seconds)

    def read():
        return clips.frames(source, size, fps=fps, seconds=max_seconds)

    style_imgs = [open_image(s, role="style image") for s in styles]
    total = clips.frame_count(info, fps, max_seconds)
    # a short clip that comes back to its first frame is painted in two laps (its raw paintings kept)
    loop = close_loops and carry > 0 and seconds <= LOOP_SECONDS and comes_back(read())
    steadier = Steadier(carry)
    paint = None
    raws: list[np.ndarray] = []
    final: list[np.ndarray] = []  #: the last source frame and its steadied painting

    def lap():
        nonlocal paint
        for index, frame in enumerate(read()):
            picture = Image.fromarray(frame)
            if paint is None:
                paint = painter.frames(picture, style_imgs, settings, size)
            raw = np.asarray(paint(picture))
            if loop:
                raws.append(raw)
            steady = steadier(frame, raw)
            final[:] = [frame, steady]
            yield steady
            if callback is not None:
                callback(index + 1, max(total, index + 1), time.perf_counter() - started, steady)

    steadied = lap()
    if loop:
        for _ in steadied:  # the first lap: every frame painted, the steadier's state at the end
            pass
        # The second lap starts from where the first ended, carried onto the first frame: the last
        # frame then flows into the first with less of a jump.
        again = Steadier(carry)
        again.prime(*final)
        steadied = (again(frame, raw) for frame, raw in zip(read(), raws))
    written_last: list[np.ndarray] = []
    written = clips.write(output, _keep_last(steadied, written_last), fps,
                          sound_from=source if info.has_audio else None, seconds=total / float(fps))  # fmt: skip
    return ClipResult(Path(output), written, size, float(fps), seconds, time.perf_counter() - started,
                      info.has_audio, Image.fromarray(written_last[0]), info.seconds)  # fmt: skip


#: A clip this short whose last frame looks like its first is taken for a loop (a GIF) and painted
#: to loop with less of a jump (its raw paintings are kept for a second lap of the steadier).
LOOP_SECONDS = 10.0
#: The mean grey difference (0…255) under which a clip's last frame is taken to come back to its first.
LOOP_DIFFERENCE = 12.0


def comes_back(frames: Iterable[np.ndarray]) -> bool:
    """Whether a clip's last frame looks like its first (a decoding pass: cheap beside painting)."""
    from .steady import _gray

    first = final = None
    for frame in frames:
        first = frame if first is None else first
        final = frame
    if first is None:
        return False
    return float(np.abs(_gray(first).astype(np.float32) - _gray(final)).mean()) < LOOP_DIFFERENCE


def _keep_last(frames, last: list):
    for frame in frames:
        last[:] = [frame]
        yield frame
