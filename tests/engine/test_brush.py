"""The brush (engine.settings.BRUSHES): fine, normal and bold strokes, for the painting and for the
instant picture."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from engine import StyleSettings
from engine.instant import InstantPainter
from engine.settings import BRUSH_SCALE, InstantSettings

from ..conftest import stripes


def smooth(size: tuple[int, int] = (128, 96)) -> Image.Image:
    """A photo with nothing fine of its own: any fine texture in a painting of it is the brush's."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    rgb = np.stack([200 * x / w + 30, 200 * y / h + 30, np.full_like(x, 128.0)], axis=-1)
    return Image.fromarray(rgb.astype(np.uint8))


def stroke_frequency(image: Image.Image) -> float:
    """The mean spatial frequency of a picture's grey levels, weighted by their power (cycles/px)."""
    grey = np.asarray(image.convert("L"), np.float32)
    power = np.abs(np.fft.fft2(grey - grey.mean())) ** 2
    fy, fx = np.meshgrid(np.fft.fftfreq(grey.shape[0]), np.fft.fftfreq(grey.shape[1]), indexing="ij")
    return float((np.hypot(fx, fy) * power).sum() / power.sum())


def test_a_paintings_brush_sees_the_style_smaller_or_larger(engine):
    # stripes of one period: the brush's scale is the only thing that sets the painting's (a painting's
    # own strokes at 128 px measured too close between fine and normal to tell them apart reliably)
    style = stripes(256, 256, period=16)
    settings = StyleSettings(size=128, start_size=90, coarse_steps=15, steps=15, strength=0.8, seed=0)
    frequency = {
        brush: stroke_frequency(engine.stylize(smooth(), [style], settings.replace(brush=brush)).image)
        for brush in ("fine", "normal", "bold")
    }
    assert frequency["fine"] > frequency["normal"] > frequency["bold"], frequency
    assert frequency["fine"] > 1.03 * frequency["bold"], frequency
    assert settings.replace(brush="bold", style_scale=0.5).stroke_scale == pytest.approx(0.5 * BRUSH_SCALE["bold"])


def test_an_instant_brush_paints_finer_or_bolder_at_the_same_size():
    painter = InstantPainter()
    style = stripes(256, 256, period=12)
    pictures = {
        brush: painter.paint(smooth((256, 192)), [style], InstantSettings(size=256, brush=brush)).image
        for brush in ("fine", "normal", "bold")
    }
    assert {p.size for p in pictures.values()} == {(256, 192)}
    frequency = {brush: stroke_frequency(p) for brush, p in pictures.items()}
    assert frequency["fine"] > frequency["normal"] > frequency["bold"], frequency
