"""The job protocol between the bot and any engine: a versioned :class:`JobSpec` in, typed events out.

Plain data only (no torch, no Telegram), so the same messages cross a process pipe today and a
task queue tomorrow. The bot stores each job's spec in its versioned dict form
(:meth:`JobSpec.to_dict`); :meth:`JobSpec.from_dict` upgrades any older version, so a job queued
by a previous release is still painted after an upgrade. Settings are stored as the values that
differ from the mode's defaults, so renaming or adding a default-valued knob needs no migration;
a renamed knob that a stored spec uses gets an entry in ``_UPGRADES``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

#: Bump when a stored spec's meaning changes, and add an upgrade from the previous version.
SPEC_VERSION = 1


class SpecError(ValueError):
    """A stored spec that no version of this protocol can read."""


@dataclass(frozen=True)
class JobSpec:
    """What to paint: a mode, its input pictures by role, where the result goes, the mode's settings."""

    mode: str  #: a name in engine.modes (today: "style")
    inputs: dict[str, Any]  #: pictures by role, as paths: style → {"content": path, "styles": [path, path]}
    output: str  #: where the result PNG is written
    settings: dict[str, Any] = field(default_factory=dict)  #: the mode's settings that differ from its defaults
    preview_dir: str | None = None  #: intermediate pictures go here when the settings ask for previews
    version: int = SPEC_VERSION

    @classmethod
    def style(cls, content: str, styles: list[str], output: str, settings, preview_dir: str | None = None) -> JobSpec:
        """A style-transfer spec from a StyleSettings (only its non-default values are kept)."""
        return cls("style", {"content": content, "styles": list(styles)}, output, non_defaults(settings), preview_dir)

    def mode_settings(self):
        """The mode's settings dataclass for this job (engine.modes: plain Python, no torch); raises
        SettingsError for a knob the mode does not know."""
        from engine import modes

        return modes.get(self.mode).make_settings(self.settings)

    @property
    def pictures(self) -> list[str]:
        """Every input picture's path (to keep them while the job waits)."""
        found: list[str] = []
        for value in self.inputs.values():
            found.extend(value if isinstance(value, list | tuple) else [value])
        return [p for p in found if p]

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "mode": self.mode,
            "inputs": dict(self.inputs),
            "output": self.output,
            "settings": dict(self.settings),
            "preview_dir": self.preview_dir,
        }

    @classmethod
    def from_dict(cls, data: dict) -> JobSpec:
        """Read a stored spec of any version, upgrading it step by step to the current one."""
        data = dict(data)
        version = data.get("version")
        if not isinstance(version, int) or version < 0 or version > SPEC_VERSION:
            raise SpecError(f"unknown job spec version {version!r}")
        while version < SPEC_VERSION:
            data = _UPGRADES[version](data)
            version = data["version"]
        try:
            return cls(
                mode=str(data["mode"]),
                inputs=dict(data["inputs"]),
                output=str(data["output"]),
                settings=dict(data.get("settings") or {}),
                preview_dir=data.get("preview_dir"),
                version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"malformed job spec: {exc}") from None


def non_defaults(settings) -> dict:
    """A settings dataclass as the plain values that differ from its defaults (tuples as lists)."""
    values = {}
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        if value != f.default:
            values[f.name] = list(value) if isinstance(value, tuple) else value
    return values


def _upgrade_0(data: dict) -> dict:
    from engine.settings import StyleSettings  # torch-free

    defaults = {f.name: f.default for f in dataclasses.fields(StyleSettings)}
    params = data.get("params") or {}
    settings = {}
    for name, value in params.items():
        if name not in defaults:
            continue  # a knob since removed: its default now applies
        plain = list(value) if isinstance(value, tuple) else value
        default = defaults[name]
        if plain != (list(default) if isinstance(default, tuple) else default):
            settings[name] = plain
    return {
        "version": 1,
        "mode": "style",
        "inputs": {"content": data["content"], "styles": list(data["styles"])},
        "output": data["output"],
        "settings": settings,
        "preview_dir": data.get("preview_dir"),
    }


_UPGRADES = {0: _upgrade_0}


# ---------------------------------------------------------------------- events
class EventKind(StrEnum):
    READY = "ready"
    STARTED = "started"
    PROGRESS = "progress"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Ready:
    """The engine is loaded and takes jobs."""

    device: str
    load_seconds: float
    pid: int | None = None
    modes: tuple[str, ...] = ("style",)
    job_id: str = ""
    kind: EventKind = EventKind.READY


@dataclass(frozen=True)
class Started:
    job_id: str
    kind: EventKind = EventKind.STARTED


@dataclass(frozen=True)
class Progress:
    job_id: str
    stage: str  #: prepare | optimize
    step: int
    total_steps: int
    elapsed: float
    eta: float | None = None  #: the engine's own estimate of seconds to go
    preview: str | None = None  #: path of an intermediate picture
    work: float | None = None  #: share of the job's work done, 0…1 (the engine's cost model)
    kind: EventKind = EventKind.PROGRESS

    @property
    def fraction(self) -> float:
        if self.work is not None:
            return self.work
        return self.step / self.total_steps if self.total_steps else 0.0


@dataclass(frozen=True)
class Done:
    job_id: str
    output: str
    size: tuple[int, int]
    elapsed: float
    steps: int
    device: str
    warnings: tuple[str, ...] = ()  #: e.g. painted smaller than asked for lack of memory
    relative_improvement: tuple[float, ...] = ()
    kind: EventKind = EventKind.DONE


@dataclass(frozen=True)
class Failed:
    job_id: str
    code: str  #: a stable code (engine.errors codes, "engine_crashed", "internal", "bad_spec")
    message: str  #: for a person
    kind: EventKind = EventKind.FAILED


@dataclass(frozen=True)
class Cancelled:
    job_id: str
    kind: EventKind = EventKind.CANCELLED


Event = Ready | Started | Progress | Done | Failed | Cancelled
#: The events that end a job.
FINAL = (EventKind.DONE, EventKind.FAILED, EventKind.CANCELLED)
_CLASSES = {c.__dataclass_fields__["kind"].default: c for c in (Ready, Started, Progress, Done, Failed, Cancelled)}


def event_to_dict(event: Event) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(event).items()}


def event_from_dict(data: dict) -> Event:
    """The inverse of :func:`event_to_dict` (for engines across a network)."""
    cls = _CLASSES[EventKind(data["kind"])]
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            value = data[f.name]
            values[f.name] = tuple(value) if isinstance(value, list) else value
    values["kind"] = EventKind(data["kind"])
    return cls(**values)
