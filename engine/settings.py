"""Every knob of a style-transfer run, its default, and its valid range."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import SettingsError
from .vgg import LAYER_INDEX

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "image")
POOLINGS = ("max", "avg")
MAX_SIZE = 4096
MAX_STEPS = 100_000
MAX_STYLES = 2

DEFAULT_STYLE_WEIGHT = 10.0
STRENGTH_EXPONENT = math.log(10) / math.log(3)  # strength 0.25 / 0.75 → β/α ÷10 / ×10

DEFAULT_CONTENT_LAYERS = ("relu4_2",)
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@dataclass(frozen=True)
class StyleSettings:
    """Settings of one run. Defaults follow Gatys et al. (2016) where our loss scale allows.

    Weights are relative: the content loss is a relative feature error (0 at the content image),
    each style loss is divided by its value at the starting image (so it starts at 1), and the
    total is ``content_weight·L_c + style_weight·Σ mix_i·L_s,i + tv_weight·L_tv``.
    """

    size: int = 512  #: longest side of the output, px
    steps: int = 300  #: optimiser steps (L-BFGS: one forward+backward each)
    gamma: float = 0.5  #: two styles: 1 = style 1 only, 0 = style 2 only
    content_weight: float = 1.0  #: α
    style_weight: float = DEFAULT_STYLE_WEIGHT  #: β
    tv_weight: float = 10.0  #: total-variation smoothing
    optimizer: str = "lbfgs"
    learning_rate: float | None = None  #: default: 1.0 for L-BFGS, 0.02 (pixels in 0–1) for Adam
    init: str = "content"  #: content | noise | image (then ``init_image`` is used)
    pooling: str = "max"  #: max | avg
    content_layers: tuple[str, ...] = DEFAULT_CONTENT_LAYERS
    style_layers: tuple[str, ...] = DEFAULT_STYLE_LAYERS
    style_layer_weights: tuple[float, ...] | None = None  #: default: equal (Gatys: w_l = 1/5)
    style_scale: float = 1.0  #: style image size relative to the output size
    calibrate: bool = True  #: balance two styles by their relative improvement (see engine.mixing)
    keep_colors: bool = False  #: keep the photo's colours (the painting gives only light and texture)
    start_size: int | None = None  #: coarse-to-fine: first longest side; sizes grow by √2 to ``size`` (None: one size)
    coarse_steps: int | None = None  #: steps at each size below ``size`` (default: ``steps``, which is for ``size``)
    tolerance: float = 0.0  #: end a size early once the loss improves by less than this fraction over 10 steps
    strength: float | None = None  #: 0…1; when set, replaces content_weight/style_weight (see :meth:`weights`)
    seed: int | None = None
    preview_every: int = 0  #: attach an intermediate picture to the progress every N steps (0: never)

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1.0 if self.optimizer == "lbfgs" else 0.02

    @property
    def layer_weights(self) -> tuple[float, ...]:
        if self.style_layer_weights is None:
            return tuple(1.0 / len(self.style_layers) for _ in self.style_layers)
        return self.style_layer_weights

    @property
    def weights(self) -> tuple[float, float]:
        """(α, β) in effect. ``strength`` t maps to β/α = 10·(t/(1−t))^2.1: 0 keeps the photo, 0.5 is the
        default balance (β = 10), about ±0.25 is a factor of 10 either way, and 1 is the style alone."""
        t = self.strength
        if t is None:
            return self.content_weight, self.style_weight
        if t >= 1.0:
            return 0.0, DEFAULT_STYLE_WEIGHT
        return 1.0, DEFAULT_STYLE_WEIGHT * (t / (1.0 - t)) ** STRENGTH_EXPONENT

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(longest side, steps) of each size, coarse to fine; most steps go to the cheap small sizes."""
        if not self.start_size or self.start_size >= self.size:
            return ((self.size, self.steps),)
        sides, k = [], 0
        while (side := round(self.size / 2 ** (k / 2))) >= self.start_size:
            sides.insert(0, side)
            k += 1
        coarse = self.steps if self.coarse_steps is None else self.coarse_steps
        if coarse == 0:
            return ((self.size, self.steps),)
        return (*((side, coarse) for side in sides[:-1]), (self.size, self.steps))

    @property
    def total_steps(self) -> int:
        return sum(steps for _, steps in self.schedule)

    def replace(self, **changes) -> StyleSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 1) -> StyleSettings:
        """Return self if every value is usable with ``n_styles`` style images, else raise SettingsError."""
        if not 1 <= n_styles <= MAX_STYLES:
            raise SettingsError(f"Give one or two style images, not {n_styles}.")
        _check_int("size", self.size, 16, MAX_SIZE, "px")
        _check_int("steps", self.steps, 1, MAX_STEPS)
        _check_range("gamma", self.gamma, 0.0, 1.0)
        for name in ("content_weight", "style_weight", "tv_weight"):
            _check_range(name, getattr(self, name), 0.0, 1e9)
        if self.start_size is not None:
            _check_int("start_size", self.start_size, 16, MAX_SIZE, "px")
        if self.coarse_steps is not None:
            _check_int("coarse_steps", self.coarse_steps, 0, MAX_STEPS)
        _check_range("tolerance", self.tolerance, 0.0, 1.0)
        if self.strength is not None:
            _check_range("strength", self.strength, 0.0, 1.0)
        if self.learning_rate is not None:
            _check_range("learning_rate", self.learning_rate, 1e-6, 1e3, open_low=True)
        _check_range("style_scale", self.style_scale, 0.1, 4.0)
        _check_choice("optimizer", self.optimizer, OPTIMIZERS)
        _check_choice("init", self.init, INITS)
        _check_choice("pooling", self.pooling, POOLINGS)
        for name, layers in (("content_layers", self.content_layers), ("style_layers", self.style_layers)):
            if not layers:
                raise SettingsError(f"{name} must name at least one layer.")
            unknown = [layer for layer in layers if layer not in LAYER_INDEX]
            if unknown:
                raise SettingsError(
                    f"Unknown VGG19 layer {unknown[0]!r} in {name}; layers are named like relu4_2 or conv1_1."
                )
        if self.style_layer_weights is not None:
            if len(self.style_layer_weights) != len(self.style_layers):
                raise SettingsError(
                    f"style_layer_weights has {len(self.style_layer_weights)} values for "
                    f"{len(self.style_layers)} style layers."
                )
            for weight in self.style_layer_weights:
                _check_range("a style layer weight", weight, 0.0, 1e9)
        if self.preview_every < 0:
            raise SettingsError("preview_every must be 0 (never) or a positive number of steps.")
        return self


def _check_range(name: str, value, low: float, high: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise SettingsError(f"{name} must be a number in {bracket}{low:g}, {high:g}], not {value!r}.")


def _check_int(name: str, value, low: int, high: int, unit: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise SettingsError(f"{name} must be a whole number from {low} to {high}{suffix}, not {value!r}.")


def _check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
