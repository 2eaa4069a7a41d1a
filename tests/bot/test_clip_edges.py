"""Clips at the edges, through the running bot: a clip asked to be a style (every way a role can be
asked for) is refused in one line with the photo kept; clips no picture could be are refused at
once by the pictures' own rules; a job that fails in the engine costs nobody their quota; the
over-20 MB answer for a clip speaks of clips."""

from __future__ import annotations

import pytest

from bot.storage import JobStatus
from engine.errors import EngineError

from ..bot_harness import draft_of, member, text_message
from ..clips import make_clip
from ..conftest import picture, stripes
from .test_video import clip_bot, send_style, sent_clip


def clip_bytes(tmp_path, name="in.mp4", **shape) -> bytes:
    return make_clip(tmp_path / name, **shape).read_bytes()


async def test_a_clip_asked_to_be_a_style_is_refused_and_the_photo_is_kept(double, client, tmp_path):
    running = await clip_bot(double, tmp_path).start()
    try:
        ann = client.user(6201, "Ann")
        await ann.send_photo(picture(80, 60))
        await ann.wait_for(lambda e: text_message(e, "Got your photo"))
        photo = (await draft_of(running, 6201)).content_path
        video = clip_bytes(tmp_path, frames=6)
        tries = [
            lambda: ann.send_clip("video", video, caption="style"),
            lambda: ann.send_clip("animation", video, caption=" Style "),
            lambda: ann.send_document(video, "clip.mp4", "video/mp4", caption="style"),
            lambda: ann.send_document(video, "clip.mov", "video/quicktime", caption="STYLE"),
        ]
        for send in tries:
            mark = await ann.mark()
            await send()
            answer = await ann.wait_for(lambda e: e["kind"] == "message", since=mark)
            assert "must be a picture" in answer["message"]["text"]
            assert (await draft_of(running, 6201)).content_path == photo
        # a clip in an album with pictures: not taken, said so; the album's pictures are
        mark = await ann.mark()
        await ann.send_document(video, "clip.mp4", "video/mp4", media_group_id="77")
        await ann.wait_for(lambda e: text_message(e, "on its own"), since=mark)
        assert (await draft_of(running, 6201)).content_path == photo
        # a style then is a style, for the photo that was kept
        mark = await ann.mark()
        await send_style(ann, since=mark)
        await ann.press("▶ Stylize")
        await ann.wait_for(lambda e: e["kind"] == "message" and "photo" in e["message"], timeout=20)
    finally:
        await running.stop()


async def test_a_clip_in_reply_to_the_groups_style_prompt_is_refused_and_the_photo_kept(double, client, tmp_path):
    running = await clip_bot(double, tmp_path).start()
    try:
        gus = member(client, 6202, "Gus")
        await gus.send_photo(picture(80, 60), caption="/stylize")
        prompt = await gus.wait_for(lambda e: e["kind"] == "message" and "style" in (e["message"].get("text") or ""))
        photo = (await draft_of(running, 6202)).content_path
        video = clip_bytes(tmp_path, frames=6)
        prompt_id = prompt["message"]["message_id"]
        for send in (
            lambda: gus.send_clip("video", video, reply_to=prompt_id),
            lambda: gus.send_clip("animation", video, reply_to=prompt_id, caption="style"),
            lambda: gus.send_document(video, "clip.mp4", "video/mp4", reply_to=prompt_id),
        ):
            mark = await gus.mark()
            await send()
            await gus.wait_for(lambda e: text_message(e, "must be a picture"), since=mark)
            assert (await draft_of(running, 6202)).content_path == photo
    finally:
        await running.stop()


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (400, 8)])
async def test_a_clip_no_picture_could_be_is_refused_at_once(double, client, tmp_path, size):
    running = await clip_bot(double, tmp_path).start()
    try:
        cal = client.user(6203, "Cal")
        await cal.send_clip("video", clip_bytes(tmp_path, frames=4, size=size, sound=False))
        answer = await cal.wait_for(lambda e: e["kind"] == "message")
        text = answer["message"]["text"]
        assert f"{size[0]}×{size[1]}" in text and "clip" in text
        assert ("at least 16 pixels" in text) if min(size) < 16 else ("too long and thin" in text)
        assert (await draft_of(running, 6203)).content_path is None and not await running.jobs()
    finally:
        await running.stop()


