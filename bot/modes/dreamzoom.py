"""🎞 under a dream: the dream zooming on into itself for a few seconds (engine.modes.dreamzoom) —
the same photo, depth and intensity — sent as an animation. No command of its own."""

from __future__ import annotations

import random

from telegram import InlineKeyboardMarkup

from engine import modes as engine_modes
from worker.protocol import Done, JobSpec, Media, Progress, non_defaults

from ..domain.policy import Policy
from ..i18n import N_, Text, ngettext
from .base import BotMode, done_in, png_button
from .video import BUTTON_FILE, time_left

BUTTON_ZOOM = Text(N_("🎞 Zoom into it"))


class DreamZoomMode(BotMode):
    name = "dreamzoom"
    icon = "🎞"
    media = Media.ANIMATION
    WORKING = Text(N_("🎞 Dreaming on and on…"))
    GROUP_RESULT = Text(N_("{name}, here is your dream, zooming on."))

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        """The quality's zoom for this host, at most the chat's size, with the dream's depth and intensity."""
        preset = policy.quality if policy.quality in engine_modes.get(self.name).presets else "fast"
        settings = engine_modes.get(self.name).make_settings(preset=preset)
        dreamt = engine_modes.get("dream").make_settings(given or {})  # the dream it goes on from
        settings = settings.replace(
            size=max(64, 2 * (min(settings.size, policy.size_cap) // 2)),
            layer=dreamt.layer,
            strength=dreamt.strength,
            seed=random.randrange(2**31),
        )
        return non_defaults(settings.validate())

    def progress(self, event: Progress, left: float | None, sketch: bool) -> str:
        text = ngettext(
            "🎞 Dreaming frame {frame} of {frames}", "🎞 Dreaming frame {frame} of {frames}", event.total_steps
        ).format(frame=event.step, frames=event.total_steps)
        return time_left(text, left)

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        run = spec.mode_settings()
        frames = ngettext("{n} frame", "{n} frames", done.steps).format(n=done.steps)
        return " · ".join(
            [
                done_in(self, done.elapsed),
                f"{done.size[0]}×{done.size[1]} px",
                f"{frames} · {done.steps / run.fps:.1f} s",
            ]
        )

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[png_button(job_id, BUTTON_FILE())]])


MODE = DreamZoomMode()
