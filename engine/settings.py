"""Every knob of a style-transfer run (a painting, or an instant picture), its default, and its valid
range; the other modes' settings are in their own modules (engine.modes)."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from .errors import SettingsError
from .knobs import DEFAULT_STYLE_LAYERS, MAX_SIZE, MAX_STEPS, OPTIMIZERS, POOLINGS, Optimised, check_fields, knob
from .layers import LAYER_INDEX
from .optimize.schedule import coarse_to_fine, detail_from, grown, work

INITS = ("content", "noise", "image", "instant")
#: Where the style goes (engine.regions): everywhere; around the subject, which stays the photo; only on
#: the subject; or the first style on the subject and the second around it.
REGIONS = ("whole", "keep_subject", "keep_background", "split")
MAX_STYLES = 4  #: the engine mixes up to four styles (the bot offers two)

#: Brush sizes, for every painter: fine, normal and bold strokes.
BRUSHES = ("fine", "normal", "bold")
#: A painting's brush: the scale at which the style picture is seen (its strokes grow with it), times
#: ``style_scale``. Judged by eye on the contact sheet (docs/contact-sheet.md).
BRUSH_SCALE = {"fine": 0.6, "normal": 1.0, "bold": 1.7}

DEFAULT_STYLE_WEIGHT = 10.0
STRENGTH_EXPONENT = math.log(10) / math.log(3)  # strength 0.25 / 0.75 → β/α ÷10 / ×10

DEFAULT_CONTENT_LAYERS = ("relu4_2",)
#: relu1_1 … relu5_1, as the seed article on mixing two styles weights them: the deep layers, where a
#: style's objects live (eyes, hands, a figure, letters), far less. With equal weights The Scream's
#: figure and railing were painted over Tübingen's houses and a tree; with these the town and the
#: tree stay, at the same style distance (0.206 → 0.208, balanced at 1024 px; docs/engine.md).
DEFAULT_LAYER_WEIGHTS = (1.0, 1.0, 0.2, 0.3, 0.01)
#: What shapes the sizes above the painting's: brush texture and edges, not composition.
DETAIL_LAYERS = ("relu1_1", "relu2_1", "relu3_1")


@dataclass(frozen=True)
class StyleSettings(Optimised):
    """Settings of one run. Defaults follow Gatys et al. (2016) where our loss scale allows.

    Weights are relative: the content loss is a relative feature error (0 at the content image),
    each style loss is divided by its value at the starting image (so it starts at 1), and the
    total is ``content_weight·L_c + style_weight·Σ mix_i·L_s,i + tv_weight·L_tv``.
    """

    size: int = knob(512, "longest side of the result", low=16, high=MAX_SIZE, unit="px")
    steps: int = knob(
        300, "optimiser steps at the final size (L-BFGS: one forward+backward each)", low=1, high=MAX_STEPS
    )
    gamma: float = knob(0.5, "two styles: share of the first, 0…1 (0.5: an even mix)", low=0.0, high=1.0)
    content_weight: float = knob(1.0, "α, weight of keeping the photo's content", low=0.0, high=1e9)
    style_weight: float = knob(DEFAULT_STYLE_WEIGHT, "β, weight of matching the style", low=0.0, high=1e9)
    tv_weight: float = knob(10.0, "smoothing against pixel noise; 0 turns it off", low=0.0, high=1e9)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(
        None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3, open_low=True
    )
    init: str = knob(
        "content",
        "start from the photo, from random noise, from a picture (init_image), or from the instant painting",
        choices=INITS,
        cli=False,
    )
    pooling: str = knob("max", "pooling inside VGG19", choices=POOLINGS)
    content_layers: tuple[str, ...] = knob(DEFAULT_CONTENT_LAYERS, "VGG19 layers for content, comma-separated")
    style_layers: tuple[str, ...] = knob(DEFAULT_STYLE_LAYERS, "VGG19 layers for style, comma-separated")
    style_layer_weights: tuple[float, ...] | None = knob(
        None,
        "weight of each style layer (default: 1,1,0.2,0.3,0.01 for relu1_1…relu5_1, else equal)",
        low=0.0,
        high=1e9,
        metavar="W1,W2,…",
    )
    style_weights: tuple[float, ...] | None = knob(
        None,
        "each style picture's share of the mix, in order (any number of styles; default: gamma for two, even for more)",
        low=0.0,
        high=1e9,
        metavar="W1,W2,…",
    )
    style_scale: float = knob(
        1.0, "size of the style picture relative to the result; smaller = finer strokes", low=0.1, high=4.0
    )
    brush: str = knob(
        "normal", "stroke size: fine, normal or bold (the style picture seen smaller or larger)", choices=BRUSHES
    )
    calibrate: bool = knob(
        True,
        "two styles: balance each style's relative improvement (see engine.objectives."
        "mixing) instead of mixing raw losses",
    )
    keep_colors: bool = knob(False, "keep the photo's colours; take only light, strokes and texture from the style")
    faces: bool = knob(
        True, "hold faces closer to the photo: painted with the style's strokes, not its objects (engine.faces)"
    )
    fine_detail: float = knob(
        1.0,
        "how much of the photo's fine structure (cables, hair, text) the sizes above paint_size bring back; 0: none",
        low=0.0,
        high=4.0,
    )
    start_size: int | None = knob(
        None,
        "coarse-to-fine: paint first at this longest side, then grow by √2 to the size; 0 = one size only",
        low=16,
        high=MAX_SIZE,
        unit="px",
    )
    coarse_steps: int | None = knob(None, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    tolerance: float = knob(
        0.0,
        "end a size early once the loss improves by less than this fraction over 10 steps (0: never)",
        low=0.0,
        high=1.0,
    )
    paint_size: int | None = knob(
        None,
        "paint with every layer up to this longest side, then only add detail "
        "(brush texture, edges; the shallow layers) on up to the size; "
        "0 = every layer at every size",
        low=16,
        high=MAX_SIZE,
        unit="px",
    )
    detail_steps: int = knob(6, "optimiser steps at each size above paint_size", low=0, high=MAX_STEPS)
    detail_layers: tuple[str, ...] = knob(DETAIL_LAYERS, "VGG19 layers of the detail sizes, comma-separated")
    tile: int | None = knob(
        None,
        "paint the detail sizes in tiles of about N px a side, the same picture in less memory "
        "(default: only a size that would not fit this machine's memory)",
        low=64,
        high=MAX_SIZE,
        unit="px",
    )
    finest_steps: int = knob(
        0,
        "optimiser steps at the final size when it is above paint_size; 0 = enlarge the last detail size to it",
        low=0,
        high=MAX_STEPS,
    )
    strength: float | None = knob(
        None,
        "style strength 0…1: 0 keeps the photo, 0.5 the usual balance, 1 the "
        "style alone (replaces the content/style weights)",
        low=0.0,
        high=1.0,
    )
    seed: int | None = knob(None, "random seed, for reproducible runs", low=0, high=2**63 - 1)
    preview_every: int = knob(
        0, "attach an intermediate picture to the progress every N steps (0: never)", low=0, high=MAX_STEPS, cli=False
    )
    region: str = knob(
        "whole",
        "where the style goes: whole; keep_subject (the subject stays the photo); "
        "keep_background; split (style 1 on the subject, style 2 around it)",
        choices=REGIONS,
        cli=False,
    )
    timelapse: int = knob(
        0, "also make an animation of the painting as it forms, of about N pictures (0: none)", low=0, high=120
    )
    grown_from: int | None = knob(
        None,
        "the print size: the init picture is a finished painting of this longest side; only the sizes "
        "above it are painted (detail_steps each, the shallow layers, held to the painting)",
        low=16,
        high=MAX_SIZE,
        unit="px",
        cli=False,
    )

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(longest side, steps) of each size: the painting coarse to fine, then its detail sizes (a
        print: the painting given, then the sizes above it)."""
        if self.grown_from:
            return grown(self.size, self.grown_from, max(1, self.detail_steps))
        return coarse_to_fine(
            self.size,
            self.steps,
            self.start_size,
            self.coarse_steps,
            self.paint_size,
            self.detail_steps,
            self.finest_steps,
        )

    @property
    def stroke_scale(self) -> float:
        """The style picture's size relative to the picture painted: ``style_scale`` and the brush."""
        return self.style_scale * BRUSH_SCALE[self.brush]

    @property
    def detail_from(self) -> int | None:
        """The painting's own longest side, above which only detail is added (None: no detail sizes)."""
        if self.grown_from:
            return self.grown_from
        return detail_from(self.size, self.paint_size)

    @property
    def work(self) -> float:
        return work(self.schedule, self.detail_from)

    @property
    def layer_weights(self) -> tuple[float, ...]:
        """Each style layer's weight: given, or for the five default layers DEFAULT_LAYER_WEIGHTS,
        or equal. From noise they are equal: with the shallow layers weighted most, L-BFGS from
        noise barely moved (a style loss of 1.93 → 1.90 in 15 steps at 64 px, against 0.83 → 0.46)."""
        if self.style_layer_weights is not None:
            return self.style_layer_weights
        if self.style_layers == DEFAULT_STYLE_LAYERS and self.init != "noise":
            return DEFAULT_LAYER_WEIGHTS
        return tuple(1.0 / len(self.style_layers) for _ in self.style_layers)

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

    def proportions(self, n_styles: int) -> tuple[float, ...]:
        """Each style's share of the mix: ``style_weights`` normalised, else γ for two, even for more."""
        return mix_shares(self.gamma, n_styles, self.style_weights)

    def validate(self, n_styles: int = 1) -> StyleSettings:
        """Return self if every value is usable with ``n_styles`` style images, else raise SettingsError."""
        check_styles(n_styles, self.style_weights)
        check_fields(self)
        check_region(self.region, n_styles)
        if self.grown_from and (self.init != "image" or self.grown_from >= self.size):
            raise SettingsError("A print grows a finished painting (init 'image') to a size larger than it.")
        named = (
            ("content_layers", self.content_layers),
            ("style_layers", self.style_layers),
            ("detail_layers", self.detail_layers),
        )
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


