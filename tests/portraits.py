"""Test portraits drawn here: a figure (head, shoulders, a raised hand with fingers) on a soft
background, with the figure's true mask — for the subject masks and painting by region."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def figure_mask(size: tuple[int, int]) -> Image.Image:
    """The figure's outline at ``size`` (255 = the person): head, neck, shoulders, a hand with fingers."""
    w, h = size
    mask = Image.new("L", size, 0)
    d = ImageDraw.Draw(mask)
    d.ellipse((0.40 * w, 0.14 * h, 0.60 * w, 0.46 * h), fill=255)  # head
    d.rectangle((0.46 * w, 0.40 * h, 0.54 * w, 0.56 * h), fill=255)  # neck
    d.rounded_rectangle((0.26 * w, 0.54 * h, 0.74 * w, 1.1 * h), radius=0.08 * w, fill=255)  # shoulders
    d.rounded_rectangle((0.74 * w, 0.42 * h, 0.84 * w, 0.62 * h), radius=0.02 * w, fill=255)  # palm
    d.rectangle((0.70 * w, 0.58 * h, 0.80 * w, 0.70 * h), fill=255)  # wrist to the shoulder
    for k in range(4):  # fingers
        x = (0.745 + 0.024 * k) * w
        d.rectangle((x, 0.28 * h, x + 0.014 * w, 0.44 * h), fill=255)
    return mask


def portrait(size: tuple[int, int] = (320, 240), seed: int = 0) -> tuple[Image.Image, Image.Image]:
    """(the picture, the figure's true mask): a textured warm figure on a blurred cool background."""
    rng = np.random.default_rng(seed)
    w, h = size
    sky = np.linspace((120, 160, 200), (60, 110, 80), h)[:, None, :] * np.ones((1, w, 1))
    background = Image.fromarray(np.clip(sky + rng.normal(0, 40, (h, w, 3)), 0, 255).astype(np.uint8))
    background = background.filter(ImageFilter.GaussianBlur(max(2, w // 80)))
    skin = np.array((205, 150, 120)) + rng.normal(0, 14, (h, w, 3))
    shade = np.linspace(1.1, 0.8, w)[None, :, None]
    person = Image.fromarray(np.clip(skin * shade, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(person)
    d.rectangle((0, 0.6 * h, w, h), fill=(40, 50, 110))  # a dark blue shirt
    d.ellipse((0.45 * w, 0.25 * h, 0.48 * w, 0.29 * h), fill=(30, 20, 20))  # eyes
    d.ellipse((0.52 * w, 0.25 * h, 0.55 * w, 0.29 * h), fill=(30, 20, 20))
    d.arc((0.46 * w, 0.30 * h, 0.54 * w, 0.38 * h), 20, 160, fill=(120, 40, 40), width=2)
    d.pieslice((0.38 * w, 0.10 * h, 0.62 * w, 0.30 * h), 180, 360, fill=(60, 35, 20))  # hair
    mask = figure_mask(size)
    return Image.composite(person, background, mask), mask


def iou(found: Image.Image, truth: Image.Image) -> float:
    a = np.asarray(found.convert("L").resize(truth.size)) > 127
    b = np.asarray(truth) > 127
    return float((a & b).sum() / max(1, (a | b).sum()))
