"""Quality presets: coarse-to-fine schedules that trade time for closeness to the style.

Every preset starts at 128 px, where a step is cheap and most of the painting happens, then
grows the picture in √2 steps to its size (Gatys et al. 2017 "Controlling Perceptual Factors";
crowsonkb's style-transfer-pytorch). Every preset's picture is 1024 px, the size a phone shows
full screen. On a CPU the painting (every layer) stops at ``paint_size`` and the sizes above it
only add brush texture and edges on the shallow layers (engine.objectives.nst); on a GPU a step at
1024 px costs milliseconds and every size sees every layer. Times are measured by
``python -m benchmarks.presets`` and ``python -m benchmarks.full_size``.
"""

from __future__ import annotations

from .errors import SettingsError
from .settings import StyleSettings

#: name → settings on a CPU. Seconds are wall time on the 2-core development CPU (see docs/performance.md).
PRESETS: dict[str, dict] = {
    "fast": {"size": 1024, "paint_size": 256, "start_size": 128, "coarse_steps": 20, "steps": 6, "detail_steps": 4},
    "balanced": {"size": 1024, "paint_size": 362, "start_size": 128, "coarse_steps": 20, "steps": 8, "detail_steps": 6},
    "best": {"size": 1024, "paint_size": 512, "start_size": 128, "coarse_steps": 60, "steps": 30, "detail_steps": 10},
}
#: The same names on a GPU: every layer at every size up to 1024 px (H100: 1.0 / 1.6 / 3.7 s).
GPU_PRESETS: dict[str, dict] = {
    "fast": {"size": 1024, "start_size": 128, "coarse_steps": 20, "steps": 6},
    "balanced": {"size": 1024, "start_size": 128, "coarse_steps": 40, "steps": 20},
    "best": {"size": 1024, "start_size": 128, "coarse_steps": 100, "steps": 50},
}
#: The instant mode's one preset (engine.instant): the size a phone shows full screen.
INSTANT_PRESETS: dict[str, dict] = {"instant": {"size": 1024}}
#: The other modes' presets, by the same names, so a chat's quality carries over. Texture: 128 px up to
#: its size, most steps small (Gatys et al. 2015 used 512 px and far more steps; L-BFGS from noise
#: settles in a few hundred). Dream: octaves of a few steps. Reconstruct: small, for the strip.
#: Measured seconds per preset at 1024 px (tubingen + starry_night, 2-core CPU); shown in --help.
PRESET_SECONDS_CPU = {"instant": 1, "fast": 35, "balanced": 60, "best": 230}


def on_gpu(device: str) -> bool:
    """Whether an engine on ``device`` ("cpu", "cuda:0", "mps", "unknown" …) paints with the GPU presets."""
    return device.startswith(("cuda", "mps"))


def preset(name: str, *, gpu: bool = False, **overrides) -> StyleSettings:
    """StyleSettings of a named preset (its GPU schedule with ``gpu``), with any field overridden."""
    table = GPU_PRESETS if gpu else PRESETS
    if name not in table:
        raise SettingsError(f"Unknown quality preset {name!r}: use {', '.join(table)}.")
    return StyleSettings(**{**table[name], **overrides})
