"""Full size on any host: the painting's own sizes on every layer, then detail sizes on the shallow
layers up to the result's size; the schedule, the cost model, progress by work, the guard against
steps that make the picture worse, and the presets per host."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from engine import StyleSettings
from engine.imaging import fit_size
from engine.optimize.runner import Runner
from engine.optimize.schedule import DETAIL_COST, work
from engine.presets import GPU_PRESETS, PRESETS, on_gpu, preset

from ..conftest import picture, stripes


def sharpness(image: Image.Image) -> float:
    a = np.asarray(image.convert("L"), dtype=np.float32) / 255
    return float(np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=0)).mean())


def test_detail_sizes_follow_the_painting_and_the_last_is_an_enlargement():
    s = StyleSettings(size=1024, paint_size=362, start_size=128, coarse_steps=20, steps=8, detail_steps=6)
    assert s.schedule == ((128, 20), (181, 20), (256, 20), (362, 8), (512, 6), (724, 6), (1024, 0))
    assert s.detail_from == 362
    assert s.replace(finest_steps=2).schedule[-1] == (1024, 2)
    # a paint size between two sizes paints up to the one below it
    assert s.replace(paint_size=400).detail_from == 362
    # a detail step costs its share of a full one; the enlargement costs nothing
    full = work(s.schedule[:4])
    assert s.work == pytest.approx(full + DETAIL_COST * (6 * 4 + 6 * (724 / 256) ** 2))
    for none in (None, 1024, 2048):  # no detail sizes: the familiar schedule
        plain = s.replace(paint_size=none)
        assert plain.detail_from is None and plain.schedule[-1] == (1024, 8) and len(plain.schedule) == 7


def test_every_preset_paints_1024_px_on_either_host_and_a_cpu_adds_detail_above_its_painting():
    assert on_gpu("cuda:1") and on_gpu("mps") and not on_gpu("cpu") and not on_gpu("unknown")
    costs = []
    for name in PRESETS:
        cpu, gpu = preset(name), preset(name, gpu=True)
        assert cpu.size == gpu.size == 1024
        assert cpu.detail_from is not None and cpu.detail_from < 1024 and gpu.detail_from is None
        assert cpu.schedule[0][0] <= 136 and cpu.work < gpu.work  # the CPU's detail sizes are cheaper
        costs.append(cpu.work)
    assert costs == sorted(costs) and list(GPU_PRESETS) == list(PRESETS)


def run(engine, settings: StyleSettings, style: Image.Image, content: Image.Image | None = None):
    seen = []
    result = engine.stylize(content or picture(150, 100), [style], settings.replace(seed=3), callback=seen.append)
    return result, seen


def test_a_painting_grows_detail_on_shallow_layers_and_ends_at_its_size(engine):
    style = stripes(300, 200, period=3)
    # (the photo's own fine detail left out here: what the detail steps draw is measured alone)
    settings = StyleSettings(
        size=128, paint_size=64, start_size=45, coarse_steps=4, steps=4, detail_steps=8, fine_detail=0.0
    )
    assert settings.schedule == ((45, 4), (64, 4), (91, 8), (128, 0))
    result, seen = run(engine, settings, style)
    assert result.image.size == fit_size((150, 100), 128)
    optimized = [p.size for p in seen if p.stage == "optimize"]
    assert optimized == [fit_size((150, 100), side) for side, n in ((45, 4), (64, 4), (91, 8)) for _ in range(n)]
    work = [p.work for p in seen]
    assert work == sorted(work) and work[-1] == 1.0 and seen[-1].fraction == 1.0
    # progress counts work (pixels × steps, a detail step at its share), not steps
    (w1, h1), (w2, h2), (w3, h3) = (fit_size((150, 100), side) for side in (45, 64, 91))
    costs = [4 * w1 * h1, 4 * w2 * h2, 8 * DETAIL_COST * w3 * h3]
    at_detail = next(p for p in seen if p.stage == "optimize" and p.size == (w3, h3))
    expected = (costs[0] + costs[1] + costs[2] / 8) / sum(costs)
    assert at_detail.step == 9 and at_detail.fraction == pytest.approx(expected)
    # the detail size draws strokes that the painting at 64 px, enlarged, does not have …
    painted, _ = run(engine, settings.replace(size=64, paint_size=None), style)
    enlarged = sharpness(painted.image.resize(result.image.size, Image.Resampling.BICUBIC))
    assert sharpness(result.image) > 1.3 * enlarged
    # … and without its steps the same sizes are only the enlargement
    plain, _ = run(engine, settings.replace(detail_steps=0), style)
    assert plain.image.size == result.image.size and sharpness(plain.image) < 1.1 * enlarged


def lines(size: tuple[int, int] = (192, 128)) -> Image.Image:
    """A photo of thin things: one-pixel dark cables across a smooth sky."""
    w, h = size
    y, x = np.mgrid[0:h, 0:w]
    sky = np.stack([120 + 60 * y / h, 160 + 40 * x / w, np.full_like(x, 220.0)], axis=-1)
    for k in range(5):  # cables at a slant, and a mast
        sky[np.abs(y - (0.3 * x + 12 + 20 * k)) < 0.6] = (30, 30, 40)
    sky[:, w // 3] = (30, 30, 40)
    return Image.fromarray(sky.astype(np.uint8))


def fine_agreement(painting: Image.Image, photo: Image.Image) -> float:
    """How much of the photo's finest structure the painting has: the correlation of their grey
    levels above a 2-px blur."""
    from PIL import ImageFilter

    def fine(image: Image.Image) -> np.ndarray:
        grey = image.convert("L")
        blurred = grey.filter(ImageFilter.GaussianBlur(2))
        return np.asarray(grey, np.float32).ravel() - np.asarray(blurred, np.float32).ravel()

    return float(np.corrcoef(fine(painting), fine(photo.resize(painting.size)))[0, 1])


def test_the_sizes_above_the_painting_bring_back_the_photos_thin_lines(engine, shared_images):
    """Cables one pixel wide at full size are gone from a painting made at half the size; the detail
    sizes draw them again from the photo, and paint over them."""
    photo = lines()
    style = Image.open(shared_images / "starry_night.jpg")
    settings = StyleSettings(size=192, paint_size=96, start_size=96, steps=20, detail_steps=6, seed=0)
    kept = engine.stylize(photo, [style], settings).image
    lost = engine.stylize(photo, [style], settings.replace(fine_detail=0.0)).image
    assert fine_agreement(kept, photo) > fine_agreement(lost, photo) + 0.1
    assert fine_agreement(kept, photo) < 0.9  # painted over, not the photo's lines pasted


def test_no_detail_where_the_style_picture_has_none_to_give(engine):
    """A style picture smaller than √2 × a detail size: that size is an enlargement, not noise."""
    settings = StyleSettings(size=128, paint_size=64, start_size=45, coarse_steps=3, steps=3, detail_steps=3)
    result, seen = run(engine, settings, stripes(100, 60, period=3))
    assert result.image.size == fit_size((150, 100), 128)
    assert {p.size for p in seen if p.stage == "optimize"} == {fit_size((150, 100), s) for s in (45, 64)}
    assert seen[-1].fraction == 1.0


class Bowl:
    """A loss with one minimum, and a rate at which plain steps overshoot it ever further."""

    device = torch.device("cpu")
    guarded = True

    def __init__(self, guarded: bool):
        self.guarded = guarded
        self.target = torch.linspace(0.2, 0.8, 48).reshape(1, 3, 4, 4)

    def canvas(self, side):
        return (4, 4)

    def set_targets(self, size):
        pass

    def initial_image(self, size):
        return torch.full((1, 3, 4, 4), 0.5)

    def begin(self, image, steps):
        return None

    def terms(self, image):
        return ((image - self.target).pow(2).sum(),)

    def total(self, loss):
        return loss

    def summary(self, loss, total):
        from engine.results import Losses

        return Losses(float(loss.detach()), (), 0.0, float(total.detach()))

    def after_step(self, step, losses):
        pass

    def finish(self, picture):
        return picture

    def make_optimizer(self, image):
        return torch.optim.SGD([image], lr=1.3)  # each step lands 1.6× further on the other side


@pytest.mark.parametrize("guarded", [False, True])
def test_a_guarded_size_takes_back_steps_that_make_it_worse(guarded):
    objective = Bowl(guarded)
    start = float(objective.terms(objective.initial_image(None))[0])
    runner = Runner(objective, StyleSettings(size=4, steps=12), None, cuda_graphs=False)
    end = float(objective.terms(runner.optimize(objective.initial_image(None), 0, 12))[0])
    if guarded:
        assert end < start / 4  # halving the rate after each overshoot converges
    else:
        assert end > start  # the plain loop runs away
