"""The registry of painting modes: name → settings class, presets, and the objective that paints it.

A mode is an objective (what is minimised, engine.objectives) plus its settings dataclass and
presets; the runner (engine.optimize.runner) is shared. Importing this module loads no torch: the
objective is imported by name when a job runs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, fields

from .errors import SettingsError
from .presets import PRESETS
from .settings import StyleSettings


@dataclass(frozen=True)
class Mode:
    name: str
    title: str
    settings: type  #: a frozen dataclass whose fields carry metadata (engine.settings.knob)
    presets: dict[str, dict]
    default_preset: str
    objective: str  #: "module:Class", imported when a job of this mode runs
    inputs: tuple[str, ...]  #: the pictures a job needs, by role

    def make_settings(self, values: dict | None = None, preset: str | None = None):
        """Settings from a preset and plain values (lists become tuples); unknown names are refused."""
        known = {f.name for f in fields(self.settings)}
        unknown = sorted(set(values or {}) - known)
        if unknown:
            raise SettingsError(f"Unknown setting {unknown[0]!r} for {self.title}.")
        if preset is not None and preset not in self.presets:
            raise SettingsError(f"Unknown quality preset {preset!r}: use {', '.join(self.presets)}.")
        base = dict(self.presets[preset]) if preset else {}
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
        default_preset="balanced",
        objective="engine.objectives.nst:StyleObjective",
        inputs=("content", "styles"),
    ),
}


def get(name: str) -> Mode:
    if name not in MODES:
        raise SettingsError(f"Unknown mode {name!r}: use {', '.join(MODES)}.")
    return MODES[name]
