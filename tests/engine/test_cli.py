"""``python -m engine`` end to end, as a person runs it: real files in, a picture out, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from engine.cli import main

from ..conftest import picture, stripes

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def in_process(capsys, *args) -> SimpleNamespace:
    """main() as `python -m engine` runs it, without paying a new process's torch import."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=out.out, stderr=out.err)


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"content": tmp_path / "photo.jpg", "style": tmp_path / "painting.png", "style2": tmp_path / "second.webp"}
    picture(120, 80).save(paths["content"], quality=92)
    stripes(80, 80).save(paths["style"])
    stripes(80, 80, period=5, colors=((200, 20, 20), (240, 240, 240))).save(paths["style2"])
    return paths


def test_one_style_end_to_end_with_intermediate_saves(files, tmp_path):
    out = tmp_path / "out.png"
    done = cli(files["content"], files["style"], "-o", out, "--size", 64, "--steps", 6, "--save-every", 3, "--seed", 1)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (64, 43)
    assert Image.open(tmp_path / "out.step3.png").size == (64, 43)
    assert (tmp_path / "out.step6.png").exists()
    assert "saved" in done.stdout and "64×43" in done.stdout
    assert "loaded in" in done.stderr and "step" in done.stderr  # the progress bar


def test_two_styles_report_the_relative_improvements(files, tmp_path, capsys):
    out = tmp_path / "mix.jpg"
    done = in_process(
        capsys,
        files["content"],
        files["style"],
        files["style2"],
        "-o",
        out,
        "--size",
        64,
        "--steps",
        8,
        "--gamma",
        0.5,
        "--optimizer",
        "adam",
        "--pooling",
        "avg",
        "--init",
        "noise",
        "-q",
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(out).format == "JPEG"
    assert "relative improvement of the styles" in done.stdout
    assert done.stderr == ""  # --quiet


def test_init_from_a_picture_file(files, tmp_path, capsys):
    out = tmp_path / "out.png"
    done = in_process(
        capsys, files["content"], files["style"], "-o", out, "--size", 48, "--steps", 2, "--init", files["style2"], "-q"
    )
    assert done.returncode == 0, done.stderr


def test_help_explains_every_option():
    done = cli("--help")
    assert done.returncode == 0
    for option in (
        "--size",
        "--steps",
        "--gamma",
        "--content-weight",
        "--style-weight",
        "--tv-weight",
        "--optimizer",
        "--init",
        "--pooling",
        "--weights",
        "--device",
        "--seed",
        "--save-every",
    ):
        assert option in done.stdout


@pytest.mark.parametrize(
    ("make_args", "words"),
    [
        (lambda f, t: [t / "missing.jpg", f["style"]], "does not exist"),
        (lambda f, t: [f["content"], t / "notes.txt"], "not a picture"),
        (lambda f, t: [f["content"], f["style"], f["style2"], "--gamma", "1.5"], "gamma"),
        (lambda f, t: [f["content"], f["style"], "--steps", "0"], "steps"),
        (lambda f, t: [f["content"], f["style"], "--size", "999999"], "size"),
        (lambda f, t: [f["content"], f["style"], "-o", t / "out.txt"], "extension"),
        (lambda f, t: [f["content"], f["style"], "-o", t / "no" / "dir" / "out.png"], "does not exist"),
        (lambda f, t: [f["content"], f["style"], "--weights", t / "nope.pth"], "not found"),
        (lambda f, t: [f["content"], f["style"], "--device", "tpu"], "device"),
        (lambda f, t: [f["content"], f["style"], "--style-layers", "relu1_1,relu7_1"], "relu7_1"),
        (lambda f, t: [f["content"], f["style"], "--style-layer-weights", "a,b"], "comma-separated"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(files, tmp_path, capsys, make_args, words):
    (tmp_path / "notes.txt").write_text("not an image")
    # in-process: the same main() as `python -m engine`, without paying torch's import per case
    assert main([*map(str, make_args(files, tmp_path)), "-q"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0], err


def test_a_mistake_in_a_real_process_prints_no_traceback(files, tmp_path):
    done = cli(files["content"], tmp_path / "missing.png", "--gamma", "0.3")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: The style image file {str(tmp_path / 'missing.png')!r} does not exist."
    ]


def test_five_styles_is_a_usage_error(files):
    done = cli(files["content"], *[files["style"]] * 5)
    assert done.returncode == 2 and "one to 4 style" in done.stderr and "Traceback" not in done.stderr
