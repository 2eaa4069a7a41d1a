"""🏷 Stickers in the bot, against the double's sticker methods: the person's own set made and
grown, a full set, a name Telegram keeps, someone who never opened a private chat with the bot, a
forged press, and a painted clip's video sticker (the real sticker mode, through the fake engine)."""

from __future__ import annotations

import asyncio
import io

import numpy as np
from PIL import Image

from bot.storage import Job
from bot.telegram.stickers import set_name
from devtools.telegram_double.stickers import SET_LIMIT

from ..bot_harness import RunningBot, buttons, member, photo_with, text_message
from ..clips import make_clip
from ..conftest import stripes
from ..portraits import portrait


def sticker_message(entry) -> bool:
    return entry["kind"] == "message" and "sticker" in entry["message"]


async def paint_portrait(user) -> dict:
    mark = await user.mark()
    await user.send_photo(portrait((320, 240))[0])
    await user.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    await user.send_photo(stripes(96, 96, period=7))
    await user.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
    await user.press("▶ Stylize")
    return await user.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=20)


async def paint_anew(user) -> dict:
    """/new, then another portrait painted."""
    mark = await user.mark()
    await user.send_text("/new")
    await user.wait_for(lambda e: e["kind"] == "message", since=mark)
    return await paint_portrait(user)


async def press_sticker(user, result: dict) -> tuple[dict, dict]:
    """🏷 under ``result``: the sticker sent, and the line in reply to it."""
    mark = await user.mark()
    await user.press("🏷 Sticker", message_id=result["message"]["message_id"])
    sent = await user.wait_for(sticker_message, since=mark, timeout=20)
    line = await user.wait_for(
        lambda e: (
            e["kind"] == "message"
            and (e["message"].get("reply_to_message") or {}).get("message_id") == sent["message"]["message_id"]
        ),
        since=mark,
    )
    return sent, line


