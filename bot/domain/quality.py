"""What the buttons mean to the engine: qualities (instant, and the Gatys presets), style strength,
sizes and the two-style mix. A mode turns them into its settings (bot.modes), through a policy
(bot.domain.policy)."""

from __future__ import annotations

from engine.presets import PRESETS

#: name → (longest side px, L-BFGS steps of the painting's own size), None: the engine's preset of
#: the same name for this host's device (engine.presets: 1024 px, CPU or GPU schedule). Operators
#: and tests override them (BOT_PRESETS).
DEFAULT_PRESETS: dict[str, tuple[int | None, int | None]] = {name: (None, None) for name in PRESETS}
#: One pass of the feed-forward networks (engine.instant): about a second on a CPU.
INSTANT = "instant"
#: The ⚙ strength buttons → engine strength (0 keeps the photo, 1 is the painting alone).
STRENGTHS: dict[str, float] = {"subtle": 0.35, "normal": 0.5, "strong": 0.65}
#: The ⚙ Settings size row (up to the chat's max_size); overrides the preset's 1024 px. No choice is
#: smaller: a picture smaller than its 1024-px sketch would look like a step back.
SIZES = (1024, 1536, 2048)
MIXES = (0.25, 0.5, 0.75)
#: The 🧍 buttons (callback arguments) → where the style goes (engine.settings.REGIONS): everywhere,
#: around the person (who stays a photo), only on the person, or a style each (two styles).
REGIONS = {"whole": "whole", "keepme": "keep_subject", "onlyme": "keep_background", "split": "split"}


def regions_for(n_styles: int) -> dict[str, str]:
    """The 🧍 choices a picture with ``n_styles`` styles has: a style each for the person and the
    rest needs two."""
    return {choice: name for choice, name in REGIONS.items() if choice != "split" or n_styles == 2}


#: The ⚙ brush (engine.settings.BRUSHES: fine, normal, bold strokes) is "normal" unless picked.
DEFAULT_OPTIONS = {"quality": "balanced", "strength": "normal", "brush": "normal"}
#: What "🎨 Paint it properly" under an instant result asks for when the chat's quality is instant.
PROPER = "balanced"


def qualities(presets: dict, instant: bool) -> tuple[str, ...]:
    """The qualities to offer: instant (where its networks run) and the Gatys presets."""
    return ((INSTANT,) if instant else ()) + tuple(presets)


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
