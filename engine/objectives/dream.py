"""DeepDream (Mordvintsev, Olah & Tyka 2015): gradient *ascent* on how strongly one layer responds.

Each step rolls the picture by a random few pixels (jitter, so no grid of the network's strides
shows), takes the gradient of the layer's mean squared activation — or, with a guide picture, of
how well each position matches its closest guide feature — and moves the pixels by the gradient
divided by its mean magnitude. Octaves paint small first; each larger octave starts from the photo
at that size plus the detail dreamed so far, so the dream grows at every scale.
"""

from __future__ import annotations

import random

import torch
import torch.nn.functional as F
from PIL import Image

from ..imaging import fit_size, resize
from ..modes.dream import DreamSettings
from ..results import Losses
from ..tensors import image_to_tensor


class NormalisedAscent(torch.optim.Optimizer):
    """Steps of ``lr`` along the gradient divided by its mean magnitude (DeepDream's step rule).

    The objective's total is the negated dream score, so a descent step on it is an ascent step on
    the dream."""

    def __init__(self, params, lr: float):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        with torch.enable_grad():
            loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad / (p.grad.abs().mean() + 1e-8), alpha=-group["lr"])
        return loss


class DreamObjective:
    graphable = False  # a fresh random jitter every step: a captured graph would replay one shift

    def __init__(self, net, settings: DreamSettings, photo: Image.Image, guide: Image.Image | None = None):
        self.net, self.settings, self.photo, self.guide = net, settings, photo, guide
        self.device = net.device
        self.random = random.Random(settings.seed)
        self.base: torch.Tensor | None = None
        self.previous_base: torch.Tensor | None = None
        self.guide_features: torch.Tensor | None = None

    def canvas(self, side: int) -> tuple[int, int]:
        return fit_size(self.photo.size, side)

    def set_targets(self, size: tuple[int, int]) -> None:
        self.previous_base = self.base
        self.base = image_to_tensor(resize(self.photo, size), self.device)
        if self.guide is not None:
            guide = image_to_tensor(resize(self.guide, fit_size(self.guide.size, max(size))), self.device)
            feats = self.net(guide, (self.settings.layer,))[self.settings.layer]
            self.guide_features = feats.flatten(2)[0]  # (C, positions)

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        return self.base.clone()

    def upsample(self, image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """The photo at the new octave plus the detail dreamed into it so far, enlarged."""
        detail = image - self.previous_base
        detail = F.interpolate(detail, size=(size[1], size[0]), mode="bicubic", align_corners=False)
        return (self.base + detail).clamp_(0.0, 1.0)

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        terms = self.terms(image)
        return self.summary(*terms, self.total(*terms))

    def make_optimizer(self, image: torch.Tensor) -> torch.optim.Optimizer:
        return NormalisedAscent([image], lr=self.settings.lr)

    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor]:
        s = self.settings
        scale = max(image.shape[2:]) / s.size  # the jitter shrinks with the octave
        reach = max(1, round(s.jitter * scale))
        dy, dx = self.random.randint(-reach, reach), self.random.randint(-reach, reach)
        rolled = image.roll((dy, dx), dims=(2, 3)) if s.jitter else image
        feats = self.net(rolled, (s.layer,))[s.layer]
        if self.guide_features is None:
            return (feats.pow(2).mean(),)
        # Each position is pulled towards the guide feature it already resembles most.
        flat = feats.flatten(2)[0]  # (C, positions)
        best = (flat.T @ self.guide_features).argmax(dim=1)
        return ((flat * self.guide_features[:, best]).sum(0).mean(),)

    def total(self, score):
        return -score

    def summary(self, score, total) -> Losses:
        value = float(score.detach())
        return Losses(0.0, (), 0.0, -value)

    def after_step(self, step: int, losses: Losses) -> None:
        pass

    def finish(self, picture: Image.Image) -> Image.Image:
        return picture
