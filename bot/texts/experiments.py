"""What /texture, /dream and /xray say: prompts, their buttons, captions (bot.texts has the rest)."""

from __future__ import annotations

from ..i18n import N_, Labels, Text, ngettext
from ..i18n import gettext as _
from . import SMALLER_THAN_ASKED, done_in, mention

BUTTON_ANOTHER = Text(N_("♻ Another one"))
BUTTON_TILEABLE = Text(N_("🔲 Make it tileable"))
BUTTON_NOT_TILEABLE = Text(N_("🔲 Without tiling"))
ALREADY_CHOSEN = Text(N_("This picture already has that — pick another one."))
DEPTH_LABELS = Labels({"strokes": N_("🖌 Strokes"), "patterns": N_("🌀 Patterns"), "things": N_("👁 Things")})
INTENSITY_LABELS = Labels({"gentle": N_("Gentle"), "normal": N_("Normal"), "strong": N_("Strong")})
MODE_PROMPTS = Labels(
    {
        "texture": N_("🧵 Send the picture to grow a texture from — a painting, fabric, leaves, a wall…"),
        "dream": N_("💭 Send the photo to dream on."),
        "reconstruct": N_("🩻 Send the photo to x-ray."),
    }
)
MODE_PROMPTS_GROUP = Labels(
    {
        "texture": N_("🧵 {name}, reply to this message with the picture to grow a texture from."),
        "dream": N_("💭 {name}, reply to this message with the photo to dream on."),
        "reconstruct": N_("🩻 {name}, reply to this message with the photo to x-ray."),
    }
)
XRAY_LINES = Labels(
    {
        "relu1_1": N_("relu1_1 — every pixel: the first layer keeps the photo almost exactly"),
        "relu2_1": N_("relu2_1 — edges and colours, slightly softened"),
        "relu3_1": N_("relu3_1 — textures and shapes; colours start to wander"),
        "relu4_1": N_("relu4_1 — the parts of things; fine detail is gone"),
        "relu5_1": N_("relu5_1 — what is where, little of how it looked"),
    }
)


def mode_prompt(mode: str, group: bool, user_id: int, name: str | None) -> str:
    if group:
        return MODE_PROMPTS_GROUP()[mode].format(name=mention(user_id, name))
    return MODE_PROMPTS()[mode]


def one_picture_at_a_time(mode: str, n: int) -> str:
    """An album after /texture (…) alone: only its first picture is taken."""
    command = {"reconstruct": "/xray"}.get(mode, f"/{mode}")
    return ngettext(
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        "I take one picture at a time: this one, the first of your {n}. Send the others one by one with {command}.",
        n,
    ).format(n=n, command=command)


def experiment_caption(mode: str, run, seconds: float, smaller: bool, depth: str = "", intensity: str = "") -> str:
    """Under a texture, a dream or an x-ray strip: what was made and how long it took."""
    done = done_in(mode, seconds)
    if mode == "texture":
        parts = [done, f"{run.size} px", _("tileable") if run.tileable else ""]
        caption = " · ".join(filter(None, parts))
    elif mode == "dream":
        depths, intensities = DEPTH_LABELS(), INTENSITY_LABELS()
        caption = " · ".join(filter(None, [done, f"{run.size} px", depths.get(depth, run.layer),
                                           intensities.get(intensity, "")]))  # fmt: skip
    else:
        lines = XRAY_LINES()
        layers = [lines.get(layer, layer) for layer in run.layers]
        caption = "\n".join([_("🩻 What the network sees, from shallow to deep:"), *layers, done])
    return caption + ("\n" + SMALLER_THAN_ASKED() if smaller else "")
