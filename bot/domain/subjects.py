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

from engine import modes as engine_modes
from worker.protocol import Done, Input, JobSpec, Media


def place(photo: str | Path) -> Path:
    """Where a photo's mask is kept: beside it (``inputs/AgAD….jpg`` → ``inputs/AgAD….mask.png``)."""
    photo = Path(photo)
    return photo.with_name(f"{photo.stem}.mask.png")


def _photo(spec: JobSpec) -> str | None:
    """The photo a job's subject is found on: its content, when that is a picture (not a clip)."""
    return next((i.path for i in spec.inputs.get("content", ()) if i.media == Media.PICTURE), None)


def given(spec: JobSpec) -> JobSpec:
    """``spec`` with its photo's kept mask as an input, where the job looks for a subject (a region
    other than the whole picture, or a sticker) and one is kept."""
    mode = engine_modes.MODES.get(spec.mode)
    needs = (mode is not None and mode.subject) or spec.settings.get("region", "whole") != "whole"
    photo = _photo(spec)
    if not needs or photo is None or "mask" in spec.inputs or not place(photo).is_file():
        return spec
    return spec.replace(inputs={**spec.inputs, "mask": (Input(str(place(photo)), Media.MASK),)})


def keep(spec: JobSpec, done: Done) -> Path | None:
    """Move a finished job's mask (if it found one) beside its photo; where it went, or None."""
    mask = next((a for a in done.artifacts if a.media == Media.MASK), None)
    photo = _photo(spec)
    if mask is None or photo is None or not Path(mask.path).is_file():
        return None
    target = place(photo)
    partial = target.with_name(target.name + ".part")  # never a half-written mask under its name
    shutil.move(mask.path, partial)
    partial.replace(target)
    return target


def kept(pictures: Iterable[str | Path]) -> set[Path]:
    """The masks kept for these pictures (the file cache keeps them while it keeps the pictures)."""
    return {place(p) for p in pictures if p}
