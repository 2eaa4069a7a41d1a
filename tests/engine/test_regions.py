"""The subject mask (engine.mask) and painting by region (engine.regions, the objective's spatial
control) on drawn test portraits whose true outline is known."""

from __future__ import annotations

import queue

import numpy as np
import pytest
import torch
from PIL import Image

from engine import SettingsError
from engine.cli import main as cli
from engine.instant import InstantPainter
from engine.mask import cutout, masker, own_colours
from engine.objectives.losses import MaskedStyleLoss, StyleLoss
from engine.objectives.nst import at_layer
from engine.results import NO_SUBJECT
from engine.settings import InstantSettings, StyleSettings
from worker.protocol import Done, JobSpec, Media
from worker.serve import run_job

from ..conftest import stripes
from ..portraits import iou, portrait


@pytest.fixture(scope="module")
def painter() -> InstantPainter:
    return InstantPainter()


def rms_in(a: Image.Image, b: Image.Image, where: np.ndarray) -> float:
    """Root-mean-square difference (0…1) of two pictures over a 0…1 weight map."""
    d = ((np.asarray(a, np.float32) - np.asarray(b.resize(a.size), np.float32)) / 255) ** 2
    return float(np.sqrt((d.mean(-1) * where).sum() / where.sum()))


def inside_outside(truth: Image.Image, size, margin: int = 3) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    t = (np.asarray(truth.resize(size)) > 127).astype(np.uint8)
    kernel = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    return cv2.erode(t, kernel).astype(float), cv2.erode(1 - t, kernel).astype(float)


@pytest.mark.parametrize("size", [(320, 240), (240, 320), (1280, 960)])
def test_the_mask_finds_the_drawn_figure(size):
    photo, truth = portrait(size)
    found = masker().mask(photo)
    assert found.found and found.alpha.size == size and found.alpha.mode == "L"
    assert iou(found.alpha, truth) > 0.97
    assert 0.2 < found.coverage < 0.45  # the figure is about a third of the picture
    assert masker().mask(photo) is found  # kept: the same photo is not masked twice


def test_a_picture_without_a_subject_has_none():
    flat = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    assert not masker().mask(flat).found


def test_a_cut_out_edge_keeps_the_subjects_own_colours_not_a_fringe_of_its_background():
    """A soft edge mixes the subject (red) with what stood behind it (green): carried over, the
    subject's own colours replace the mix, so a new background shows no green fringe."""
    ramp = np.clip((np.arange(200, dtype=np.float32) - 80) / 40, 0, 1)  # 0 → 1 over 40 px
    a = np.tile(ramp, (60, 1))[..., None]
    red, green = np.array([200, 30, 40], np.float32), np.array([30, 180, 60], np.float32)
    mixed = Image.fromarray((a * red + (1 - a) * green + 0.5).astype(np.uint8))
    alpha = Image.fromarray((a[..., 0] * 255 + 0.5).astype(np.uint8))
    own = np.asarray(own_colours(mixed, alpha), np.float32)
    edge = (a[..., 0] > 0.15) & (a[..., 0] < 0.85)
    assert np.abs(np.asarray(mixed, np.float32)[edge] - red).mean() > 40  # the raw edge is half green
    assert np.abs(own[edge] - red).mean() < 8  # carried out: the subject's red
    assert (own[a[..., 0] == 1] == np.asarray(mixed)[a[..., 0] == 1]).all()  # the subject itself unchanged
    sticker = np.asarray(cutout(mixed, alpha))
    assert np.abs(sticker[..., :3][edge].astype(np.float32) - red).mean() < 8  # so is a sticker's edge


def test_instant_keeps_the_subject_a_photo_and_paints_around_it(painter):
    photo, truth = portrait((256, 192))
    inside, outside = inside_outside(truth, (256, 192))
    small = InstantSettings(size=256)
    whole = painter.paint(photo, [stripes()], small).image
    keep = painter.paint(photo, [stripes()], small.replace(region="keep_subject")).image
    only = painter.paint(photo, [stripes()], small.replace(region="keep_background")).image
    assert rms_in(keep, photo, inside) < 0.03 < 0.1 < rms_in(keep, photo, outside)
    assert rms_in(only, photo, outside) < 0.03 < 0.1 < rms_in(only, photo, inside)
    assert rms_in(keep, whole, outside) < 0.03 and rms_in(only, whole, inside) < 0.03  # the same painting there


def test_instant_split_paints_each_region_in_its_own_style(painter):
    photo, truth = portrait((256, 192))
    inside, outside = inside_outside(truth, (256, 192))
    warm, cool = stripes(colors=((230, 80, 30), (250, 200, 60))), stripes(colors=((20, 40, 160), (40, 160, 180)))
    small = InstantSettings(size=256)
    split = painter.paint(photo, [warm, cool], small.replace(region="split")).image
    first = painter.paint(photo, [warm], small).image
    second = painter.paint(photo, [cool], small).image
    assert rms_in(split, first, inside) < 0.03 and rms_in(split, second, outside) < 0.03
    with pytest.raises(SettingsError, match="two style pictures"):
        painter.paint(photo, [warm], small.replace(region="split"))


