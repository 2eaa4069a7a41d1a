"""Every mode on one GPU, in one command: per mode its seconds, peak GPU memory, and ok or the error.

    make gpu-check                      (python -m benchmarks.gpu_check)
    python -m benchmarks.gpu_check --device cpu --tiny     (the same list at 64 px: checks the check)

Each job runs the way an engine process runs it (engine.job_folder.run_in, the GPU presets): the
painting at every quality at 1024 px and its print size (4096 px, grown as 🖨 grows it; and
2048 px in tiles, as where memory is short); a CPU schedule on the GPU (the detail sizes, which the
GPU presets do not use); instant; texture; dream; x-ray; keep me and split (by region, the subject
found by the mask network); a time-lapse; a clip (the instant networks frame by frame); the clip
optimisation (offered only on GPU hosts); the dream zoom; a sticker. The pictures are the repository's
own (samples/astronaut.jpg, a style drawn here, a clip made with PyAV): a GPU machine may have no
../shared. Meant to take under 5 minutes on one GPU.

Prints the device, torch, the commit and the date, then a line per job. Exit status 0 when every job
ran, 1 when one failed; without an NVIDIA GPU (and no ``--device``) it says so in one line and exits 2.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT / "samples" / "astronaut.jpg"  #: a face and a subject, for faces and keep me


@dataclass
class Job:
    label: str
    mode: str
    preset: str | None = None
    values: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)  #: by role; filled in by ``jobs`` from the pictures made
    cpu_schedule: bool = False  #: the CPU presets' schedule (paint size, then detail sizes) on the GPU
    grows: int = 0  #: a print of the first painting, to this longest side (StyleSettings.grown_from)


def jobs(photo: str, style: str, second: str, clip: str) -> list[Job]:
    """The list, every mode once and the painting at each quality; the sticker is cut from the first painting."""
    paint = {"content": photo, "styles": [style]}
    qualities = ("fast", "balanced", "best")
    return [
        *(Job(f"painting {preset} 1024 px", "style", preset, {"seed": 0}, paint) for preset in qualities),
        Job("painting balanced, detail sizes", "style", "balanced", {"seed": 0}, paint, cpu_schedule=True),
        Job("print size 4096 px", "style", "balanced", {"seed": 0}, paint, grows=4096),
        Job("print 2048 px in tiles of 512", "style", "balanced", {"seed": 0, "tile": 512}, paint, grows=2048),
        Job("instant", "instant", "instant", {}, paint),
        Job("texture", "texture", "balanced", {"seed": 0}, {"source": style}),
        Job("dream", "dream", "balanced", {"seed": 0}, {"content": photo}),
        Job("x-ray (five depths)", "reconstruct", "balanced", {"seed": 0, "strip": True}, {"content": photo}),
        Job("keep me", "style", "fast", {"seed": 0, "region": "keep_subject"}, paint),
        Job("split, two styles", "style", "fast", {"seed": 0, "region": "split"}, {**paint, "styles": [style, second]}),
        Job("time-lapse", "style", "fast", {"seed": 0, "timelapse": 24}, paint),
        Job("clip (instant)", "video", "balanced", {}, {"content": clip, "styles": [style]}),
        Job("clip optimisation", "paintclip", "balanced", {}, {"content": clip, "styles": [style]}),
        Job("dream zoom", "dreamzoom", "balanced", {"seed": 0}, {"content": photo}),
        Job("sticker", "sticker", "sticker", {}, {"content": photo}),  # its picture: the first painting
    ]


def tiny(job: Job, settings):
    """The same job at 64 px and a few steps (``--tiny``): what is checked is that it runs."""
    names = set(getattr(settings, "__dataclass_fields__", {}))
    small = {"size": 64, "steps": 2, "coarse_steps": 2, "start_size": 32, "paint_size": 48, "detail_steps": 2,
             "first_steps": 2, "octaves": 2, "seconds": 1, "max_seconds": 1, "timelapse": 4}  # fmt: skip
    changes = {k: v for k, v in small.items() if k in names and getattr(settings, k) not in (None, 0, False)}
    if "paint_size" in changes and not job.cpu_schedule:
        del changes["paint_size"]
    return settings.replace(**changes) if changes else settings


def style_picture(side: int = 512, warm: bool = True) -> Image.Image:
    """A style drawn here: swirls of two colours with dark strokes (no ../shared on a GPU machine)."""
    y, x = np.mgrid[0:side, 0:side] / side
    angle = np.arctan2(y - 0.5, x - 0.5) + 9 * np.hypot(x - 0.5, y - 0.5)
    bands = 0.5 + 0.5 * np.sin(14 * angle)
    strokes = 0.5 + 0.5 * np.sin(90 * (x + 0.3 * np.sin(7 * y)))
    a, b = (
        (np.array([235, 170, 40]), np.array([30, 60, 150]))
        if warm
        else (np.array([200, 40, 60]), np.array([20, 140, 90]))
    )
    rgb = bands[..., None] * a + (1 - bands[..., None]) * b
    rgb *= (0.6 + 0.4 * strokes)[..., None]
    return Image.fromarray(rgb.clip(0, 255).astype(np.uint8))


def commit() -> str:
    try:
        found = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        return found.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default=None, help="default: cuda, and exit 2 where there is none")
    parser.add_argument("--tiny", action="store_true", help="64 px and a few steps: check the check on any machine")
    parser.add_argument("--only", nargs="+", default=None, help="the jobs whose label starts with one of these")
    args = parser.parse_args()

    import torch

    if args.device is None and not torch.cuda.is_available():
        print("gpu-check: no NVIDIA GPU here (torch.cuda.is_available() is False): nothing checked")
        return 2
    from engine import Engine
    from engine.job_folder import job_folder, run_in
    from engine.modes import get as get_mode
    from engine.presets import on_gpu

    engine = Engine(device=args.device or "cuda")
    device = engine.device
    gpu = on_gpu(str(device))
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    tag = " · --tiny" if args.tiny else ""
    print(f"gpu-check {datetime.date.today()} · {name} ({device}) · torch {torch.__version__} · commit {commit()}{tag}")

    with tempfile.TemporaryDirectory(prefix="gpu-check-") as scratch:
        folder = Path(scratch)
        style, second = folder / "style.png", folder / "second.png"
        style_picture().save(style)
        style_picture(warm=False).save(second)
        clip = folder / "clip.mp4"
        sys.path.insert(0, str(ROOT))
        from tests.clips import make_clip

        make_clip(clip, frames=8 if args.tiny else 48, fps=24, size=(96, 64) if args.tiny else (480, 320))
        listed = jobs(str(PHOTO), str(style), str(second), str(clip))
        if args.only:
            listed = [job for job in listed if job.label.startswith(tuple(args.only))]
        first_painting: str | None = None
        failures = 0
        print(f"{'job':34} {'px':>9} {'seconds':>8} {'peak MB':>8}  result")
        for number, job in enumerate(listed):
            mode = get_mode(job.mode)
            inputs = dict(job.inputs)
            if job.mode == "sticker":
                inputs["picture"] = first_painting or str(PHOTO)
            try:
                settings = mode.make_settings(job.values, job.preset, gpu=gpu and not job.cpu_schedule)
                settings = tiny(job, settings) if args.tiny else settings
                if job.grows:  # the first painting, grown (as 🖨 under its file grows it)
                    if first_painting is None:
                        raise RuntimeError("no painting to grow: the first one failed")
                    inputs["init"] = first_painting
                    side = max(Image.open(first_painting).size)
                    size = 128 if args.tiny else job.grows
                    settings = settings.replace(size=size, init="image", grown_from=side, timelapse=0)
                    if args.tiny and settings.tile:  # tiles smaller than the tiny print
                        settings = settings.replace(tile=64)
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                    torch.cuda.reset_peak_memory_stats(device)
                started = time.perf_counter()
                with job_folder(f"gpu-check-{number}") as work:
                    result = run_in(engine, job.mode, inputs, settings, None, work)
                    if device.type == "cuda":
                        torch.cuda.synchronize(device)
                    seconds = time.perf_counter() - started
                    said = check(job, result)
                    if job.mode == "style" and first_painting is None:
                        first_painting = str(folder / "painting.png")
                        result.image.save(first_painting)
                peak = f"{torch.cuda.max_memory_allocated(device) / 2**20:.0f}" if device.type == "cuda" else "—"
                size = "×".join(map(str, result.image.size))
                print(f"{job.label:34} {size:>9} {seconds:>8.1f} {peak:>8}  {said}", flush=True)
            except Exception as exc:  # every job is tried: one failure is reported, not the end
                failures += 1
                where = traceback.extract_tb(exc.__traceback__)[-1]
                line = str(exc).splitlines()[0] if str(exc) else ""
                said = f"FAILED {type(exc).__name__}: {line} ({Path(where.filename).name}:{where.lineno})"
                print(f"{job.label:34} {'':>9} {'':>8} {'':>8}  {said}", flush=True)
                if device.type == "cuda":
                    torch.cuda.empty_cache()
    print(f"{len(listed) - failures} of {len(listed)} ran" + (f"; {failures} FAILED" if failures else ""))
    return 1 if failures else 0


def check(job: Job, result) -> str:
    """``ok``, with what each job must have made beyond its picture (a clip, a time-lapse, a subject)."""
    made = {extra.media for extra in result.extras}
    if job.mode in ("video", "paintclip", "dreamzoom", "sticker") and result.file is None:
        raise RuntimeError(f"{job.mode} made no file")
    if job.values.get("timelapse") and "animation" not in made:
        raise RuntimeError("no time-lapse")
    if job.values.get("region", "whole") != "whole" and "mask" not in made:
        raise RuntimeError("no subject found")
    notes = ", ".join(result.codes)
    return f"ok on {result.device}" + (f" ({notes})" if notes else "")


if __name__ == "__main__":
    sys.exit(main())
