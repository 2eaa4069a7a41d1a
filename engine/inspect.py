"""Checking what a stranger sent, before anyone paints it: its headers first (size, frames, length),
then — only if they pass — one bounded decode that proves it can be read, and a small JPEG of it
(what a queued card shows). Torch-free; the bot runs these in processes of their own
(bot.telegram.inspector), so a lying or damaged file never costs the bot's own memory or time."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from .errors import ImageError
from .imaging import open_image
from .video import animated, clips

#: The long side of the JPEG a queued card shows.
THUMBNAIL_SIDE = 512


@dataclass(frozen=True)
class Inspected:
    """What a file turned out to be: a picture (``clip`` None), or a clip and what it holds."""

    size: tuple[int, int]
    clip: clips.ClipInfo | None = None


def picture(path: str | Path, thumbnail: str | Path | None = None, *, moving: bool = False) -> Inspected:
    """A picture sent by someone: read whole (its first frame, for one that moves) unless its header
    already says it cannot be used (engine.imaging checks it first). ``moving``: a GIF or WebP that
    moves is taken as a clip instead (its frames are then decoded only when it is painted). Raises
    ImageError."""
    if moving and animated.sniff(path):
        try:
            header = animated.read_header(path)
        except ValueError:
            raise ImageError("That picture looks damaged and cannot be opened.", "corrupt") from None
        if header.moves:
            return clip(path, thumbnail)
    image = open_image(path, role="picture")
    if thumbnail is not None:
        _save_thumbnail(image, thumbnail)
    return Inspected(image.size)


def clip(path: str | Path, thumbnail: str | Path | None = None) -> Inspected:
    """A video (or an animated picture) sent by someone: its headers checked, then its first frame —
    and only that — decoded. Raises ImageError (not a video, no frames, frames of a size no picture
    could be)."""
    info = clips.header(path)
    first = clips.first_frame(path)
    if thumbnail is not None:
        from PIL import Image

        _save_thumbnail(Image.fromarray(first), thumbnail)
    return Inspected(info.size, info)


def _save_thumbnail(image, path: str | Path) -> None:
    image = image.copy()
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    # a part file of this writer's own: two replicas may check the same picture at once (an album
    # split between them), and a shared one was moved away under the other's feet
    partial = Path(f"{path}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
    try:
        image.convert("RGB").save(partial, "JPEG", quality=85)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
