"""Presses and pictures kept in the inbox from the moment they are fetched: a press caught by the
bot's death is placed at the next start, a press handled twice places one job, and a picture
replayed while another replica took it is not taken twice."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from telegram import Update

from bot.storage import Inbox

from ..bot_harness import RunningBot, photo_with, prepare, text_message
from ..conftest import picture


def draft_card(log) -> dict:
    """The newest message carrying ▶ Stylize."""
    for entry in reversed(log):
        message = entry.get("message") or {}
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if any(b.get("callback_data") == "go" for row in rows for b in row):
            return message
    raise AssertionError("no draft card")


def go_press(user, card: dict, update_id: int) -> dict:
    """▶ on ``card`` as Telegram sends it (the query's id unknown to the double: too old to answer)."""
    query = {
        "id": f"lost-{update_id}",
        "from": {"is_bot": False, **user.sender},
        "message": card,
        "chat_instance": "1",
        "data": "go",
    }
    return {"update_id": update_id, "callback_query": query}


async def inbox_size(bot: RunningBot) -> int:
    async with bot.services.db.session() as session:
        return (await session.execute(select(func.count()).select_from(Inbox))).scalar_one()


async def until_crossed_off(bot: RunningBot) -> None:
    for _ in range(200):
        if await inbox_size(bot) == 0:
            return
        await asyncio.sleep(0.05)
    raise TimeoutError("the inbox was never emptied")


async def test_a_press_the_bot_died_with_is_placed_at_the_next_start_and_only_once(double, client, tmp_path):
    kit = client.user(9601, "Kit")
    bot = await RunningBot(double, tmp_path).start()
    try:
        await prepare(kit)
        press = go_press(kit, draft_card(await kit.sent()), 970001)
        # fetched (kept in the inbox, as the getUpdates request does) but never handled: the bot died
        await bot.services.inbox.record([press])
    finally:
        await bot.stop()
    mark = await kit.mark()

    bot = await RunningBot(double, tmp_path).start()
    try:
        await kit.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=30)
        (job,) = await bot.settled_jobs()
        assert job.update_id == 970001 and job.status == "done"
        await until_crossed_off(bot)
        # the same press kept again, as if the bot had died after placing it and before crossing
        # it off: handled once more at the next start, it places nothing
        await bot.services.inbox.record([press])
    finally:
        await bot.stop()
    log = (await kit.sent())[mark:]
    assert sum(1 for e in log if photo_with(e, "Queued")) == 1
    mark = await kit.mark()

    bot = await RunningBot(double, tmp_path).start()
    try:
        await until_crossed_off(bot)
        assert len(await bot.jobs()) == 1
        # the replayed press is not answered at all (no card, no "something went wrong")
        await kit.send_text("/status")
        await kit.wait_for(lambda e: e["kind"] == "message" and "text" in e["message"], since=mark)
        assert not [e for e in (await kit.sent())[mark:] if photo_with(e, "Queued") or text_message(e, "wrong")]
    finally:
        await bot.stop()


async def test_a_press_replayed_when_its_draft_is_gone_is_told_why_in_the_chat(double, client, tmp_path):
    """A replayed press is too old for an alert on its button: the reason is said in the chat."""
    lea = client.user(9602, "Lea")
    bot = await RunningBot(double, tmp_path).start()
    try:
        await prepare(lea)
        card = draft_card(await lea.sent())
        mark = await lea.mark()
        await lea.send_text("/new")
        await lea.wait_for(lambda e: text_message(e, "Fresh start"), since=mark)
        await bot.services.inbox.record([go_press(lea, card, 970002)])
    finally:
        await bot.stop()
    mark = await lea.mark()

    bot = await RunningBot(double, tmp_path).start()
    try:
        await lea.wait_for(lambda e: text_message(e, "Send your photo first"), since=mark)
        assert not await bot.jobs()
        await until_crossed_off(bot)
    finally:
        await bot.stop()


async def test_a_replayed_photo_another_replica_took_meanwhile_is_not_taken_again(running, client):
    """A starting replica replays what its inbox holds while a live one may be taking the same
    message: whoever takes it crosses it off in the same transaction, and the other lets it be (a
    photo taken twice became its own second style)."""
    ivy = client.user(9603, "Ivy")
    await prepare(ivy)
    mark = await ivy.mark()
    message = await ivy.send_photo(picture(120, 90, seed=3))
    await ivy.wait_for(lambda e: text_message(e, "Second style saved"), since=mark)
    inbox = running.services.inbox
    await inbox.record([{"update_id": 970003, "message": message}])  # kept again, as if fetched again
    (replayed,) = await inbox.pending()  # ... and read by a replica starting meanwhile
    await inbox.done(message["chat"]["id"], [message["message_id"]])  # taken by the live one
    await running.app.update_queue.put(Update.de_json(replayed, running.app.bot))  # (handled in order)
    await ivy.send_text("/status")

    def texts(log) -> list[str]:
        return [e["message"]["text"] for e in log[mark:] if e["kind"] == "message" and "text" in e["message"]]

    for _ in range(400):  # the photo's answer and /status's (20 s: a loaded machine)
        if len(texts(await ivy.sent())) >= 2:
            break
        await asyncio.sleep(0.05)
    assert len(texts(await ivy.sent())) == 2, texts(await ivy.sent())  # the photo answered once