async def test_a_sticker_of_the_painted_person_goes_into_their_own_set(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    try:
        from bot.domain import chat_settings

        # one painting a day here: stickers of it are not paintings and do not count
        await chat_settings.change(running.services.db, chat_settings.GLOBAL,
                                   chat_settings.KEYS["jobs_per_user_per_day"], 1, by=1)  # fmt: skip
        ann = client.user(4401, "Ann")
        result = await paint_portrait(ann)
        assert "🏷 Sticker" in buttons(result)
        sent, line = await press_sticker(ann, result)
        name = set_name(4401, "paint_test_bot")
        assert f"https://t.me/addstickers/{name}" in line["message"]["text"] and "made" in line["message"]["text"]
        assert sent["message"]["reply_to_message"]["message_id"] == result["message"]["reply_to_message"]["message_id"]
        made = double.sticker_sets[name]
        assert len(made["stickers"]) == 1 and made["owner"] == 4401
        webp = Image.open(io.BytesIO(await client.file_bytes(sent["message"]["sticker"]["file_id"])))
        assert webp.format == "WEBP" and max(webp.size) == 512 and webp.mode == "RGBA"
        alpha = np.asarray(webp)[..., 3]
        assert alpha[0, 0] == 0 and alpha[-1, webp.width // 2] > 200  # around the person is see-through

        # 🏷 again on the same painting, once or ten times at once: the same sticker, in the set once
        same, again = await press_sticker(ann, result)
        assert same["message"]["sticker"]["file_id"] == sent["message"]["sticker"]["file_id"]
        assert "sticker already" in again["message"]["text"] and len(made["stickers"]) == 1
        await asyncio.gather(*(ann.press("🏷 Sticker", message_id=result["message"]["message_id"]) for _ in range(10)))
        await running.settled_jobs()
        assert len(made["stickers"]) == 1 and len(await running.jobs()) == 2

        # another painting's sticker joins the set
        await chat_settings.change(
            running.services.db, chat_settings.GLOBAL, chat_settings.KEYS["jobs_per_user_per_day"], 10, by=1
        )
        _, added = await press_sticker(ann, await paint_anew(ann))
        assert "Added to your sticker set" in added["message"]["text"] and len(made["stickers"]) == 2

        # the set is full: the next set takes it; a name Telegram keeps (a deleted set's) is passed over
        made["stickers"] *= SET_LIMIT // 2
        double.retired.add(set_name(4401, "paint_test_bot", 2))
        _, rolled = await press_sticker(ann, await paint_anew(ann))
        assert set_name(4401, "paint_test_bot", 3) in rolled["message"]["text"]
        for k in (3, 4, 5):
            double.sticker_sets.setdefault(set_name(4401, "paint_test_bot", k), {**made, "name": "x"})["stickers"] = (
                made["stickers"]
            )
        _, full = await press_sticker(ann, await paint_anew(ann))
        assert "sticker sets are full" in full["message"]["text"]
        jobs = await running.settled_jobs(at_least=8)
        assert [j.spec["mode"] for j in jobs] == ["style", "sticker", *["style", "sticker"] * 3]
    finally:
        await running.stop()


async def test_in_a_group_someone_without_a_private_chat_still_gets_the_sticker_and_forged_presses_nothing(
    double, client, tmp_path
):
    running = await RunningBot(double, tmp_path).start()
    try:
        bob = member(client, 4501, "Bob")
        mark = await bob.mark()
        await bob.send_photo(portrait((320, 240))[0], caption="/stylize")
        prompt = await bob.wait_for(lambda e: text_message(e, "Got it, Bob"), since=mark)
        await bob.send_photo(stripes(96, 96, period=7), reply_to=prompt["message"]["message_id"])
        ready = await bob.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        await bob.press("▶ Stylize", message_id=ready["message"]["message_id"])
        result = await bob.wait_for(lambda e: photo_with(e, "Bob, here is your painting"), since=mark, timeout=20)
        _, line = await press_sticker(bob, result)
        assert "open a private chat with me (@paint_test_bot)" in line["message"]["text"]
        assert "Bob, here is your sticker" in line["message"]["text"]
        assert double.sticker_sets == {}

        eve = client.user(4502, "Eve")
        await eve.send_text("/start")
        await eve.wait_for(lambda e: e["kind"] == "message")
        mark = await eve.mark()
        job = (await running.settled_jobs(at_least=2))[0]
        await eve.press_data(f"stk:{job.id}")  # Bob's painting, from Eve's own chat
        answer = await eve.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
        assert "older message" in answer["text"]
        assert not [e for e in (await eve.sent())[mark:] if sticker_message(e)]
    finally:
        await running.stop()


async def test_a_painted_clip_becomes_a_video_sticker(double, client, tmp_path):
    from ..fake_engine import FakeEngine

    running = await RunningBot(double, tmp_path, video=FakeEngine(modes=("video",))).start()
    try:
        cyd = client.user(4601, "Cyd")
        make_clip(tmp_path / "walk.mp4", frames=48, fps=12, size=(160, 96))
        mark = await cyd.mark()
        await cyd.send_clip("video", (tmp_path / "walk.mp4").read_bytes())
        await cyd.wait_for(lambda e: text_message(e, "Got your clip"), since=mark)
        await cyd.send_photo(stripes(96, 96, period=7))
        await cyd.wait_for(lambda e: text_message(e, "Style saved") or text_message(e, "ready"), since=mark)
        await cyd.press("▶ Stylize")
        result = await cyd.wait_for(
            lambda e: e["kind"] == "message" and "video" in e["message"], since=mark, timeout=30
        )
        # a press in the moment after the result went out and before its row names the result still works
        (settled,) = await running.settled_jobs()
        async with running.services.db.session() as session, session.begin():
            (await session.get(Job, settled.id)).result_path = None
        sent, line = await press_sticker(cyd, result)
        assert sent["message"]["sticker"]["is_video"] and "made" in line["message"]["text"]
        webm = await client.file_bytes(sent["message"]["sticker"]["file_id"])
        assert webm[:4] == b"\x1a\x45\xdf\xa3" and len(webm) <= 256 * 1024
    finally:
        await running.stop()
