"""Jobs end to end: FIFO across users, cancel, status while busy, progress throttle, settings, restart after kill -9."""

from __future__ import annotations

import asyncio
import functools
import itertools
import signal

import pytest

from bot.storage import JobStatus
from worker.protocol import JobSpec

from ..bot_harness import (
    RunningBot,
    bot_env,
    buttons,
    end_bot_process,
    first_caption,
    photo_with,
    prepare,
    start_bot_process,
    text_message,
)
from ..conftest import picture
from ..fake_engine import FakeEngine

SLOW = {"fast": (64, 60), "balanced": (64, 60), "best": (64, 60)}  # a few seconds per job on 2 cores


async def test_fifo_positions_status_and_cancel(double, client, tmp_path):
    running = await RunningBot(
        double, tmp_path, presets=SLOW, engine=FakeEngine(step_seconds=0.05), progress_interval=0.5
    ).start()
    try:
        ann, bob, cyd = client.user(2001, "Ann"), client.user(2002, "Bob"), client.user(2003, "Cyd")
        for seed, user in enumerate((ann, bob, cyd)):
            await prepare(user, seed)
        await ann.press("▶ Stylize")
        await ann.wait_for(lambda e: photo_with(e, "Painting"), timeout=15)
        await bob.press("▶ Stylize")
        bob_progress = await bob.wait_for(lambda e: photo_with(e, "Queued"))  # chats are handled concurrently
        await cyd.press("▶ Stylize")
        cyd_progress = await cyd.wait_for(lambda e: photo_with(e, "Queued"))
        assert "you're next" in first_caption(bob_progress)
        assert "position 2" in first_caption(cyd_progress)

        # the event loop is free while Ann's job runs: /status answers within a second
        mark = await bob.mark()
        await bob.send_text("/status")
        status = await bob.wait_for(lambda e: text_message(e, "Queued"), since=mark, timeout=5)
        assert "you're next" in status["message"]["text"]
        ann_job = min(job.id for job in await running.jobs())
        assert running.services.dispatcher.queue.running == ann_job  # answered while Ann's job paints

        # Bob cancels while queued: Cyd moves up and is told; Ann cancels while running (her progress button)
        mark = await bob.mark()
        await bob.send_text("/cancel")
        await bob.wait_for(lambda e: text_message(e, "Cancelled"), since=mark)
        await bob.wait_for(lambda e: e["kind"] == "edit" and "Cancelled" in e["after"].get("caption", ""))
        await cyd.wait_for(lambda e: e["kind"] == "edit" and "you're next" in e["after"].get("caption", ""))
        await ann.press("✖ Cancel")
        await ann.wait_for(lambda e: e["kind"] == "edit" and "Cancelled" in e["after"].get("caption", ""))

        await cyd.wait_for(lambda e: photo_with(e, "Done in"), timeout=60)
        await running.settled_jobs()  # every picture is sent before its job is marked done
        assert not [e for e in await ann.sent() if photo_with(e, "Done in")]
        assert not [e for e in await bob.sent() if photo_with(e, "Done in")]
        statuses = {job.user_id: job.status for job in await running.settled_jobs()}
        assert statuses == {2001: JobStatus.CANCELLED, 2002: JobStatus.CANCELLED, 2003: JobStatus.DONE}
        mark = await cyd.mark()
        await cyd.send_text("/cancel")
        await cyd.wait_for(lambda e: text_message(e, "Nothing to cancel"), since=mark)
    finally:
        await running.stop()


async def test_progress_is_edited_often_but_never_faster_than_the_throttle(double, client, tmp_path):
    interval = 0.6
    running = await RunningBot(
        double, tmp_path, presets=SLOW, engine=FakeEngine(step_seconds=0.05), progress_interval=interval
    ).start()
    try:
        dee = client.user(2101, "Dee")
        await prepare(dee)
        await dee.press("▶ Stylize")
        await dee.wait_for(lambda e: photo_with(e, "Done in"), timeout=60)
        progress = next(e for e in await dee.sent() if photo_with(e, "Queued"))
        message_id = progress["message"]["message_id"]
        edits = [e for e in await dee.sent() if e["kind"] == "edit" and e["message_id"] == message_id]
        assert len(edits) >= 3, [e["after"].get("caption") for e in edits]
        gaps = [b["time"] - a["time"] for a, b in itertools.pairwise(edits)]
        assert min(gaps) >= interval - 0.05, gaps
        assert any(e["method"] == "editMessageMedia" for e in edits)  # an intermediate picture was shown
        percents = [int(c.split("%")[0].split()[-1]) for c in (e["after"]["caption"] for e in edits) if "%" in c]
        assert percents == sorted(percents) and percents[-1] > 0
    finally:
        await running.stop()


