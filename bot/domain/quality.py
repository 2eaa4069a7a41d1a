"""What the buttons mean to the engine: quality presets, style strength, the two-style mix."""

from __future__ import annotations

from engine.presets import PRESETS, preset
from engine.settings import StyleSettings

from ..limits import PREVIEWS_PER_JOB

#: name → (longest side px, L-BFGS steps at that size); the coarse-to-fine sizes before it come from
#: the engine's preset of the same name. 2-core CPU: fast ≈ 15 s, balanced ≈ 1 min, best ≈ 5–9 min.
DEFAULT_PRESETS: dict[str, tuple[int, int]] = {name: (p["size"], p["steps"]) for name, p in PRESETS.items()}
#: The ⚙ strength buttons → engine strength (0 keeps the photo, 1 is the painting alone).
STRENGTHS: dict[str, float] = {"subtle": 0.35, "normal": 0.5, "strong": 0.65}
SIZES = (256, 384, 512)  #: the ⚙ Settings size row; overrides the preset's size
MIXES = (0.25, 0.5, 0.75)
DEFAULT_OPTIONS = {"quality": "fast", "strength": "normal"}


def parse_presets(text: str) -> dict[str, tuple[int, int]]:
    """``"fast=256x6,best=512x50"`` → presets: the final size and its steps (for operators and tests)."""
    presets = dict(DEFAULT_PRESETS)
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, value = item.partition("=")
        size, _, steps = value.partition("x")
        if name not in presets or not size.isdigit() or not steps.isdigit():
            raise ValueError(f"bad preset {item!r}: use name=SIZExSTEPS with name in {', '.join(presets)}")
        presets[name] = (int(size), int(steps))
    return presets


def plan(options: dict, gamma: float, presets: dict[str, tuple[int, int]]) -> StyleSettings:
    """The engine settings for a draft: the chosen quality's preset, size, steps, strength and colours."""
    quality = options.get("quality", DEFAULT_OPTIONS["quality"])
    if quality not in presets:
        quality = DEFAULT_OPTIONS["quality"]
    size, steps = presets[quality]
    size = int(options.get("size") or size)
    steps = int(options.get("steps") or steps)
    size = min(size, options.get("limits", {}).get("max_size", size))
    strength = STRENGTHS.get(options.get("strength", "normal"), STRENGTHS["normal"])
    settings = preset(
        quality,
        size=size,
        steps=steps,
        gamma=gamma,
        strength=strength,
        keep_colors=bool(options.get("keep_colors")),
    )
    return settings.replace(preview_every=max(1, settings.total_steps // PREVIEWS_PER_JOB))