def test_no_clear_subject_paints_everything_and_says_so(painter):
    flat = Image.linear_gradient("L").resize((128, 96)).convert("RGB")
    asked = painter.paint(flat, [stripes()], InstantSettings(size=128, region="keep_subject"))
    assert asked.codes == (NO_SUBJECT,)
    assert asked.image.tobytes() == painter.paint(flat, [stripes()], InstantSettings(size=128)).image.tobytes()


def test_a_job_hands_back_the_subject_it_found_and_the_next_job_given_it_finds_none(painter, tmp_path):
    """The worker's job loop: the mask the network found comes back as an artifact; a job of the
    same photo given that mask paints the same picture without looking for the subject again."""
    photo, truth = portrait((256, 192))
    photo.save(tmp_path / "me.png")
    stripes().save(tmp_path / "style.png")
    masker()._kept.clear()  # found now, not remembered from another test

    def run(name: str, inputs: dict) -> Done:
        spec = JobSpec("instant", inputs, str(tmp_path / f"{name}.png"), {"size": 256, "region": "keep_subject"})
        events = queue.Queue()
        run_job(painter, name, spec.to_dict(), events, queue.Queue(), set())
        (done,) = [e for e in (events.get_nowait() for _ in range(events.qsize())) if isinstance(e, Done)]
        return done

    pictures = {"content": str(tmp_path / "me.png"), "styles": [str(tmp_path / "style.png")]}
    first = run("first", pictures)
    (mask,) = [a for a in first.artifacts if a.media == Media.MASK]
    assert mask.path == str(tmp_path / "first.mask.png") and mask.size == (256, 192)
    assert iou(Image.open(mask.path), truth) > 0.97
    masker()._kept.clear()
    second = run("second", {**pictures, "mask": mask.path})
    assert [a.media for a in second.artifacts] == [Media.PICTURE]  # nothing found: it was given
    assert Image.open(first.output).tobytes() == Image.open(second.output).tobytes()


def test_a_masked_gram_over_everything_is_the_plain_one_and_regions_follow_the_layers():
    features = torch.rand(1, 8, 12, 10)
    style = torch.rand(1, 8, 9, 9)
    everything = torch.ones(1, 1, 12, 10)
    assert torch.allclose(MaskedStyleLoss(style, everything)(features), StyleLoss(style)(features))
    half = everything.clone()
    half[..., 5:] = 0  # a region of the left half: the loss sees only those features
    changed = features.clone()
    changed[..., 5:] = 0
    assert torch.allclose(MaskedStyleLoss(style, half)(features), MaskedStyleLoss(style, half)(changed))
    area = torch.ones(1, 1, 45, 33)
    assert at_layer(area, "relu1_1").shape[2:] == (45, 33) and at_layer(area, "relu3_1").shape[2:] == (11, 8)


def test_a_painting_by_region_forms_around_the_kept_subject(engine):
    photo, truth = portrait((96, 72))
    inside, outside = inside_outside(truth, (96, 72), margin=2)
    settings = StyleSettings(size=96, steps=20, seed=0)
    whole = engine.stylize(photo, [stripes()], settings).image
    keep = engine.stylize(photo, [stripes()], settings.replace(region="keep_subject"))
    assert keep.warnings == ()
    assert rms_in(keep.image, photo, inside) < 0.04 < rms_in(whole, photo, inside)
    assert rms_in(keep.image, photo, outside) > 0.08  # painted around it
    only = engine.stylize(photo, [stripes()], settings.replace(region="keep_background")).image
    assert rms_in(only, photo, outside) < 0.04 and rms_in(only, photo, inside) > 0.08


def test_the_command_line_writes_a_mask_and_paints_by_it(tmp_path, capsys):
    photo, truth = portrait((320, 240))
    photo.save(tmp_path / "me.png")
    stripes().save(tmp_path / "style.png")
    assert cli(["mask", str(tmp_path / "me.png"), "-o", str(tmp_path / "mask.png")]) == 0
    assert iou(Image.open(tmp_path / "mask.png"), truth) > 0.97
    args = [str(tmp_path / "me.png"), str(tmp_path / "style.png"), "--preset", "instant", "-q"]
    assert cli([*args, "--keep", "subject", "--mask", str(tmp_path / "mask.png"), "-o", str(tmp_path / "k.png")]) == 0
    inside, _ = inside_outside(truth, Image.open(tmp_path / "k.png").size)
    assert rms_in(Image.open(tmp_path / "k.png").convert("RGB"), photo, inside) < 0.03
    assert cli([*args, "--split", "subject", "-o", str(tmp_path / "s.png")]) == 2
    assert "two style pictures" in capsys.readouterr().err
    assert cli(["mask", str(tmp_path / "me.png"), "--cutout", "-o", str(tmp_path / "me.jpg")]) == 2
    assert "needs transparency" in capsys.readouterr().err and not (tmp_path / "me.jpg").exists()
    assert cli(["mask", str(tmp_path / "me.png"), "--cutout", "-o", str(tmp_path / "me.webp")]) == 0
    assert Image.open(tmp_path / "me.webp").mode == "RGBA"
