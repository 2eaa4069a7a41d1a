"""Stickers, a mode: a painting's subject cut out on transparency (its mask found on the photo it
was painted from, engine.mask), or a painted clip's first seconds — each within Telegram's sticker
rules. Torch-free: the instant engine process makes them in a fraction of a second.

Telegram's rules: a static sticker is a WebP or PNG with one side exactly 512 px and the other at
most 512, at most 512 KB; a video sticker is a WebM (VP9, no sound) of the same sides, at most 3 s
at 30 fps and 256 KB.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image

from ..job_folder import given
from ..knobs import check_fields, knob
from ..results import Losses, Note, Result
from .base import MASK, NOTHING, Mode

SIDE = 512
MAX_BYTES = 512 * 1024
MAX_VIDEO_BYTES = 256 * 1024
MAX_VIDEO_SECONDS = 3.0
MAX_VIDEO_FPS = 30
#: Transparent space left around a cut-out subject, as a share of its longer side.
MARGIN = 0.04


@dataclass(frozen=True)
class StickerSettings:
    cutout: bool = knob(True, "cut the painting's subject out on transparency (off, or no clear subject: all of it)")
    seconds: float = knob(
        MAX_VIDEO_SECONDS, "a video sticker's length, from the clip's start", low=0.5, high=MAX_VIDEO_SECONDS, unit="s"
    )

    @property
    def work(self) -> float:
        return 0.05  # a mask and an encode: about an instant picture's cost

    @property
    def total_steps(self) -> int:
        return 1

    def replace(self, **changes) -> StickerSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 1) -> StickerSettings:
        check_fields(self)
        return self


def sticker_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled so that its longer side is 512 px (Telegram wants one side exactly 512)."""
    scale = SIDE / max(size)
    return tuple(SIDE if side == max(size) else max(1, min(SIDE, round(side * scale))) for side in size)


def cut_out(picture: Image.Image, alpha: Image.Image) -> Image.Image:
    """The subject on transparency, cropped to it with a little room, at the sticker's size."""
    from ..mask import cutout

    rgba = cutout(picture, alpha)
    box = alpha.resize(picture.size, Image.BILINEAR).point(lambda v: 255 if v > 24 else 0).getbbox()
    if box is not None:
        room = round(MARGIN * max(box[2] - box[0], box[3] - box[1]))
        box = (
            max(0, box[0] - room),
            max(0, box[1] - room),
            min(picture.width, box[2] + room),
            min(picture.height, box[3] + room),
        )
        rgba = rgba.crop(box)
    return rgba.resize(sticker_size(rgba.size), Image.LANCZOS)


def write_webp(image: Image.Image, path: Path) -> None:
    """WebP within 512 KB: near-lossless first, then lower qualities until it fits."""
    for quality in (95, 85, 75, 60, 45):
        image.save(path, "WEBP", quality=quality, method=4)
        if path.stat().st_size <= MAX_BYTES:
            return
    raise RuntimeError("a 512-px sticker did not fit in 512 KB at WebP quality 45")


def write_video_sticker(clip: str | Path, path: Path, seconds: float) -> tuple[Image.Image, int]:
    """The clip's first ``seconds`` (≤ 3) at ≤ 30 fps as a silent VP9 WebM of ≤ 256 KB, one side
    512 px: the bit rate is lowered until it fits. Its first frame and its number of frames."""
    import av

    from ..video import clips

    info = clips.probe(clip)
    fps = clips.rate(info, MAX_VIDEO_FPS)
    size = tuple(2 * math.ceil(side / 2) for side in sticker_size(info.size))
    pictures = list(clips.frames(clip, size, fps=fps, seconds=min(seconds, MAX_VIDEO_SECONDS)))
    length = max(len(pictures) / float(fps), 0.1)
    bitrate = int(0.85 * MAX_VIDEO_BYTES * 8 / length)
    for _ in range(6):
        with av.open(str(path), "w", format="webm") as out:
            stream = out.add_stream("libvpx-vp9", rate=fps)
            stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
            stream.bit_rate = bitrate
            stream.options = {"deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
            for picture in pictures:
                for packet in stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        if path.stat().st_size <= MAX_VIDEO_BYTES:
            return Image.fromarray(pictures[0]), len(pictures)
        bitrate = int(bitrate * 0.7)
    raise RuntimeError("a 3-s video sticker did not fit in 256 KB")


def run(engine, inputs: dict, settings: StickerSettings, callback=None, folder=None) -> Result:
    """A sticker of ``picture`` (a painting, or a painted clip: a video sticker), cut out by the
    subject of ``content`` (the photo it was painted from) where there is one; written to a file of
    its own (``Result.file``)."""
    from ..imaging import moving, open_image
    from ..results import NOT_FOUND

    started = time.perf_counter()
    settings = settings.validate()
    folder = given(folder)
    unmeasured = Losses(math.nan, (), math.nan, math.nan)
    source = inputs["picture"]
    if moving(source):
        first, frames = write_video_sticker(source, folder / "sticker.webm", settings.seconds)
        return Result(
            first,
            settings,
            unmeasured,
            unmeasured,
            frames,
            time.perf_counter() - started,
            "cpu",
            file=str(folder / "sticker.webm"),
        )
    from ..regions import subject

    picture = open_image(source, role="painting")
    warnings: tuple[Note, ...] = ()
    if settings.cutout and inputs.get("content"):
        photo = open_image(inputs["content"], role="photo")
        found = subject(photo, inputs.get("mask"))
        if found.found:
            image = cut_out(picture, found.alpha)
        else:
            image, warnings = picture.convert("RGBA").resize(sticker_size(picture.size), Image.LANCZOS), (NOT_FOUND,)
    else:
        image = picture.convert("RGBA").resize(sticker_size(picture.size), Image.LANCZOS)
    write_webp(image, folder / "sticker.webp")
    return Result(
        image,
        settings,
        unmeasured,
        unmeasured,
        1,
        time.perf_counter() - started,
        "cpu",
        warnings,
        file=str(folder / "sticker.webp"),
    )


MODE = Mode(
    name="sticker",
    title="stickers",
    settings=StickerSettings,
    presets={"sticker": {}},
    default_preset="sticker",
    objective=None,
    inputs=("picture",),
    run="engine.modes.sticker:run",
    networks=frozenset({MASK}),
    quick=True,  # a mask and an encode: a second's work
    counts=NOTHING,  # a sticker of a painting already counted
    subject=True,
)
