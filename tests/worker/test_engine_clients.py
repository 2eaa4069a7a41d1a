"""One contract for every EngineClient: the bot's fake, the spawned local engine and the workers'
client (a real PostgreSQL and real ``python -m worker`` processes, simulating the painting) pass
the same scenarios — a painting with progress, a cancel, an engine that dies under a job, a restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from engine.modes import VGG_MODES
from engine.settings import StyleSettings
from worker.client import EngineClient
from worker.protocol import FINAL, EventKind, JobSpec
from worker.waiting import within

from ..conftest import picture, stripes
from ..fake_engine import FakeEngine


@dataclass
class Subject:
    client: EngineClient
    folder: Path
    kill: object  #: async () -> None: the engine under a running job dies (SIGKILL)
    long_steps: int  #: steps that keep a job painting for a few seconds
    after_kill: object = None  #: async () -> None: what brings painting back (a fresh worker)
    workers: list = field(default_factory=list)
    families: tuple[str, ...] = ("picture",)  #: what its engines paint

    def spec(self, job_id: str, steps: int = 6) -> JobSpec:
        out = self.folder / "out"
        out.mkdir(exist_ok=True)
        return JobSpec.style(str(self.folder / "content.jpg"), [str(self.folder / "style.jpg")],
                             str(out / f"{job_id}.png"), StyleSettings(size=64, steps=steps))  # fmt: skip


async def events(client: EngineClient, job_id: str, until=FINAL, timeout: float = 60.0) -> list:
    seen = []
    while not seen or seen[-1].kind not in until:
        seen.append(await client.next_event(job_id, timeout))
        assert seen[-1].job_id == job_id
    return seen


@pytest.fixture(params=["fake", "local", "remote"])
async def subject(request, tmp_path):
    picture(96, 64).save(tmp_path / "content.jpg")
    stripes(64, 64).save(tmp_path / "style.jpg")
    if request.param == "fake":
        fake = FakeEngine(step_seconds=0.02)

        async def kill_fake():
            fake.kill()

        yield Subject(fake, tmp_path, kill_fake, long_steps=500, families=("picture", "video"))  # (a dream's zoom)
        await fake.stop()
    elif request.param == "local":
        from worker.local import LocalEngine

        local = LocalEngine(device="cpu", modes=VGG_MODES)

        async def kill_local():
            os.kill(local.pid, signal.SIGKILL)

        # (VGG19 also paints the dream's zoom, an animation: the video family)
        yield Subject(local, tmp_path, kill_local, long_steps=5000, families=("picture", "video"))
        await local.stop()
    else:
        async with workers_subject(request.getfixturevalue("postgres_server"), tmp_path) as made:
            yield made


@contextlib.asynccontextmanager
async def workers_subject(server, tmp_path):
    """The workers' client on a new database, with one simulated worker (its clip is the clip itself)."""
    from bot.storage import Database
    from worker.remote import RemoteEngine
    from worker.store import DirectoryStore

    from ..postgres import new_database
    from ..workers import start_worker, stop

    url = await new_database(server)
    db = Database(url)
    await db.migrate()  # the bot's migrations make the workers' tables
    await db.close()
    remote = RemoteEngine(url, DirectoryStore(tmp_path), stale_after=2.0, poll=0.2)
    # a simulated painting of 4 s: long enough to cancel or kill, quick enough to wait for
    worker = start_worker(url, tmp_path, tmp_path / "w1.log", "w1", simulate=4.0)
    made = Subject(remote, tmp_path, None, long_steps=6, workers=[worker], families=("picture", "video"))

    async def kill_worker():
        stop(made.workers[-1], kill=True)

    async def fresh_worker():
        made.workers.append(start_worker(url, tmp_path, tmp_path / "w2.log", "w2", simulate=4.0))

    made.kill, made.after_kill = kill_worker, fresh_worker
    try:
        yield made
    finally:
        await remote.stop()
        for process in made.workers:
            stop(process)


async def started(subject: Subject) -> EngineClient:
    client = subject.client
    capabilities = await client.start()
    assert isinstance(client, EngineClient)  # every member of the interface, none probed for
    assert capabilities is client.capabilities and "style" in capabilities.modes and capabilities.device
    if type(client).__name__ == "LocalEngine":  # a painting engine times itself as it starts (first estimates)
        assert 0.0 < capabilities.seconds_per_unit < 30.0
    await within(30, _until(lambda: client.slots("picture") >= 1))  # workers register within a heartbeat
    assert client.capabilities.families == subject.families
    assert (client.slots("video") >= 1) == ("video" in subject.families)  # slots only where videos are painted
    return client


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.05)


