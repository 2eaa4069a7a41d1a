"""Hard to break, round two: what real users and Telegram itself send, end to end against the double."""

from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3

import pytest
from sqlalchemy import select

from bot.storage import Draft

from ..bot_harness import RunningBot, bot_env, end_bot_process, photo_with, prepare, start_bot_process, text_message
from ..conftest import encode, picture, stripes
from ..fake_engine import FakeEngine

POLL = {
    "id": "1", "question": "Which style?", "options": [], "total_voter_count": 0, "is_closed": False,
    "is_anonymous": True, "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
    "members_only": False,
}  # fmt: skip


def texts_to(log) -> list[str]:
    return [e["message"].get("text") for e in log if e["kind"] == "message" and "text" in e["message"]]


async def draft_of(running, user_id: int) -> Draft:
    async with running.services.db.session() as session:
        return (await session.execute(select(Draft).where(Draft.user_id == user_id))).scalar_one()


async def test_a_new_users_two_albums_are_both_taken_in_order(running, client, caplog):
    """Twelve pictures picked at once arrive as a 10-photo and a 2-photo album from someone new."""
    wes = client.user(9301, "Wes")
    first = [picture(120, 90, seed=i) for i in range(10)]
    second = [stripes(80, 80, period=4 + i) for i in range(2)]
    await wes.send_album(first, delay=0.01)
    await wes.send_album(second, delay=0.01)
    await wes.wait_for(lambda e: text_message(e, "2 styles saved"), timeout=20)
    replies = texts_to(await wes.sent())
    assert len(replies) == 2 and "Photo: picture 1" in replies[0] and "2 styles saved" in replies[1], replies
    draft = await draft_of(running, 9301)
    photo = running.services.cache.inputs / "x"
    assert draft.content_path and len(draft.style_paths) == 2 and str(photo.parent) in draft.content_path
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "content",
    [
        {"location": {"latitude": 52.5, "longitude": 13.4}},
        {"contact": {"phone_number": "+100", "first_name": "Ann"}},
        {"dice": {"emoji": "🎲", "value": 3}},
        {"poll": POLL},
        {"venue": {"location": {"latitude": 1.0, "longitude": 2.0}, "title": "Here", "address": "There"}},
        {"voice": {"file_id": "vo", "file_unique_id": "vou", "duration": 3}},
        {"audio": {"file_id": "au", "file_unique_id": "auu", "duration": 3}},
    ],
    ids=["location", "contact", "dice", "poll", "venue", "voice", "audio"],
)  # fmt: skip
async def test_anything_that_is_not_a_picture_gets_a_one_line_answer(running, client, content):
    xia = client.user(9310, "Xia")
    mark = await xia.mark()
    await xia.send_raw(**content)
    await xia.wait_for(lambda e: text_message(e, "I can only paint photos"), since=mark)


async def test_an_album_with_one_broken_picture_keeps_the_good_ones(running, client):
    yan = client.user(9320, "Yan")
    broken = encode(picture(200, 150), "JPEG")[:600]  # cut short; sent "as file", Telegram takes it as is
    items = [(encode(picture(120, 90)), "a.png", "image/png"), (broken, "b.jpg", "image/jpeg")]
    items.append((encode(stripes(80, 80)), "c.png", "image/png"))
    mark = await yan.mark()
    for data, name, mime in items:
        await yan.send_document(data, name, mime, media_group_id="album-9320")
    said = await yan.wait_for(lambda e: text_message(e, "picture 2 of 3"), since=mark, timeout=20)
    assert "damaged" in said["message"]["text"]
    await yan.wait_for(lambda e: text_message(e, "Photo: picture 1"), since=mark)
    draft = await draft_of(running, 9320)
    assert draft.content_path and len(draft.style_paths) == 1  # the two good pictures: photo and style


