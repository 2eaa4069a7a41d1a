"""What the bot says of moving pictures a person sends: a clip taken, one it cannot use, its limits
(the video mode's own words while it paints and under its result are in bot.modes.video)."""

from __future__ import annotations

from ..i18n import N_, Labels, Text, duration, ngettext
from ..i18n import gettext as _
from . import mix_label

CLIP_SAVED = Text(N_("🎞 Got your clip. Now send one or two style pictures (a painting, a texture…)."))
CLIP_REPLACED = Text(N_("🎞 New clip saved — your styles are kept. Tap ▶ Stylize."))
NO_VIDEOS_HERE = Text(N_("Sorry — this bot paints photos only; it cannot paint videos on this machine."))
NOT_A_STYLE = Text(N_("A style must be a picture, not a video. Send a painting, a texture or a photo as the style."))
CLIP_PROBLEMS = Labels(
    {
        "not_video": N_(
            "I can't read a video in that file: it is damaged, cut short or not a video. Send it again, or as an MP4."
        ),
        "not_found": N_("That video is gone from Telegram's servers. Send it again."),
    }
)


def clip_problem(code: str) -> str:
    """What is wrong with a clip someone sent, from the engine's error code."""
    problems = CLIP_PROBLEMS()
    return problems.get(code, problems["not_video"])


def clip_ready(n_styles: int, gamma: float) -> str:
    """The draft card of a clip with its styles."""
    if n_styles == 2:
        return _("🎞 Clip and 2 styles ready, mix {mix}. Tap ▶ Stylize.").format(mix=mix_label(gamma))
    return _("🎞 Clip and 1 style ready. Tap ▶ Stylize.")


def video_limit(used: float, limit: int, wanted: float, left_seconds: float) -> str:
    """The daily seconds of video are spent (or this clip needs more than is left)."""
    left = max(0, int(limit - used))
    return ngettext(
        "This clip needs {wanted} s, and you have {left} s of video left today (of {limit}). "
        "Send a shorter one, or wait until midnight UTC (in {reset}).",
        "This clip needs {wanted} s, and you have {left} s of video left today (of {limit}). "
        "Send a shorter one, or wait until midnight UTC (in {reset}).",
        left,
    ).format(wanted=round(wanted), left=left, limit=limit, reset=duration(left_seconds))
