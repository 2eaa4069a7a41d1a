"""A size too large for memory painted in tiles (engine.objectives.tiles): the same loss and the
same gradient as the whole picture, so the same print with no seams; tiles chosen from the memory
free (engine.memory) and refused only where not even the smallest fits."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from engine import StyleSettings, memory
from engine.objectives.nst import StyleObjective
from engine.objectives.tiles import Tiled, grid, reach

from ..conftest import picture, stripes


def test_tiles_cover_the_picture_once_on_the_pooling_grid():
    assert reach("relu1_1") == (1, 1) and reach("relu3_1") == (10, 4) and reach("relu4_1") == (30, 8)
    size = (203, 150)
    tiles = grid(size, 64, "relu3_1")
    counted = np.zeros(size[::-1], dtype=int)
    for tile in tiles:
        x0, y0, x1, y1 = tile.counted
        counted[y0:y1, x0:x1] += 1
        assert x0 % 4 == 0 and y0 % 4 == 0 and x1 - x0 <= 64
        sx0, sy0, sx1, sy1 = tile.seen  # the counted part and a margin of 12 px (3 cells), within the picture
        assert (sx0, sy0) == (max(0, x0 - 12), max(0, y0 - 12))
        assert (sx1, sy1) == (min(size[0], x1 + 12), min(size[1], y1 + 12))
    assert len(tiles) == 4 * 3 and (counted == 1).all()


def test_tiled_features_are_the_whole_pictures(engine):
    net = engine.network(("relu3_1",))
    image = torch.rand(1, 3, 150, 203)
    tiled = Tiled(net, "max", 64)
    for layer in ("relu1_1", "relu2_1", "relu3_1"):
        whole = net(image, (layer,))[layer]
        assert torch.allclose(tiled.features(image, layer), whole, rtol=1e-4, atol=1e-3 * float(whole.abs().max()))


def objective(engine, settings: StyleSettings, photo, style, painting, mask, faces):
    net = engine.network(settings.content_layers + settings.style_layers)
    made = StyleObjective(net, settings, photo, [style, style.rotate(90)], painting, mask, faces)
    size = made.canvas(settings.size)
    with torch.no_grad():
        made.set_targets(size)
        image = made.initial_image(size)
        made.begin(image, [0, 2])
    return made, image


def test_a_print_in_tiles_has_the_loss_and_gradient_it_has_whole(engine):
    """Every term a print's size has — the painting held, the photo's fine structure (more in a
    face), two styles each over its own region (masked Gram matrices), smoothing — measured whole
    and in 12 tiles of 64 px: the same loss and the same gradient, to float rounding."""
    photo, style = picture(200, 150), stripes(160, 160, period=6)
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).ellipse((50, 30, 150, 140), fill=255)
    faces = Image.new("L", photo.size, 0)
    ImageDraw.Draw(faces).ellipse((80, 40, 120, 90), fill=255)
    settings = StyleSettings(size=200, init="image", grown_from=100, detail_steps=2, region="split", seed=0)
    painting = photo.resize((100, 75))
    noise = torch.rand((1, 3, 150, 200), generator=torch.Generator().manual_seed(1)) * 0.05
    results = []
    for tile in (None, 64):
        made, image = objective(engine, settings.replace(tile=tile), photo, style, painting, mask, faces)
        assert (made.tiled is None) == (tile is None) and made.photo_losses
        image = (image + noise).requires_grad_(True)
        if made.tiled is None:
            terms = made.terms(image)
            total = made.total(*terms)
            total.backward()
        else:
            *terms, total = made.gradient(image)
            assert len(made.tiled.tiles(image, made.layers)) == 12
        results.append((made.summary(*terms, total), image.grad))
    (whole, whole_grad), (tiled, tiled_grad) = results
    assert tiled.total == pytest.approx(whole.total, rel=1e-5)
    assert tiled.styles == pytest.approx(whole.styles, rel=1e-5) and tiled.content == pytest.approx(whole.content)
    assert float((tiled_grad - whole_grad).norm() / whole_grad.norm()) < 1e-5


def test_a_print_painted_in_tiles_is_held_to_the_painting_and_painted_sharp(engine):
    """In 16 tiles of 64 px, end to end. That it has no seams is the gradient test's: the same
    gradient as the whole picture's. (It is not compared pixel for pixel with the print painted
    whole: summed in another order the gradient rounds differently, and L-BFGS's kept or taken-back
    steps carry such a difference far.)"""
    photo, style = picture(256, 192), stripes(256, 256, period=6)
    settings = StyleSettings(size=64, start_size=48, coarse_steps=10, steps=10, seed=0)
    painting = engine.stylize(photo, [style], settings).image
    grown = settings.replace(size=256, init="image", grown_from=64, detail_steps=6, tile=64)
    result = engine.stylize(photo, [style], grown, init_image=painting)
    printed = np.asarray(result.image, np.float32)
    assert result.image.size == (256, 192) and result.steps == 6 * 3 + 3
    shrunk = np.asarray(result.image.resize(painting.size, Image.BOX), np.float32)
    assert np.abs(shrunk - np.asarray(painting, np.float32)).mean() < 0.05 * 255
    enlarged = np.asarray(painting.resize(result.image.size, Image.BICUBIC), np.float32)

    def sharpness(a):
        return np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=0)).mean()

    assert sharpness(printed) > 1.2 * sharpness(enlarged)


def test_tiles_are_chosen_from_the_memory_free_and_only_where_needed(engine, monkeypatch):
    cpu = torch.device("cpu")
    size = (4096, 3072)
    monkeypatch.setattr(memory, "available", lambda device: 64 * 2**30)
    assert memory.tile_side(cpu, size) is None  # it fits whole
    monkeypatch.setattr(memory, "available", lambda device: 16 * 2**30)
    side = memory.tile_side(cpu, size)
    assert memory.MIN_TILE < side < 4096
    assert memory.in_tiles("cpu", size, 4096, side) <= 16 * 2**30 < memory.needed("cpu", size, 4096)
    memory.check_print(cpu, size, 4096)  # not refused: it fits in tiles
    # a painting's objective picks them up where its size would not fit
    monkeypatch.setattr(memory, "available", lambda device: memory.in_tiles("cpu", (512, 384), 512, 256))
    settings = StyleSettings(size=512, init="image", grown_from=256, detail_steps=1)
    made, _ = objective(engine, settings, picture(512, 384), stripes(), picture(256, 192), None, None)
    assert made.tiled is not None and made.tiled.side == memory.MIN_TILE


def test_each_feature_loss_is_its_statistic_over_the_whole_picture():
    """``forward`` (what a painting uses) and ``of(part)`` (what tiles add up) are one loss."""
    from engine.objectives.losses import ContentLoss, MaskedStyleLoss, StyleLoss, WeightedContentLoss

    generator = torch.Generator().manual_seed(0)
    features, target = torch.rand(1, 8, 12, 10, generator=generator), torch.rand(1, 8, 12, 10, generator=generator)
    weight = torch.rand(1, 1, 12, 10, generator=generator)
    for loss in (
        ContentLoss(target),
        WeightedContentLoss(target, weight),
        StyleLoss(target),
        MaskedStyleLoss(target, weight),
    ):
        assert torch.allclose(loss(features), loss.of(loss.part(features)), rtol=1e-5), type(loss).__name__
