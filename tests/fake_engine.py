"""A fake EngineClient for bot tests: the real protocol and validation, Pillow instead of VGG19.

It checks each spec as the engine would (settings through engine.modes, pictures through
engine.imaging — both torch-free), then "paints" step by step (a quick blend of the photo and the
style's colours at the asked size), emitting the same events as the engine process. Scripts:
``step_seconds`` paces it (unset: 10 ms a step, a long job at most 1 s in all), ``crash_next``
dies mid-job, ``deaf`` ignores cancels, ``fail_next`` reports an engine error.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from engine import regions
from engine.errors import EngineError
from engine.imaging import fit_size, open_image
from engine.job_folder import subject_mask
from engine.mask import own_colours
from engine.modes import sticker
from engine.results import CUT, NO_SUBJECT
from engine.video import clips, timelapse
from worker.client import Capabilities
from worker.protocol import Artifact, Cancelled, Done, Event, Failed, JobSpec, Media, Progress, Started, beside
from worker.serve import check_output, keep_beside, save
from worker.waiting import within

EXPERIMENTS = ("texture", "dream", "reconstruct", "dreamzoom")


class FakeEngine:
    def __init__(self, step_seconds: float | None = None,
                 modes: tuple[str, ...] = ("style", *EXPERIMENTS, "sticker"), device: str = "fake"):  # fmt: skip
        self.step_seconds, self.modes, self.device = step_seconds or 0.01, tuple(modes), device
        #: unpaced, a 500-step texture need not take 5 s; a test that sets the pace gets it exactly
        self.longest = 1.0 if step_seconds is None else None
        self.capabilities: Capabilities | None = None
        self.starts = 0
        self.submitted: list[tuple[str, JobSpec]] = []
        self.crash_next = 0  #: how many of the next jobs die mid-way (the process "crashes")
        self.fail_next: EngineError | None = None
        self.deaf = False  #: ignore cancels (a stuck engine)
        self._alive = False
        self._events: dict[str, asyncio.Queue[Event]] = {}  #: each job's events, in order
        self._cancelled: set[str] = set()
        self._tasks: set[asyncio.Task] = set()

    self_healing = False  #: like a local process: the bot restarts it when it dies

    @property
    def alive(self) -> bool:
        return self._alive

    def slots(self, family: str = "picture") -> int:
        return 1 if self.capabilities is not None and family in self.capabilities.families else 0

    async def start(self) -> Capabilities:
        await self.stop()
        self.starts += 1
        self._alive = True
        self._events = {}
        self.capabilities = Capabilities(self.device, self.modes, 0.0)
        return self.capabilities

    async def submit(self, job_id: str, spec: JobSpec) -> None:
        self.submitted.append((job_id, spec))
        task = asyncio.create_task(self._paint(job_id, spec))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cancel(self, job_id: str) -> None:
        if not self.deaf:
            self._cancelled.add(job_id)

    async def next_event(self, job_id: str, timeout: float | None = None) -> Event:
        return await within(timeout, self._queue(job_id).get())

    def _queue(self, job_id: str) -> asyncio.Queue[Event]:
        return self._events.setdefault(job_id, asyncio.Queue())

    def kill(self) -> None:
        """The engine dies now (like SIGKILL): the running job is reported crashed."""
        self._alive = False
        for task in list(self._tasks):
            task.cancel()

    async def stop(self) -> None:
        self._alive = False
        for task in list(self._tasks):
            task.cancel()
        self._tasks.clear()

    async def _paint(self, job_id: str, spec: JobSpec) -> None:
        put = self._queue(job_id).put
        await put(Started(job_id))
        try:
            if spec.mode not in self.modes:
                raise EngineError(f"This engine does not paint {spec.mode!r}.", "bad_settings")
            styles_given = spec.paths("styles")
            settings = spec.mode_settings().validate(len(styles_given) if "styles" in spec.inputs else 1)
            check_output(spec)
            if spec.mode in ("video", "paintclip"):  # a clip, by the instant networks or the optimisation
                clip = await asyncio.to_thread(clips.probe, spec.paths("content")[0])
                styles = [open_image(p, role="style image") for p in styles_given]
                if self.fail_next is not None:
                    error, self.fail_next = self.fail_next, None
                    raise error
                await self._paint_clip(job_id, spec, settings, clip, styles)
                return
            if spec.mode == "sticker":  # the real sticker mode: a mask and an encode, torch-free and quick
                with regions.noting() as subjects:
                    result = await asyncio.to_thread(sticker.run, None, spec.engine_inputs(), settings)
                shutil.move(result.file, spec.output.path)
                made = (Artifact(spec.output.path, spec.output.media, result.image.size),)
                made += (_mask_beside(spec.output.path, subjects),) if subjects else ()
                await put(Done(job_id, made, result.elapsed, 1, "fake", result.codes))
                return
            if spec.mode == "dreamzoom":
                await self._paint_zoom(job_id, spec, settings, open_image(spec.paths("content")[0], role="photo"))
                return
            pictures = [open_image(p, role="picture") for p in spec.pictures]
            content, styles = pictures[0], pictures[1:] or pictures[:1]  # texture, dream, x-ray: one picture
            if self.fail_next is not None:
                error, self.fail_next = self.fail_next, None
                raise error
        except EngineError as exc:
            await put(Failed(job_id, exc.code, exc.message))
            return
        crash = self.crash_next > 0
        self.crash_next -= crash
        size = fit_size(content.size, settings.size)
        total = settings.total_steps
        loop = asyncio.get_running_loop()
        started = loop.time()
        pause = self.step_seconds if self.longest is None else min(self.step_seconds, self.longest / max(total, 1))
        try:
            for step in range(1, total + 1):
                await asyncio.sleep(pause)
                if job_id in self._cancelled:
                    self._cancelled.discard(job_id)
                    await put(Cancelled(job_id))
                    return
                if crash and step > total // 2:
                    self._alive = False
                    await put(Failed(job_id, "engine_crashed", "The painting engine stopped unexpectedly."))
                    return
                preview = None
                every = getattr(settings, "preview_every", 0)  # an instant picture has none
                if every and step % every == 0 and spec.preview_dir:
                    preview = str(Path(spec.preview_dir) / f"{job_id}.step{step}.jpg")
                    paint(content, styles, size, step / total).save(preview, quality=88)
                elapsed = loop.time() - started
                await put(Progress(job_id, "optimize", step, total, elapsed, elapsed / step * (total - step), preview))
            final, warnings = paint(content, styles, size, 1.0), ()
            subjects = []
            if getattr(settings, "region", "whole") != "whole":  # by region, on the real subject mask
                mask = spec.engine_inputs().get("mask")
                with regions.noting() as subjects:
                    final, warnings = await asyncio.to_thread(by_region, content, styles, size, settings.region, mask)
            save(final, spec.output)  # as the engine: by its media and suffix
            made = [Artifact(spec.output.path, spec.output.media, size)]
            if subjects:  # as the engine: the subject it found, handed back beside the picture
                made.append(_mask_beside(spec.output.path, subjects))
            if getattr(settings, "timelapse", 0):  # as the engine: the painting forming, beside it
                lapse = beside(spec.output.path, "timelapse.mp4")
                frames = [paint(content, styles, size, k / 5) for k in range(1, 6)]
                await asyncio.to_thread(timelapse.write, lapse, frames, final)
                made.append(Artifact(lapse, Media.ANIMATION, clips.even_size(size, timelapse.SIDE)))
        except asyncio.CancelledError:
            if not self._alive:  # killed: what the pump thread reports for a dead process
                self._queue(job_id).put_nowait(
                    Failed(job_id, "engine_crashed", "The painting engine stopped unexpectedly.")
                )
            raise
        await put(Done(job_id, tuple(made), loop.time() - started, total, "fake", warnings))

    async def _paint_clip(self, job_id: str, spec: JobSpec, settings, info, styles: list[Image.Image]) -> None:
        """A clip "painted" frame by frame (each tinted as :func:`paint` does), written by PyAV with
        its sound, as the engine's video mode does; a Progress per frame, a preview now and then."""
        source = spec.paths("content")[0]
        size = clips.even_size(info.size, settings.size)
        fps = clips.rate(info, settings.max_fps)
        frames = await asyncio.to_thread(
            lambda: list(clips.frames(source, size, fps=fps, seconds=settings.max_seconds))
        )
        painted = (paint(Image.fromarray(frame), styles, size, 1.0) for frame in frames)
        cut = info.seconds > settings.max_seconds + 0.5  # (the engine says so too, as this code)
        await self._write_clip(job_id, spec, painted, len(frames), fps, size, source if info.has_audio else None,
                               (CUT,) if cut else ())  # fmt: skip

    async def _paint_zoom(self, job_id: str, spec: JobSpec, settings, photo: Image.Image) -> None:
        """A dream zoom "painted": the photo tinted and enlarged a little more each frame, an MP4."""
        from engine.modes.dreamzoom import zoomed

        size = clips.even_size(photo.size, settings.size)

        def nearer():
            current = paint(photo.resize(size), [photo], size, 0.5)
            for _ in range(settings.frames):
                yield current
                current = zoomed(current, settings.zoom)

        await self._write_clip(job_id, spec, nearer(), settings.frames, settings.fps, size, None, ())

    async def _write_clip(self, job_id: str, spec: JobSpec, pictures, total: int, fps, size, sound, warnings) -> None:
        """Each picture a frame, with a Progress (and now and then a preview); then the MP4 and Done."""
        put = self._queue(job_id).put
        loop = asyncio.get_running_loop()
        started, frames, every = loop.time(), [], max(1, total // 4)
        for index, picture in enumerate(pictures, 1):
            await asyncio.sleep(self.step_seconds)
            if job_id in self._cancelled:
                self._cancelled.discard(job_id)
                await put(Cancelled(job_id))
                return
            frames.append(np.asarray(picture))
            preview = None
            if index % every == 0 and spec.preview_dir:
                preview = str(Path(spec.preview_dir) / f"{job_id}.step{index}.jpg")
                picture.save(preview, quality=88)
            elapsed = loop.time() - started
            await put(Progress(job_id, "optimize", index, total, elapsed, elapsed / index * (total - index), preview,
                               index / total))  # fmt: skip
        await asyncio.to_thread(clips.write, spec.output.path, frames, fps, sound_from=sound)
        made = (Artifact(spec.output.path, spec.output.media, size),)
        await put(Done(job_id, made, loop.time() - started, total, "fake", warnings))


def by_region(content: Image.Image, styles: list[Image.Image], size, region: str, mask: str | None = None):
    """The fake painting by region, as the instant mode composites it: (picture, warnings)."""
    found = regions.subject(content, mask)
    if not found.found:
        return paint(content, styles, size, 1.0), (NO_SUBJECT,)
    alpha = found.feathered(size)
    if region == "split":
        return Image.composite(paint(content, styles[:1], size, 1.0), paint(content, styles[1:], size, 1.0), alpha), ()
    keep = regions.kept(region, alpha)
    return Image.composite(own_colours(content.resize(size), keep), paint(content, styles, size, 1.0), keep), ()


def paint(content: Image.Image, styles: list[Image.Image], size: tuple[int, int], amount: float) -> Image.Image:
    """The photo, posterised and tinted towards the styles' average colour."""
    photo = content.resize(size).filter(ImageFilter.SMOOTH)
    tint = Image.new("RGB", size, styles[0].resize((1, 1)).getpixel((0, 0)))
    return Image.blend(ImageOps.posterize(photo, 4), tint, 0.4 * amount)


def _mask_beside(output: str, subjects) -> Artifact:
    """As the engine hands back the subject it found (engine.job_folder.run_in): a grey PNG, beside
    the output as the worker keeps it."""
    folder = Path(tempfile.mkdtemp(prefix="fake-mask-"))
    artifact = keep_beside(output, subject_mask(subjects, folder))
    folder.rmdir()
    return artifact
