"""The local EngineClient, for real: a spawned engine process loading the network once, painting 64 px jobs
from versioned job specs."""

from __future__ import annotations

import os

import pytest
from PIL import Image

from engine import StyleSettings
from worker.local import LocalEngine as EngineProcess
from worker.protocol import EventKind, JobSpec

from ..conftest import picture, stripes

CANCELLED, DONE, FAILED, PROGRESS, STARTED = (
    EventKind.CANCELLED,
    EventKind.DONE,
    EventKind.FAILED,
    EventKind.PROGRESS,
    EventKind.STARTED,
)
pytestmark = pytest.mark.slow


@pytest.fixture()
def inputs(tmp_path):
    content, style = tmp_path / "content.jpg", tmp_path / "style.png"
    picture(120, 80).save(content)
    stripes(64, 64).save(style)
    return tmp_path, str(content), str(style)


def request(inputs, job_id: str, **settings) -> tuple[str, JobSpec]:
    folder, content, style = inputs
    values = StyleSettings(size=64, **{"steps": 6, **settings})
    return job_id, JobSpec.style(content, [style], str(folder / f"{job_id}.png"), values, preview_dir=str(folder))


async def events_until_end(process: EngineProcess, job_id: str, timeout: float = 60.0) -> list:
    seen = []
    while True:
        event = await process.next_event(job_id, timeout)
        assert event.job_id == job_id
        seen.append(event)
        if event.kind in (DONE, FAILED, CANCELLED):
            return seen


async def test_one_load_serves_jobs_with_progress_and_previews(inputs):
    process = EngineProcess(device="cpu")
    ready = await process.start()
    try:
        assert ready.device == "cpu" and process.pid != os.getpid()
        for job_id in ("job-1", "job-2"):
            await process.submit(*request(inputs, job_id, preview_every=3))
            seen = await events_until_end(process, job_id)
            kinds = [e.kind for e in seen]
            assert kinds[0] == STARTED and kinds[-1] == DONE
            steps = [e.step for e in seen if e.kind == PROGRESS and e.stage == "optimize"]
            assert steps == [1, 2, 3, 4, 5, 6]
            previews = [e.preview for e in seen if getattr(e, "preview", None)]
            assert len(previews) == 2 and all(Image.open(p).size == (64, 43) for p in previews)
            done = seen[-1]
            assert Image.open(done.output).size == (64, 43) and done.size == (64, 43)
            assert process.current_job is None
        # the same process paints every VGG19 mode from its spec: a texture, a dream, an x-ray strip
        folder, content, style = inputs
        tiny = {
            "texture": ({"source": style}, {"size": 48, "steps": 5, "start_size": None, "tileable": True}),
            "dream": ({"content": content}, {"size": 64, "octaves": 2, "steps": 2}),
            "reconstruct": ({"content": content}, {"size": 32, "strip": True, "steps": 2, "start_size": None}),
        }
        for mode, (pictures, values) in tiny.items():
            spec = JobSpec(mode, pictures, str(folder / f"{mode}.png"), values)
            await process.submit(mode, spec)
            seen = await events_until_end(process, mode)
            assert seen[-1].kind == DONE, seen[-1]
            assert [e.step for e in seen if e.kind == PROGRESS][-1] == spec.mode_settings().total_steps
        assert Image.open(folder / "texture.png").size == (48, 48)
        assert Image.open(folder / "dream.png").size == (64, 43)
        strip = Image.open(folder / "reconstruct.png")
        assert strip.size[0] > 5 * 32 and strip.size[1] > 21  # five panels side by side, labelled below
        assert process.alive
    finally:
        await process.stop()
    assert not process.alive


async def test_bad_input_and_bad_settings_leave_the_process_serving(inputs):
    """(A cancel, a crash and a restart: tests/worker/test_engine_clients.py, for every client.)"""
    folder, content, style = inputs
    (folder / "notes.txt").write_text("not a picture")
    process = EngineProcess(device="cpu")
    await process.start()
    try:
        bad = JobSpec.style(
            str(folder / "notes.txt"), [style], str(folder / "bad.png"), StyleSettings(size=64, steps=2)
        )
        await process.submit("bad", bad)
        failed = (await events_until_end(process, "bad"))[-1]
        assert failed.kind == FAILED and failed.code == "not_image" and "content image" in failed.message

        wrong = JobSpec(
            "style", {"content": content, "styles": [style]}, str(folder / "w.png"), {"size": 64, "gamma": 7.0}
        )
        await process.submit("wrong", wrong)
        failed = (await events_until_end(process, "wrong"))[-1]
        assert failed.code == "bad_settings" and "gamma" in failed.message

        await process.submit(*request(inputs, "after"))
        assert (await events_until_end(process, "after"))[-1].kind == DONE
    finally:
        await process.stop()


async def test_an_instant_process_loads_no_torch_and_paints_in_one_pass(inputs):
    folder, content, style = inputs
    process = EngineProcess(device="cpu", modes=("instant",))
    ready = await process.start()
    try:
        assert ready.modes == ("instant",)
        with open(f"/proc/{process.pid}/maps") as maps:
            assert "libtorch" not in maps.read()  # onnxruntime only: a light process, quick to start
        spec = JobSpec("instant", {"content": content, "styles": [style]}, str(folder / "sketch.jpg"), {"size": 100})
        await process.submit("sketch-1", spec)
        seen = await events_until_end(process, "sketch-1")
        assert seen[-1].kind == DONE and seen[-1].steps == 1
        sketch = Image.open(folder / "sketch.jpg")
        assert sketch.format == "JPEG" and sketch.size == (100, 67)
        await process.submit(*request(inputs, "style-1"))  # not a mode this process paints: a clear failure
        failed = (await events_until_end(process, "style-1"))[-1]
        assert failed.kind == FAILED and failed.code == "bad_settings"
    finally:
        await process.stop()
