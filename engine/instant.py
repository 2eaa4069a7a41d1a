"""The instant mode: a picture in well under a second, from one pass of a feed-forward network.

Ghiasi, Lee, Kudlur, Dumoulin & Shlens (2017), "Exploring the structure of a real-time, arbitrary
neural artistic stylization network": a style picture becomes a 100-number vector, and one network
paints any photo with any vector. Mixing two styles interpolates their vectors; the strength
interpolates towards the photo's own vector. No torch: onnxruntime runs the networks
(engine.nets.feedforward), so a process that paints only instant pictures starts in a second.

Two styles at γ = 0.5 already read as an even mix: measured with engine.judge on the shared pairs,
each style's share of the way between the two single-style pictures was 0.46–0.51
(``python -m benchmarks.instant``), so γ interpolates the vectors linearly, with no correction.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from . import faces
from .colors import keep_colors
from .errors import SettingsError
from .imaging import ImageSource, fit_size, open_inputs, resize
from .nets.feedforward import STYLE_SIDE, InstantNetworks
from .results import Losses, Note, Progress, ProgressCallback, Result
from .settings import INSTANT_BRUSH, INSTANT_MAX_SIZE, InstantSettings

log = logging.getLogger(__name__)
#: A face's share of the picture's style vector (the rest is the photo's own look): measured on the
#: packaged portraits with The Scream and Seated Nude, the face's grey SSIM to the photo rose from
#: 0.65 to 0.68 and 0.64 to 0.66 (a face's own strokes stay; docs/engine.md, "Faces").
FACE_STRENGTH = 0.6
#: How much of the photo's fine detail a bold painting gets back.
DETAIL_BACK = 0.5


class InstantPainter:
    """Loads the instant networks once (≈0.4 s) and paints many jobs with them."""

    def __init__(self, threads: int | None = None):
        started = time.perf_counter()
        self.nets = InstantNetworks(threads=threads)
        self.device = self.nets.device
        self.load_seconds = time.perf_counter() - started

    def paint(
        self,
        content: ImageSource,
        styles: Sequence[ImageSource],
        settings: InstantSettings | None = None,
        *,
        mask: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """Paint ``content`` in the style of one or two pictures, in one pass (by region when
        ``settings.region`` says: the subject from ``mask``, or found by engine.mask)."""
        started = time.perf_counter()
        settings = (settings or InstantSettings()).validate(len(styles))
        photo, style_imgs, _ = open_inputs(content, styles)
        size = fit_size(photo.size, settings.size)
        if callback is not None:
            callback(Progress("prepare", 0, 1, size, 0, 1, None, time.perf_counter() - started, None))
        warnings: tuple[Note, ...] = ()
        if settings.region == "whole":
            picture = self.picture(photo, style_imgs, settings, size)
        else:
            from . import regions

            picture, warnings = regions.instant(self, photo, style_imgs, settings, size, mask)
        elapsed = time.perf_counter() - started
        if callback is not None:
            callback(Progress("optimize", 0, 1, size, 1, 1, None, elapsed, 0.0))
        unmeasured = Losses(math.nan, tuple(math.nan for _ in style_imgs), math.nan, math.nan)
        return Result(picture, settings, unmeasured, unmeasured, 1, elapsed, self.device, warnings)

    def frames(
        self, first: Image.Image, styles: Sequence[Image.Image], settings: InstantSettings, size: tuple[int, int]
    ):
        """A painter of a clip's frames at ``size``: the style vector — the styles mixed, and for the
        strength the first frame's own look — is made once, so frames differ only where the clip does."""
        nets = self.nets
        seen = max(STYLE_SIDE, max(size) / 2) * settings.style_scale
        vectors = [nets.style_vector(style, seen) for style in styles]
        vector = sum(share * v for share, v in zip(settings.proportions(len(vectors)), vectors))
        if settings.strength < 1.0:
            own = nets.style_vector(resize(first, size), seen)
            vector = settings.strength * vector + (1.0 - settings.strength) * own

        def paint(frame: Image.Image) -> Image.Image:
            small = resize(frame, size)
            # no face search per frame: a face found in one frame and missed in the next would flicker
            painting = self._paint(small, vector, None, settings)
            return keep_colors(painting, small) if settings.keep_colors else painting

        return paint

    def picture(
        self, photo: Image.Image, styles: Sequence[Image.Image], settings: InstantSettings, size: tuple[int, int]
    ) -> Image.Image:
        """The painting of already-decoded pictures at ``size`` (width, height)."""
        nets = self.nets
        # Strokes scale with the picture: the predictor sees the style at half the result's size (at
        # least its training size). Judged on the shared pairs, this beat a fixed 256 px view at 1024
        # and 2048 px (style distance 0.98 → 0.62 for the_scream at 1024 px) and ties it below 512.
        seen = max(STYLE_SIDE, max(size) / 2) * settings.style_scale
        vectors = [nets.style_vector(style, seen) for style in styles]
        vector = sum(share * v for share, v in zip(settings.proportions(len(vectors)), vectors))
        small = resize(photo, size)
        own = nets.style_vector(small, seen) if settings.strength < 1.0 or settings.faces else None
        if settings.strength < 1.0:  # identity interpolation: towards the photo's own style
            vector = settings.strength * vector + (1.0 - settings.strength) * own
        painting = self._paint(small, vector, own if settings.faces else None, settings)
        return keep_colors(painting, photo) if settings.keep_colors else painting

    def _paint(self, photo: Image.Image, vector, own, settings: InstantSettings) -> Image.Image:
        """The network's painting of ``photo`` (at the result's size) with the style ``vector``: at
        the brush's scale and brought to the size; with the photo's ``own`` vector, its faces painted
        more gently (the painting blended with a gentler one where engine.faces finds a face)."""
        scale = INSTANT_BRUSH[settings.brush]
        side = min(INSTANT_MAX_SIZE, max(64, round(max(photo.size) * scale)))
        at = photo if scale == 1.0 else resize(photo, fit_size(photo.size, side))
        painting = self.nets.transform(at, vector)
        where = faces.where(at) if own is not None else None
        if where is not None:
            gentle = FACE_STRENGTH * vector + (1.0 - FACE_STRENGTH) * own
            painting = Image.composite(self.nets.transform(at, gentle), painting, where)
        if painting.size != photo.size:
            painting = painting.resize(photo.size, Image.LANCZOS)
            if scale < 1.0:  # bold strokes, and the photo's fine detail over them
                painting = with_detail(painting, photo, 1.0 / scale)
        return painting

    @property
    def instant(self) -> InstantPainter:
        """The instant networks of this engine (itself), for the modes built on them (engine.modes)."""
        return self

    def run(
        self, mode: str, inputs: dict, settings, *, callback: ProgressCallback | None = None, folder=None
    ) -> Result:
        """A job of a mode that needs no torch (the interface of engine.painter.Engine.run): an
        instant picture, or a mode built on the instant networks (a clip), through the registry."""
        from .modes import get

        if mode == "instant":
            styles = list(inputs["styles"])
            return self.paint(inputs["content"], styles, settings, mask=inputs.get("mask"), callback=callback)
        if get(mode).needs_torch:
            raise SettingsError(f"This engine paints only what the instant networks paint, not {mode!r}.")
        return get(mode).runner()(self, inputs, settings, callback, folder)


def with_detail(painting: Image.Image, photo: Image.Image, radius: float) -> Image.Image:
    """``painting`` with ``photo``'s fine detail added back: its grey levels above their blur by
    ``radius`` px (what a painting made smaller and enlarged has lost: edges, hair, text)."""
    grey = photo.convert("L")
    fine = np.asarray(grey, dtype=np.float32) - np.asarray(grey.filter(ImageFilter.GaussianBlur(radius)), np.float32)
    out = np.asarray(painting.convert("RGB"), dtype=np.float32) + DETAIL_BACK * fine[..., None]
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def run(engine, inputs: dict, settings, callback=None, folder=None) -> Result:
    """The instant mode's job on a VGG19 engine (engine.painter): its instant networks paint it."""
    return engine.instant.run("instant", inputs, settings, callback=callback)
