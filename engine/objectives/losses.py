"""The three losses of Gatys et al. (2016), one small module each.

Both feature losses are *relative* squared errors (divided by the target's own mean square).
This plays the role of Gatys' 1/(4N²M²) factor — it makes every layer count about the same
whatever its channel count, activation scale or the image size — so that one set of weights
works at 64 px and at 1024 px, for the Caffe and the torchvision weights alike.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_EPS = 1e-8


def gram(features: torch.Tensor) -> torch.Tensor:
    """Gram matrix of (N, C, H, W) activations, normalised by the number of positions: (N, C, C)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return torch.bmm(flat, flat.transpose(1, 2)) / (h * w)


def _relative_mse(value: torch.Tensor, target: torch.Tensor, target_power: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(value, target) / target_power


class ContentLoss(nn.Module):
    """Relative squared error between the activations of a layer and the content's."""

    def __init__(self, target: torch.Tensor):
        super().__init__()
        self.register_buffer("target", target.detach())
        self.register_buffer("power", target.detach().pow(2).mean() + _EPS)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(features, self.target, self.power)


class WeightedContentLoss(ContentLoss):
    """A content loss that counts some places more: ``weight`` (1, 1, H, W at the layer's resolution)
    multiplies each position's squared error (all ones: exactly :class:`ContentLoss`)."""

    def __init__(self, target: torch.Tensor, weight: torch.Tensor):
        super().__init__(target)
        self.register_buffer("weight", weight.detach())

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return (self.weight * (features - self.target).pow(2)).mean() / self.power


class StyleLoss(nn.Module):
    """Relative squared error between Gram matrices of a layer and the style's."""

    def __init__(self, style_features: torch.Tensor):
        super().__init__()
        target = gram(style_features.detach())
        self.register_buffer("target", target)
        self.register_buffer("power", target.pow(2).mean() + _EPS)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(gram(features), self.target, self.power)


class MaskedStyleLoss(nn.Module):
    """A style loss over one region (Gatys et al. 2017, spatial control): the Gram matrix of the
    features weighted by ``area`` (1, 1, H, W at the layer's resolution), normalised by the region's
    own size, against the style's whole Gram matrix."""

    def __init__(self, style_features: torch.Tensor, area: torch.Tensor):
        super().__init__()
        target = gram(style_features.detach())
        self.register_buffer("target", target)
        self.register_buffer("power", target.pow(2).mean() + _EPS)
        self.register_buffer("area", area.detach())
        self.register_buffer("size", area.detach().pow(2).mean().clamp_min(1e-6))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(gram(features * self.area) / self.size, self.target, self.power)


class TVLoss(nn.Module):
    """Squared total variation of the image (mean over pixels), which smooths high-frequency noise."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        dx = image[..., :, 1:] - image[..., :, :-1]
        dy = image[..., 1:, :] - image[..., :-1, :]
        return dx.pow(2).mean() + dy.pow(2).mean()
