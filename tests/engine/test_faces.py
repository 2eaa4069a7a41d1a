"""Faces (engine.faces): found on photos, not in landscapes or things; held closer to the photo by
a painting and an instant picture, and still painted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from engine import faces, judge
from engine.imaging import fit_size, resize
from engine.instant import InstantPainter
from engine.settings import InstantSettings, StyleSettings

from ..conftest import stripes

SAMPLES = Path(__file__).parents[2] / "samples"


def sample(name: str) -> Image.Image:
    return Image.open(SAMPLES / f"{name}.jpg").convert("RGB")


def test_a_face_is_found_where_it_is_and_nowhere_else():
    (face,) = faces.find(sample("astronaut"))
    left, top, right, bottom = face.box
    # Eileen Collins's face is in the upper middle of the picture, about a fifth of its width
    assert 0.35 < (left + right) / 2 < 0.52 and 0.15 < (top + bottom) / 2 < 0.3
    assert 0.12 < face.width < 0.3
    (turned,) = faces.find(sample("camera"))  # three-quarter, looking into his camera: the profile cascade
    assert 0.3 < (turned.box[0] + turned.box[2]) / 2 < 0.6
    for thing in ("coffee", "rocket", "chelsea"):  # a still life, struts and cables, a cat
        assert faces.find(sample(thing)) == (), thing
    assert faces.find(stripes(320, 240)) == ()


def test_a_face_weighs_most_on_its_features_and_fades_out():
    photo = sample("grace_hopper")
    found = faces.find(photo)
    where = np.asarray(faces.weights(found, photo.size), dtype=np.float32) / 255
    left, top, right, bottom = (round(v * s) for v, s in zip(found[0].box, photo.size * 2))
    middle = where[(top + bottom) // 2, (left + right) // 2]
    assert middle > 0.95  # the eyes, nose and mouth
    assert 0.3 < where[max(0, top - (bottom - top) // 5), (left + right) // 2] < 0.9  # the forehead: less
    assert where[-1, 0] == 0 and where[0, -1] == 0  # the corners: nothing
    assert faces.weights((), photo.size) is None


def face_and_rest(engine, painting: Image.Image, photo: Image.Image, face) -> tuple[judge.FaceDistances, float]:
    """The face's distances, and the whole picture's content distance outside it (how painted the rest is)."""
    net = engine.network(("relu5_1",))
    near = judge.face_distances(net, painting, photo, face)
    return near, judge.distances(net, painting, photo, painting).content


def test_a_painting_keeps_the_face_closer_and_still_paints_the_rest(engine, shared_images):
    photo = resize(sample("astronaut"), fit_size((448, 448), 128))
    style = Image.open(shared_images / "the_scream.jpg")
    (face,) = faces.find(photo)
    settings = StyleSettings(size=128, steps=20, start_size=90, coarse_steps=20, seed=0)
    kept = engine.stylize(photo, [style], settings).image
    smeared = engine.stylize(photo, [style], settings.replace(faces=False)).image
    near, rest = face_and_rest(engine, kept, photo, face)
    far, rest_before = face_and_rest(engine, smeared, photo, face)
    assert near.content < far.content - 0.05 and near.ssim > far.ssim + 0.03, (near, far)
    assert near.ssim < 0.9  # painted, not pasted
    assert rest > 0.5 * rest_before  # the rest is still painted: only the face was held


@pytest.mark.parametrize("brush", ["normal", "bold"])
def test_an_instant_picture_paints_a_face_more_gently(brush):
    painter = InstantPainter()
    photo = sample("astronaut")
    style = stripes(256, 256, period=24)
    (face,) = faces.find(photo)
    settings = InstantSettings(size=448, brush=brush)
    gentle = painter.picture(photo, [style], settings, photo.size)
    plain = painter.picture(photo, [style], settings.replace(faces=False), photo.size)
    box = tuple(round(v * s) for v, s in zip(face.box, photo.size * 2))
    assert judge.grey_ssim(gentle.crop(box), photo.crop(box)) > judge.grey_ssim(plain.crop(box), photo.crop(box)) + 0.03
    corner = (0, 300, 120, 448)  # far from the face: the same painting
    assert np.abs(np.asarray(gentle.crop(corner), float) - np.asarray(plain.crop(corner), float)).mean() < 1.0
