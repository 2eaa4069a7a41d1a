"""Keeping the photo's colours: the painting's luminance with the photo's chroma.

This is the "luminance-only" variant of Gatys, Bethge, Hertzmann & Shechtman, *Preserving Color in
Neural Artistic Style Transfer* (2016), applied to the result: strokes and texture come from the
style, hues and saturation from the photo. Done in YCbCr, which Pillow converts losslessly enough
for 8-bit pictures and in a few milliseconds.
"""

from __future__ import annotations

from PIL import Image


def keep_colors(painting: Image.Image, photo: Image.Image) -> Image.Image:
    """``painting``'s luminance (Y) with ``photo``'s chroma (Cb, Cr), at the painting's size."""
    luma, _, _ = painting.convert("YCbCr").split()
    _, cb, cr = photo.convert("RGB").resize(painting.size, Image.Resampling.LANCZOS).convert("YCbCr").split()
    return Image.merge("YCbCr", (luma, cb, cr)).convert("RGB")
