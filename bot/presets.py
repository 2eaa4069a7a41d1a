"""What the buttons mean to the engine: quality presets, style strength, the two-style mix."""

from __future__ import annotations

from dataclasses import dataclass

from engine import StyleSettings

#: name → (longest side px, L-BFGS steps). On the 2-core dev CPU a step costs ≈0.5 s at 256 px
#: and ≈2.3 s at 512 px (README), so: fast ≈ 40 s, balanced ≈ 2.5 min, best ≈ 12 min.
DEFAULT_PRESETS: dict[str, tuple[int, int]] = {"fast": (256, 60), "balanced": (384, 120), "best": (512, 300)}
STRENGTHS: dict[str, float] = {"subtle": 3.0, "normal": 10.0, "strong": 30.0}  # style weight β
SIZES = (256, 384, 512)  #: the ⚙ Settings size row; overrides the preset's size
MIXES = (0.25, 0.5, 0.75)
DEFAULT_OPTIONS = {"quality": "fast", "strength": "normal"}


@dataclass(frozen=True)
class JobPlan:
    settings: StyleSettings
    estimate_seconds: float


def parse_presets(text: str) -> dict[str, tuple[int, int]]:
    """``"fast=256x60,balanced=384x120,best=512x300"`` → presets (for operators and tests)."""
    presets = dict(DEFAULT_PRESETS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        size, _, steps = value.partition("x")
        if name not in presets or not size.isdigit() or not steps.isdigit():
            raise ValueError(f"bad preset {item!r}: use name=SIZExSTEPS with name in {', '.join(presets)}")
        presets[name] = (int(size), int(steps))
    return presets


def plan(options: dict, gamma: float, presets: dict[str, tuple[int, int]], seconds_per_step_256: float) -> JobPlan:
    quality = options.get("quality", DEFAULT_OPTIONS["quality"])
    size, steps = presets.get(quality, presets[DEFAULT_OPTIONS["quality"]])
    size = int(options.get("size") or size)
    strength = STRENGTHS.get(options.get("strength", "normal"), STRENGTHS["normal"])
    settings = StyleSettings(
        size=size,
        steps=steps,
        gamma=gamma,
        style_weight=strength,
        keep_colors=bool(options.get("keep_colors")),
        preview_every=max(1, steps // 3),
    )
    # cost grows with the pixel count
    estimate = steps * seconds_per_step_256 * (size / 256) ** 2 + 2.0
    return JobPlan(settings, estimate)
