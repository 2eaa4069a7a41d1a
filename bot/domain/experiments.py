"""What /texture, /dream and /xray ask the engine for: each command's mode, its settings for a chat's
quality and size limit, and what the buttons under a result change. Pure rules, no Telegram."""

from __future__ import annotations

import random

from engine.modes import get as get_mode
from worker.protocol import non_defaults

from ..limits import PREVIEWS_PER_JOB

#: command → engine mode
COMMANDS = {"texture": "texture", "dream": "dream", "xray": "reconstruct"}
#: 🖌/🌀/👁 under a dream → the VGG19 layer it amplifies (see engine.settings.DREAM_LAYERS)
DEPTHS = {"strokes": "relu3_1", "patterns": "relu4_1", "things": "relu5_1"}
#: intensity buttons → the dream's strength
INTENSITIES = {"gentle": 0.3, "normal": 0.5, "strong": 0.8}
#: what a button under a result may ask for, by mode
CHOICES = {
    "texture": ("another", "tile"),
    "dream": (*DEPTHS, *INTENSITIES),
    "reconstruct": (),
}


def command_mode(text: str | None) -> str | None:
    """The mode of a ``/texture``, ``/dream@bot …`` or ``/xray`` text or caption, else None."""
    word = (text or "").split(maxsplit=1)[0] if (text or "").strip() else ""
    return COMMANDS.get(word.lstrip("/").partition("@")[0].lower())


def preset_for(mode: str, quality: str) -> str:
    """The mode's preset for a chat's quality (instant pictures: the quickest one)."""
    presets = get_mode(mode).presets
    return quality if quality in presets else "fast"


def plan(mode: str, quality: str, max_size: int | None = None, **choices) -> dict:
    """The settings (non-default values) of a new job of ``mode``: the quality's preset, capped at the
    chat's size limit, a fresh seed, a few previews, and the person's ``choices`` (tileable, layer,
    strength)."""
    settings = get_mode(mode).make_settings(preset=preset_for(mode, quality))
    changes = {k: v for k, v in choices.items() if v is not None}
    if max_size and max_size < settings.size:
        changes["size"] = max_size
        if getattr(settings, "start_size", None) and settings.start_size >= max_size:
            changes["start_size"] = max(16, max_size // 2)  # still coarse to fine: a texture needs it
    if mode == "reconstruct":
        changes["strip"] = True
    if hasattr(settings, "seed"):
        changes.setdefault("seed", random.randrange(2**31))
    settings = settings.replace(**changes)
    settings = settings.replace(preview_every=max(1, settings.total_steps // PREVIEWS_PER_JOB))
    return non_defaults(settings.validate())


def variant(mode: str, settings: dict, choice: str) -> dict | None:
    """A finished job's settings changed by a button under its result; None for a choice this mode
    does not have."""
    if choice not in CHOICES.get(mode, ()):
        return None
    changed = dict(settings)
    if choice == "another":
        changed["seed"] = random.randrange(2**31)
    elif choice == "tile":
        changed["tileable"] = not settings.get("tileable", False)
        changed["seed"] = random.randrange(2**31)
    elif choice in DEPTHS:
        changed["layer"] = DEPTHS[choice]
    elif choice in INTENSITIES:
        changed["strength"] = INTENSITIES[choice]
    return changed


def chosen_already(mode: str, settings: dict, choice: str) -> bool:
    """Whether a dream's depth or intensity button names what that dream already has."""
    return mode == "dream" and choice in (depth_of(settings), intensity_of(settings))


def depth_of(settings: dict) -> str:
    """The depth button a dream's settings match (their layer), or the default's."""
    layer = settings.get("layer", get_mode("dream").settings().layer)
    return next((name for name, value in DEPTHS.items() if value == layer), "patterns")


def intensity_of(settings: dict) -> str:
    strength = settings.get("strength", get_mode("dream").settings().strength)
    return min(INTENSITIES, key=lambda name: abs(INTENSITIES[name] - strength))