async def test_a_job_that_fails_in_the_engine_costs_nobody_their_quota(double, client, tmp_path):
    running = await clip_bot(double, tmp_path, owners=(6204,)).start()
    try:
        dee = client.user(6204, "Dee")
        await dee.send_text("/set global jobs_per_user_per_day 1")
        await dee.wait_for(lambda e: text_message(e, "jobs_per_user_per_day"))
        await dee.send_text("/set global video_seconds_per_day 1")
        await dee.wait_for(lambda e: text_message(e, "video_seconds_per_day"))
        await dee.send_clip("video", clip_bytes(tmp_path, frames=6, fps=12))  # half a second
        await dee.wait_for(lambda e: text_message(e, "Got your clip"))
        await send_style(dee, since=await dee.mark())
        running.video.fail_next = EngineError("the networks could not be run", "engine_error")
        await dee.press("▶ Stylize")
        await dee.wait_for(lambda e: "could not paint" in str(e.get("after") or e.get("message")), timeout=20)
        [failed] = await running.settled_jobs()
        assert failed.status == JobStatus.FAILED
        mark = await dee.mark()
        await dee.press("▶ Stylize")
        done = await dee.wait_for(lambda e: sent_clip(e, "video"), since=mark, timeout=20)
        assert done
    finally:
        await running.stop()


async def test_a_clip_over_20_mb_is_answered_as_a_clip(double, client, tmp_path):
    running = await clip_bot(double, tmp_path).start()
    try:
        eve = client.user(6205, "Eve")
        await eve.send_document(b"\x00" * (21 * 1024 * 1024), "huge.mp4", "video/mp4")
        answer = (await eve.wait_for(lambda e: e["kind"] == "message"))["message"]["text"]
        assert "21 MB" in answer and "clip" in answer and "photo" not in answer
    finally:
        await running.stop()


async def test_a_style_picture_is_still_a_style_after_a_refused_clip(double, client, tmp_path):
    """(what the draft holds after the refusals above: nothing of the clip)"""
    running = await clip_bot(double, tmp_path).start()
    try:
        fay = client.user(6206, "Fay")
        await fay.send_clip("video", clip_bytes(tmp_path, frames=4, size=(7, 3), sound=False))
        await fay.wait_for(lambda e: e["kind"] == "message")
        mark = await fay.mark()
        await fay.send_photo(stripes(96, 96))
        await fay.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    finally:
        await running.stop()


async def test_in_a_group_a_clip_is_stylized_in_reply_and_its_seconds_are_counted(double, client, tmp_path):
    from bot.domain import chat_settings

    running = await clip_bot(double, tmp_path).start()
    try:
        await chat_settings.change(
            running.services.db, chat_settings.GLOBAL, chat_settings.KEYS["video_seconds_per_day"], 3, by=1
        )
        hal = member(client, 6207, "Hal")

        async def stylize_in_reply() -> None:
            clip = await hal.send_clip("video", clip_bytes(tmp_path, frames=24, fps=12))  # 2 s
            mark = await hal.mark()
            await hal.send_text("/stylize", reply_to=clip["message_id"])
            prompt = await hal.wait_for(lambda e: text_message(e, "style"), since=mark)
            await hal.send_photo(stripes(96, 96), reply_to=prompt["message"]["message_id"])
            await hal.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
            await hal.press("▶ Stylize")

        await stylize_in_reply()
        done = await hal.wait_for(lambda e: sent_clip(e, "video"), timeout=30)
        assert "Hal" in done["message"]["caption"]
        mark = await hal.mark()
        await stylize_in_reply()  # 2 s more of a day's 3: refused, with when it resets
        refused = await hal.wait_for(
            lambda e: e["kind"] in ("message", "callback_answer") and "video left today" in str(e), since=mark
        )
        assert "1 s" in str(refused) and len(await running.jobs()) == 1
    finally:
        await running.stop()
