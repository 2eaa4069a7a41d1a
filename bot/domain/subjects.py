"""A photo's subject mask, kept beside the photo once a job has found it.

A job painted by region (🧍) or made into a sticker finds the photo's subject (engine.mask) and
hands the mask back (a ``mask`` artifact). It is kept as ``<photo>.mask.png`` for as long as the
photo is, and every later job of that photo that needs it — 🔁, another region, a sticker, the
sketch — is given it (the ``mask`` input role) instead of finding it again, on whichever host
paints it. Only found subjects are handed back: a photo with none is looked at again, and says so.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

from worker.protocol import Done, Input, JobSpec, Media


def place(photo: str | Path) -> Path:
    """Where a photo's mask is kept: beside it (``inputs/AgAD….jpg`` → ``inputs/AgAD….mask.png``)."""
    photo = Path(photo)
    return photo.with_name(f"{photo.stem}.mask.png")


def _photo(inputs: dict) -> str | None:
    """The photo a job's subject is found on: its content, when that is a picture (not a clip)."""
    content = inputs.get("content")
    if isinstance(content, list | tuple):
        content = content[0] if content else None
    if isinstance(content, Input):
        return content.path if content.media == Media.PICTURE else None
    if isinstance(content, dict):
        return content["path"] if content.get("media", Media.PICTURE) == Media.PICTURE else None
    return str(content) if content else None


def given(mode: str, inputs: dict, settings: dict) -> dict:
    """``inputs`` with the photo's kept mask added, where the job looks for a subject (a region
    other than the whole picture, or a sticker) and one is kept."""
    needs = mode == "sticker" or settings.get("region", "whole") != "whole"
    photo = _photo(inputs)
    if not needs or photo is None or "mask" in inputs or not place(photo).is_file():
        return inputs
    return {**inputs, "mask": {"path": str(place(photo)), "media": str(Media.MASK)}}


def keep(spec: JobSpec, done: Done) -> Path | None:
    """Move a finished job's mask (if it found one) beside its photo; where it went, or None."""
    mask = next((a for a in done.artifacts if a.media == Media.MASK), None)
    photos = [i.path for i in spec.inputs.get("content", ()) if i.media == Media.PICTURE]
    if mask is None or not photos or not Path(mask.path).is_file():
        return None
    target = place(photos[0])
    partial = target.with_name(target.name + ".part")  # never a half-written mask under its name
    shutil.move(mask.path, partial)
    partial.replace(target)
    return target


def kept(pictures: Iterable[str | Path]) -> set[Path]:
    """The masks kept for these pictures (the file cache keeps them while it keeps the pictures)."""
    return {place(p) for p in pictures if p}
