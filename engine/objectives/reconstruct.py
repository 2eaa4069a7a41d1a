"""What the network sees (Mahendran & Vedaldi 2015): a picture rebuilt from noise so that one
layer's features match the photo's, with two natural-image regularisers — total variation (no
pixel noise) and an α-norm (α = 6, pixels kept away from the extremes).

Shallow layers keep nearly every pixel; deep ones keep *what* is where and lose exact colour and
texture — which is why style transfer takes its content from relu4_2.
"""

from __future__ import annotations

import torch
from PIL import Image

from ..imaging import fit_size, resize
from ..modes.reconstruct import ReconstructSettings
from ..results import Losses
from ..tensors import image_to_tensor
from .losses import ContentLoss, TVLoss

ALPHA = 6


class ReconstructObjective:
    def __init__(self, net, settings: ReconstructSettings, photo: Image.Image):
        self.net, self.settings, self.photo = net, settings, photo
        self.device = net.device
        self.tv = TVLoss()

    def canvas(self, side: int) -> tuple[int, int]:
        return fit_size(self.photo.size, side)

    def set_targets(self, size: tuple[int, int]) -> None:
        layer = self.settings.layer
        photo = image_to_tensor(resize(self.photo, size), self.device)
        self.loss = ContentLoss(self.net(photo, (layer,))[layer])

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        generator = torch.Generator().manual_seed(self.settings.seed) if self.settings.seed is not None else None
        # Grey-ish noise: the α-norm and the smoothing pull it towards a picture, not towards 0 or 1.
        noise = 0.5 + 0.2 * (torch.rand((1, 3, size[1], size[0]), generator=generator) - 0.5)
        return noise.to(self.device)

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        terms = self.terms(image)
        return self.summary(*terms, self.total(*terms))

    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        layer = self.settings.layer
        content = self.loss(self.net(image, (layer,))[layer])
        alpha = (2 * image - 1).pow(ALPHA).mean()
        return content, self.tv(image), alpha

    def total(self, content, tv, alpha):
        s = self.settings
        return content + s.tv_weight * tv + s.alpha_weight * alpha

    def summary(self, content, tv, alpha, total) -> Losses:
        values = torch.stack([t.detach().float() for t in (content, tv, total)]).tolist()
        return Losses(values[0], (), values[1], values[2])

    def after_step(self, step: int, losses: Losses) -> None:
        pass

    def finish(self, picture: Image.Image) -> Image.Image:
        return picture
