"""The instant quality: the same draft painted in one pass of a feed-forward network (about a
second, engine.instant), with 🎨 *Paint it properly* under it."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from engine.settings import painting_strength
from worker.protocol import Done, JobSpec, non_defaults

from ..domain.policy import QUICKEST, Host, Policy
from ..domain.quality import INSTANT
from .base import BotMode
from .style import caption, keyboard, plan, region_chosen, region_variant


class InstantMode(BotMode):
    name = INSTANT
    icon = "⚡"
    quiet = True
    swaps = True
    proper = "style"  # 🎨: the same pictures and mix, painted by the optimisation

    def elsewhere(self, spec: JobSpec, host: Host) -> JobSpec | None:
        return as_painting(spec, host)

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        return non_defaults(plan(policy.replace(quality=INSTANT), gamma))

    def caption(self, spec: JobSpec, done: Done, n_styles: int) -> str:
        return caption(spec, done, n_styles, self)

    def keyboard(self, job_id: int, spec: JobSpec, n_styles: int, *, gpu: bool = False) -> InlineKeyboardMarkup:
        return keyboard(job_id, n_styles == 2, instant=True, region=spec.settings.get("region", "whole"))

    def variant(self, settings: dict, choice: str, n_styles: int = 1) -> dict | None:
        return region_variant(settings, choice, n_styles)

    def chosen_already(self, settings: dict, choice: str) -> bool:
        return region_chosen(settings, choice)


def as_painting(spec: JobSpec, host: Host) -> JobSpec:
    """An instant job as the quickest painting, for a host whose instant networks are gone (a job
    queued before they went): decided when the job is queued here, not when it runs."""
    s = spec.mode_settings()
    size = min(host.presets.get(QUICKEST, (None,))[0] or s.size, s.size)
    policy = Policy(
        quality=QUICKEST,
        size=size,
        keep_colors=s.keep_colors,
        brush=s.brush,
        faces=s.faces,
        region=s.region,
        max_size=s.size,
        host=host,
    )
    settings = plan(policy, s.gamma).replace(strength=painting_strength(s.strength))
    return JobSpec("style", dict(spec.inputs), spec.output, non_defaults(settings), spec.preview_dir)


MODE = InstantMode()
