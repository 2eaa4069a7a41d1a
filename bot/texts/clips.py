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
CLIP_ALONE = Text(N_("Send a clip on its own, not in an album: then send the style pictures."))
CLIP_PROBLEMS = Labels(
    {
        "not_video": N_(
            "I can't read a video in that file: it is damaged, cut short or not a video. Send it again, or as an MP4."
        ),
        "not_found": N_("That video is gone from Telegram's servers. Send it again."),
        "too_small": N_("That clip is only {width}×{height} pixels; send a clip at least {least} pixels on each side."),
        "too_thin": N_(
            "That clip is {width}×{height} pixels — too long and thin to paint (at most {ratio}:1). "
            "Crop it a little and send it again."
        ),
        "too_many_pixels": N_("That clip's frames are too large: at most {megapixels} megapixels each are accepted."),
    }
)


def clip_problem(code: str, params: dict | None = None) -> str:
    """What is wrong with a clip someone sent, from the engine's error code and details."""
    if code == "too_big":
        return too_big_download((params or {}).get("megabytes"))
    problems = CLIP_PROBLEMS()
    try:
        return problems.get(code, problems["not_video"]).format(**(params or {}))
    except (KeyError, IndexError, ValueError):  # details missing: the plain answer
        return problems["not_video"]


def too_big_download(megabytes: float | None) -> str:
    """A clip over what bots may download (the picture's answer says to send a photo instead)."""
    if megabytes is None:
        return _(
            "That clip is over 20 MB; bots can only download files up to 20 MB. "
            "Send a shorter one, or one at a lower quality."
        )
    return _(
        "That clip is {size} MB; bots can only download files up to 20 MB. "
        "Send a shorter one, or one at a lower quality."
    ).format(size=round(megabytes))


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
