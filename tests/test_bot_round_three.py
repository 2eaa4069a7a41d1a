"""Hard to break, round three: forged buttons, a busy group, long names, waiting modes, the second
painting — end to end against the double, each failing on the code before its fix."""

from __future__ import annotations

import asyncio

import pytest

from .bot_harness import RunningBot, photo_with, prepare, text_message
from .conftest import picture

GROUP = -100777


def member(client, user_id: int, name: str, **extra):
    return client.user(user_id, name, chat_id=GROUP, chat_type="supergroup", title="Art club", **extra)


def answer_to(entry, data: str) -> bool:
    return entry["kind"] == "callback_answer" and entry["data"] == data


async def painted(running, user) -> int:
    """``user`` paints one picture; its job id."""
    await prepare(user)
    await user.press("▶ Stylize")
    await user.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    jobs = await running.settled_jobs()
    return jobs[-1].id


# 1. Every button that names a job answers only to its owner, in its own chat.
@pytest.mark.parametrize("action", ["png:{}", "cancel:{}", "swapjob:{}", "proper:{}", "redo:{}.another"])
async def test_a_forged_button_never_reaches_another_persons_job(running, client, action):
    ann, eve = client.user(9501, "Ann"), client.user(9502, "Eve")
    job_id = await painted(running, ann)
    await eve.send_text("/help")
    await eve.wait_for(lambda e: text_message(e, "photo"))
    mark = await eve.mark()
    forged = action.format(job_id)
    await eve.press_data(forged)
    await eve.wait_for(lambda e: answer_to(e, forged), since=mark)
    await asyncio.sleep(0.3)
    assert not [e for e in (await eve.sent())[mark:] if e["kind"] == "message"], "something reached Eve's chat"
    assert len(await running.jobs()) == 1  # nothing started on Ann's pictures or quota


async def test_a_private_painting_cannot_be_pulled_into_a_group_by_its_owner(running, client):
    ann = client.user(9511, "Ann")
    job_id = await painted(running, ann)
    ann_in_group = member(client, 9511, "Ann")
    mark = await ann_in_group.mark()
    await ann_in_group.send_text("/help")
    await ann_in_group.wait_for(lambda e: text_message(e, "/stylize"), since=mark)
    mark = await ann_in_group.mark()
    await ann_in_group.press_data(f"png:{job_id}")
    await ann_in_group.wait_for(lambda e: answer_to(e, f"png:{job_id}"), since=mark)
    await asyncio.sleep(0.3)
    assert not [e for e in (await ann_in_group.sent())[mark:] if e["kind"] == "message"]
    # in her own chat the same button still works
    mark = await ann.mark()
    await ann.press("📄 Full-size PNG")
    document = await ann.wait_for(lambda e: e["kind"] == "message" and "document" in e["message"], since=mark)
    assert document["message"]["document"]["file_name"] == f"painting_{job_id}.png"


# 3. Every column holds what Telegram (or a client ignoring its limits) can send, on PostgreSQL.
async def test_long_names_titles_and_language_tags_work_on_postgresql(double, client, tmp_path, postgres_url):
    running = await RunningBot(double, tmp_path, database_url=postgres_url).start()
    try:
        tag = "en-gb-oxendict-x-abcdefgh"  # 25 characters, a valid IETF tag
        long_name = "Ünïcødé " * 40  # 320 characters, past Telegram's 64
        zed = client.user(9521, long_name, username="z" * 40, language_code=tag)
        await prepare(zed)
        odd = client.user(9522, "Odd", language_code="x-" + "a" * 120)
        await odd.send_photo(picture(120, 90))
        await odd.wait_for(lambda e: text_message(e, "Got your photo"))
        titled = client.user(9523, "Tia", chat_id=GROUP, chat_type="supergroup", title="🎨" * 255)
        await titled.send_photo(picture(120, 90), caption="/stylize")
        await titled.wait_for(lambda e: text_message(e, "Got it, Tia"))
        await zed.press("▶ Stylize")
        await zed.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    finally:
        await running.stop()
