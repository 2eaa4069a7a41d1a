"""The seeds' other experiments on the real VGG19 at small sizes: texture synthesis, DeepDream and
reconstruction from one layer (engine.objectives.texture / dream / reconstruct), and their CLI."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image, ImageFilter

from engine import StyleSettings
from engine.cli import main
from engine.errors import SettingsError
from engine.judge import distances
from engine.modes.dream import DreamSettings
from engine.modes.reconstruct import ReconstructSettings
from engine.modes.texture import TextureSettings

from ..conftest import stripes


def judge(engine, image, content, style):
    return distances(engine.network(("relu5_1",)), image, content, style)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0


@pytest.fixture(scope="module")
def source(shared_images) -> Image.Image:
    """A real texture-like painting, small (the sky of Starry Night)."""
    painting = Image.open(shared_images / "starry_night.jpg").convert("RGB")
    return painting.crop((0, 0, painting.width // 2, painting.height // 2)).resize((96, 76))


@pytest.fixture(scope="module")
def photo(shared_images) -> Image.Image:
    return Image.open(shared_images / "tubingen.jpg").convert("RGB").resize((96, 72))


TEXTURE = TextureSettings(size=64, start_size=None, steps=60)


def test_a_texture_takes_on_the_sources_statistics_without_copying_it(engine, source):
    results = [engine.texture(source, TEXTURE.replace(seed=seed)) for seed in (1, 2)]
    noise = Image.fromarray((np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8))
    start, ends = judge(engine, noise, source, source), [judge(engine, r.image, source, source) for r in results]
    # a Gatys style-only run (strength 1: no content) from the same noise is what the paper's texture is
    gatys = engine.stylize(source, [source], StyleSettings(size=64, steps=60, strength=1.0, init="noise", seed=1))
    reference = judge(engine, gatys.image, source, source)
    styles, contents = [round(d.style, 3) for d in ends], [round(d.content, 3) for d in ends]
    print(f"style distance: noise {start.style:.3f}, textures {styles}, Gatys style-only {reference.style:.3f}; "
          f"content distance to the source {contents}")  # fmt: skip
    for end, result in zip(ends, results):
        assert result.image.size == (64, 64)
        assert end.style < 0.5 * start.style  # far closer to the source's statistics than the noise
        assert end.style < 1.5 * reference.style + 0.05  # about as close as a style-only run
        assert end.content > 0.5  # a new picture: its relu4_2 features are far from the source's
    a, b = (pixels(r.image) for r in results)
    assert np.abs(a - b).mean() > 0.1  # two seeds, two textures


def seam(image: Image.Image) -> float:
    """How much the wrapped edge (last column → first, last row → first) jumps, relative to the
    jumps between neighbouring columns and rows inside the picture."""
    a = pixels(image)
    inside = np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=0)).mean()
    wrapped = np.abs(a[:, -1] - a[:, 0]).mean() + np.abs(a[-1] - a[0]).mean()
    return float(wrapped / inside)


def test_a_tileable_texture_has_no_seam_and_keeps_its_asked_shape(engine, source):
    # coarse to fine, as the presets paint: a plain texture's edges then disagree at every scale
    settings = TEXTURE.replace(seed=3, aspect=2.0, size=96, start_size=48, coarse_steps=30, steps=30)
    tiled, plain = engine.texture(source, settings.replace(tileable=True)), engine.texture(source, settings)
    print(f"seam (wrapped edge / inside): tileable {seam(tiled.image):.2f}, plain {seam(plain.image):.2f}")
    assert tiled.image.size == (96, 48)  # 2:1, sides a multiple of 16
    assert seam(tiled.image) < 1.5  # the edge jumps about as much as neighbouring pixels do
    assert seam(plain.image) > seam(tiled.image) + 0.6


def test_texture_settings_are_checked():
    with pytest.raises(SettingsError, match="one picture"):
        TextureSettings().validate(2)
    with pytest.raises(SettingsError, match="aspect"):
        TextureSettings(aspect=10).validate()


def layout(image: Image.Image, like: Image.Image) -> float:
    """Correlation of two pictures' coarse light (blurred, 24 px): 1 = the same layout."""

    def coarse(one):
        return np.asarray(one.convert("L").resize((24, 18)).filter(ImageFilter.GaussianBlur(1)), np.float32)

    a, b = coarse(image).ravel(), coarse(like).ravel()
    return float(np.corrcoef(a, b)[0, 1])


def test_a_dream_grows_with_its_strength_and_keeps_the_photos_layout_at_the_default(engine, photo):
    settings = DreamSettings(size=96, octaves=3, steps=6, seed=0)
    default, strong = (engine.dream(photo, settings.replace(strength=s)) for s in (settings.strength, 1.0))
    change = [float(np.abs(pixels(r.image) - pixels(photo)).mean()) for r in (default, strong)]
    kept = layout(default.image, photo)
    print(f"dream: mean change {change[0]:.3f} (default) vs {change[1]:.3f} (strength 1); layout kept {kept:.2f}")
    assert default.image.size == (96, 72)
    assert change[0] > 0.02  # it dreamt something
    assert change[1] > 1.3 * change[0]
    assert kept > 0.8
    assert default.end.total < default.start.total  # the layer's response grew (its negation fell)
    # a guide picture steers the dream to its features: a different picture than without it
    guided = engine.dream(photo, settings, guide=stripes(64, 64, period=4))
    assert np.abs(pixels(guided.image) - pixels(default.image)).mean() > 0.01