async def test_settings_buttons_change_the_job(running, client):
    eve = client.user(2201, "Eve")
    await prepare(eve)
    await eve.press("⚙ Settings")
    keyboard = await eve.wait_for(lambda e: e["kind"] == "edit" and "Quality:" in e["after"].get("text", ""))
    assert "• Balanced" in [b["text"] for row in keyboard["after"]["reply_markup"]["inline_keyboard"] for b in row]
    await eve.press("Best")
    await eve.press("Strong")
    await eve.wait_for(lambda e: e["kind"] == "edit" and "• Strong" in str(e["after"].get("reply_markup")))
    await eve.press("🎨 Keep my colours")
    card = await eve.wait_for(
        lambda e: e["kind"] == "edit" and "• 🎨 Keep my colours" in str(e["after"].get("reply_markup"))
    )
    assert "• 🙂 Gentle faces" in str(card["after"]["reply_markup"])  # on unless turned off
    await eve.press("🖌 Bold")
    card = await eve.wait_for(lambda e: e["kind"] == "edit" and "• 🖌 Bold" in str(e["after"].get("reply_markup")))
    assert "Brush: 🖌 Bold" in card["after"]["text"]
    await eve.press("• 🙂 Gentle faces")  # on: marked
    card = await eve.wait_for(lambda e: e["kind"] == "edit" and "Faces: painted like the rest" in e["after"]["text"])
    assert "• 🙂 Gentle faces" not in str(card["after"]["reply_markup"])
    mark = await eve.mark()
    await eve.press("▶ Stylize")
    result = await eve.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert "64×48 px · 10 steps · bold strokes" in result["message"]["caption"]  # the picture's real size, its brush
    (job,) = await running.jobs()
    settings = JobSpec.from_dict(job.spec).settings
    assert settings["strength"] == 0.65 and settings["size"] == 64 and settings["keep_colors"]
    assert settings["brush"] == "bold" and settings["faces"] is False
    assert buttons(result)[0] == "🔁 Again"


@pytest.mark.slow
async def test_restart_after_a_stop_mid_job_gives_each_user_exactly_one_result(double, client, tmp_path):
    """SIGTERM (docker stop) shuts down in order and exits 0; kill -9 leaves no chance to clean up. The
    bot is stopped both ways, one after the other, each time mid-job: the queue is in the database,
    and each user gets exactly one picture in the end."""
    # Ann paints at best, 160 steps (≈ 13 s on 2 cores: long enough to be stopped mid-job even on a
    # loaded machine, where at 120 steps her picture was once done before this test saw Bob's card);
    # Bob's waiting one is short (20 steps), so painting both again after the restarts stays quick
    env = bot_env(double, tmp_path, BOT_PRESETS="fast=64x20,balanced=64x20,best=64x160")
    start_bot = functools.partial(start_bot_process, env)

    ann, bob = client.user(2301, "Ann"), client.user(2302, "Bob")
    process = start_bot()
    try:
        await ann.send_text("/start")
        await ann.wait_for(lambda e: text_message(e, "repaint"), timeout=60)
        await prepare(ann)
        await ann.press("⚙ Settings")
        await ann.wait_for(lambda e: e["kind"] == "edit" and "Quality:" in e["after"].get("text", ""), timeout=30)
        await ann.press("Best")
        await ann.wait_for(lambda e: e["kind"] == "edit" and "• Best" in str(e["after"].get("reply_markup")))
        await prepare(bob, 1)
        mark = await ann.mark()
        await ann.press("▶ Stylize")
        await bob.press("▶ Stylize")
        # Bob's job is queued (a press fetched but not yet handled would be lost to kill -9)
        await bob.wait_for(lambda e: photo_with(e, "Queued"), timeout=30)
        for stop in (signal.SIGTERM, signal.SIGKILL):
            # Ann's card says "Painting" as the engine starts it (a later percentage could come after its end)
            painting = lambda e: e["kind"] == "edit" and "Painting" in e["after"].get("caption", "")  # noqa: E731
            await ann.wait_for(painting, since=mark, timeout=60)
            assert not [e for e in await ann.sent() if photo_with(e, "Done in")], "painted before the stop"
            process.send_signal(stop)  # mid-job
            code = await asyncio.to_thread(process.wait, 25)  # the double must keep answering meanwhile
            if stop == signal.SIGTERM:
                assert code == 0, code
            mark = await ann.mark()
            process = start_bot()
            restarted = lambda e: e["kind"] == "edit" and "restarted" in e["after"].get("caption", "")  # noqa: E731
            await ann.wait_for(restarted, since=mark, timeout=60)
        await ann.wait_for(lambda e: photo_with(e, "Done in"), timeout=90)
        await bob.wait_for(lambda e: photo_with(e, "Done in"), timeout=90)
        await asyncio.sleep(1.0)
        for user, steps in ((ann, 160), (bob, 20)):
            (result,) = [e for e in await user.sent() if photo_with(e, "Done in")]
            assert f"{steps} steps" in result["message"]["caption"]
    finally:
        await asyncio.to_thread(end_bot_process, process)


