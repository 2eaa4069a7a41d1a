"""The dispatcher's parts on their own, without Telegram: the job rows' state changes (a real
SQLite), the lanes' table and the queue view's estimates, the workers' roster."""

from __future__ import annotations

from bot.jobs.eta import EtaModel
from bot.jobs.lanes import JobBook, Lane, Lanes, QueueView
from bot.jobs.records import JobRecords
from bot.jobs.supervisor import Supervisor
from bot.storage import Database, Job, JobStatus
from bot.storage.queries import upsert_chat, upsert_user
from worker.protocol import JobSpec
from worker.roster import Roster

from ..fake_engine import FakeEngine


def spec(mode: str = "style", size: int = 64) -> dict:
    inputs = {"content": "c.jpg", "styles": ["s.jpg"]}
    return JobSpec(mode, inputs, "o.png", {"size": size, "steps": 4}).to_dict()


async def test_a_job_rows_state_changes(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await db.migrate()
    records = JobRecords(db)
    async with db.session() as session, session.begin():
        await upsert_user(session, 1, "Ann", None, None)
        await upsert_chat(session, 1, "private", None)
        session.add_all([Job(chat_id=1, user_id=1, spec=spec()) for _ in range(3)])
    first = await records.start(1, unreachable=set())
    assert first.status == JobStatus.RUNNING and first.attempts == 1
    assert await records.start(1, unreachable=set()) is None  # running already: not started twice
    assert await records.start(2, unreachable={1}) is None  # nobody there to receive it
    assert (await records.get(2)).error_code == "undeliverable"
    await records.requeue(1)  # its engine died under it
    assert (await records.get(1)).status == JobStatus.QUEUED
    await records.start(1, unreachable=set())
    jobs, interrupted = await records.restore()  # a restart: the painting one is queued again
    assert [j.id for j in jobs] == [1, 3] and [j.id for j in interrupted] == [1]
    assert (await records.get(1)).status == JobStatus.QUEUED
    assert await records.request_cancel(3) and not await records.request_cancel(2)  # 2 is over
    assert await records.take_cancel_requests() == [3] and await records.take_cancel_requests() == []
    done = await records.finish(3, JobStatus.DONE, result_path="r.png")
    assert done.status == JobStatus.DONE and done.finished_at is not None
    assert [j.id for j in await records.queued_except({1})] == []
    await db.close()


async def test_the_lanes_route_by_mode_and_the_view_estimates_the_wait():
    painting = Lane("paint", Supervisor(FakeEngine()), EtaModel(seconds_per_unit=1.0, overhead=0.0), announces=True)
    instant = Lane("quick", Supervisor(FakeEngine()), EtaModel(overhead=0.0), modes=frozenset({"instant", "sticker"}))
    lanes, book = Lanes(painting, instant), JobBook()
    route = lanes.route
    assert route("instant") is painting  # not started: the catch-all painting lane
    instant.ready = painting.ready = True
    instant.offered = ("instant",)  # what its engine said it paints, as it started
    assert route("instant") is instant and route("style") is painting and route("texture") is painting
    assert route("sticker") is painting  # one of its modes that its engine does not paint
    for job_id, user in ((1, 10), (2, 10), (3, 20)):
        book.note(job_id, spec())
        painting.queue.push(job_id, user)
    assert book.note(9, {"version": 99}).mode == "style"  # unreadable: kept as an empty painting
    view = QueueView(lanes, book, slots=lambda: 1)
    one = view.estimate(1)
    assert one > 0 and view.waiting == (1, 3, 2)  # round robin: the second user's first job goes ahead
    assert view.eta(2) == 3 * one and view.position(2) == 3
    place, seconds = view.quote(JobSpec.from_dict(spec()), user_id=30)
    assert (place, seconds) == (3, 3 * one)  # a newcomer's first job waits behind two first jobs
    two_slots = QueueView(lanes, book, slots=lambda: 2)
    assert two_slots.eta(2) == one + one  # the work ahead is shared by the slots


async def test_a_follower_mirrors_the_painting_queue_from_the_database(tmp_path):
    """The replicas' part built on its own, with what it needs (the job rows, the lanes, the book), not
    the dispatcher: a follower's painting queue is the database's, running first; clips stay in their
    lane; a job over since is forgotten; the live workers give the device and the modes offered."""
    from bot.jobs.replicas import ReplicaSync
    from bot.storage.models import EngineWorker

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}")
    await db.migrate()
    async with db.session() as session, session.begin():
        await upsert_user(session, 1, "Ann", None, None)
        await upsert_chat(session, 1, "private", None)
        clip = JobSpec("video", {"content": "c.mp4", "styles": ["s.jpg"]}, "o.mp4").to_dict()
        statuses = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.DONE)
        session.add_all([Job(chat_id=1, user_id=1, spec=spec(), status=status) for status in statuses])
        session.add(Job(chat_id=1, user_id=1, spec=clip, status=JobStatus.QUEUED))
        session.add(EngineWorker(name="w1", slots=2, device="cuda", modes="style texture video", load_seconds=1.0))
    paint = Lane("paint", Supervisor(FakeEngine()), EtaModel(), announces=True, required=True, ready=True)
    clips = Lane("clips", Supervisor(FakeEngine()), EtaModel(), modes=frozenset({"video"}), family="video")
    clips.ready, clips.offered = True, ("video",)
    lanes, book = Lanes(paint, None, clips), JobBook()
    book.note(4, spec())  # it was queued when this follower last looked
    adopted = []

    async def adopt() -> None:
        adopted.append(True)

    sync = ReplicaSync(JobRecords(db), lanes, book, None, adopt)
    await sync.mirror()
    assert paint.queue.running_jobs == (2,) and paint.queue.waiting == (1, 3)
    assert 5 not in paint.queue and 4 not in book.ids() and book.get(5).mode == "video"
    assert lanes.device == "cuda" and sync.roster.slots_for("picture") == 2 and "texture" in paint.offered
    assert paint.eta.guess == paint.eta.guesses[1] and clips.eta.guess == clips.eta.guesses[0]  # its own engine
    assert not adopted  # no leadership here: it follows, never adopts
    await db.close()


