"""The instant mode (engine.instant): the bundled feed-forward networks on real pictures, at small sizes."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

from engine import ImageError, SettingsError
from engine.colors import keep_colors
from engine.instant import InstantPainter
from engine.nets.feedforward import PREDICT, TRANSFORM, InstantNetworks, InstantUnavailable, model_dir
from engine.settings import InstantSettings

from ..conftest import encode, picture, stripes


@pytest.fixture(scope="module")
def painter() -> InstantPainter:
    return InstantPainter()


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float32)


def test_paints_at_the_asked_size_keeping_the_aspect_and_odd_sides(painter):
    for size, content in ((64, picture(96, 64)), (101, picture(61, 97)), (40, picture(100, 100))):
        result = painter.paint(content, [stripes()], InstantSettings(size=size))
        w, h = result.image.size
        assert max(w, h) == size and result.image.mode == "RGB"
        assert abs(w / h - content.width / content.height) < 0.05
        assert result.steps == 1 and result.device in ("cpu", "cuda")


def test_the_same_inputs_give_the_same_picture(painter):
    a = painter.paint(picture(seed=1), [stripes()], InstantSettings(size=64)).image
    b = painter.paint(picture(seed=1), [stripes()], InstantSettings(size=64)).image
    assert a.tobytes() == b.tobytes()


def test_gamma_at_its_ends_is_one_style_alone(painter, shared_images):
    photo = Image.open(shared_images / "tubingen.jpg")
    first, second = Image.open(shared_images / "starry_night.jpg"), Image.open(shared_images / "the_scream.jpg")
    small = InstantSettings(size=96)
    only_first = painter.paint(photo, [first], small).image
    only_second = painter.paint(photo, [second], small).image
    assert painter.paint(photo, [first, second], small.replace(gamma=1.0)).image.tobytes() == only_first.tobytes()
    assert painter.paint(photo, [first, second], small.replace(gamma=0.0)).image.tobytes() == only_second.tobytes()
    mixed = pixels(painter.paint(photo, [first, second], small).image)
    assert np.abs(mixed - pixels(only_first)).mean() > 2 and np.abs(mixed - pixels(only_second)).mean() > 2


def test_strength_zero_stays_near_the_photo_and_more_strength_moves_away(painter, shared_images):
    photo = Image.open(shared_images / "tubingen.jpg").convert("RGB")
    style = Image.open(shared_images / "starry_night.jpg")
    original = pixels(photo.resize((128, 96), Image.Resampling.LANCZOS))
    away = [
        np.abs(pixels(painter.paint(photo, [style], InstantSettings(size=128, strength=t)).image) - original).mean()
        for t in (0.0, 0.5, 1.0)
    ]
    # 0 is the photo painted in its own style (Magenta's identity interpolation), not the photo itself
    assert away[0] < away[1] < away[2]
    assert away[0] < 0.85 * away[2]


def test_keep_colors_takes_the_photos_colours(painter, shared_images):
    photo = Image.open(shared_images / "tubingen.jpg").convert("RGB")
    style = Image.open(shared_images / "starry_night.jpg")
    kept = painter.paint(photo, [style], InstantSettings(size=96, keep_colors=True)).image
    plain = painter.paint(photo, [style], InstantSettings(size=96)).image
    assert kept.tobytes() == keep_colors(plain, photo).tobytes()


def test_bad_inputs_are_typed_errors(painter, tmp_path):
    with pytest.raises(ImageError):
        painter.paint(b"this is not a picture", [stripes()], InstantSettings(size=64))
    with pytest.raises(ImageError):
        painter.paint(encode(picture())[:100], [stripes()], InstantSettings(size=64))
    with pytest.raises(SettingsError):
        painter.paint(picture(), [stripes()] * 5, InstantSettings(size=64))
    for bad in ({"size": 4000}, {"strength": 1.5}, {"gamma": -0.1}, {"style_scale": 0}):
        with pytest.raises(SettingsError):
            painter.paint(picture(), [stripes()], InstantSettings(**bad))


def test_style_scale_changes_the_strokes(painter, shared_images):
    photo, style = Image.open(shared_images / "tubingen.jpg"), Image.open(shared_images / "starry_night.jpg")
    fine = painter.paint(photo, [style], InstantSettings(size=96, style_scale=0.5)).image
    broad = painter.paint(photo, [style], InstantSettings(size=96, style_scale=2.0)).image
    assert np.abs(pixels(fine) - pixels(broad)).mean() > 1


def test_missing_or_broken_model_files_say_so(tmp_path):
    with pytest.raises(InstantUnavailable, match="could not be loaded"):
        InstantNetworks(directory=tmp_path)
    shutil.copy(model_dir() / PREDICT, tmp_path / PREDICT)
    (tmp_path / TRANSFORM).write_bytes(b"\x08\x07 not a network")
    with pytest.raises(InstantUnavailable) as caught:
        InstantNetworks(directory=tmp_path)
    assert caught.value.code == "instant_unavailable"


def test_warm_start_from_the_instant_painting(engine, shared_images):
    from engine import StyleSettings

    content, style = shared_images / "tubingen.jpg", shared_images / "starry_night.jpg"
    warm = engine.stylize(content, [style], StyleSettings(size=64, steps=2, init="instant", seed=0))
    cold = engine.stylize(content, [style], StyleSettings(size=64, steps=2, seed=0))
    assert warm.image.size == cold.image.size
    # starting from a painting, the style loss starts far lower than from the photo
    assert warm.start.styles[0] < 0.8 * cold.start.styles[0]


def test_cli_paints_with_the_instant_preset_without_torch(tmp_path, shared_images):
    out = tmp_path / "instant.png"
    code = (
        "import sys, runpy; sys.argv = ['engine', *sys.argv[1:]];"
        "from engine.cli import main; rc = main(sys.argv[1:]);"
        "assert 'torch' not in sys.modules, 'torch was imported'; raise SystemExit(rc)"
    )
    started = time.perf_counter()
    args = [str(shared_images / "tubingen.jpg"), str(shared_images / "starry_night.jpg"), "--preset", "instant"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args, "--size", "200", "-o", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "saved" in done.stdout and Image.open(out).size == (200, 150)
    print(f"instant CLI process at 200 px: {time.perf_counter() - started:.2f} s")
    refused = subprocess.run(
        [sys.executable, "-m", "engine", *args, "--steps", "5", "-o", str(out)], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "--steps does not apply to --preset instant" in refused.stderr
