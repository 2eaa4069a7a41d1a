"""Moving pictures, a mode: a clip (a video, a GIF, a video note) painted frame by frame with the
instant networks and kept steady along its motion (engine.video), with its frame rate and sound.
Torch-free: the instant engine process paints it."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from ..job_folder import given
from ..knobs import check_fields, knob
from ..results import CUT, NOT_FOUND, Losses, Note, Progress, Result
from ..settings import BRUSHES, REGIONS, InstantSettings, check_region, check_styles
from ..video.clips import MAX_SECONDS
from ..video.steady import CARRY
from .base import CLIP_SECONDS, INSTANT_NETS, VIDEO_FAMILY, Mode

#: A clip's longest side: Telegram plays videos up to 1280 px comfortably; more costs time, not looks.
MAX_CLIP_SIDE = 1280
#: Seconds of painting between two painted frames handed out to be shown (the first at once): a
#: card then changes as often as Telegram lets it, however long the clip.
PREVIEW_SECONDS = 3.0


@dataclass(frozen=True)
class VideoSettings:
    size: int = knob(640, "longest side of the painted clip (even)", low=64, high=MAX_CLIP_SIDE, unit="px")
    gamma: float = knob(0.5, "two styles: share of the first, 0…1 (0.5: an even mix)", low=0.0, high=1.0)
    strength: float = knob(1.0, "style strength 0…1: 0 keeps the clip's own look", low=0.0, high=1.0)
    keep_colors: bool = knob(False, "keep the clip's colours; take only light, strokes and texture from the style")
    style_scale: float = knob(
        1.0, "size at which the style picture is seen; smaller = finer strokes", low=0.25, high=4.0
    )
    brush: str = knob("normal", "stroke size: fine, normal or bold", choices=BRUSHES)
    style_weights: tuple[float, ...] | None = knob(
        None, "each style picture's share of the mix", low=0.0, high=1e9, metavar="W1,W2,…"
    )
    carry: float = knob(
        CARRY,
        "steadiness: how much of the previous painted frame is carried along the motion (0: every frame on its own)",
        low=0.0,
        high=1.0,
    )
    max_seconds: float = knob(
        60.0, "paint at most this much of the clip (from its start)", low=1.0, high=MAX_SECONDS, unit="s"
    )
    region: str = knob(
        "whole",
        "where the style goes (engine.regions): whole, keep_subject, keep_background, or "
        "split (two styles); each frame's subject found anew",
        choices=REGIONS,
        cli=False,
    )
    max_fps: float = knob(
        30.0,
        "highest frame rate painted: a faster clip is painted at this rate, as long as it is",
        low=1.0,
        high=60.0,
        unit="fps",
    )

    @property
    def frame(self) -> InstantSettings:
        """What each frame is painted with."""
        return InstantSettings(
            size=self.size,
            gamma=self.gamma,
            strength=self.strength,
            keep_colors=self.keep_colors,
            style_scale=self.style_scale,
            brush=self.brush,
            style_weights=self.style_weights,
        )

    @property
    def work(self) -> float:
        """The cost model's units: frames at 640 px, for at most ``max_seconds`` at ``max_fps`` (a caller
        that read the clip sets both to what it has, so this counts its real frames)."""
        frames = math.ceil(self.max_seconds * self.max_fps - 1e-6)
        paintings = 2 if self.region == "split" else 1  # a painting per style, each steadied
        masks = 0.0 if self.region == "whole" else 1.2  # the subject found in every frame: 0.3 s, a 640-px frame's
        return frames * (paintings * (self.size / 640) ** 2 + masks)

    @property
    def total_steps(self) -> int:
        return 1

    def replace(self, **changes) -> VideoSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 1) -> VideoSettings:
        check_styles(n_styles, self.style_weights)
        check_fields(self)
        check_region(self.region, n_styles)
        return self


VIDEO_PRESETS: dict[str, dict] = {
    "fast": {"size": 384},
    "balanced": {"size": 640},
    "best": {"size": 1024},
}


def run(engine, inputs: dict, settings: VideoSettings, callback=None, folder=None) -> Result:
    """The video mode's job: the clip ``content`` in the style of ``styles``, written to a file of its
    own (``Result.file``) that the caller moves where the job's output goes."""
    from ..video.paint import paint_clip

    styles = list(inputs["styles"])
    settings = settings.validate(len(styles))
    folder = given(folder)

    shown = [-PREVIEW_SECONDS]  #: when the last painted frame was handed out

    def report(frame: int, frames: int, elapsed: float, painted) -> None:
        if callback is None:
            return
        image = None
        if elapsed - shown[0] >= PREVIEW_SECONDS:
            from PIL import Image

            image, shown[0] = Image.fromarray(painted), elapsed
        eta = elapsed / frame * (frames - frame)
        callback(
            Progress("optimize", 0, 1, painted.shape[1::-1], frame, frames, None, elapsed, eta, image, frame / frames)
        )

    clip = paint_clip(
        engine.instant,
        inputs["content"],
        styles,
        folder / "clip.mp4",
        settings.frame,
        carry=settings.carry,
        max_seconds=settings.max_seconds,
        max_fps=settings.max_fps,
        region=settings.region,
        callback=report,
    )
    warnings: tuple[Note, ...] = ()
    if clip.length > clip.seconds + 0.5:
        warnings = (Note(CUT, f"Only the first {clip.seconds:.0f} s of the {clip.length:.0f} s clip were painted."),)
    if clip.unclear * 2 > clip.frames:  # most frames had no clear subject: it was mostly painted whole
        warnings += (NOT_FOUND,)
    unmeasured = Losses(math.nan, tuple(math.nan for _ in styles), math.nan, math.nan)
    return Result(
        clip.last,
        settings,
        unmeasured,
        unmeasured,
        clip.frames,
        clip.elapsed,
        str(engine.instant.device),
        warnings,
        file=str(clip.path),
    )


MODE = Mode(
    name="video",
    title="moving pictures",
    settings=VideoSettings,
    presets=VIDEO_PRESETS,
    default_preset="balanced",
    objective=None,
    inputs=("content", "styles"),
    several=("styles",),
    run="engine.modes.video:run",
    networks=frozenset({INSTANT_NETS}),
    counts=CLIP_SECONDS,
    family=VIDEO_FAMILY,
)