# 25. Ctrl-C in a terminal reaches the engine processes too: they leave stopping to the bot.
async def test_ctrl_c_does_not_kill_an_engine_process_mid_job(tmp_path):
    import os
    import signal

    from worker.local import LocalEngine

    engine = LocalEngine(device="cpu", start_timeout=60.0, modes=("instant",))
    await engine.start()
    try:
        os.kill(engine.pid, signal.SIGINT)
        await asyncio.sleep(1.0)
        assert engine.alive
    finally:
        await engine.stop()
    assert not engine.alive


def test_a_held_job_keeps_its_place_while_the_ones_behind_it_start():
    """▶ quotes a place and takes it at once; the job starts only once its card is out."""
    from bot.jobs.fair_queue import FairQueue

    queue = FairQueue()
    queue.push(1, user_id=10)
    queue.hold(1)
    queue.push(2, user_id=20)
    assert queue.position(1) == 1 and queue.position(2) == 2 and queue.startable()
    assert queue.pop() == 2  # the one behind may start
    assert not queue.startable() and queue.pop() is None
    queue.release(1)
    assert queue.pop() == 1


async def test_a_job_queued_again_is_queued_and_painted_once(double, client, tmp_path):
    """The leader adopts a job from the database while its own ▶ is still answering the button (slow
    under Telegram's 429s), then the ▶ queues it too: it was in the queue twice, one copy held for
    ever (a card back at "Queued", no picture). It is queued once, and painted once."""
    slow = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}
    running = await RunningBot(double, tmp_path, presets=slow, engine=FakeEngine(step_seconds=0.05)).start()
    try:
        ann, bob = client.user(9711, "Ann"), client.user(9712, "Bob")
        for person in (ann, bob):
            await prepare(person)
            await person.press("▶ Stylize")
            await person.wait_for(lambda e: photo_with(e, "Queued") or photo_with(e, "Painting"))
        dispatcher = running.services.dispatcher
        (job,) = [j for j in await running.jobs() if j.user_id == 9712 and j.status == JobStatus.QUEUED]
        dispatcher.submit(job, held=True)  # as ▶'s own card does, after the leader adopted it
        dispatcher.release(job)
        copies = [j for lane in dispatcher.lanes for j in (*lane.queue.waiting, *lane.queue.running_jobs)]
        assert copies.count(job.id) == 1
        await bob.wait_for(lambda e: photo_with(e, "Done in"), timeout=30)
        jobs = await running.settled_jobs(timeout=30)
        await asyncio.sleep(0.5)
        assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE]
        assert len([e for e in await bob.sent() if photo_with(e, "Done in")]) == 1
    finally:
        await running.stop()


# 21. A card's picture never shrinks: a smaller preview after a larger picture is shown enlarged.
async def test_a_cards_picture_never_gets_smaller(running, client, tmp_path):
    from bot.telegram.progress import ProgressMessage, ShownSides

    from ..conftest import encode

    una = client.user(9631, "Una")
    await una.send_text("/help")
    await una.wait_for(lambda e: text_message(e, "photo"))
    bot = running.app.bot
    card = await bot.send_photo(9631, encode(picture(512, 384), "JPEG"), caption="card")
    shown = ShownSides({(9631, card.message_id): 512})
    progress = ProgressMessage(bot, 9631, card.message_id, 0.0, shown=shown)
    sides = []
    for side in (128, 256, 181, 700, 300):
        path = tmp_path / f"p{side}.png"
        picture(side, side * 3 // 4).save(path)
        assert await progress.show(f"{side}", path)
        entry = [e for e in await una.sent() if e["kind"] == "edit"][-1]
        sides.append(max(max(p["width"], p["height"]) for p in entry["after"]["photo"]))
    assert sides == sorted(sides) and sides[0] >= 512, sides  # 512, 512, 512, 700, 700