def test_shallow_layers_keep_the_pixels_deep_ones_the_content(engine, photo):
    settings = ReconstructSettings(size=64, start_size=None, steps=60, seed=0)
    errors = {}
    for layer in ("relu1_1", "relu5_1"):
        result = engine.reconstruct(photo, settings.replace(layer=layer))
        errors[layer] = float(np.abs(pixels(result.image) - pixels(photo.resize(result.image.size))).mean())
    print(f"reconstruction error in pixels: relu1_1 {errors['relu1_1']:.3f}, relu5_1 {errors['relu5_1']:.3f}")
    assert errors["relu1_1"] < 0.05
    assert errors["relu5_1"] > 2 * errors["relu1_1"]


def test_the_strip_lays_five_depths_side_by_side_with_progress_over_all(engine, photo):
    seen = []
    settings = ReconstructSettings(size=32, start_size=None, steps=3, strip=True, seed=0)
    result = engine.reconstruct(photo, settings, callback=seen.append)
    steps = [p.step for p in seen if p.stage == "optimize"]
    assert steps == list(range(1, 16)) and {p.total_steps for p in seen} == {15}
    assert seen[-1].stage == "done" and seen[-1].image is result.image
    width, height = result.image.size
    assert width >= 5 * 32 and height > 24  # five 32×24 panels and a band for their names
    assert result.steps == 15


def test_the_cli_runs_each_mode_and_explains_its_options(tmp_path, capsys, source, photo):
    src, pic = tmp_path / "source.png", tmp_path / "photo.jpg"
    source.save(src)
    photo.save(pic)
    runs = {
        "texture": [str(src), "--size", "48", "--tileable", "--seed", "4", "--steps", "3", "--start-size", "0"],
        "dream": [str(pic), "--size", "48", "--octaves", "2", "--steps", "2", "--layer", "relu3_1"],
        "reconstruct": [str(pic), "--strip", "--size", "32", "--steps", "2", "--start-size", "0"],
    }
    for command, args in runs.items():
        out = tmp_path / f"{command}.png"
        assert main([command, *args, "-o", str(out), "-q"]) == 0, capsys.readouterr().err
        assert f"saved {out}" in capsys.readouterr().out
        assert Image.open(out).size[0] >= 32
    zoom = tmp_path / "zoom.mp4"
    assert main(["dreamzoom", str(pic), "--size", "64", "--seconds", "1", "--fps", "4", "-o", str(zoom), "-q"]) == 0
    assert f"saved {zoom}" in capsys.readouterr().out
    from engine.video.clips import probe

    assert probe(zoom).frames == 4
    assert main(["dreamzoom", str(pic), "-o", str(tmp_path / "zoom.png")]) == 2
    assert "use .mp4" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["dream", str(pic), "--layer", "relu9_9"])
    assert "invalid choice: 'relu9_9'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["dream", "--help"])
    assert "relu5_1 things" in capsys.readouterr().out  # each layer's look is listed
    # a broken picture is one line, before any network loads
    (tmp_path / "broken.jpg").write_bytes(b"not a picture")
    assert main(["texture", str(tmp_path / "broken.jpg"), "-o", str(tmp_path / "y.png")]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_engine_run_paints_any_registered_mode_through_the_registry(engine, monkeypatch):
    """A mode is its registry entry and its own module: Engine.run has no list of modes."""
    import dataclasses
    import sys
    import types

    from engine import modes

    seen = []
    module = types.ModuleType("a_new_mode")
    module.paint = lambda engine_, inputs, settings, callback, folder: (
        seen.append((engine_, inputs, settings)) or "painted"
    )
    monkeypatch.setitem(sys.modules, "a_new_mode", module)
    monkeypatch.setitem(
        modes.MODES, "stamp", dataclasses.replace(modes.MODES["texture"], name="stamp", run="a_new_mode:paint")
    )
    assert engine.run("stamp", {"source": "picture.png"}, TextureSettings()) == "painted"
    assert seen == [(engine, {"source": "picture.png"}, TextureSettings())]
    assert all(callable(mode.runner()) for mode in modes.MODES.values())  # every shipped mode's module is there
    with pytest.raises(SettingsError, match="Unknown mode"):
        engine.run("no-such-mode", {}, None)


def test_a_dream_zooms_on_into_itself(engine, photo):
    from engine.modes.dreamzoom import DreamZoomSettings, zoomed
    from engine.video import clips

    dot = Image.new("RGB", (40, 40), "black")
    dot.paste((255, 255, 255), (18, 18, 22, 22))  # 4 px across, in the middle
    assert (pixels(zoomed(dot, 2.0))[:, :, 0] > 0.5).sum() > 3 * 16  # about twice as wide, about the centre
    settings = DreamZoomSettings(size=64, seconds=1.0, fps=6, steps=1, seed=0)
    seen = []
    result = engine.run("dreamzoom", {"content": photo}, settings, callback=lambda p: seen.append(p.step))
    info = clips.probe(result.file)
    assert (info.frames, float(info.fps), info.has_audio) == (6, 6.0, False) and seen == [1, 2, 3, 4, 5, 6]
    frames = [f.astype(np.float32) for f in clips.frames(result.file)]
    steps = [np.abs(b - a).mean() for a, b in itertools.pairwise(frames)]
    assert min(steps) > 0.5 and np.abs(frames[-1] - frames[0]).mean() > max(steps)  # it moves on, and away