def mix_shares(gamma: float, n_styles: int, weights: tuple[float, ...] | None = None) -> tuple[float, ...]:
    """The styles' shares of a mix, summing to 1: ``weights`` normalised; without them γ and 1−γ
    for two styles, even shares for more; everything for a single one."""
    if weights is not None and len(weights) == n_styles and sum(weights) > 0:
        return tuple(w / sum(weights) for w in weights)
    if n_styles == 1:
        return (1.0,)
    if n_styles == 2:
        return (gamma, 1.0 - gamma)
    return tuple(1.0 / n_styles for _ in range(n_styles))


def check_styles(n_styles: int, weights: tuple[float, ...] | None) -> None:
    """One to MAX_STYLES style pictures, and their weights (if given) one each, not all zero."""
    if not 1 <= n_styles <= MAX_STYLES:
        raise SettingsError(f"Give one to {MAX_STYLES} style images, not {n_styles}.")
    check_style_weights(weights, n_styles)


def check_region(region: str, n_styles: int) -> None:
    """Two regions, two styles: ``split`` paints the subject in the first and the rest in the second."""
    if region == "split" and n_styles != 2:
        raise SettingsError(f"region 'split' needs two style pictures (the subject's, the rest's), not {n_styles}.")


def check_style_weights(weights: tuple[float, ...] | None, n_styles: int) -> None:
    if weights is None:
        return
    if len(weights) != n_styles:
        raise SettingsError(f"style_weights has {len(weights)} values for {n_styles} style pictures.")
    if sum(weights) <= 0:
        raise SettingsError("style_weights must give at least one style a share above 0.")


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

