"""🎨 under a clip on a GPU host: the same clip painted by the optimisation (engine.modes.paintclip:
Gatys frame by frame, each from the previous one carried along the motion) — finer than the
instant networks' frames, and seconds a frame where there is no GPU, so it is offered only where
there is one. Sent back as the kind the clip came as."""

from __future__ import annotations

from engine import modes as engine_modes
from engine.presets import on_gpu
from worker.protocol import JobSpec, Progress, non_defaults

from ..domain.policy import Policy
from ..domain.quality import STRENGTHS
from ..i18n import N_, Text, ngettext
from .base import Order
from .video import MAX_FPS, NOTE_SIDE, VideoMode, painted_seconds, time_left

#: The longest stretch of a clip painted so, at most (a GPU paints a few frames a second).
MOST_SECONDS = 10.0


class PaintClipMode(VideoMode):
    name = "paintclip"
    icon = "🎨"
    WORKING = Text(N_("🎨 Painting your clip properly…"))

    proper = None

    def offered(self, device: str) -> bool:
        """Whether this host paints clips so (a GPU)."""
        return on_gpu(device)

    def order_again(self, earlier: JobSpec, policy: Policy, request_id: int | None) -> Order:
        """The earlier clip job's clip, its painted seconds and rate and its mix; sent back as it came."""
        run, clip = earlier.mode_settings(), earlier.inputs["content"][0]
        facts = {"media": str(clip.media), "seconds": run.max_seconds, "fps": run.max_fps}
        inputs = {"content": {"path": clip.path, "media": str(clip.media)}, "styles": earlier.paths("styles")}
        return Order(self.name, inputs, self.settings(policy, run.gamma, facts), request_id, earlier.output.media)

    def settings(self, policy: Policy, gamma: float = 0.5, given: dict | None = None) -> dict:
        """The quality's preset of the mode, within the chat's size and seconds; the ``given`` clip's own rate."""
        clip = given or {}
        presets = engine_modes.get(self.name).presets
        settings = engine_modes.get(self.name).make_settings(
            preset=policy.quality if policy.quality in presets else "fast"
        )
        side = min(settings.size, policy.size_cap, NOTE_SIDE if clip.get("media") == "video_note" else 10**6)
        seconds = painted_seconds(clip, min(MOST_SECONDS, float(policy.max_video_seconds)))
        fps = min(MAX_FPS, float(clip.get("fps") or 24))
        settings = settings.replace(
            size=max(64, 2 * (side // 2)),
            gamma=gamma,
            keep_colors=policy.keep_colors,
            brush=policy.brush,
            strength=STRENGTHS.get(policy.strength, STRENGTHS["normal"]),
            max_seconds=max(0.5, seconds),
            max_fps=fps,
        )
        return non_defaults(settings.validate())

    def progress(self, event: Progress, left: float | None, sketch: bool) -> str:
        text = ngettext(
            "🎨 Painting frame {frame} of {frames}", "🎨 Painting frame {frame} of {frames}", event.total_steps
        ).format(frame=event.step, frames=event.total_steps)
        return time_left(text, left)


MODE = PaintClipMode()
