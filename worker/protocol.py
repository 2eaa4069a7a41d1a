r"""The job protocol between the bot and any engine: a versioned :class:`JobSpec` in, typed events out.

Plain data only (no torch, no Telegram), so the same messages cross a process pipe today and a
task queue tomorrow. The bot stores each job's spec in its versioned dict form
(:meth:`JobSpec.to_dict`); :meth:`JobSpec.from_dict` upgrades any older version, so a job queued
by a previous release is still painted after an upgrade. Settings are stored as the values that
differ from the mode's defaults, so renaming or adding a default-valued knob needs no migration;
a renamed knob that a stored spec uses gets an entry in ``_UPGRADES``.

Media are data: a job's inputs are :class:`Input`\ s by role, each with its media kind (a picture
today; a video, a mask …), its output says what it makes, and ``Done`` carries the
:class:`Artifact`\ s made — so a job that takes a video and gives back a video note is the same
shape as a painting.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.imaging import Given
from engine.modes import DEFAULT

#: Bump when a stored spec's meaning changes, and add an upgrade from the previous version.
SPEC_VERSION = 2


class SpecError(ValueError):
    """A stored spec that no version of this protocol can read."""


class Media(StrEnum):
    """What a file is, for the engine that reads it and the notifier that sends it."""

    PICTURE = "picture"
    VIDEO = "video"
    ANIMATION = "animation"  #: a GIF (Telegram sends it as a silent MP4)
    VIDEO_NOTE = "video_note"  #: a round video message
    STICKER = "sticker"  #: a WebP sticker
    VIDEO_STICKER = "video_sticker"  #: a WebM sticker (a painted clip's)
    MASK = "mask"  #: which pixels are which (e.g. a person), a picture of its own
    DOCUMENT = "document"  #: a picture sent as a file, as it is (a print: PNG, or JPEG past 50 MB)


#: The media kinds that are clips (moving pictures, in and out as MP4).
CLIPS = frozenset({Media.VIDEO, Media.ANIMATION, Media.VIDEO_NOTE})
#: How a result of each kind is written (a clip: an MP4).
SUFFIXES = {
    Media.PICTURE: ".png",
    Media.STICKER: ".webp",
    Media.VIDEO_STICKER: ".webm",
    Media.MASK: ".png",
    Media.DOCUMENT: ".png",
}


def suffix_for(media: Media | str) -> str:
    """The ending of a result file of this media kind."""
    return SUFFIXES.get(Media(media), ".mp4")


@dataclass(frozen=True)
class Input:
    """One input file of a job, in one role."""

    path: str
    media: Media = Media.PICTURE


@dataclass(frozen=True)
class Output:
    """What a job makes and where: a PNG (a .jpg for a light one, e.g. a sketch), later a video."""

    path: str
    media: Media = Media.PICTURE


@dataclass(frozen=True)
class Artifact:
    """A file a finished job made."""

    path: str
    media: Media
    size: tuple[int, int]  #: width, height in pixels


def _inputs(inputs: dict) -> dict[str, tuple[Input, ...]]:
    """Inputs by role as Input tuples, from paths, lists of paths, Inputs or their dicts."""

    def one(value) -> Input:
        if isinstance(value, Input):
            return value
        if isinstance(value, dict):
            return Input(str(value["path"]), Media(value.get("media", Media.PICTURE)))
        return Input(str(value))

    found = {}
    for role, value in inputs.items():
        values = value if isinstance(value, list | tuple) else [value]
        found[str(role)] = tuple(one(v) for v in values if v)
    return found


@dataclass(frozen=True)
class JobSpec:
    """What to paint: a mode, its inputs by role, what it makes and where, the mode's settings.
    ``inputs`` and ``output`` also take plain paths (pictures): ``JobSpec("style", {"content": p,
    "styles": [s]}, "out.png", …)``."""

    mode: str  #: a name in engine.modes
    inputs: dict[str, tuple[Input, ...]]  #: by role: style → {"content": (Input,), "styles": (Input, Input)}
    output: Output  #: what it makes: a picture (PNG) today
    settings: dict[str, Any] = field(default_factory=dict)  #: the mode's settings that differ from its defaults
    preview_dir: str | None = None  #: intermediate pictures go here when the settings ask for previews
    version: int = SPEC_VERSION

    def __post_init__(self):
        object.__setattr__(self, "inputs", _inputs(self.inputs))
        if not isinstance(self.output, Output):
            output = self.output
            made = Output(str(output["path"]), Media(output["media"])) if isinstance(output, dict) else Output(output)
            object.__setattr__(self, "output", made)

    def paths(self, role: str) -> list[str]:
        return [i.path for i in self.inputs.get(role, ())]

    def engine_inputs(self) -> dict[str, Any]:
        """The inputs as the engine's modes read them: a path per role with its media kind
        (engine.imaging.Given), a list for a role that takes several (a mode's ``several``: styles)."""
        from engine import modes

        several = modes.get(self.mode).several if self.mode in modes.MODES else ()
        given = {role: [Given(i.path, i.media) for i in found] for role, found in self.inputs.items()}
        return {role: found if role in several else next(iter(found), None) for role, found in given.items()}

    def replace(self, **changes) -> JobSpec:
        return dataclasses.replace(self, **changes)

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
        """Every input file's path (to keep them while the job waits)."""
        return [i.path for found in self.inputs.values() for i in found]

    def to_dict(self) -> dict:
        return {
            "version": self.version,
            "mode": self.mode,
            "inputs": {
                role: [{"path": i.path, "media": str(i.media)} for i in found] for role, found in self.inputs.items()
            },
            "output": {"path": self.output.path, "media": str(self.output.media)},
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
            try:
                data = _UPGRADES[version](data)
            except (KeyError, TypeError, ValueError) as exc:
                raise SpecError(f"malformed version {version} job spec: {exc}") from None
            version = data["version"]
        try:
            return cls(
                mode=str(data["mode"]),
                inputs=dict(data["inputs"]),
                output=data["output"],
                settings=dict(data.get("settings") or {}),
                preview_dir=data.get("preview_dir"),
                version=version,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SpecError(f"malformed job spec: {exc}") from None


def beside(output: str, made: str) -> str:
    """Where another file a job made is kept: beside its output, ``job_7.png`` → ``job_7.timelapse.mp4``."""
    from pathlib import Path

    place = Path(output)
    return str(place.with_name(f"{place.stem}.{Path(made).name}"))


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


def _upgrade_1(data: dict) -> dict:
    """Version 1 held pictures as bare paths (a role's path, or a list of them) and one output path."""

    def files(value) -> list[dict]:
        values = value if isinstance(value, list | tuple) else [value]
        return [{"path": str(v), "media": "picture"} for v in values if v]

    return {
        **data,
        "version": 2,
        "inputs": {role: files(value) for role, value in dict(data["inputs"]).items()},
        "output": {"path": str(data["output"]), "media": "picture"},
    }


_UPGRADES = {0: _upgrade_0, 1: _upgrade_1}


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
    modes: tuple[str, ...] = (DEFAULT,)
    job_id: str = ""
    kind: EventKind = EventKind.READY
    #: a VGG engine's measured seconds per work unit (Engine.calibrate); None where it paints none
    seconds_per_unit: float | None = None


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
    artifacts: tuple[Artifact, ...]  #: what it made, the result first
    elapsed: float
    steps: int
    device: str
    warnings: tuple[str, ...] = ()  #: codes (engine.results): e.g. painted smaller for lack of memory
    relative_improvement: tuple[float, ...] = ()
    kind: EventKind = EventKind.DONE

    @property
    def result(self) -> Artifact:
        return self.artifacts[0]

    @property
    def output(self) -> str:
        return self.result.path

    @property
    def size(self) -> tuple[int, int]:
        return self.result.size


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
    def plain(value):
        return [plain(v) for v in value] if isinstance(value, list | tuple) else value

    return {k: plain(v) for k, v in dataclasses.asdict(event).items()}


def event_from_dict(data: dict) -> Event:
    """The inverse of :func:`event_to_dict` (for engines across a network)."""
    cls = _CLASSES[EventKind(data["kind"])]
    values = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            value = data[f.name]
            if f.name == "artifacts":
                value = [Artifact(a["path"], Media(a["media"]), tuple(a["size"])) for a in value]
            values[f.name] = tuple(value) if isinstance(value, list) else value
    values["kind"] = EventKind(data["kind"])
    return cls(**values)
