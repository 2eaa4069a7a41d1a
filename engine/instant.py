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

from PIL import Image

from .colors import keep_colors
from .errors import SettingsError
from .imaging import ImageSource, fit_size, open_inputs, resize
from .nets.feedforward import STYLE_SIDE, InstantNetworks
from .results import Losses, Progress, ProgressCallback, Result
from .settings import InstantSettings

log = logging.getLogger(__name__)


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
        warnings: tuple[str, ...] = ()
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
            painting = nets.transform(small, vector)
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
        if settings.strength < 1.0:  # identity interpolation: towards the photo's own style
            vector = settings.strength * vector + (1.0 - settings.strength) * nets.style_vector(small, seen)
        painting = nets.transform(small, vector)
        return keep_colors(painting, photo) if settings.keep_colors else painting

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


def run(engine, inputs: dict, settings, callback=None, folder=None) -> Result:
    """The instant mode's job on a VGG19 engine (engine.painter): its instant networks paint it."""
    return engine.instant.run("instant", inputs, settings, callback=callback)
