"""The three losses of Gatys et al. (2016), one small module each.

Both feature losses are *relative* squared errors (divided by the target's own mean square).
This plays the role of Gatys' 1/(4N²M²) factor — it makes every layer count about the same
whatever its channel count, activation scale or the image size — so that one set of weights
works at 64 px and at 1024 px, for the Caffe and the torchvision weights alike.

Each feature loss is a function of one statistic that adds up over parts of the picture (a Gram
matrix's sum, a sum of squared errors): ``part`` measures it over the features of one part (a
``Window`` into the whole picture's) and ``of`` turns the whole sum into the loss; a size too large
for memory is measured tile by tile with the two (engine.objectives.tiles). ``forward`` is the same
value over the whole picture in one expression: summed in another order, its rounding would differ,
and at the detail sizes a rounding can decide whether an L-BFGS step is kept (the default painting
of tubingen + The Starry Night lost its detail sizes' texture to one).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Window:
    """Where one part's features lie in the whole picture's at a layer: its rows and columns there,
    and how many positions the whole picture has at that layer."""

    rows: slice
    columns: slice
    positions: int


def _whole(features: torch.Tensor, window: Window | None) -> Window:
    return window or Window(slice(None), slice(None), features.shape[2] * features.shape[3])


class FeatureLoss(nn.Module):
    """A loss of a layer's features through one additive statistic (see the module's docstring)."""

    def part(self, features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        raise NotImplementedError

    def of(self, statistic: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ContentLoss(FeatureLoss):
    """Relative squared error between the activations of a layer and the content's."""

    def __init__(self, target: torch.Tensor):
        super().__init__()
        self.register_buffer("target", target.detach())
        self.register_buffer("power", target.detach().pow(2).mean() + _EPS)

    def part(self, features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        """The squared error's share of the mean over the whole target."""
        w = _whole(features, window)
        return (features - self.target[..., w.rows, w.columns]).pow(2).sum() / self.target.numel()

    def of(self, statistic: torch.Tensor) -> torch.Tensor:
        return statistic / self.power

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(features, self.target, self.power)


class WeightedContentLoss(ContentLoss):
    """A content loss that counts some places more: ``weight`` (1, 1, H, W at the layer's resolution)
    multiplies each position's squared error (all ones: exactly :class:`ContentLoss`)."""

    def __init__(self, target: torch.Tensor, weight: torch.Tensor):
        super().__init__(target)
        self.register_buffer("weight", weight.detach())

    def part(self, features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        w = _whole(features, window)
        error = (features - self.target[..., w.rows, w.columns]).pow(2)
        return (self.weight[..., w.rows, w.columns] * error).sum() / self.target.numel()

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return (self.weight * (features - self.target).pow(2)).mean() / self.power


class StyleLoss(FeatureLoss):
    """Relative squared error between Gram matrices of a layer and the style's (``target``: the
    style's features, or its Gram matrix already measured, (N, C, C))."""

    def __init__(self, target: torch.Tensor):
        super().__init__()
        target = target.detach() if target.dim() == 3 else gram(target.detach())
        self.register_buffer("target", target)
        self.register_buffer("power", target.pow(2).mean() + _EPS)

    @staticmethod
    def part_of(features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        """The Gram matrix's share: these positions' products over the whole picture's positions."""
        n, c, h, w = features.shape
        flat = features.reshape(n, c, h * w)
        return torch.bmm(flat, flat.transpose(1, 2)) / _whole(features, window).positions

    def part(self, features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        return self.part_of(features, window)

    def of(self, statistic: torch.Tensor) -> torch.Tensor:
        return _relative_mse(statistic, self.target, self.power)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(gram(features), self.target, self.power)


class MaskedStyleLoss(StyleLoss):
    """A style loss over one region (Gatys et al. 2017, spatial control): the Gram matrix of the
    features weighted by ``area`` (1, 1, H, W at the layer's resolution), normalised by the region's
    own size, against the style's whole Gram matrix."""

    def __init__(self, target: torch.Tensor, area: torch.Tensor):
        super().__init__(target)
        self.register_buffer("area", area.detach())
        self.register_buffer("size", area.detach().pow(2).mean().clamp_min(1e-6))

    def part(self, features: torch.Tensor, window: Window | None = None) -> torch.Tensor:
        w = _whole(features, window)
        return self.part_of(features * self.area[..., w.rows, w.columns], w) / self.size

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return _relative_mse(gram(features * self.area) / self.size, self.target, self.power)


class TVLoss(nn.Module):
    """Squared total variation of the image (mean over pixels), which smooths high-frequency noise."""

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        dx = image[..., :, 1:] - image[..., :, :-1]
        dy = image[..., 1:, :] - image[..., :-1, :]
        return dx.pow(2).mean() + dy.pow(2).mean()
