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
from .base import INSTANT_NETS, Mode

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
        run="engine.modes.style:run",
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
        networks=frozenset({INSTANT_NETS}),
        quick=True,
    ),
    "texture": texture.MODE,
    "dream": dream.MODE,
    "dreamzoom": dreamzoom.MODE,
    "reconstruct": reconstruct.MODE,
    "video": video.MODE,
    "paintclip": paintclip.MODE,
    "sticker": sticker.MODE,
}
#: What a job whose mode is missing or unknown is taken for (it fails with a message when it runs).
DEFAULT = "style"
#: The modes an engine with VGG19 paints (all but the feed-forward ones).
VGG_MODES = tuple(name for name, mode in MODES.items() if mode.needs_torch)


def painted_with(networks, family: str | None = None, quick: bool | None = None) -> tuple[str, ...]:
    """The modes an engine process with these bundled ``networks`` can paint (of one ``family``,
    quick or not, where given)."""
    return tuple(
        name
        for name, mode in MODES.items()
        if mode.networks <= set(networks)
        and (family is None or mode.family == family)
        and (quick is None or mode.quick == quick)
    )


def taken_from_queues(networks) -> tuple[str, ...]:
    """The modes a worker with these ``networks`` offers. A family's queue is shared by its modes,
    so a worker takes a family whole or not at all (it could otherwise draw a job it cannot paint);
    quick modes are painted beside the bot, never queued, so they do not decide it."""
    can = painted_with(networks)
    short = {mode.family for name, mode in MODES.items() if not mode.quick and name not in can}
    return tuple(name for name in can if MODES[name].quick or MODES[name].family not in short)


def counting(kind: str) -> tuple[str, ...]:
    """The modes whose jobs count against ``kind`` (engine.modes.base: paintings, clip seconds, nothing)."""
    return tuple(name for name, mode in MODES.items() if mode.counts == kind)


def for_preset(name: str) -> Mode:
    """The picture-painting mode a quality preset belongs to (``--preset instant`` is the instant mode)."""
    for mode in (MODES["instant"], MODES["style"]):
        if name in mode.presets:
            return mode
    known = ", ".join([*MODES["instant"].presets, *MODES["style"].presets])
    raise SettingsError(f"Unknown quality preset {name!r}: use {known}.")


def family_of(name: str) -> str:
    """A mode's family; an unknown mode counts as the default's (it fails with a message when it runs)."""
    return MODES.get(name, MODES[DEFAULT]).family


def get(name: str) -> Mode:
    if name not in MODES:
        raise SettingsError(f"Unknown mode {name!r}: use {', '.join(MODES)}.")
    return MODES[name]
