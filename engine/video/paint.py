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
    unclear: int = 0  #: painted by region: frames in which no clear subject was found (painted whole)


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
    region: str = "whole",
    callback: Callable[[int, int, float, np.ndarray], object] | None = None,
) -> ClipResult:
    """Paint ``source`` in the style of ``styles`` with ``painter`` (an engine.instant.InstantPainter)
    at ``settings.size`` (longest side, even), steadied with ``carry`` (0: each frame on its own); at
    most its first ``max_seconds``, at most ``max_fps`` frames a second (a faster or variable-rate
    clip is painted at a constant rate, its length kept); a short clip that comes back to its first
    frame (a GIF) loops without a jump unless ``close_loops`` is False. ``region`` (engine.regions):
    each frame's subject is found and the steadied painting composited with the frame by it (with
    ``split``, two paintings, one per style, each steadied on its own).
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
    # one painting (and its steadier) per look: the styles mixed, or with split one per style
    looks = [[s] for s in style_imgs] if region == "split" else [style_imgs]
    steadiers = [Steadier(carry) for _ in looks]
    paints: list = []
    raws: list[tuple] = []  #: each frame's raw paintings and its subject (for the second lap)
    final: list = []  #: the last source frame and its steadied paintings

    def lap():
        for index, frame in enumerate(read()):
            picture = Image.fromarray(frame)
            if not paints:
                paints.extend(painter.frames(picture, look, settings, size) for look in looks)
            raw = [np.asarray(paint(picture)) for paint in paints]
            alpha = subject_of(picture) if region != "whole" else None
            if loop:
                raws.append((raw, alpha))
            steady = [steadier(frame, r) for steadier, r in zip(steadiers, raw)]
            final[:] = [frame, steady]
            shown = compose(frame, steady, alpha, region)
            yield shown
            if callback is not None:
                callback(index + 1, max(total, index + 1), time.perf_counter() - started, shown)

    unclear = [0]  #: frames without a clear subject

    def subject_of(picture: Image.Image) -> np.ndarray:
        """The frame's subject as a 0…1 weight; none found: all of it painted (with split, in the first style)."""
        from ..regions import subject

        found = subject(picture, keep=False)
        if not found.found:
            unclear[0] += 1
            return np.full(picture.size[::-1], 0.0 if region == "keep_subject" else 1.0, np.float32)
        return np.asarray(found.feathered(picture.size), np.float32) / 255.0

    steadied = lap()
    if loop:
        for _ in steadied:  # the first lap: every frame painted, the steadiers' state at the end
            pass
        # The second lap starts from where the first ended, carried onto the first frame: the last
        # frame then flows into the first with less of a jump.
        again = [Steadier(carry) for _ in looks]
        for steadier, steady in zip(again, final[1]):
            steadier.prime(final[0], steady)
        steadied = (
            compose(frame, [s(frame, r) for s, r in zip(again, raw)], alpha, region)
            for frame, (raw, alpha) in zip(read(), raws)
        )
    written_last: list[np.ndarray] = []
    written = clips.write(
        output,
        _keep_last(steadied, written_last),
        fps,
        sound_from=source if info.has_audio else None,
        seconds=total / float(fps),
    )
    return ClipResult(
        Path(output),
        written,
        size,
        float(fps),
        seconds,
        time.perf_counter() - started,
        info.has_audio,
        Image.fromarray(written_last[0]),
        info.seconds,
        unclear[0],
    )


def compose(frame: np.ndarray, painted: list[np.ndarray], alpha: np.ndarray | None, region: str) -> np.ndarray:
    """A frame's painting by region: the steadied painting(s) and the frame itself, by its subject."""
    if alpha is None:
        return painted[0]
    if alpha.ndim == 2:
        alpha = alpha[..., None]
    if region == "split":
        first, second = painted
    elif region == "keep_subject":
        first, second = frame, painted[0]
    else:  # keep_background
        first, second = painted[0], frame
    mixed = alpha * first.astype(np.float32) + (1.0 - alpha) * second.astype(np.float32)
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


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
