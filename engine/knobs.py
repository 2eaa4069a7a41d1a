"""How a mode's settings are written: a field per knob whose metadata (help, range, choices)
drives validation and the command line, and what the shared runner reads from an optimised mode's
settings. Plain Python, no torch: the bot reads settings too."""

from __future__ import annotations

import math
from dataclasses import field, fields, replace

from .errors import SettingsError
from .layers import LAYER_INDEX
from .optimize.schedule import coarse_to_fine, work

OPTIMIZERS = ("lbfgs", "adam")
POOLINGS = ("max", "avg")
MAX_SIZE = 4096
MAX_STEPS = 100_000
DEFAULT_STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


def knob(
    default,
    help: str,
    *,
    low=None,
    high=None,
    choices=(),
    unit: str = "",
    open_low: bool = False,
    cli: bool = True,
    metavar: str | None = None,
):
    """A settings field whose metadata carries its help text and valid range: validation and the
    command line are derived from it, so a new knob is written once."""
    meta = {
        "help": help,
        "low": low,
        "high": high,
        "choices": tuple(choices),
        "unit": unit,
        "open_low": open_low,
        "cli": cli,
        "metavar": metavar,
    }
    return field(default=default, metadata=meta)


class Optimised:
    """What the runner (engine.optimize.runner) reads from an optimised mode's settings."""

    @property
    def lr(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1.0 if self.optimizer == "lbfgs" else 0.02

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        """(longest side, steps) of each size, coarse to fine; most steps go to the cheap small sizes."""
        return coarse_to_fine(self.size, self.steps, self.start_size, self.coarse_steps)

    @property
    def work(self) -> float:
        """The run's cost in work units (see engine.optimize.schedule): what time estimates count."""
        return work(self.schedule)

    @property
    def total_steps(self) -> int:
        return sum(steps for _, steps in self.schedule)

    def replace(self, **changes):
        return replace(self, **changes)

    def validate(self, n_styles: int = 1):
        check_fields(self)
        return self


def check_layers(name: str, layers) -> None:
    unknown = [layer for layer in layers if layer not in LAYER_INDEX]
    if unknown:
        raise SettingsError(f"Unknown VGG19 layer {unknown[0]!r} in {name}; layers are named like relu4_2 or conv1_1.")


def kind(f) -> str:
    """A field's type as a word: int, float, str, bool, tuple… (annotations are strings here)."""
    return str(f.type).split(" ")[0].split("[")[0]


def check_fields(settings) -> None:
    """Check every field of a settings dataclass against its metadata (range, choices); raise SettingsError."""
    for f in fields(settings):
        meta, value = f.metadata, getattr(settings, f.name)
        if not meta or value is None:
            continue
        if meta["choices"]:
            _check_choice(f.name, value, meta["choices"])
        elif meta["low"] is None:
            continue
        elif isinstance(value, tuple):
            for item in value:
                _check_range(f"a value of {f.name}", item, meta["low"], meta["high"])
        elif kind(f) == "int":
            _check_int(f.name, value, meta["low"], meta["high"], meta["unit"])
        else:
            _check_range(f.name, value, meta["low"], meta["high"], open_low=meta["open_low"])


def _check_range(name: str, value, low: float, high: float, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and value <= high
    if not ok:
        bracket = "(" if open_low else "["
        raise SettingsError(f"{name} must be a number in {bracket}{low:g}, {high:g}], not {value!r}.")


def _check_int(name: str, value, low: int, high: int, unit: str = "") -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        suffix = f" {unit}" if unit else ""
        raise SettingsError(f"{name} must be a whole number from {low} to {high}{suffix}, not {value!r}.")


def _check_choice(name: str, value, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