#: The instant brush: the network's strokes have a fixed size in pixels (the style picture's scale
#: hardly changes them), so fine strokes are painted larger and shrunk, bold ones smaller and
#: enlarged, with the photo's own fine detail brought back (engine.instant).
INSTANT_BRUSH = {"fine": 1.6, "normal": 1.0, "bold": 0.5}
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
    strength: float = knob(
        1.0, "style strength 0…1: 0 keeps the photo's own look, 1 takes the style picture's", low=0.0, high=1.0
    )
    keep_colors: bool = knob(False, "keep the photo's colours; take only light, strokes and texture from the style")
    faces: bool = knob(True, "paint faces more gently, so that they stay recognisable (engine.faces)")
    style_scale: float = knob(
        1.0,
        "size at which the style picture is seen (1: its shorter side at half the "
        "result's size, at least 256 px); smaller = finer strokes",
        low=0.25,
        high=4.0,
    )
    brush: str = knob(
        "normal",
        "stroke size: fine, normal or bold (painted larger or smaller, then brought to the size)",
        choices=BRUSHES,
    )
    style_weights: tuple[float, ...] | None = knob(
        None,
        "each style picture's share of the mix, in order (default: gamma for two, even for more)",
        low=0.0,
        high=1e9,
        metavar="W1,W2,…",
    )
    region: str = knob(
        "whole",
        "where the style goes: whole; keep_subject (the subject stays the photo); "
        "keep_background; split (style 1 on the subject, style 2 around it)",
        choices=REGIONS,
        cli=False,
    )

    @classmethod
    def matching(cls, painting: StyleSettings) -> InstantSettings:
        """The instant picture nearest a painting's settings: its size (capped), mix, strength, colours
        and style scale."""
        return cls(
            size=min(painting.size, INSTANT_MAX_SIZE),
            gamma=painting.gamma,
            strength=instant_strength(painting.strength),
            keep_colors=painting.keep_colors,
            faces=painting.faces,
            brush=painting.brush,
            style_scale=min(max(painting.style_scale, 0.25), 4.0),
            style_weights=painting.style_weights,
            region=painting.region,
        )

    @property
    def work(self) -> float:
        """The run's cost in the work units of engine.optimize.schedule (one pass, no optimiser)."""
        return INSTANT_PASS_COST * work(((round(self.size * INSTANT_BRUSH[self.brush]), 1),))

    @property
    def total_steps(self) -> int:
        return 1

    def replace(self, **changes) -> InstantSettings:
        return replace(self, **changes)

    def proportions(self, n_styles: int) -> tuple[float, ...]:
        return mix_shares(self.gamma, n_styles, self.style_weights)

    def validate(self, n_styles: int = 1) -> InstantSettings:
        check_styles(n_styles, self.style_weights)
        check_fields(self)
        check_region(self.region, n_styles)
        return self
