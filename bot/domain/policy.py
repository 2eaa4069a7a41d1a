"""One policy per picture: a chat's settings, the person's ⚙ picks and what this host can do,
resolved once (at ▶, at a command, at a button) into a frozen :class:`Policy` that a mode turns into
its engine settings. Where the host cannot do what was asked (no instant networks here) the
policy says what is done instead, then and there; nothing plans again later."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from .quality import DEFAULT_OPTIONS, DEFAULT_PRESETS, INSTANT, qualities

#: What a person picks in ⚙ (bot.domain.drafts keeps them in the draft's options).
PICKS = ("quality", "size", "strength", "brush", "keep_colors", "faces", "steps", "region")
#: The quickest painting, for a host without the instant networks.
QUICKEST = "fast"


@dataclass(frozen=True)
class Host:
    """What this host paints with: its device, whether the instant networks run, the operator's presets."""

    device: str = "cpu"
    instant: bool = True
    presets: Mapping[str, tuple[int | None, int | None]] = field(default_factory=lambda: dict(DEFAULT_PRESETS))
    print_size: int | None = None  #: the operator's print size (None: the device's, bot.modes.style)

    @property
    def qualities(self) -> tuple[str, ...]:
        """The qualities ⚙ offers here."""
        return qualities(self.presets, self.instant)


@dataclass(frozen=True)
class Policy:
    quality: str = DEFAULT_OPTIONS["quality"]
    strength: str = DEFAULT_OPTIONS["strength"]
    brush: str = DEFAULT_OPTIONS["brush"]  #: fine, normal or bold strokes (engine.settings.BRUSHES)
    keep_colors: bool = False
    faces: bool = True  #: faces painted gently, so they stay recognisable (engine.faces)
    region: str = "whole"  #: where the style goes (engine.settings.REGIONS); a ⚙ pick only, no chat setting
    size: int | None = None  #: a size chosen in ⚙ or by /set (None: the quality's own)
    steps: int | None = None  #: steps chosen by /set (None: the quality's own)
    max_size: int = 2048
    jobs_per_user_per_day: int = 0
    queue_per_user: int = 0
    max_video_seconds: int = 60
    video_seconds_per_day: int = 300
    group_enabled: bool = True
    host: Host = field(default_factory=Host)

    @classmethod
    def resolve(cls, values: Mapping[str, object], picks: Mapping[str, object], host: Host) -> Policy:
        """``values``: the chat's settings in effect (bot.domain.chat_settings, with the host's own
        defaults); ``picks``: the person's ⚙ choices over them; ``host``: what can be done here."""
        chosen = {name: values.get(name) for name in PICKS}
        chosen.update({k: v for k, v in picks.items() if k in PICKS and v is not None})
        quality = str(chosen["quality"])
        if quality == INSTANT and not host.instant:
            quality = QUICKEST  # no instant networks on this host: the quickest painting instead
        elif quality not in host.qualities:
            quality = DEFAULT_OPTIONS["quality"]
        return cls(
            quality=quality,
            strength=str(chosen["strength"]),
            brush=str(chosen["brush"] or DEFAULT_OPTIONS["brush"]),
            keep_colors=bool(chosen["keep_colors"]),
            faces=True if chosen["faces"] is None else bool(chosen["faces"]),
            region=str(chosen["region"] or "whole"),
            size=int(chosen["size"]) if chosen["size"] else None,
            steps=int(chosen["steps"]) if chosen["steps"] else None,
            max_size=int(values["max_size"]),
            jobs_per_user_per_day=int(values["jobs_per_user_per_day"]),
            queue_per_user=int(values["queue_per_user"]),
            max_video_seconds=int(values["max_video_seconds"]),
            video_seconds_per_day=int(values["video_seconds_per_day"]),
            group_enabled=bool(values["group_enabled"]),
            host=host,
        )

    @property
    def limits(self) -> dict[str, int]:
        return {
            "max_size": self.max_size,
            "jobs_per_user_per_day": self.jobs_per_user_per_day,
            "queue_per_user": self.queue_per_user,
            "video_seconds_per_day": self.video_seconds_per_day,
        }

    @property
    def size_cap(self) -> int:
        """The longest side any picture may have here: the chat's limit, and the operator's size for
        this quality (a slow host's presets shrink every mode's pictures alike)."""
        presets = self.host.presets
        operators = presets[self.quality][0] if self.quality in presets else presets.get(QUICKEST, (None,))[0]
        return min(self.max_size, operators or 10**6)

    def for_styles(self, n_styles: int) -> Policy:
        """The policy for a draft with ``n_styles`` styles: a style each for the person and the rest
        needs two (a pick made with two stays for later drafts that have them)."""
        return self.replace(region="whole") if self.region == "split" and n_styles != 2 else self

    def replace(self, **changes) -> Policy:
        return dataclasses.replace(self, **changes)
