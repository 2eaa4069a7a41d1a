"""What texture synthesis minimises (Gatys, Ecker & Bethge 2015): the Gram-matrix distance of a
picture grown from noise to a source's, at relu1_1 … relu5_1 — style transfer without a photo.

Tileable textures wrap around: the network pads circularly, the smoothing term compares the last
row with the first, and each size's result is enlarged as a torus, so the left edge continues the
right one and the top the bottom.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from PIL import Image

from ..imaging import fit_size, resize
from ..layers import LAYER_INDEX
from ..modes.texture import TextureSettings
from ..results import Losses
from ..tensors import image_to_tensor
from .losses import StyleLoss, TVLoss

#: A tileable texture's sides are multiples of this: relu5_1 sits behind four 2× poolings.
TILE_ALIGN = 16


class TextureObjective:
    def __init__(self, net, settings: TextureSettings, source: Image.Image):
        self.net, self.settings, self.source = net, settings, source
        self.device = net.device
        self.layers = sorted(set(settings.style_layers), key=LAYER_INDEX.__getitem__)
        self.tv = TVLoss()
        # The pattern keeps the source's own scale: a texture larger than the source repeats its
        # elements instead of magnifying them.
        self.source_side = min(settings.size, max(source.size)) * settings.style_scale

    def canvas(self, side: int) -> tuple[int, int]:
        s = self.settings
        width, height = (side, side / s.aspect) if s.aspect >= 1 else (side * s.aspect, side)
        if s.tileable:
            return tuple(max(TILE_ALIGN, round(v / TILE_ALIGN) * TILE_ALIGN) for v in (width, height))
        return max(16, round(width)), max(16, round(height))

    def set_targets(self, size: tuple[int, int]) -> None:
        s = self.settings
        side = max(16, round(self.source_side * max(size) / s.size))
        source = image_to_tensor(resize(self.source, fit_size(self.source.size, side)), self.device)
        feats = self.net(source, self.layers, s.pooling)
        weight = 1.0 / len(s.style_layers)
        self.losses = [(layer, weight, StyleLoss(feats[layer])) for layer in s.style_layers]

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        # Noise is drawn on the CPU so a seed gives the same texture on every device.
        generator = torch.Generator().manual_seed(self.settings.seed) if self.settings.seed is not None else None
        return torch.rand((1, 3, size[1], size[0]), generator=generator).to(self.device)

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        terms = self.terms(image)
        return self.summary(*terms, self.total(*terms))

    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s = self.settings
        feats = self.net(image, self.layers, s.pooling, circular=s.tileable)
        style = sum(w * loss(feats[layer]) for layer, w, loss in self.losses)
        return style, (wrapped_tv(image) if s.tileable else self.tv(image))

    def total(self, style, tv):
        return style + self.settings.tv_weight * tv

    def summary(self, style, tv, total) -> Losses:
        values = torch.stack([t.detach().float() for t in (style, tv, total)]).tolist()
        return Losses(0.0, (values[0],), values[1], values[2])

    def after_step(self, step: int, losses: Losses) -> None:
        pass

    def upsample(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        if not self.settings.tileable:
            return _bicubic(image, size)
        # Enlarge a 3×3 tiling and keep its middle: the edges are interpolated with their neighbours
        # across the wrap, so no seam appears between sizes.
        big = _bicubic(image.repeat(1, 1, 3, 3), (size[0] * 3, size[1] * 3))
        return big[..., size[1] : 2 * size[1], size[0] : 2 * size[0]].contiguous()

    def finish(self, picture: Image.Image) -> Image.Image:
        return picture


def wrapped_tv(image: torch.Tensor) -> torch.Tensor:
    """Total variation on a torus: the last column's neighbour is the first."""
    dx = image - image.roll(1, dims=3)
    dy = image - image.roll(1, dims=2)
    return dx.pow(2).mean() + dy.pow(2).mean()


def _bicubic(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    return F.interpolate(image, size=(size[1], size[0]), mode="bicubic", align_corners=False).clamp_(0.0, 1.0)
