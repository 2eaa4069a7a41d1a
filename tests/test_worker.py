"""The engine process, for real: spawned, loading the network once, painting 64 px jobs."""

from __future__ import annotations

import os
import signal

import pytest
from PIL import Image

from engine import StyleSettings
from engine.worker import CANCELLED, DONE, FAILED, PROGRESS, STARTED, EngineProcess, JobRequest, settings_to_dict

from .conftest import picture, stripes


@pytest.fixture()
def inputs(tmp_path):
    content, style = tmp_path / "content.jpg", tmp_path / "style.png"
    picture(120, 80).save(content)
    stripes(64, 64).save(style)
    return tmp_path, str(content), str(style)


def request(inputs, job_id: str, **settings) -> JobRequest:
    folder, content, style = inputs
    values = settings_to_dict(StyleSettings(size=64, **{"steps": 6, **settings}))
    return JobRequest(job_id, content, (style,), str(folder / f"{job_id}.png"), values, preview_dir=str(folder))


async def events_until_end(process: EngineProcess, job_id: str, timeout: float = 60.0) -> list:
    seen = []
    while True:
        event = await process.next_event(timeout)
        assert event.job_id == job_id
        seen.append(event)
        if event.kind in (DONE, FAILED, CANCELLED):
            return seen


async def test_one_load_serves_jobs_with_progress_and_previews(inputs):
    process = EngineProcess(device="cpu")
    ready = await process.start()
    try:
        assert ready.info["device"] == "cpu" and ready.info["pid"] == process.pid != os.getpid()
        for job_id in ("job-1", "job-2"):
            process.submit(request(inputs, job_id, preview_every=3))
            seen = await events_until_end(process, job_id)
            kinds = [e.kind for e in seen]
            assert kinds[0] == STARTED and kinds[-1] == DONE
            steps = [e.step for e in seen if e.kind == PROGRESS and e.stage == "optimize"]
            assert steps == [1, 2, 3, 4, 5, 6]
            previews = [e.preview for e in seen if e.preview]
            assert len(previews) == 2 and all(Image.open(p).size == (64, 43) for p in previews)
            done = seen[-1]
            assert Image.open(done.output).size == (64, 43) and done.info["size"] == [64, 43]
            assert process.current_job is None
        assert process.alive
    finally:
        await process.stop()
    assert not process.alive


async def test_cancel_bad_input_and_bad_settings_leave_the_process_serving(inputs):
    folder, content, style = inputs
    (folder / "notes.txt").write_text("not a picture")
    process = EngineProcess(device="cpu")
    await process.start()
    try:
        process.submit(request(inputs, "long", steps=5000))
        assert (await process.next_event(60)).kind == STARTED
        while (await process.next_event(60)).kind != PROGRESS:
            pass
        process.cancel("long")
        rest = await events_until_end(process, "long")
        assert rest[-1].kind == CANCELLED and rest[-1].step == 0
        assert not os.path.exists(folder / "long.png")

        bad = JobRequest(
            "bad",
            str(folder / "notes.txt"),
            (style,),
            str(folder / "bad.png"),
            settings_to_dict(StyleSettings(size=64, steps=2)),
        )
        process.submit(bad)
        failed = (await events_until_end(process, "bad"))[-1]
        assert failed.kind == FAILED and failed.error_code == "not_image" and "content image" in failed.error

        wrong = JobRequest("wrong", content, (style,), str(folder / "w.png"), {"size": 64, "gamma": 7.0})
        process.submit(wrong)
        failed = (await events_until_end(process, "wrong"))[-1]
        assert failed.error_code == "bad_settings" and "gamma" in failed.error

        process.submit(request(inputs, "after"))
        assert (await events_until_end(process, "after"))[-1].kind == DONE
    finally:
        await process.stop()


async def test_a_killed_process_is_noticed_mid_job(inputs):
    process = EngineProcess(device="cpu")
    await process.start()
    try:
        process.submit(request(inputs, "doomed", steps=5000))
        assert (await process.next_event(60)).kind == STARTED
        os.kill(process.pid, signal.SIGKILL)
        event = await process.next_event(30)
        while event.kind == PROGRESS:
            event = await process.next_event(30)
        assert event.kind == FAILED and event.error_code == "engine_crashed" and event.job_id == "doomed"
        assert not process.alive
    finally:
        await process.stop()
