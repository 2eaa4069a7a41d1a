"""DeepDream (Mordvintsev et al. 2015), a mode: its settings, presets and job — gradient ascent on
what one layer of VGG19 sees (engine.objectives.dream)."""

from __future__ import annotations

from dataclasses import dataclass

from ..knobs import MAX_SIZE, MAX_STEPS, Optimised, check_fields, knob
from .base import Mode

#: DeepDream's layers and what each one's dreams look like (shown by ``python -m engine dream --help``).
DREAM_LAYERS: dict[str, str] = {
    "relu2_1": "fine strokes and edges",
    "relu3_1": "brush strokes, ripples",
    "relu3_4": "swirls and patterns",
    "relu4_1": "patterns, scales and eyes",
    "relu4_2": "eyes, fur and feathers",
    "relu4_4": "shapes: arches, snouts, petals",
    "relu5_1": "things: animals, buildings, faces",
}


@dataclass(frozen=True)
class DreamSettings(Optimised):
    """DeepDream (Mordvintsev et al. 2015): gradient *ascent* on how strongly a layer responds, over
    octaves, with random jitter and normalised steps, so the picture grows what the layer sees."""

    size: int = knob(512, "longest side of the result", low=32, high=MAX_SIZE, unit="px")
    layer: str = knob("relu4_1", "VGG19 layer to amplify (see the list above)", choices=tuple(DREAM_LAYERS))
    octaves: int = knob(4, "sizes the dream is painted at, each octave_scale larger than the last", low=1, high=8)
    octave_scale: float = knob(1.4, "size ratio between octaves", low=1.1, high=2.0)
    steps: int = knob(10, "ascent steps at each octave", low=1, high=1000)
    strength: float = knob(
        0.5, "how hard each step pushes, 0…1 (0.5: the photo stays recognisable)", low=0.0, high=1.0, open_low=True
    )
    jitter: int = knob(
        32, "random shift of the picture before each step (against grid artefacts)", low=0, high=256, unit="px"
    )
    seed: int | None = knob(None, "random seed of the jitter", low=0, high=2**63 - 1)
    preview_every: int = knob(
        0, "attach an intermediate picture every N steps (0: never)", low=0, high=MAX_STEPS, cli=False
    )

    tolerance = 0.0  # the runner's early stop: a dream has no loss to settle

    @property
    def lr(self) -> float:
        """Each normalised step moves the pixels by about this much (of full brightness)."""
        return 0.012 * self.strength

    @property
    def schedule(self) -> tuple[tuple[int, int], ...]:
        sides = [round(self.size / self.octave_scale**k) for k in range(self.octaves)]
        return tuple((side, self.steps) for side in reversed(sides) if side >= 32) or ((self.size, self.steps),)

    def validate(self, n_styles: int = 0) -> DreamSettings:
        check_fields(self)
        return self


DREAM_PRESETS: dict[str, dict] = {
    "fast": {"size": 256, "octaves": 3, "steps": 8},
    "balanced": {"size": 384, "octaves": 4, "steps": 10},
    "best": {"size": 512, "octaves": 5, "steps": 12},
}


def run(engine, inputs: dict, settings: DreamSettings, callback=None, folder=None):
    """The dream mode's job: ``content`` with what ``settings.layer`` sees amplified (towards a
    ``guide`` picture's features when there is one)."""
    from ..imaging import open_image

    settings = settings.validate()
    picture = open_image(inputs["content"], role="photo")
    guide = inputs.get("guide")
    guide_img = open_image(guide, role="guide picture") if guide is not None else None
    return engine.optimise("dream", settings, (picture, guide_img), (settings.layer,), callback)


MODE = Mode(
    name="dream",
    title="DeepDream",
    settings=DreamSettings,
    presets=DREAM_PRESETS,
    default_preset="balanced",
    objective="engine.objectives.dream:DreamObjective",
    inputs=("content", "guide"),
    run="engine.modes.dream:run",
)
