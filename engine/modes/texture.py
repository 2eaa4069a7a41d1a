"""Texture synthesis (Gatys, Ecker & Bethge 2015), a mode: its settings, presets and job — a new
picture with the Gram statistics of a source, grown from noise (engine.objectives.texture)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import SettingsError
from ..knobs import (
    DEFAULT_STYLE_LAYERS,
    MAX_SIZE,
    MAX_STEPS,
    OPTIMIZERS,
    POOLINGS,
    Optimised,
    check_fields,
    check_layers,
    knob,
)
from .base import Mode


@dataclass(frozen=True)
class TextureSettings(Optimised):
    """Texture synthesis (Gatys, Ecker & Bethge 2015): a new picture with the Gram statistics of a
    source, grown from noise. Not a crop or a copy: every seed gives another texture."""

    size: int = knob(512, "longest side of the texture", low=16, high=MAX_SIZE, unit="px")
    aspect: float = knob(1.0, "width ÷ height of the texture (1: square)", low=0.25, high=4.0)
    tileable: bool = knob(False, "a texture that repeats without a seam (the network wraps around its edges)")
    seed: int | None = knob(None, "random seed: another seed, another texture", low=0, high=2**63 - 1)
    style_scale: float = knob(
        1.0,
        "size of the pattern: the source is seen at this times the texture's size "
        "(never enlarged beyond its own pixels)",
        low=0.1,
        high=4.0,
    )
    steps: int = knob(100, "optimiser steps at the final size", low=1, high=MAX_STEPS)
    start_size: int | None = knob(
        128, "coarse-to-fine: begin at this longest side (0 = one size only)", low=16, high=MAX_SIZE, unit="px"
    )
    coarse_steps: int | None = knob(100, "optimiser steps at each size below the final one", low=0, high=MAX_STEPS)
    style_layers: tuple[str, ...] = knob(DEFAULT_STYLE_LAYERS, "VGG19 layers whose statistics are matched")
    pooling: str = knob("max", "pooling inside VGG19", choices=POOLINGS)
    tv_weight: float = knob(0.0, "smoothing against pixel noise; 0 turns it off", low=0.0, high=1e9)
    optimizer: str = knob("lbfgs", "lbfgs: best pictures; adam: less memory", choices=OPTIMIZERS)
    learning_rate: float | None = knob(
        None, "step size (default 1 for lbfgs, 0.02 for adam)", low=1e-6, high=1e3, open_low=True
    )
    tolerance: float = knob(
        0.0,
        "end a size early once the loss improves by less than this fraction over 10 steps (0: never)",
        low=0.0,
        high=1.0,
    )
    preview_every: int = knob(
        0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS, cli=False
    )

    def validate(self, n_styles: int = 1) -> TextureSettings:
        if n_styles != 1:
            raise SettingsError(f"A texture grows from one picture, not {n_styles}.")
        check_fields(self)
        if not self.style_layers:
            raise SettingsError("style_layers must name at least one layer.")
        check_layers("style_layers", self.style_layers)
        return self


TEXTURE_PRESETS: dict[str, dict] = {
    "fast": {"size": 256, "start_size": 128, "coarse_steps": 50, "steps": 15},
    "balanced": {"size": 384, "start_size": 128, "coarse_steps": 80, "steps": 30},
    "best": {"size": 512, "start_size": 128, "coarse_steps": 150, "steps": 60},
}


def run(engine, inputs: dict, settings: TextureSettings, callback=None, folder=None):
    """The texture mode's job: a new texture with the statistics of ``source``, grown from noise."""
    from ..imaging import open_image

    settings = settings.validate(1)
    picture = open_image(inputs["source"], role="texture picture")
    return engine.optimise("texture", settings, (picture,), settings.style_layers, callback)


MODE = Mode(
    name="texture",
    title="texture synthesis",
    settings=TextureSettings,
    presets=TEXTURE_PRESETS,
    default_preset="balanced",
    objective="engine.objectives.texture:TextureObjective",
    inputs=("source",),
    run="engine.modes.texture:run",
)
