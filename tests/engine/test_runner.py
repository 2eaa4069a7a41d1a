"""The runner is shared by every mode: any objective with the small interface is minimised by it,
coarse to fine, with progress and previews. Here a toy objective that pulls the picture towards a
flat colour, with no network at all."""

from __future__ import annotations

import torch

from engine.optimize.runner import Runner
from engine.results import Losses
from engine.settings import StyleSettings


class TowardsColour:
    """Minimise the squared distance of every pixel to one colour."""

    def __init__(self, colour: tuple[float, float, float], aspect: float = 1.5):
        self.device = torch.device("cpu")
        self.colour = torch.tensor(colour).view(1, 3, 1, 1)
        self.aspect = aspect
        self.sizes: list[tuple[int, int]] = []
        self.finished = False

    def canvas(self, side: int) -> tuple[int, int]:
        return side, round(side / self.aspect)

    def set_targets(self, size) -> None:
        self.sizes.append(size)

    def initial_image(self, size) -> torch.Tensor:
        return torch.zeros(1, 3, size[1], size[0])

    def begin(self, image, steps_per_size) -> Losses:
        terms = self.terms(image)
        return self.summary(*terms, self.total(*terms))

    def terms(self, image):
        return (((image - self.colour) ** 2).mean(),)

    def total(self, distance):
        return distance

    def summary(self, distance, total) -> Losses:
        return Losses(float(distance.detach()), (), 0.0, float(total.detach()))

    def after_step(self, step, losses) -> None:
        pass

    def finish(self, picture):
        self.finished = True
        return picture


def test_any_objective_is_run_coarse_to_fine_with_progress():
    objective = TowardsColour((0.8, 0.4, 0.1))
    settings = StyleSettings(size=48, start_size=24, coarse_steps=5, steps=5, optimizer="adam", learning_rate=0.1,
                             preview_every=5)  # fmt: skip
    seen = []
    result = Runner(objective, settings, seen.append).run()
    assert objective.sizes == [(24, 16), (34, 23), (48, 32)] and objective.finished
    assert result.image.size == (48, 32) and result.steps == 15
    assert result.end.total < result.start.total / 3
    optimize = [p for p in seen if p.stage == "optimize"]
    assert [p.step for p in optimize] == list(range(1, 16)) and [p.scale for p in optimize][::5] == [0, 1, 2]
    assert [p.step for p in optimize if p.image is not None] == [5, 10, 15]
    assert seen[-1].stage == "done" and seen[-1].eta == 0.0
