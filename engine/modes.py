"""The registry of painting modes: name → settings class, presets, the objective and the function
that paints a job (``Engine.run`` goes through it; there is no list of modes anywhere else).

A mode is its settings dataclass and presets (torch-free, engine.settings and engine.presets: the
bot reads them) plus its own module that paints it (an objective minimised by the shared runner,
engine.objectives, or feed-forward networks, engine.instant). Importing this module loads no
torch: the painting module is imported by name when a job runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields

from .errors import SettingsError
from .presets import DREAM_PRESETS, GPU_PRESETS, INSTANT_PRESETS, PRESETS, RECONSTRUCT_PRESETS, TEXTURE_PRESETS
from .settings import DreamSettings, InstantSettings, ReconstructSettings, StyleSettings, TextureSettings


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    settings: type  #: a frozen dataclass whose fields carry metadata (engine.settings.knob)
    presets: dict[str, dict]
    default_preset: str
    objective: str | None  #: "module:Class" minimised by the shared runner; None for a feed-forward mode
    inputs: tuple[str, ...]  #: the pictures a job needs, by role
    several: tuple[str, ...] = ()  #: the roles that take a list (style pictures)
    #: "module:function" that paints a job: ``run(engine, inputs, settings, callback) -> Result``
    run: str = ""
    needs_torch: bool = True  #: False: an engine process without torch (onnxruntime only) paints it
    gpu_presets: dict[str, dict] | None = None  #: the presets on a GPU, where they differ
    #: what kind of media it makes: modes of one family share workers' queues and slots
    family: str = "picture"

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


MODES: dict[str, Mode] = {
    "style": Mode(
        name="style",
        title="style transfer",
        settings=StyleSettings,
        presets=PRESETS,
        gpu_presets=GPU_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.nst:StyleObjective",
        inputs=("content", "styles"),
        several=("styles",),
        run="engine.objectives.nst:run",
    ),
    "instant": Mode(
        name="instant",
        title="instant style transfer",
        settings=InstantSettings,
        presets=INSTANT_PRESETS,
        default_preset="instant",
        objective=None,
        inputs=("content", "styles"),
        several=("styles",),
        run="engine.instant:run",
        needs_torch=False,
    ),
    "texture": Mode(
        name="texture",
        title="texture synthesis",
        settings=TextureSettings,
        presets=TEXTURE_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.texture:TextureObjective",
        inputs=("source",),
        run="engine.objectives.texture:run",
    ),
    "dream": Mode(
        name="dream",
        title="DeepDream",
        settings=DreamSettings,
        presets=DREAM_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.dream:DreamObjective",
        inputs=("content", "guide"),
        run="engine.objectives.dream:run",
    ),
    "reconstruct": Mode(
        name="reconstruct",
        title="what the network sees",
        settings=ReconstructSettings,
        presets=RECONSTRUCT_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.reconstruct:ReconstructObjective",
        inputs=("content",),
        run="engine.objectives.reconstruct:run",
    ),
}
#: The modes an engine with VGG19 paints (all but the feed-forward one).
VGG_MODES = tuple(name for name, mode in MODES.items() if mode.needs_torch)


def for_preset(name: str) -> Mode:
    """The picture-painting mode a quality preset belongs to (``--preset instant`` is the instant mode)."""
    for mode in (MODES["instant"], MODES["style"]):
        if name in mode.presets:
            return mode
    known = ", ".join([*MODES["instant"].presets, *MODES["style"].presets])
    raise SettingsError(f"Unknown quality preset {name!r}: use {known}.")


def family_of(name: str) -> str:
    """A mode's family; an unknown mode counts as a picture (it fails with a message when it runs)."""
    return MODES[name].family if name in MODES else "picture"


def get(name: str) -> Mode:
    if name not in MODES:
        raise SettingsError(f"Unknown mode {name!r}: use {', '.join(MODES)}.")
    return MODES[name]
