"""/dream: DeepDream (engine.objectives.dream) — what a depth of the network sees, amplified in the
photo — with buttons for that depth (🖌 strokes, 🌀 patterns, 👁 things), the intensity, and 🎞 the
dream zooming on into itself."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from engine import modes as engine_modes
from worker.protocol import JobSpec

from .. import texts
from ..i18n import N_, Labels, Text
from .base import png_button, redo_button
from .dreamzoom import BUTTON_ZOOM
from .one_picture import OnePictureMode

#: 🖌/🌀/👁 under a dream → the VGG19 layer it amplifies (see engine.settings.DREAM_LAYERS)
DEPTHS = {"strokes": "relu3_1", "patterns": "relu4_1", "things": "relu5_1"}
#: intensity buttons → the dream's strength
INTENSITIES = {"gentle": 0.3, "normal": 0.5, "strong": 0.8}
DEPTH_LABELS = Labels({"strokes": N_("🖌 Strokes"), "patterns": N_("🌀 Patterns"), "things": N_("👁 Things")})
#: 🎞 under a dream: the same dream, zooming on into itself (bot.modes.dreamzoom)
ZOOM = "zoom"
INTENSITY_LABELS = Labels({"gentle": N_("Gentle"), "normal": N_("Normal"), "strong": N_("Strong")})


def depth_of(settings: dict) -> str:
    """The depth button a dream's settings match (their layer), or the default's."""
    layer = settings.get("layer", engine_modes.get("dream").settings().layer)
    return next((name for name, value in DEPTHS.items() if value == layer), "patterns")


def intensity_of(settings: dict) -> str:
    strength = settings.get("strength", engine_modes.get("dream").settings().strength)
    return min(INTENSITIES, key=lambda name: abs(INTENSITIES[name] - strength))


class DreamMode(OnePictureMode):
    name = "dream"
    icon = "💭"
    command = "dream"
    description = N_("DeepDream a photo")
    choices = (*DEPTHS, *INTENSITIES)
    WORKING = Text(N_("💭 Dreaming…"))
    GROUP_RESULT = Text(N_("{name}, here is your dream."))
    PROMPT = Text(N_("💭 Send the photo to dream on."))
    PROMPT_GROUP = Text(N_("💭 {name}, reply to this message with the photo to dream on."))

    def describe(self, run, settings: dict, done: str) -> str:
        depth = DEPTH_LABELS().get(depth_of(settings), run.layer)
        return " · ".join(filter(None, [done, f"{run.size} px", depth, INTENSITY_LABELS().get(intensity_of(settings))]))

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        depth, intensity = depth_of(spec.settings), intensity_of(spec.settings)
        depths, intensities = DEPTH_LABELS(), INTENSITY_LABELS()
        return InlineKeyboardMarkup(
            [
                [redo_button(job_id, texts.marked(d == depth, depths[d]), d) for d in DEPTHS],
                [redo_button(job_id, texts.marked(i == intensity, intensities[i]), i) for i in INTENSITIES],
                [redo_button(job_id, BUTTON_ZOOM(), ZOOM), png_button(job_id)],
            ]
        )

    def redo_as(self, choice: str) -> str | None:
        return "dreamzoom" if choice == ZOOM else None

    def variant(self, settings: dict, choice: str, n_styles: int = 1) -> dict | None:
        if choice in DEPTHS:
            return {**settings, "layer": DEPTHS[choice]}
        if choice in INTENSITIES:
            return {**settings, "strength": INTENSITIES[choice]}
        return None

    def chosen_already(self, settings: dict, choice: str) -> bool:
        return choice in (depth_of(settings), intensity_of(settings))


MODE = DreamMode()