async def test_a_painting_with_progress(subject):
    client = await started(subject)
    await client.submit("1", subject.spec("1"))
    seen = await events(client, "1")
    kinds = [e.kind for e in seen]
    assert kinds[0] == EventKind.STARTED and kinds[-1] == EventKind.DONE, seen[-1]
    progress = [e.fraction for e in seen if e.kind == EventKind.PROGRESS]
    assert progress and progress == sorted(progress) and progress[-1] == pytest.approx(1.0, abs=0.06)
    assert Path(seen[-1].output).exists() and client.alive


async def test_a_cancel_is_confirmed(subject):
    client = await started(subject)
    await client.submit("long", subject.spec("long", subject.long_steps))
    await events(client, "long", until=(EventKind.PROGRESS,))
    await client.cancel("long")
    assert (await events(client, "long"))[-1].kind == EventKind.CANCELLED
    await client.submit("next", subject.spec("next"))
    assert (await events(client, "next"))[-1].kind == EventKind.DONE


async def test_an_engine_that_dies_under_a_job(subject):
    client = await started(subject)
    await client.submit("doomed", subject.spec("doomed", subject.long_steps))
    await events(client, "doomed", until=(EventKind.PROGRESS,))
    await subject.kill()
    if client.self_healing:  # workers: another one takes the job over and paints it to the end
        await subject.after_kill()
        assert (await events(client, "doomed", timeout=60))[-1].kind == EventKind.DONE
        return
    last = (await events(client, "doomed"))[-1]
    assert last.kind == EventKind.FAILED and last.code == "engine_crashed"
    assert not client.alive
    await client.start()  # the bot's supervisor restarts it
    await client.submit("after", subject.spec("after"))
    assert (await events(client, "after"))[-1].kind == EventKind.DONE


async def test_a_restart_paints_on(subject):
    client = await started(subject)
    await client.stop()
    assert not client.alive
    await client.start()
    await within(30, _until(lambda: client.slots("picture") >= 1))
    await client.submit("again", subject.spec("again"))
    assert (await events(client, "again"))[-1].kind == EventKind.DONE


@pytest.fixture(params=["fake", "local", "remote"])
async def clip_subject(request, tmp_path):
    """An engine that paints clips: the fake, the local clip process (worker.local, the instant
    networks), or a worker through PostgreSQL — whose clip job goes on the video family's queue."""
    from ..clips import make_clip

    make_clip(tmp_path / "clip.mp4", frames=12, size=(64, 48))
    stripes(64, 64).save(tmp_path / "style.jpg")
    if request.param == "remote":
        async with workers_subject(request.getfixturevalue("postgres_server"), tmp_path) as made:
            yield made
        return
    if request.param == "fake":
        client = FakeEngine(step_seconds=0.02, modes=("video",))
    else:
        from worker.local import LocalEngine

        client = LocalEngine(device="cpu", start_timeout=60.0, modes=("video",))
    yield Subject(client, tmp_path, None, long_steps=0, families=("video",))
    await client.stop()


async def test_a_clip_is_painted_by_an_engine_that_offers_clips(clip_subject):
    from engine.modes.video import VideoSettings
    from engine.video.clips import probe
    from worker.protocol import Media, non_defaults

    client = clip_subject.client
    await client.start()
    await within(30, _until(lambda: client.slots("video") >= 1))
    assert "video" in client.capabilities.families
    folder = clip_subject.folder
    out = folder / "painted.mp4"
    spec = JobSpec("video", {"content": {"path": str(folder / "clip.mp4"), "media": "video"},
                             "styles": [str(folder / "style.jpg")]}, {"path": str(out), "media": "video"},
                   non_defaults(VideoSettings(size=64)))  # fmt: skip
    await client.submit("clip", spec)
    seen = await events(client, "clip")
    assert seen[-1].kind == EventKind.DONE, seen[-1]
    assert seen[-1].result.media == Media.VIDEO and Path(seen[-1].output).exists()
    assert [e for e in seen if e.kind == EventKind.PROGRESS]
    info = probe(seen[-1].output)
    assert (info.frames, float(info.fps), info.has_audio) == (12, 12.0, True)
