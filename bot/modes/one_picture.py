"""What the modes started by their command on one picture share (/texture, /dream, /xray): their
settings from a chat's policy — the quality's preset of the mode (instant: its quickest), capped
at the chat's size limit, a fresh seed, a few previews — and a caption that says what was made."""

from __future__ import annotations

import random

from engine import modes as engine_modes
from engine.results import SMALLER
from worker.protocol import Done, JobSpec, non_defaults

from .. import texts
from ..domain.policy import QUICKEST, Policy
from ..limits import PREVIEWS_PER_JOB
from .base import BotMode, done_in


class OnePictureMode(BotMode):
    def preset_for(self, quality: str) -> str:
        """The mode's preset for a chat's quality (instant pictures: the quickest one)."""
        return quality if quality in engine_modes.get(self.name).presets else QUICKEST

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        settings = engine_modes.get(self.name).make_settings(preset=self.preset_for(policy.quality))
        changes = self.always()
        cap = policy.size_cap
        if cap < settings.size:
            changes["size"] = cap
            if getattr(settings, "start_size", None) and settings.start_size >= cap:
                changes["start_size"] = max(16, cap // 2)  # still coarse to fine: a texture needs it
        if hasattr(settings, "seed"):
            changes["seed"] = random.randrange(2**31)
        settings = settings.replace(**changes)
        settings = settings.replace(preview_every=max(1, settings.total_steps // PREVIEWS_PER_JOB))
        return non_defaults(settings.validate())

    def always(self) -> dict:
        """Settings every job of this mode has, whatever the quality."""
        return {}

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        lines = self.describe(spec.mode_settings(), spec.settings, done_in(self, done.elapsed))
        return lines + ("\n" + texts.SMALLER_THAN_ASKED() if SMALLER in done.warnings else "")

    def describe(self, run, settings: dict, done: str) -> str:
        """What was made, with ``done`` (the icon and the time) in it."""
        return " · ".join([done, f"{run.size} px"])
