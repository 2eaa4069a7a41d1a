"""Moving pictures: a video, a GIF (an animation) or a round video note as the draft's content, its
styles and ▶ as for a photo; painted frame by frame with the instant networks and kept steady
(engine.modes.video), and sent back as the kind it came as — a video with its sound, an animation,
a video note. Its own lane, so a long clip never holds up anyone's pictures."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from engine.modes.video import VideoSettings
from engine.presets import on_gpu
from engine.results import CUT
from engine.settings import instant_strength
from worker.protocol import Done, JobSpec, Media, Progress, non_defaults

from .. import texts
from ..domain.policy import Policy
from ..domain.quality import STRENGTHS
from ..i18n import N_, Text, duration, ngettext
from ..i18n import gettext as _
from ..telegram.callbacks import Action, data
from ..texts import regions as region_texts
from .base import BotMode, Order, done_in, png_button
from .sticker import sticker_button

#: quality → (longest side, longest stretch painted in seconds) on a CPU: about 4 frames a second
#: at 640 px on two cores, so a balanced half minute takes a few minutes. A GPU host paints a
#: minute at any quality.
CPU_CLIPS: dict[str, tuple[int, float]] = {
    "instant": (384, 60.0),
    "fast": (384, 60.0),
    "balanced": (640, 30.0),
    "best": (1024, 15.0),
}
GPU_CLIPS: dict[str, tuple[int, float]] = {q: (side, 60.0) for q, (side, _s) in CPU_CLIPS.items()}
#: Telegram's round video messages: square, at most 640 px and a minute.
NOTE_SIDE, NOTE_SECONDS = 640, 60.0
#: A frame rate a clip is painted at, at most (a 60-fps phone video is painted at 30).
MAX_FPS = 30.0

PAINTING_FRAMES = Text(N_("🎞 Painting your clip…"))
GROUP_RESULT = Text(N_("{name}, here is your painted clip."))
BUTTON_FILE = Text(N_("📄 MP4 file"))


def time_left(text: str, left: float | None) -> str:
    """A card's line, and how long is left when that is known."""
    return text + (" · " + _("about {time} left").format(time=duration(left)) if left else "")


def painting_frames(frame: int, frames: int, left: float | None) -> str:
    """The card while a clip is painted: which frame, and how long is left."""
    text = ngettext("🎞 Painting frame {frame} of {frames}", "🎞 Painting frame {frame} of {frames}", frames).format(
        frame=frame, frames=frames
    )
    return time_left(text, left)


def limits(policy: Policy, media: Media | str) -> tuple[int, float]:
    """(longest side, longest stretch in seconds) a clip is painted at here under ``policy``."""
    table = GPU_CLIPS if on_gpu(policy.host.device) else CPU_CLIPS
    side, seconds = table.get(policy.quality, table["balanced"])
    side = min(side, policy.size_cap)
    seconds = min(seconds, float(policy.max_video_seconds))
    if media == Media.VIDEO_NOTE:
        side, seconds = min(side, NOTE_SIDE), min(seconds, NOTE_SECONDS)
    return side, seconds


def painted_seconds(clip: dict, cap: float) -> float:
    """How much of a clip is painted under a cap of ``cap`` seconds (its length if it is shorter)."""
    length = float(clip.get("seconds") or 0.0)
    return min(cap, length) if length > 0 else cap


def cut_note(seconds: float) -> str:
    """Only a clip's start is painted here (the quality's and the chat's limit)."""
    return _("✂ Only its first {seconds} s are painted here.").format(seconds=round(seconds))


class VideoMode(BotMode):
    name = "video"
    icon = "🎞"
    media = Media.VIDEO
    WORKING = PAINTING_FRAMES
    GROUP_RESULT = GROUP_RESULT

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        """A clip's settings: the quality's size and seconds for this host and chat, the draft's mix,
        strength and colours; the ``given`` clip's own rate when it is slower than :data:`MAX_FPS`
        (so the time estimate counts its real frames)."""
        clip = given or {}
        side, cap = limits(policy, clip.get("media", Media.VIDEO))
        strength = instant_strength(STRENGTHS.get(policy.strength, STRENGTHS["normal"]))
        fps = float(clip.get("fps") or MAX_FPS)
        settings = VideoSettings(
            size=max(64, 2 * (side // 2)),
            gamma=gamma,
            strength=strength,
            keep_colors=policy.keep_colors,
            brush=policy.brush,
            max_seconds=max(1.0, painted_seconds(clip, cap)),
            max_fps=min(MAX_FPS, max(1.0, fps)),
            region=policy.region,
        )
        return non_defaults(settings)

    def order(self, policy: Policy, inputs: dict, request_id: int | None, gamma: float = 0.5, given=None) -> Order:
        """A clip's job (``given``: the draft's clip), sent back as the kind it came as."""
        clip = given or {}
        output = Media(clip.get("media", Media.VIDEO))
        return Order(self.name, inputs, self.settings(policy, gamma, clip), request_id, output)

    proper = "paintclip"  # 🎨 on a GPU host: the clip painted by the optimisation

    def progress(self, event: Progress, left: float | None, sketch: bool) -> str:
        if event.total_steps > 1:
            return painting_frames(event.step, event.total_steps, left)
        return super().progress(event, left, sketch)

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        """🎞 time · size · frames and seconds · the mix; a word when only its start was painted."""
        run = spec.mode_settings()
        seconds = done.steps / run.max_fps if run.max_fps else 0.0
        frames = ngettext("{n} frame", "{n} frames", done.steps).format(n=done.steps)
        parts = [done_in(self, done.elapsed), f"{done.size[0]}×{done.size[1]} px", f"{frames} · {seconds:.1f} s"]
        if n_styles == 2:
            parts.append(_("mix {mix}").format(mix=texts.mix_label(run.gamma)))
        if getattr(run, "brush", "normal") != "normal":
            parts.append(texts.BRUSH_NOTES().get(run.brush, run.brush))
        if run.keep_colors:
            parts.append(_("your colours"))
        notes = region_texts.notes(done.warnings, {CUT: cut_note(run.max_seconds)})
        return "\n".join([" · ".join(parts) + region_texts.tag(getattr(run, "region", "whole")), *notes])

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        """🔁 again (⚙), 📄 the MP4 file; on a GPU host, 🎨 the clip painted by the optimisation."""
        again = InlineKeyboardButton(texts.BUTTON_AGAIN(), callback_data=data(Action.AGAIN))
        rows = [[again, png_button(job_id, BUTTON_FILE()), sticker_button(job_id)]]
        if gpu and spec.mode == "video":
            rows.insert(0, [InlineKeyboardButton(texts.BUTTON_PROPER(), callback_data=data(Action.PROPER, job_id))])
        return InlineKeyboardMarkup(rows)


MODE = VideoMode()
