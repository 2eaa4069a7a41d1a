"""What the buttons mean to the engine: qualities (instant, and the Gatys presets), style strength,
the two-style mix — and the instant first picture that answers ▶ before the painting."""

from __future__ import annotations

from engine.presets import INSTANT_PRESETS, PRESETS, on_gpu, preset
from engine.settings import INSTANT_MAX_SIZE, InstantSettings, StyleSettings, instant_strength, painting_strength
from worker.protocol import JobSpec, non_defaults

from ..limits import PREVIEWS_PER_JOB

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
DEFAULT_OPTIONS = {"quality": "balanced", "strength": "normal"}
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


def plan(
    options: dict, gamma: float, presets: dict[str, tuple[int | None, int | None]], device: str = "cpu"
) -> StyleSettings | InstantSettings:
    """The engine settings for a draft: the chosen quality's preset for the engine's ``device``, size,
    steps, strength and colours."""
    quality = options.get("quality", DEFAULT_OPTIONS["quality"])
    strength = STRENGTHS.get(options.get("strength", "normal"), STRENGTHS["normal"])
    max_size = options.get("limits", {}).get("max_size", INSTANT_MAX_SIZE)
    if quality == INSTANT:
        size = int(options.get("size") or INSTANT_PRESETS[INSTANT]["size"])
        return InstantSettings(
            size=min(size, max_size, INSTANT_MAX_SIZE),
            gamma=gamma,
            strength=instant_strength(strength),
            keep_colors=bool(options.get("keep_colors")),
        )
    if quality not in presets:
        quality = DEFAULT_OPTIONS["quality"]
    own = preset(quality, gpu=on_gpu(device))
    size, steps = presets[quality]
    size = int(options.get("size") or size or own.size)
    steps = int(options.get("steps") or steps or own.steps)
    size = min(size, options.get("limits", {}).get("max_size", size))
    settings = own.replace(
        size=size, steps=steps, gamma=gamma, strength=strength, keep_colors=bool(options.get("keep_colors"))
    )
    return settings.replace(preview_every=max(1, settings.total_steps // PREVIEWS_PER_JOB))


def sketch(spec: JobSpec, output: str) -> JobSpec | None:
    """The instant first picture of a painting job: the same pictures, size, mix, strength and colours
    (None for a job that is not a painting, e.g. an instant one)."""
    if spec.mode != "style":
        return None
    settings = InstantSettings.matching(spec.mode_settings())
    return JobSpec(INSTANT, dict(spec.inputs), output, non_defaults(settings))


def fallback(spec: JobSpec, presets: dict[str, tuple[int | None, int | None]], device: str = "cpu") -> JobSpec:
    """An instant job as a fast painting, for an engine without the instant networks."""
    if spec.mode != INSTANT:
        return spec
    s = spec.mode_settings()
    size = min(presets["fast"][0] or s.size, s.size)
    options = {"quality": "fast", "size": size, "keep_colors": s.keep_colors}
    settings = plan(options, s.gamma, presets, device).replace(strength=painting_strength(s.strength))
    return JobSpec("style", dict(spec.inputs), spec.output, non_defaults(settings), spec.preview_dir)
