"""What style transfer minimises (Gatys et al. 2016): content + mixed style + total variation.

An objective knows its targets and terms; *how* it is minimised (sizes, optimiser, clamping, CUDA
graphs, out-of-memory retries) is the runner's business (engine.optimize.runner).
"""

from __future__ import annotations

import torch
from PIL import Image

from ..colors import keep_colors
from ..imaging import fit_size, resize
from ..layers import LAYER_INDEX
from ..results import Losses
from ..settings import StyleSettings
from ..tensors import image_to_tensor
from .losses import ContentLoss, StyleLoss, TVLoss
from .mixing import StyleBalancer, mix_proportions, style_coefficients


class StyleObjective:
    """Content loss at the photo's features, one Gram loss per style (mixed by γ), TV smoothing."""

    def __init__(self, net, settings: StyleSettings, content: Image.Image, styles: list[Image.Image], init_image=None):
        self.net, self.settings = net, settings
        self.content_img, self.style_imgs, self.init_img = content, styles, init_image
        self.device = net.device
        self.layers = sorted(set(settings.content_layers + settings.style_layers), key=LAYER_INDEX.__getitem__)
        self.proportions = mix_proportions(settings.gamma, len(styles))
        # A style with no say costs nothing: γ ∈ {0, 1} runs exactly like a one-style job.
        self.active = [i for i, p in enumerate(self.proportions) if p > 0]
        self.alpha, self.beta = settings.weights
        self.tv = TVLoss()
        self.balancer: StyleBalancer | None = None
        self.coefficients: torch.Tensor | None = None

    # ---------------------------------------------------------------- sizes and targets
    def canvas(self, side: int) -> tuple[int, int]:
        """(width, height) of the picture at longest side ``side``: the photo's aspect."""
        return fit_size(self.content_img.size, side)

    def set_targets(self, size: tuple[int, int]) -> None:
        s = self.settings
        content = image_to_tensor(resize(self.content_img, size), self.device)
        feats = self.net(content, s.content_layers, s.pooling)
        self.content_losses = [(layer, ContentLoss(feats[layer])) for layer in s.content_layers]
        style_side = max(16, round(max(size) * s.style_scale))
        self.style_losses: dict[int, list[tuple[str, float, StyleLoss]]] = {}
        for i in self.active:
            style_img = self.style_imgs[i]
            style = image_to_tensor(resize(style_img, fit_size(style_img.size, style_side)), self.device)
            feats = self.net(style, s.style_layers, s.pooling)
            self.style_losses[i] = [
                (layer, weight, StyleLoss(feats[layer])) for layer, weight in zip(s.style_layers, s.layer_weights)
            ]
            del feats, style
        self.content_tensor = content

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        s = self.settings
        if s.init == "content":
            return self.content_tensor.clone()
        if s.init in ("image", "instant"):  # instant: the painter made init_img with the instant networks
            return image_to_tensor(resize(self.init_img, size), self.device)
        # Noise is drawn on the CPU so a seed gives the same start on every device.
        generator = torch.Generator().manual_seed(s.seed) if s.seed is not None else None
        return torch.rand((1, 3, size[1], size[0]), generator=generator).to(self.device)

    def begin(self, image: torch.Tensor, steps_per_size: list[int]) -> Losses:
        """Fix the style coefficients from the losses at the starting image (see objectives.mixing)."""
        s = self.settings
        terms = self.terms(image)
        # A tensor, changed in place by the balancer, so that a captured CUDA graph sees new values.
        self.coefficients = torch.tensor(
            style_coefficients(
                [float(terms[1][i]) for i in self.active], [self.proportions[i] for i in self.active], s.calibrate
            ),
            device=self.device,
        )
        start = self.summary(*terms, self.total(*terms))
        if s.calibrate and len(self.active) == 2:
            # One balancer over every size, steering the whole job's relative improvement.
            self.balancer = StyleBalancer([start.styles[i] for i in self.active], s.gamma, steps_per_size)
        return start

    # ---------------------------------------------------------------- the objective itself
    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor, dict[int, torch.Tensor], torch.Tensor]:
        """Content loss, raw loss of each active style, and TV at ``image``."""
        s = self.settings
        feats = self.net(image, self.layers, s.pooling)
        content = sum(loss(feats[layer]) for layer, loss in self.content_losses) / len(self.content_losses)
        styles = {i: sum(w * loss(feats[layer]) for layer, w, loss in terms) for i, terms in self.style_losses.items()}
        return content, styles, self.tv(image)

    def total(self, content, styles, tv):
        style = sum(self.coefficients[k] * styles[i] for k, i in enumerate(self.active))
        return self.alpha * content + self.beta * style + self.settings.tv_weight * tv

    def summary(self, content, styles, tv, total) -> Losses:
        # One transfer from the GPU for all values. A style with no say (γ ∈ {0, 1}) is not evaluated:
        # its loss is reported as NaN.
        keys = sorted(styles)
        values = torch.stack([t.detach().float() for t in (content, tv, total, *(styles[i] for i in keys))]).tolist()
        by_style = dict(zip(keys, values[3:]))
        per_style = tuple(by_style.get(i, float("nan")) for i in range(len(self.style_imgs)))
        return Losses(values[0], per_style, values[1], values[2])

    def after_step(self, step: int, losses: Losses) -> None:
        if self.balancer is not None and self.balancer.update(step, [losses.styles[i] for i in self.active]):
            # L-BFGS keeps its curvature history: the objective moves only a little per
            # checkpoint, and restarting it measured worse (RI ratios 1.08–1.11, higher loss).
            self.coefficients.copy_(torch.tensor(self.balancer.coefficients))

    def finish(self, picture: Image.Image) -> Image.Image:
        return keep_colors(picture, self.content_img) if self.settings.keep_colors else picture
