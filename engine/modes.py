"""The registry of painting modes: name → settings class, presets, and the objective that paints it.

A mode is an objective (what is minimised, engine.objectives) plus its settings dataclass and
presets; the runner (engine.optimize.runner) is shared. Importing this module loads no torch: the
objective is imported by name when a job runs.
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
    needs_torch: bool = True  #: False: an engine process without torch (onnxruntime only) paints it
    gpu_presets: dict[str, dict] | None = None  #: the presets on a GPU, where they differ

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
        module, _, name = self.objective.partition(":")
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
    ),
    "instant": Mode(
        name="instant",
        title="instant style transfer",
        settings=InstantSettings,
        presets=INSTANT_PRESETS,
        default_preset="instant",
        objective=None,
        inputs=("content", "styles"),
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
    ),
    "dream": Mode(
        name="dream",
        title="DeepDream",
        settings=DreamSettings,
        presets=DREAM_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.dream:DreamObjective",
        inputs=("content", "guide"),
    ),
    "reconstruct": Mode(
        name="reconstruct",
        title="what the network sees",
        settings=ReconstructSettings,
        presets=RECONSTRUCT_PRESETS,
        default_preset="balanced",
        objective="engine.objectives.reconstruct:ReconstructObjective",
        inputs=("content",),
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


def get(name: str) -> Mode:
    if name not in MODES:
        raise SettingsError(f"Unknown mode {name!r}: use {', '.join(MODES)}.")
    return MODES[name]
