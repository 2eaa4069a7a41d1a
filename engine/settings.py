"""Every knob of a style-transfer run, its default, and its valid range."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

from .errors import SettingsError
from .layers import LAYER_INDEX
from .optimize.schedule import coarse_to_fine, detail_from, work

OPTIMIZERS = ("lbfgs", "adam")
INITS = ("content", "noise", "image", "instant")
POOLINGS = ("max", "avg")
MAX_SIZE = 4096
MAX_STEPS = 100_000
MAX_STYLES = 2

DEFAULT_STYLE_WEIGHT = 10.0
STRENGTH_EXPONENT = math.log(10) / math.log(3)  # strength 0.25 / 0.75 → β/α ÷10 / ×10

DEFAULT_CONTENT_LAYERS = ("relu4_2",)
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: What shapes the sizes above the painting's: brush texture and edges, not composition.
DETAIL_LAYERS = ("relu1_1", "relu2_1", "relu3_1")


def knob(
    default,
    help: str,
    *,
    low=None,
    high=None,
    choices=(),
    unit: str = "",
    open_low: bool = False,
    cli: bool = True,
    metavar: str | None = None,
):
    """A settings field whose metadata carries its help text and valid range: validation and the
    command line are derived from it, so a new knob is written once."""
    meta = {"help": help, "low": low, "high": high, "choices": tuple(choices), "unit": unit,
            "open_low": open_low, "cli": cli, "metavar": metavar}  # fmt: skip
    return field(default=default, metadata=meta)


class _Optimised:
    """What the runner (engine.optimize.runner) reads from an optimised mode's settings."""

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1.0 if self.optimizer == "lbfgs" else 0.02

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(longest side, steps) of each size, coarse to fine; most steps go to the cheap small sizes."""
        return coarse_to_fine(self.size, self.steps, self.start_size, self.coarse_steps)

    @property
    def work(self) -> float:
        """The run's cost in work units (see engine.optimize.schedule): what time estimates count."""
        return work(self.schedule)

    @property
    def total_steps(self) -> int:
        return sum(steps for _, steps in self.schedule)

    def replace(self, **changes):
        return replace(self, **changes)

    def validate(self, n_styles: int = 1):
        check_fields(self)
        return self


