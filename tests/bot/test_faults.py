"""Telegram misbehaving, injected in the double: server errors, 429s, refused updates, slow answers.
Every picture still arrives, exactly once."""

from __future__ import annotations

import asyncio
import time

from ..bot_harness import RunningBot, buttons, photo_with, prepare, text_message
from ..fake_engine import FakeEngine


def results(log) -> int:
    return sum(1 for e in log if photo_with(e, "Done in"))


async def test_server_errors_and_429s_are_retried_and_nothing_is_sent_twice(running, client, double):
    ned = client.user(9101, "Ned")
    # the reply to the photo meets two 502s, the result upload a 500 and then a 429 — all retried
    await client.fault("sendMessage", 502, description="Bad Gateway", times=2)
    await prepare(ned)
    await client.fault("sendPhoto", 500, description="Internal Server Error", times=1)
    await client.fault("sendPhoto", 429, retry_after=1, times=1)
    mark = await ned.mark()
    started = time.monotonic()
    await ned.press("▶ Stylize")
    await ned.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert time.monotonic() - started >= 1.0  # the 429's retry_after was honoured
    log = await ned.sent()
    assert results(log) == 1
    assert sum(1 for e in log if text_message(e, "Got your photo")) == 1
    (job,) = await running.settled_jobs()
    assert job.status == "done" and job.result_file_id
    assert [f for f in double.faults if f["times"] > 0] == []  # every injected fault was met


async def test_polling_survives_getupdates_errors_and_a_lost_progress_message(running, client):
    oda = client.user(9102, "Oda")
    await client.fault("getUpdates", 502, description="Bad Gateway", times=3)
    await prepare(oda)  # answered although polling failed three times first
    # the "queued" progress photo cannot be sent at all: the job is painted and delivered anyway
    await client.fault("sendPhoto", 400, description="Bad Request: chat not found", times=1)
    mark = await oda.mark()
    await oda.press("▶ Stylize")
    await oda.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    assert results(await oda.sent()) == 1


async def test_a_result_upload_that_times_out_is_not_sent_again(running, client, double):
    rex = client.user(9103, "Rex")
    await prepare(rex)
    # the double posts the picture but answers only after PTB has given up waiting (read timeout 5 s)
    await client.fault("sendPhoto", delay=6.0, times=2)
    mark = await rex.mark()
    await rex.press("▶ Stylize")  # the "queued" card meets the first slow answer, the result the second
    await rex.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
    (job,) = await running.settled_jobs(timeout=30)
    await asyncio.sleep(1.0)  # a second copy would show up now
    assert results(await rex.sent()) == 1
    assert job.status == "done" and job.result_path and job.result_file_id is None


async def test_a_rate_limited_progress_edit_stalls_nobody(double, client, tmp_path):
    """A 429 (retry_after 20) on progress edits: the edit is dropped, not waited out, so other
    people are answered and the painting is delivered as soon as it is done."""
    slow = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}
    engine = FakeEngine(step_seconds=0.05)
    running = await RunningBot(double, tmp_path, presets=slow, progress_interval=0.1, engine=engine).start()
    try:
        una, vic = client.user(9201, "Una"), client.user(9202, "Vic")
        await prepare(una)
        await client.fault("editMessageCaption", 429, retry_after=20, times=1)
        mark = await una.mark()
        await una.press("▶ Stylize")
        for _ in range(100):  # until the painting's first edit has met the 429
            if not [f for f in double.faults if f["times"] > 0]:
                break
            await asyncio.sleep(0.05)
        # a 429 waited out and retried would now hold every request of the bot for 20 s
        await vic.send_text("/help")
        await vic.wait_for(lambda e: text_message(e, "repaint"), timeout=10)
        await una.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=10)
        (job,) = await running.settled_jobs()
        assert job.status == "done"
        assert [f for f in double.faults if f["times"] > 0] == []
    finally:
        await running.stop()


async def test_a_cancel_whose_card_was_never_told_is_told_by_the_next_start(double, client, tmp_path):
    """✖ is taken (the job is cancelled) but its card's edit is lost — the bot that took it died with
    the edit still waiting on Telegram: whoever paints next says it again, once."""
    slow = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}
    running = await RunningBot(double, tmp_path, presets=slow, engine=FakeEngine(step_seconds=0.1)).start()
    try:
        ida = client.user(9251, "Ida")
        await prepare(ida)
        mark = await ida.mark()
        await ida.press("▶ Stylize")
        card = await ida.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
        await client.fault("editMessageCaption", 400, description="Bad Request: lost on the way", times=20)
        await client.fault("editMessageMedia", 400, description="Bad Request: lost on the way", times=20)
        await ida.press("✖ Cancel")
        (job,) = await running.settled_jobs()
        assert job.status == "cancelled" and not photo_with(await _now(ida, card), "Cancelled")
    finally:
        await running.stop()
    double.faults.clear()
    running = await RunningBot(double, tmp_path, presets=slow, engine=FakeEngine(step_seconds=0.1)).start()
    try:
        await ida.wait_for(lambda e: e["kind"] == "edit" and "Cancelled" in e["after"].get("caption", ""), since=mark)
        assert photo_with(await _now(ida, card), "Cancelled") and not buttons(await _now(ida, card))
    finally:
        await running.stop()


async def _now(user, entry: dict) -> dict:
    """The message of ``entry`` as it is now."""
    wanted = entry["message"]["message_id"]
    return next(e for e in await user.sent() if e.get("message", {}).get("message_id") == wanted)
