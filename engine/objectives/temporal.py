"""Style transfer held to the previous frame (Ruder, Dosovitskiy & Brox 2016): the style objective
plus a temporal loss — the squared difference to the previous painted frame carried along the
optical flow, weighted per pixel (0 where the flow is not consistent: something occluded or newly
seen is painted afresh). engine.modes.paintclip paints a clip with it, frame by frame."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..imaging import resize
from ..tensors import image_to_tensor
from .nst import StyleObjective


class TemporalStyleObjective(StyleObjective):
    """``held``: (the previous painted frame carried onto this one, per-pixel weights — the
    consistency mask times the temporal weight), or None for a frame on its own."""

    def __init__(self, net, settings, content, styles, init_image=None, held=None):
        super().__init__(net, settings, content, styles, init_image)
        self.held = held
        self.carried: torch.Tensor | None = None
        self.weights: torch.Tensor | None = None

    def set_targets(self, size: tuple[int, int]) -> None:
        super().set_targets(size)
        if self.held is None:
            return
        carried, weights = self.held
        self.carried = image_to_tensor(resize(carried, size), self.device)
        mask = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))[None, None].to(self.device)
        self.weights = F.interpolate(mask, size=(size[1], size[0]), mode="bilinear", align_corners=False)

    def terms(self, image: torch.Tensor, measured=None):
        content, styles, tv = super().terms(image, measured)
        if self.carried is None:
            return content, styles, tv, torch.zeros((), device=image.device)
        return content, styles, tv, (self.weights * (image - self.carried) ** 2).mean()

    def total(self, content, styles, tv, temporal):
        return super().total(content, styles, tv) + temporal

    def summary(self, content, styles, tv, temporal, total):
        return super().summary(content, styles, tv, total)