async def test_an_update_that_cannot_be_read_is_skipped_once_not_spun_on(running, client, caplog):
    """A payload this PTB cannot parse (here a poll missing a field newer Bot APIs require) used to be
    fetched again and again for ever; it is logged once and skipped, and the next message is answered."""
    abe = client.user(9340, "Abe")
    broken = {k: v for k, v in POLL.items() if k != "members_only"}
    await abe.send_raw(poll=broken)
    mark = await abe.mark()
    await abe.send_text("/help")
    await abe.wait_for(lambda e: text_message(e, "repaint"), since=mark)
    skipped = [r for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].levelno == logging.WARNING
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_blocked_user_is_not_an_error_and_their_queued_jobs_are_skipped(running, client, double, caplog):
    caplog.set_level(logging.INFO)
    zed = client.user(9330, "Zed")
    await prepare(zed)
    blocked = "Forbidden: bot was blocked by the user"
    await client.fault("sendPhoto", 403, description=blocked, times=10)
    await client.fault("editMessageCaption", 403, description=blocked, times=10)
    mark = await zed.mark()
    await zed.press("▶ Stylize")
    (job,) = await running.settled_jobs(timeout=20, at_least=1)
    assert job.status == "failed" and job.error_code == "undeliverable"
    assert not [e for e in await zed.sent() if photo_with(e, "Done in")]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert mark is not None and any("undeliverable" in r.getMessage() for r in caplog.records)


async def test_commands_for_another_bot_are_left_alone(running, client):
    """With privacy mode off the bot sees everything in a group: /stylize@other_bot is not for it."""
    await client.settings(privacy_mode=False)
    cleo = client.user(9350, "Cleo", chat_id=-100935, chat_type="supergroup", title="Club")
    mark = await cleo.mark()
    await cleo.send_photo(picture(120, 90), caption="/stylize@other_bot")
    await cleo.send_photo(picture(120, 90), caption="/addpreset@other_bot waves")
    await cleo.send_text("/queue@other_bot")
    await cleo.send_text("/queue")
    await cleo.wait_for(lambda e: text_message(e, "queue"), since=mark)
    assert len(texts_to((await cleo.sent())[mark:])) == 1  # only the /queue meant for us was answered
    mark = await cleo.mark()
    await cleo.send_photo(picture(120, 90), caption="/stylize@paint_test_bot")
    await cleo.wait_for(lambda e: text_message(e, "Got it, Cleo"), since=mark)


async def test_an_anonymous_admins_buttons_answer_to_the_groups_admins(running, client):
    """An anonymous admin writes as the group (from: GroupAnonymousBot); the draft belongs to the group,
    and its buttons are pressed by a real person: any admin may, a plain member may not."""
    group = {"id": -100936, "type": "supergroup", "title": "Studio"}
    anon = client.user(1087968824, "Group", chat_id=group["id"], chat_type="supergroup", title="Studio")
    dora, ed = (client.user(i, n, chat_id=group["id"], chat_type="supergroup", title="Studio") for i, n in
                ((9361, "Dora"), (9362, "Ed")))  # fmt: skip
    await client.set_member(group["id"], 9361, "administrator")
    await client.set_member(group["id"], 9362, "member")
    mark = await anon.mark()
    await anon.send_photo(picture(120, 90), caption="/stylize", sender_chat=group)
    prompt = await anon.wait_for(lambda e: text_message(e, "Got it, Studio"), since=mark)
    mark = await anon.mark()
    await anon.send_photo(stripes(80, 80), reply_to=prompt["message"]["message_id"], sender_chat=group)
    ready = await anon.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
    mark = await ed.mark()
    await ed.press("▶ Stylize", message_id=ready["message"]["message_id"])
    await ed.wait_for(lambda e: e["kind"] == "callback_answer" and "someone else" in (e["text"] or ""), since=mark)
    await dora.press("▶ Stylize", message_id=ready["message"]["message_id"])
    result = await dora.wait_for(lambda e: photo_with(e, "Studio, here is your painting"), since=mark, timeout=20)
    assert "tg://user" not in str(result["message"].get("caption_entities"))  # a chat, not a person
    (job,) = await running.settled_jobs(at_least=1)
    assert job.user_id == group["id"] and job.status == "done"


async def test_an_album_caught_by_an_orderly_stop_is_handled_after_it(double, client, tmp_path):
    """SIGTERM's orderly shutdown (the same steps as RunningBot.stop) while an album is being collected."""
    fay = client.user(9371, "Fay")
    running = await RunningBot(double, tmp_path).start()
    try:
        mark = await fay.mark()
        await fay.send_album([picture(120, 90), stripes(80, 80), stripes(80, 80, period=5)], delay=0.01)
        await until_kept(tmp_path / "bot.sqlite3", 3)
    finally:
        await running.stop()  # within the album's one-second debounce
    assert not texts_to((await fay.sent())[mark:])
    running = await RunningBot(double, tmp_path).start()
    try:
        await fay.wait_for(lambda e: text_message(e, "Photo: picture 1"), since=mark, timeout=20)
        assert len((await draft_of(running, 9371)).style_paths) == 2
    finally:
        await running.stop()


