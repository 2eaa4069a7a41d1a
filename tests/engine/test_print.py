"""The print size (StyleSettings.grown_from): a finished painting continued at the sizes above it on
the shallow layers, held to the painting — painted, not enlarged — and refused up front where the
machine lacks the memory (engine.memory)."""

from __future__ import annotations

import numpy as np
import pytest
import torch.nn.functional as F
from PIL import Image

from engine import StyleSettings, memory
from engine.errors import EngineError, SettingsError
from engine.tensors import image_to_tensor

from ..conftest import picture, stripes


def sharpness(image: Image.Image) -> float:
    a = np.asarray(image.convert("L"), dtype=np.float32) / 255
    return float(np.abs(np.diff(a, axis=1)).mean() + np.abs(np.diff(a, axis=0)).mean())


def test_a_prints_sizes_go_up_from_the_painting_and_each_is_painted():
    s = StyleSettings(size=2048, paint_size=362, detail_steps=6, init="image", grown_from=1024)
    assert s.schedule == ((1024, 0), (1448, 6), (2048, 3))  # the last one too: not an enlargement
    assert s.detail_from == 1024
    assert StyleSettings(size=4096, init="image", grown_from=1024).schedule[1:] == (
        (1448, 6),
        (2048, 6),
        (2896, 6),
        (4096, 3),
    )
    assert StyleSettings(size=1536, init="image", grown_from=1024).schedule == ((1024, 0), (1448, 6), (1536, 3))
    for bad in ({"grown_from": 2048}, {"init": "content"}):  # not larger; not from a painting
        with pytest.raises(SettingsError):
            StyleSettings(size=2048, **{"init": "image", "grown_from": 1024, **bad}).validate()


def test_a_print_is_the_painting_larger_and_sharper_than_it_enlarged(engine):
    photo, style = picture(128, 96), stripes(256, 256, period=6)
    settings = StyleSettings(size=64, start_size=48, coarse_steps=10, steps=10, seed=0)
    painting = engine.stylize(photo, [style], settings).image
    grown = settings.replace(size=128, init="image", grown_from=64, detail_steps=6)
    result = engine.stylize(photo, [style], grown, init_image=painting)
    printed = result.image
    assert printed.size == (128, 96) and result.steps == 6 + 3
    # held to the painting: shrunk back to its size, it is the painting (colours and layout) …
    shrunk = F.interpolate(image_to_tensor(printed, "cpu"), size=painting.size[::-1], mode="area")
    assert float((shrunk - image_to_tensor(painting, "cpu")).abs().mean()) < 0.05
    # … and painted at its size: crisper than the painting enlarged
    enlarged = painting.resize(printed.size, Image.BICUBIC)
    print(f"sharpness: enlarged {sharpness(enlarged):.4f}, print {sharpness(printed):.4f}")
    assert sharpness(printed) > 1.2 * sharpness(enlarged)


def test_a_print_not_even_tiles_make_fit_is_refused_before_it_starts(engine, monkeypatch):
    assert memory.needed("cpu", (4000, 3000), 4096) > 4 * memory.needed("cpu", (4000, 3000), 2048) / 5
    monkeypatch.setattr(memory, "available", lambda device: 256 * 2**20)
    painting = picture(64, 48)
    settings = StyleSettings(size=128, init="image", grown_from=64, detail_steps=2)
    with pytest.raises(EngineError) as refused:
        engine.stylize(picture(128, 96), [stripes()], settings, init_image=painting)
    assert refused.value.code == "print_memory" and "128-px print needs at least" in refused.value.message


def test_the_command_line_paints_a_large_size_as_a_print_and_refuses_one_it_cannot_hold(tmp_path, monkeypatch, capsys):
    """``python -m engine … --size 4096``: the painting at 1024 px grown as 🖨 grows it; where the
    machine has not the memory, one clear line and exit 2 before any painting."""
    from engine import cli

    photo, style = tmp_path / "photo.png", tmp_path / "style.png"
    picture(128, 96).save(photo)
    stripes(96, 96).save(style)
    monkeypatch.setattr(memory, "available", lambda device: 2**30)
    code = cli.main([str(photo), str(style), "-o", str(tmp_path / "out.png"), "--size", "4096", "--device", "cpu"])
    assert code == 2 and not (tmp_path / "out.png").exists()
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: A 4096-px print needs at least") and "1.0 GB free on cpu" in error
