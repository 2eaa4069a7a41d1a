"""Painting by region: the subject kept a photo and the rest painted, the reverse, or one style on
the subject and another around it (``settings.region``, engine.settings.REGIONS).

The subject is a soft mask (engine.mask): given with the job (the ``mask`` input role) or found by
the segmentation network. An instant picture is composited from whole paintings with the feathered
mask; a Gatys painting is steered by it while it forms (engine.objectives.nst: Gram matrices over
each region's features, and the kept region held to the photo's pixels).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar

import numpy as np
from PIL import Image, ImageOps

from .imaging import ImageSource, open_image, resize
from .mask import MAX_COVERAGE, MIN_COVERAGE, SubjectMask, masker, own_colours
from .results import NOT_FOUND, Note
from .settings import InstantSettings

#: The subjects the network found during :func:`noting` (a job's, to be handed back with it).
_found: ContextVar[list[SubjectMask] | None] = ContextVar("found_subjects", default=None)


@contextlib.contextmanager
def noting() -> Iterator[list[SubjectMask]]:
    """Collect the photo subjects the network finds meanwhile (not a given mask's, not a clip's
    frames): the job hands the mask back, and its next job of the same photo is given it."""
    found: list[SubjectMask] = []
    token = _found.set(found)
    try:
        yield found
    finally:
        _found.reset(token)


def subject(photo: Image.Image, given: ImageSource | None = None, *, keep: bool = True) -> SubjectMask:
    """The photo's subject: the mask given (white = subject, any size) or the network's (``keep``:
    remembered for the same photo again; a clip's frames are not)."""
    if given is None:
        found = masker().mask(photo, keep=keep)
        noted = _found.get()
        if keep and found.found and noted is not None:
            noted.append(found)
        return found
    alpha = open_image(given, role="mask").convert("L").resize(photo.size, Image.BILINEAR)
    coverage = float((np.asarray(alpha) > 127).mean())
    return SubjectMask(alpha, MIN_COVERAGE <= coverage <= MAX_COVERAGE, coverage)


def kept(region: str, alpha: Image.Image) -> Image.Image | None:
    """Where the photo stays (255) for ``region``, or None where everything is painted."""
    if region == "keep_subject":
        return alpha
    if region == "keep_background":
        return ImageOps.invert(alpha)
    return None


def painted(region: str, alpha: Image.Image, n_styles: int) -> list[Image.Image]:
    """Where each style paints (255 = fully): all of them around a kept subject or on a kept
    background; with ``split`` the first on the subject and the second around it."""
    inverse = ImageOps.invert(alpha)
    if region == "split":
        return [alpha, inverse]
    where = inverse if region == "keep_subject" else alpha
    return [where] * n_styles


def instant(
    painter,
    photo: Image.Image,
    styles: Sequence[Image.Image],
    settings: InstantSettings,
    size: tuple[int, int],
    mask: ImageSource | None = None,
) -> tuple[Image.Image, tuple[Note, ...]]:
    """An instant picture by region at ``size``, and its warnings (no clear subject: all painted)."""
    found = subject(photo, mask)
    if not found.found:
        return painter.picture(photo, styles, settings.replace(region="whole"), size), (NOT_FOUND,)
    alpha = found.feathered(size)
    whole = settings.replace(region="whole")
    if settings.region == "split":
        # each region gets its own style whole: a mix would blur the two looks into one
        first = painter.picture(photo, [styles[0]], whole.replace(style_weights=None), size)
        second = painter.picture(photo, [styles[1]], whole.replace(style_weights=None), size)
        return Image.composite(first, second, alpha), ()
    painting = painter.picture(photo, styles, whole, size)
    keep = kept(settings.region, alpha)
    # the kept part's own colours up to its edge: no fringe of what stood behind it in the photo
    return Image.composite(own_colours(resize(photo, size), keep), painting, keep), ()
