"""The engine process's loop: load the network once, then paint one job at a time.

Runs in a spawned child (worker.local.LocalEngine). Jobs arrive as (job id, spec dict); events
leave as protocol dataclasses. Pictures travel as files, never as pickles.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import queue
import shutil
import signal
import sys
import traceback
from pathlib import Path

from engine.errors import EngineError
from engine.modes.base import PICTURE_FAMILY, VIDEO_FAMILY

from .protocol import (
    CLIPS,
    Artifact,
    Cancelled,
    Done,
    Failed,
    JobSpec,
    Media,
    Output,
    Progress,
    Ready,
    SpecError,
    Started,
    beside,
)


class _Cancelled(Exception):
    pass


def serve(requests, events, cancels, weights: str, device: str, modes: tuple[str, ...] | None = None) -> None:
    """The engine process's main loop; ``None`` on ``requests`` ends it. Loads only what ``modes``
    need (all of them by default): a process for the instant mode alone imports no torch and is
    ready in about a second."""
    # Ctrl-C in a terminal reaches the whole process group: the parent stops this process itself
    # (None on ``requests``), so the child need not die mid-job printing a KeyboardInterrupt trace.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from engine import modes as registry
    from engine.job_folder import clear_abandoned
    from engine.modes.base import INSTANT_NETS

    modes = tuple(registry.MODES) if modes is None else modes
    clear_abandoned()  # the folders of jobs whose engine process died under them

    try:
        if any(registry.get(mode).needs_torch for mode in modes):
            from engine.painter import Engine

            engine = Engine(weights=weights, device=device)
            # the modes of the instant networks only where they load here (tried once)
            wanted = any(INSTANT_NETS in registry.get(m).networks for m in modes)
            loaded = wanted and instant_loads(engine)
            offered = tuple(m for m in modes if INSTANT_NETS not in registry.get(m).networks or loaded)
        else:
            from engine.instant import InstantPainter

            engine, offered = InstantPainter(), tuple(modes)
    except EngineError as exc:
        events.put(Failed("", exc.code, exc.message))
        return
    # a painting engine times itself, so the bot's first estimates fit this host (three small steps)
    speed = engine.calibrate() if registry.DEFAULT in offered else None
    events.put(Ready(str(engine.device), engine.load_seconds, os.getpid(), offered, seconds_per_unit=speed))
    cancelled: set[str] = set()
    while parent_alive():
        try:
            request = requests.get(timeout=1.0)
        except queue.Empty:
            continue
        if request is None:
            return
        job_id, spec = request
        run_job(engine, job_id, spec, events, cancels, cancelled)


def instant_loads(engine) -> bool:
    """Whether the engine's instant networks load (off, with one stderr line, when they do not)."""

    try:
        engine.instant  # noqa: B018 - loads the networks now, not during someone's job
    except EngineError as exc:
        print(f"engine: instant pictures are off: {exc}", file=sys.stderr, flush=True)
        return False
    return True


def parent_alive() -> bool:
    # A parent killed with SIGKILL cannot stop us; without this check we would paint on as an orphan.
    parent = mp.parent_process()
    return parent is None or parent.is_alive()


def run_job(engine, job_id: str, spec_dict: dict, events, cancels, cancelled: set[str]) -> None:

    def drain_cancels() -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                cancelled.add(cancels.get_nowait())

    def on_progress(p) -> None:
        if not parent_alive():
            raise SystemExit(0)
        drain_cancels()
        if job_id in cancelled:
            raise _Cancelled
        preview = None
        if p.image is not None and p.stage == "optimize" and spec.preview_dir:
            preview = str(Path(spec.preview_dir) / f"{job_id}.step{p.step}.jpg")
            p.image.save(preview, quality=88)
        if p.stage != "done":
            events.put(Progress(job_id, p.stage, p.step, p.total_steps, p.elapsed, p.eta, preview, p.work))

    drain_cancels()
    if job_id in cancelled:
        events.put(Cancelled(job_id))
        return
    events.put(Started(job_id))
    try:
        try:
            spec = JobSpec.from_dict(spec_dict)
        except SpecError as exc:
            events.put(Failed(job_id, "bad_spec", f"This job cannot be read ({exc})."))
            return
        settings = spec.mode_settings()
        check_output(spec)
        from engine.job_folder import job_folder, run_in

        # whatever the job writes lives in its folder, removed however the job ends (done, failed, ✖)
        with job_folder(job_id) as folder:
            result = run_in(engine, spec.mode, spec.engine_inputs(), settings, on_progress, folder)
            written = spec.output.path
            if result.file is not None:  # the mode wrote it (a clip): moved where the job's output goes
                shutil.move(result.file, spec.output.path)
            else:
                written = save(result.image, spec.output)
            # the others beside it (a time-lapse, the subject mask found for the photo's next jobs)
            extras = [keep_beside(spec.output.path, made) for made in result.extras]
    except _Cancelled:
        events.put(Cancelled(job_id))
    except EngineError as exc:
        events.put(Failed(job_id, exc.code, exc.message))
    except Exception:  # a bug or an exhausted machine: keep serving, report without internals
        traceback.print_exc()
        events.put(Failed(job_id, "internal", "Something went wrong while painting."))
    else:
        events.put(
            Done(
                job_id,
                (Artifact(written, spec.output.media, result.image.size), *extras),
                result.elapsed,
                result.steps,
                result.device,
                result.codes,
                tuple(result.relative_improvement),
            )
        )
    finally:
        cancelled.discard(job_id)


def keep_beside(output: str, made) -> Artifact:
    """Another file a job made, moved beside its output (``job_7.png`` → ``job_7.timelapse.mp4``)."""
    place = Path(beside(output, made.path))
    shutil.move(made.path, place)
    return Artifact(str(place), Media(made.media), made.size)


#: What a mode family makes (engine.modes), as the job protocol's media kinds.
MAKES = {PICTURE_FAMILY: {Media.PICTURE, Media.DOCUMENT, Media.STICKER, Media.VIDEO_STICKER}, VIDEO_FAMILY: CLIPS}


#: What a bot may upload (a document): a print whose PNG would be larger goes as a JPEG.
MAX_DOCUMENT = 50 * 1024 * 1024


def save(image, output: Output) -> str:
    """Write a picture; where it went. PNG (lossless, for 📄), or a light JPEG for a .jpg output (an
    instant sketch); a print (a document) whose PNG would pass Telegram's 50-MB upload limit is a
    JPEG at quality 95, no colour subsampling, beside it instead."""
    path = Path(output.path)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.save(path, "JPEG", quality=90)
        return str(path)
    image.save(path, "PNG")
    if output.media == Media.DOCUMENT and path.stat().st_size > MAX_DOCUMENT:
        jpeg = path.with_suffix(".jpg")
        image.convert("RGB").save(jpeg, "JPEG", quality=95, subsampling=0)
        path.unlink()
        return str(jpeg)
    return str(path)


def check_output(spec: JobSpec) -> None:
    """Refuse, before any painting, a job asking its mode for what it cannot make."""
    from engine.modes import family_of

    if spec.output.media not in MAKES.get(family_of(spec.mode), set()):
        raise EngineError(f"The {spec.mode} mode does not make a {spec.output.media}.", "bad_settings")