async def until_kept(database, count: int) -> None:
    """Until the bot has fetched ``count`` picture messages (kept in its inbox before handling)."""
    for _ in range(250):
        with sqlite3.connect(database) as raw:
            if raw.execute("select count(*) from inbox").fetchone()[0] == count:
                return
        await asyncio.sleep(0.02)
    raise TimeoutError(f"the inbox never held {count} messages")


@pytest.mark.slow
async def test_an_album_caught_by_kill_9_is_handled_after_the_restart(double, client, tmp_path):
    """The bot is killed while an album is still being collected (the debounce has not run out): the
    pictures were kept in the inbox when fetched, and after the restart they are handled once."""
    env = bot_env(double, tmp_path)
    process = start_bot_process(env)
    try:
        fay = client.user(9370, "Fay")
        await fay.send_text("/start")
        await fay.wait_for(lambda e: text_message(e, "repaint"), timeout=60)
        mark = await fay.mark()
        await fay.send_album([picture(120, 90), stripes(80, 80), stripes(80, 80, period=5)], delay=0.01)
        await until_kept(tmp_path / "paintbot.sqlite3", 3)
        process.send_signal(signal.SIGKILL)  # within the album's one-second debounce
        await asyncio.to_thread(process.wait, 25)
        assert not texts_to((await fay.sent())[mark:])  # nothing was answered before the stop
        process = start_bot_process(env)
        await fay.wait_for(lambda e: text_message(e, "Photo: picture 1"), since=mark, timeout=60)
        mark = await fay.mark()
        await fay.send_text("/status")
        await fay.wait_for(lambda e: text_message(e, "2 styles ready"), since=mark, timeout=20)
        assert len([t for t in texts_to(await fay.sent()) if "Photo: picture 1" in t]) == 1
    finally:
        await asyncio.to_thread(end_bot_process, process)


@pytest.mark.parametrize("heard", [True, False], ids=["told", "found out on sending"])
async def test_a_group_upgraded_to_a_supergroup_keeps_its_jobs_drafts_and_settings(double, client, tmp_path, heard):
    """Telegram moves a group to a new id when it becomes a supergroup. Told by the service messages, or
    finding out when a send is refused with migrate_to_chat_id, the bot moves everything and delivers there."""
    old, new = -9380, -1009380
    slow = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}
    running = await RunningBot(double, tmp_path, presets=slow, engine=FakeEngine(step_seconds=0.05)).start()
    try:
        gia = client.user(9381, "Gia", chat_id=old, chat_type="group", title="Painters")
        await client.set_member(old, 9381, "administrator")
        mark = await gia.mark()
        await gia.send_text("/set keep_colors on")
        await gia.wait_for(lambda e: text_message(e, "keep_colors in this chat"), since=mark)
        await gia.send_photo(picture(120, 90), caption="/stylize")
        prompt = await gia.wait_for(lambda e: text_message(e, "Got it, Gia"), since=mark)
        await gia.send_photo(stripes(80, 80), reply_to=prompt["message"]["message_id"])
        ready = await gia.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        await gia.press("▶ Stylize", message_id=ready["message"]["message_id"])
        await gia.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
        await client.migrate(old, new, by=9381, notify=heard)  # while the picture paints

        moved = client.user(9381, "Gia", chat_id=new, chat_type="supergroup", title="Painters")
        result = await moved.wait_for(lambda e: photo_with(e, "Gia, here is your painting"), timeout=20)
        assert "your colours" in result["message"]["caption"]  # the old group's setting applied
        (job,) = await running.settled_jobs(at_least=1)
        assert job.chat_id == new and job.status == "done"
        mark = await moved.mark()
        await moved.send_text("/settings")
        await moved.wait_for(lambda e: text_message(e, "keep_colors = on (chat)"), since=mark)
    finally:
        await running.stop()