def test_the_roster_counts_slots_per_family():
    workers = [
        {"slots": 2, "device": "cuda", "modes": "style texture", "load_seconds": 1.0},
        {"slots": 1, "device": "cpu", "modes": "instant", "load_seconds": 3.0},
    ]
    roster = Roster.of(workers)
    assert roster.slots_for("picture") == 3 and roster.slots_for("video") == 0
    assert roster.capabilities.device == "mixed" and roster.capabilities.modes == ("style", "texture", "instant")
    assert roster.capabilities.load_seconds == 3.0 and Roster.of([]).capabilities.device == "workers"


def test_a_worker_without_the_instant_networks_listens_on_no_clip_queue():
    """Queues are per mode family: a worker that could not paint an instant clip job must not take
    one off the video family's queue, so it offers pictures only (its dream zooms wait for another)."""
    from engine.modes import MODES, family_of
    from worker.host import offered

    assert set(offered(True)) == set(MODES)
    without = offered(False)
    assert "style" in without and "dream" in without and {family_of(m) for m in without} == {"picture"}


def test_a_modes_record_decides_its_lane_its_quota_its_subject_and_its_engine(tmp_path):
    """Nothing outside the modes names a mode: what each one is comes from its record."""
    from bot.domain.quotas import CLIP_MODES, FREE_MODES
    from bot.domain.subjects import given, place
    from bot.jobs.lanes import make_lanes
    from engine.modes import painted_with, taken_from_queues
    from engine.modes.base import INSTANT_NETS, MASK, VGG19

    assert set(CLIP_MODES) == {"video", "paintclip"} and set(FREE_MODES) == {"sticker"}
    # the three local engine processes: VGG19's, the instant picture's and the clips'
    assert set(painted_with({VGG19, MASK})) == {"style", "texture", "dream", "reconstruct", "dreamzoom", "paintclip",
                                                "sticker"}  # fmt: skip
    assert set(painted_with({INSTANT_NETS, MASK}, quick=True)) == {"instant", "sticker"}
    assert painted_with({INSTANT_NETS, MASK}, family="video") == ("video",)
    assert set(taken_from_queues({VGG19, MASK, INSTANT_NETS})) == set(painted_with({VGG19, MASK, INSTANT_NETS}))
    # with workers the clips lane shares the painting engine and takes the whole video family, as the
    # workers' queues do: a 🎨 clip or a dream zoom no longer waits in the paintings' lane
    engine = FakeEngine()
    lanes = make_lanes(engine, FakeEngine(), engine, 60.0)
    quick, clips = lanes.instant, lanes.clips
    clips.ready, clips.offered = True, tuple(clips.modes)
    quick.ready, quick.offered = True, ("instant", "sticker")
    assert clips.takes("paintclip") and clips.takes("dreamzoom") and clips.takes("video")
    assert not clips.takes("style") and quick.takes("sticker") and not quick.takes("style")
    # a sticker always looks for the subject (the photo's kept mask is handed in); a painting only by region
    photo = tmp_path / "c.jpg"
    photo.write_bytes(b"")
    place(photo).write_bytes(b"")
    sticker = JobSpec("sticker", {"picture": "p.png", "content": str(photo)}, {"path": "o.webp", "media": "sticker"})
    whole = JobSpec("style", {"content": str(photo), "styles": ["s.jpg"]}, "o.png")
    assert given(sticker).paths("mask") == [str(place(photo))] and "mask" not in given(whole).inputs
    assert given(whole.replace(settings={"region": "keep_subject"})).paths("mask") == [str(place(photo))]


def test_a_modes_inputs_carry_their_media_kinds_to_the_engine():
    """A sticker of a painted clip is a video sticker because its input says it is a clip, not
    because of its file's name."""
    from engine.imaging import moving

    clip_sticker = JobSpec(
        "sticker",
        {"picture": {"path": "job_7.png", "media": "video"}, "content": "c.jpg"},
        {"path": "o.webm", "media": "video_sticker"},
    )
    inputs = clip_sticker.engine_inputs()
    assert inputs["picture"] == "job_7.png" and inputs["picture"].media == "video" and moving(inputs["picture"])
    assert not moving(inputs["content"]) and moving("a clip.mp4") and not moving("a painting.png")
    styles = JobSpec.from_dict(spec()).engine_inputs()["styles"]
    assert styles == ["s.jpg"] and styles[0].media == "picture"
