"""Quality presets: coarse-to-fine schedules that trade time for closeness to the style.

Every preset starts at 128 px, where a step is cheap and most of the painting happens, then
grows the picture in √2 steps to its size (Gatys et al. 2017 "Controlling Perceptual Factors";
crowsonkb's style-transfer-pytorch). Times are measured by ``python -m benchmarks.presets``.
"""

from __future__ import annotations

from .errors import SettingsError
from .settings import StyleSettings

#: name → settings. Seconds are wall time on the 2-core development CPU (see README, Performance).
PRESETS: dict[str, dict] = {
    "fast": {"size": 256, "start_size": 128, "coarse_steps": 20, "steps": 6},
    "balanced": {"size": 384, "start_size": 128, "coarse_steps": 40, "steps": 20},
    "best": {"size": 512, "start_size": 128, "coarse_steps": 100, "steps": 50},
}
#: The instant mode's one preset (engine.instant): the size a phone shows full screen.
INSTANT_PRESETS: dict[str, dict] = {"instant": {"size": 1024}}
#: Measured seconds per preset at its own size (tubingen + starry_night, 2-core CPU); shown in --help.
PRESET_SECONDS_CPU = {"instant": 1, "fast": 12, "balanced": 67, "best": 310}


def preset(name: str, **overrides) -> StyleSettings:
    """StyleSettings of a named preset, with any field overridden."""
    if name not in PRESETS:
        raise SettingsError(f"Unknown quality preset {name!r}: use {', '.join(PRESETS)}.")
    return StyleSettings(**{**PRESETS[name], **overrides})