@dataclass(frozen=True)
class StyleSettings(_Optimised):
    """Settings of one run. Defaults follow Gatys et al. (2016) where our loss scale allows.

    Weights are relative: the content loss is a relative feature error (0 at the content image),
    each style loss is divided by its value at the starting image (so it starts at 1), and the
    total is ``content_weight·L_c + style_weight·Σ mix_i·L_s,i + tv_weight·L_tv``.
    """

    size: int = knob(512, "longest side of the result", low=16, high=MAX_SIZE, unit="px")
    steps: int = knob(300, "optimiser steps at the final size (L-BFGS: one forward+backward each)", low=1,
                      high=MAX_STEPS)  # fmt: skip
    gamma: float = knob(0.5, "two styles: share of the first, 0…1 (0.5: an even mix)", low=0.0, high=1.0)
    content_weight: float = knob(1.0, "α, weight of keeping the photo's content", low=0.0, high=1e9)
    style_weight: float = knob(DEFAULT_STYLE_WEIGHT, "β, weight of matching the style", low=0.0, high=1e9)
    tv_weight: float = knob(10.0, "smoothing against pixel noise; 0 turns it off", low=0.0, high=1e9)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3,
                                       open_low=True)  # fmt: skip
    init: str = knob("content", "start from the photo, from random noise, from a picture (init_image), or from "
                                "the instant painting", choices=INITS, cli=False)  # fmt: skip
    pooling: str = knob("max", "pooling inside VGG19", choices=POOLINGS)
    content_layers: tuple[str, ...] = knob(DEFAULT_CONTENT_LAYERS, "VGG19 layers for content, comma-separated")
    style_layers: tuple[str, ...] = knob(DEFAULT_STYLE_LAYERS, "VGG19 layers for style, comma-separated")
    style_layer_weights: tuple[float, ...] | None = knob(None, "weight of each style layer (default: equal)",
                                                         low=0.0, high=1e9, metavar="W1,W2,…")  # fmt: skip
    style_scale: float = knob(1.0, "size of the style picture relative to the result; smaller = finer strokes",
                              low=0.1, high=4.0)  # fmt: skip
    calibrate: bool = knob(True, "two styles: balance each style's relative improvement (see engine.objectives."
                                 "mixing) instead of mixing raw losses")  # fmt: skip
    keep_colors: bool = knob(False, "keep the photo's colours; take only light, strokes and texture from the style")
    start_size: int | None = knob(None, "coarse-to-fine: paint first at this longest side, then grow by √2 to "
                                        "the size; 0 = one size only", low=16, high=MAX_SIZE, unit="px")  # fmt: skip
    coarse_steps: int | None = knob(None, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    tolerance: float = knob(0.0, "end a size early once the loss improves by less than this fraction over 10 "
                                 "steps (0: never)", low=0.0, high=1.0)  # fmt: skip
    paint_size: int | None = knob(None, "paint with every layer up to this longest side, then only add detail "
                                        "(brush texture, edges; the shallow layers) on up to the size; "
                                        "0 = every layer at every size", low=16, high=MAX_SIZE,
                                  unit="px")  # fmt: skip
    detail_steps: int = knob(6, "optimiser steps at each size above paint_size", low=0, high=MAX_STEPS)
    detail_layers: tuple[str, ...] = knob(DETAIL_LAYERS, "VGG19 layers of the detail sizes, comma-separated")
    finest_steps: int = knob(0, "optimiser steps at the final size when it is above paint_size; 0 = enlarge the "
                                "last detail size to it", low=0, high=MAX_STEPS)  # fmt: skip
    strength: float | None = knob(None, "style strength 0…1: 0 keeps the photo, 0.5 the usual balance, 1 the "
                                        "style alone (replaces the content/style weights)", low=0.0,
                                  high=1.0)  # fmt: skip
    seed: int | None = knob(None, "random seed, for reproducible runs", low=0, high=2**63 - 1)
    preview_every: int = knob(0, "attach an intermediate picture to the progress every N steps (0: never)", low=0,
                              high=MAX_STEPS, cli=False)  # fmt: skip

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(longest side, steps) of each size: the painting coarse to fine, then its detail sizes."""
        return coarse_to_fine(self.size, self.steps, self.start_size, self.coarse_steps, self.paint_size,
                              self.detail_steps, self.finest_steps)  # fmt: skip

    @property
    def detail_from(self) -> int | None:
        """The painting's own longest side, above which only detail is added (None: no detail sizes)."""
        return detail_from(self.size, self.paint_size)

    @property
    def work(self) -> float:
        return work(self.schedule, self.detail_from)

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

    def validate(self, n_styles: int = 1) -> StyleSettings:
        """Return self if every value is usable with ``n_styles`` style images, else raise SettingsError."""
        if not 1 <= n_styles <= MAX_STYLES:
            raise SettingsError(f"Give one or two style images, not {n_styles}.")
        check_fields(self)
        named = (("content_layers", self.content_layers), ("style_layers", self.style_layers),
                 ("detail_layers", self.detail_layers))  # fmt: skip
        for name, layers in named:
            if not layers:
                raise SettingsError(f"{name} must name at least one layer.")
            unknown = [layer for layer in layers if layer not in LAYER_INDEX]
            if unknown:
                raise SettingsError(
                    f"Unknown VGG19 layer {unknown[0]!r} in {name}; layers are named like relu4_2 or conv1_1."
                )
        if self.style_layer_weights is not None and len(self.style_layer_weights) != len(self.style_layers):
            raise SettingsError(
                f"style_layer_weights has {len(self.style_layer_weights)} values for "
                f"{len(self.style_layers)} style layers."
            )
        return self


def instant_strength(strength: float | None) -> float:
    """The instant strength for the shared 0…1 strength (0.5 the usual balance).

    The instant strength interpolates style vectors, where 1 is the style picture's own and more
    over-paints (measured: style distance 0.44 at 1, 0.50 at 1.25, 0.68 at 1.5), so the usual
    balance maps to 0.8 and ⚙ subtle/normal/strong (0.35/0.5/0.65) to 0.6/0.8/1.0."""
    t = 0.5 if strength is None else strength
    return round(min(1.0, max(0.0, _INSTANT_NORMAL + (t - 0.5) * _INSTANT_SLOPE)), 3)


def painting_strength(instant: float) -> float:
    """The inverse of :func:`instant_strength`: the shared strength for an instant one."""
    return round(min(1.0, max(0.0, 0.5 + (instant - _INSTANT_NORMAL) / _INSTANT_SLOPE)), 3)


_INSTANT_NORMAL, _INSTANT_SLOPE = 0.8, 4 / 3

#: The instant networks paint in one pass; past this the picture no longer fits a phone's memory budget.
INSTANT_MAX_SIZE = 2048
#: Seconds per instant pass relative to an L-BFGS step at the same size (0.09 s vs ≈2 s at 384×288, 2-core CPU).
INSTANT_PASS_COST = 0.05


@dataclass(frozen=True)
class InstantSettings:
    """Settings of an instant painting: Ghiasi et al. (2017), one pass of a feed-forward network.

    The style pictures become 100-number style vectors; two styles mix by interpolating their vectors
    (γ), and the strength interpolates towards the photo's own vector ("identity interpolation")."""

    size: int = knob(1024, "longest side of the result", low=16, high=INSTANT_MAX_SIZE, unit="px")
    gamma: float = knob(0.5, "two styles: share of the first, 0…1 (0.5: an even mix)", low=0.0, high=1.0)
    strength: float = knob(1.0, "style strength 0…1: 0 keeps the photo's own look, 1 takes the style picture's",
                           low=0.0, high=1.0)  # fmt: skip
    keep_colors: bool = knob(False, "keep the photo's colours; take only light, strokes and texture from the style")
    style_scale: float = knob(1.0, "size at which the style picture is seen (1: its shorter side at half the "
                                   "result's size, at least 256 px); smaller = finer strokes", low=0.25,
                              high=4.0)  # fmt: skip

    @classmethod
    def matching(cls, painting: StyleSettings) -> InstantSettings:
        """The instant picture nearest a painting's settings: its size (capped), mix, strength, colours
        and style scale."""
        return cls(
            size=min(painting.size, INSTANT_MAX_SIZE),
            gamma=painting.gamma,
            strength=instant_strength(painting.strength),
            keep_colors=painting.keep_colors,
            style_scale=min(max(painting.style_scale, 0.25), 4.0),
        )

    @property
    def work(self) -> float:
        """The run's cost in the work units of engine.optimize.schedule (one pass, no optimiser)."""
        return INSTANT_PASS_COST * work(((self.size, 1),))

    @property
    def total_steps(self) -> int:
        return 1

    def replace(self, **changes) -> InstantSettings:
        return replace(self, **changes)

    def validate(self, n_styles: int = 1) -> InstantSettings:
        if not 1 <= n_styles <= MAX_STYLES:
            raise SettingsError(f"Give one or two style images, not {n_styles}.")
        check_fields(self)
        return self


def _check_layers(name: str, layers) -> None:
    unknown = [layer for layer in layers if layer not in LAYER_INDEX]
    if unknown:
        raise SettingsError(f"Unknown VGG19 layer {unknown[0]!r} in {name}; layers are named like relu4_2 or conv1_1.")


@dataclass(frozen=True)
class TextureSettings(_Optimised):
    """Texture synthesis (Gatys, Ecker & Bethge 2015): a new picture with the Gram statistics of a
    source, grown from noise. Not a crop or a copy: every seed gives another texture."""

    size: int = knob(512, "longest side of the texture", low=16, high=MAX_SIZE, unit="px")
    aspect: float = knob(1.0, "width ÷ height of the texture (1: square)", low=0.25, high=4.0)
    tileable: bool = knob(False, "a texture that repeats without a seam (the network wraps around its edges)")
    seed: int | None = knob(None, "random seed: another seed, another texture", low=0, high=2**63 - 1)
    style_scale: float = knob(1.0, "size of the pattern: the source is seen at this times the texture's size "
                                   "(never enlarged beyond its own pixels)", low=0.1, high=4.0)  # fmt: skip
    steps: int = knob(100, "optimiser steps at the final size", low=1, high=MAX_STEPS)
    start_size: int | None = knob(128, "coarse-to-fine: begin at this longest side (0 = one size only)", low=16,
                                  high=MAX_SIZE, unit="px")  # fmt: skip
    coarse_steps: int | None = knob(100, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    style_layers: tuple[str, ...] = knob(DEFAULT_STYLE_LAYERS, "VGG19 layers whose statistics are matched")
    pooling: str = knob("max", "pooling inside VGG19", choices=POOLINGS)
    tv_weight: float = knob(0.0, "smoothing against pixel noise; 0 turns it off", low=0.0, high=1e9)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3,
                                       open_low=True)  # fmt: skip
    tolerance: float = knob(0.0, "end a size early once the loss improves by less than this fraction over 10 "
                                 "steps (0: never)", low=0.0, high=1.0)  # fmt: skip
    preview_every: int = knob(0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS,
                              cli=False)  # fmt: skip

    def validate(self, n_styles: int = 1) -> TextureSettings:
        if n_styles != 1:
            raise SettingsError(f"A texture grows from one picture, not {n_styles}.")
        check_fields(self)
        if not self.style_layers:
            raise SettingsError("style_layers must name at least one layer.")
        _check_layers("style_layers", self.style_layers)
        return self


#: DeepDream's layers and what each one's dreams look like (shown by ``python -m engine dream --help``).
DREAM_LAYERS: dict[str, str] = {
    "relu2_1": "fine strokes and edges",
    "relu3_1": "brush strokes, ripples",
    "relu3_4": "swirls and patterns",
    "relu4_1": "patterns, scales and eyes",
    "relu4_2": "eyes, fur and feathers",
    "relu4_4": "shapes: arches, snouts, petals",
    "relu5_1": "things: animals, buildings, faces",
}


@dataclass(frozen=True)
class DreamSettings(_Optimised):
    """DeepDream (Mordvintsev et al. 2015): gradient *ascent* on how strongly a layer responds, over
    octaves, with random jitter and normalised steps, so the picture grows what the layer sees."""

    size: int = knob(512, "longest side of the result", low=32, high=MAX_SIZE, unit="px")
    layer: str = knob("relu4_1", "VGG19 layer to amplify (see the list above)", choices=tuple(DREAM_LAYERS))
    octaves: int = knob(4, "sizes the dream is painted at, each octave_scale larger than the last", low=1, high=8)
    octave_scale: float = knob(1.4, "size ratio between octaves", low=1.1, high=2.0)
    steps: int = knob(10, "ascent steps at each octave", low=1, high=1000)
    strength: float = knob(0.5, "how hard each step pushes, 0…1 (0.5: the photo stays recognisable)", low=0.0,
                           high=1.0, open_low=True)  # fmt: skip
    jitter: int = knob(32, "random shift of the picture before each step (against grid artefacts)", low=0,
                       high=256, unit="px")  # fmt: skip
    seed: int | None = knob(None, "random seed of the jitter", low=0, high=2**63 - 1)
    preview_every: int = knob(0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS,
                              cli=False)  # fmt: skip

    tolerance = 0.0  # the runner's early stop: a dream has no loss to settle

    @property
    def lr(self) -> float:
        """Each normalised step moves the pixels by about this much (of full brightness)."""
        return 0.012 * self.strength

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        sides = [round(self.size / self.octave_scale**k) for k in range(self.octaves)]
        return tuple((side, self.steps) for side in reversed(sides) if side >= 32) or ((self.size, self.steps),)

    def validate(self, n_styles: int = 0) -> DreamSettings:
        check_fields(self)
        return self


#: The reconstruction strip's layers: one per block, shallow to deep.
STRIP_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
#: What each of the strip's layers keeps, in a few words (``python -m engine reconstruct --help``).
STRIP_KEEPS = {
    "relu1_1": "every pixel",
    "relu2_1": "edges and colours",
    "relu3_1": "textures, blurred colours",
    "relu4_1": "shapes and parts",
    "relu5_1": "what is where",
}


@dataclass(frozen=True)
class ReconstructSettings(_Optimised):
    """What the network sees (Mahendran & Vedaldi 2015): the picture rebuilt from noise to match one
    layer's features alone, with a total-variation and an α-norm regulariser. ``strip`` rebuilds it
    from relu1_1 … relu5_1 and lays the five side by side."""

    size: int = knob(256, "longest side of each reconstruction", low=16, high=MAX_SIZE, unit="px")
    layer: str = knob("relu4_1", "VGG19 layer to rebuild the picture from", choices=STRIP_LAYERS + tuple(
        name for name in LAYER_INDEX if name.startswith("relu") and name not in STRIP_LAYERS))  # fmt: skip
    strip: bool = knob(False, "rebuild from each of relu1_1 … relu5_1 and lay them side by side")
    steps: int = knob(60, "optimiser steps at the final size", low=1, high=MAX_STEPS)
    start_size: int | None = knob(96, "coarse-to-fine: begin at this longest side (0 = one size only)", low=16,
                                  high=MAX_SIZE, unit="px")  # fmt: skip
    coarse_steps: int | None = knob(80, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    tv_weight: float = knob(0.05, "total variation: smooth, natural-looking pictures", low=0.0, high=1e9)
    alpha_weight: float = knob(0.05, "α-norm (α = 6): keeps pixels from piling up at black and white", low=0.0,
                               high=1e9)  # fmt: skip
    seed: int | None = knob(None, "random seed of the starting noise", low=0, high=2**63 - 1)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3,
                                       open_low=True)  # fmt: skip
    tolerance: float = knob(0.0, "end a size early once the loss improves by less than this fraction over 10 "
                                 "steps (0: never)", low=0.0, high=1.0)  # fmt: skip
    preview_every: int = knob(0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS,
                              cli=False)  # fmt: skip

    @property
    def layers(self) -> tuple[str, ...]:
        """The layers rebuilt, in the order they are shown."""
        return STRIP_LAYERS if self.strip else (self.layer,)

    @property
    def work(self) -> float:
        return work(self.schedule) * len(self.layers)

    @property
    def total_steps(self) -> int:
        return sum(steps for _, steps in self.schedule) * len(self.layers)

    def validate(self, n_styles: int = 0) -> ReconstructSettings:
        check_fields(self)
        return self


def kind(f) -> str:
    """A field's type as a word: int, float, str, bool, tuple… (annotations are strings here)."""
    return str(f.type).split(" ")[0].split("[")[0]


def check_fields(settings) -> None:
    """Check every field of a settings dataclass against its metadata (range, choices); raise SettingsError."""
    for f in fields(settings):
        meta, value = f.metadata, getattr(settings, f.name)
        if not meta or value is None:
            continue
        if meta["choices"]:
            _check_choice(f.name, value, meta["choices"])
        elif meta["low"] is None:
            continue
        elif isinstance(value, tuple):
            for item in value:
                _check_range(f"a value of {f.name}", item, meta["low"], meta["high"])
        elif kind(f) == "int":
            _check_int(f.name, value, meta["low"], meta["high"], meta["unit"])
        else:
            _check_range(f.name, value, meta["low"], meta["high"], open_low=meta["open_low"])


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
