"""What an engine mode is: a name in the registry (engine.modes) with its settings dataclass,
presets, input roles, family, and the function that paints a job (``run``), most of them by
minimising an objective (engine.objectives) on the shared runner. Plain data, no torch."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields

from ..errors import SettingsError

#: The bundled networks (engine.weights, engine.instant, engine.mask).
VGG19, INSTANT_NETS, MASK = "vgg19", "instant", "mask"
NETWORKS = frozenset({VGG19, INSTANT_NETS, MASK})
#: The mode families: a family's jobs share workers' queues and slots (pictures; clips and animations).
PICTURE_FAMILY, VIDEO_FAMILY = "picture", "video"
#: What a job counts against (``Mode.counts``).
PAINTINGS, CLIP_SECONDS, NOTHING = "paintings", "clip seconds", "nothing"


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    settings: type  #: a frozen dataclass whose fields carry metadata (engine.knobs.knob)
    presets: dict[str, dict]
    default_preset: str
    objective: str | None  #: "module:Class" minimised by the shared runner; None for a feed-forward mode
    inputs: tuple[str, ...]  #: the pictures a job needs, by role
    several: tuple[str, ...] = ()  #: the roles that take a list (style pictures)
    #: "module:function" that paints a job: ``run(engine, inputs, settings, callback) -> Result``
    run: str = ""
    gpu_presets: dict[str, dict] | None = None  #: the presets on a GPU, where they differ
    #: what kind of media it makes: modes of one family share workers' queues and slots
    family: str = PICTURE_FAMILY
    #: the bundled networks an engine process must have to paint it (VGG19, the instant networks, the mask)
    networks: frozenset[str] = frozenset({VGG19})
    #: a second's work (one pass of a network): the light process beside the bot paints it, never
    #: queued behind paintings
    quick: bool = False
    #: what a job of it counts against in a person's day: PAINTINGS, CLIP_SECONDS or NOTHING
    counts: str = PAINTINGS
    #: it always works on the photo's subject (the kept mask is handed in where there is one)
    subject: bool = False

    @property
    def needs_torch(self) -> bool:
        """Whether only an engine process with torch (VGG19) paints it; the others run on onnxruntime."""
        return VGG19 in self.networks

    def make_settings(self, values: dict | None = None, preset: str | None = None, gpu: bool = False):
        """Settings from a preset (for a GPU with ``gpu``) and plain values (lists become tuples);
        unknown names are refused."""
        known = {f.name for f in fields(self.settings)}
        unknown = sorted(set(values or {}) - known)
        if unknown:
            raise SettingsError(f"Unknown setting {unknown[0]!r} for {self.title}.")
        if preset is not None and preset not in self.presets:
            raise SettingsError(f"Unknown quality preset {preset!r}: use {', '.join(self.presets)}.")
        presets = self.gpu_presets if gpu and self.gpu_presets else self.presets
        base = dict(presets[preset]) if preset else {}
        base.update({k: tuple(v) if isinstance(v, list) else v for k, v in (values or {}).items()})
        return self.settings(**base)

    def objective_class(self):
        return _named(self.objective)

    def runner(self):
        """The function that paints this mode's jobs (imported now: it may load torch)."""
        return _named(self.run)


def _named(reference: str):
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
