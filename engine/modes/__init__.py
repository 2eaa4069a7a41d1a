"""The registry of painting modes: name → settings class, presets, input roles, family, and the
function that paints a job (``Engine.run`` goes through it; there is no list of modes anywhere else).

A mode is its own module here — its settings dataclass and presets (plain Python: the bot reads
them) and its job, ``run`` — plus the objective it minimises on the shared runner
(engine.objectives), or feed-forward networks (engine.instant). Style transfer's settings are in
engine.settings and its presets in engine.presets, which the bot's qualities are made of.
Importing this package loads no torch: a mode's painting code is imported by name when a job runs.
"""

from __future__ import annotations

from ..errors import SettingsError
from ..presets import GPU_PRESETS, INSTANT_PRESETS, PRESETS
from ..settings import InstantSettings, StyleSettings
from . import dream, dreamzoom, paintclip, reconstruct, sticker, texture, video
from .base import Mode

MODES: dict[str, Mode] = {
    "style": Mode(
        name="style",
        title="style transfer",
        settings=StyleSettings,
        presets=PRESETS,
        gpu_presets=GPU_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.nst:StyleObjective",
        inputs=("content", "styles"),
        several=("styles",),
        run="engine.objectives.nst:run",
    ),
    "instant": Mode(
        name="instant",
        title="instant style transfer",
        settings=InstantSettings,
        presets=INSTANT_PRESETS,
        default_preset="instant",
        objective=None,
        inputs=("content", "styles"),
        several=("styles",),
        run="engine.instant:run",
        needs_torch=False,
    ),
    "texture": texture.MODE,
    "dream": dream.MODE,
    "dreamzoom": dreamzoom.MODE,
    "reconstruct": reconstruct.MODE,
    "video": video.MODE,
    "paintclip": paintclip.MODE,
    "sticker": sticker.MODE,
}
#: The modes an engine with VGG19 paints (all but the feed-forward one).
VGG_MODES = tuple(name for name, mode in MODES.items() if mode.needs_torch)


def for_preset(name: str) -> Mode:
    """The picture-painting mode a quality preset belongs to (``--preset instant`` is the instant mode)."""
    for mode in (MODES["instant"], MODES["style"]):
        if name in mode.presets:
            return mode
    known = ", ".join([*MODES["instant"].presets, *MODES["style"].presets])
    raise SettingsError(f"Unknown quality preset {name!r}: use {known}.")


def family_of(name: str) -> str:
    """A mode's family; an unknown mode counts as a picture (it fails with a message when it runs)."""
    return MODES[name].family if name in MODES else "picture"


def get(name: str) -> Mode:
    if name not in MODES:
        raise SettingsError(f"Unknown mode {name!r}: use {', '.join(MODES)}.")
    return MODES[name]
