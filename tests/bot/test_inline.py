"""Sharing from any chat (inline mode) and the gallery's stories: ``@bot`` lists the person's own
paintings and stickers and the gallery with its stories, a word filters, choosing sends it; ℹ under
/presets tells a starter painting's story — against the double's inline mode."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage import Preset

from ..bot_harness import RunningBot, member, painted, text_message


async def test_inline_lists_my_paintings_and_the_gallery_a_word_filters_and_choosing_sends_it(double, client, tmp_path):
    double.bot_user["supports_inline_queries"] = True  # @BotFather's /setinline
    running = await RunningBot(double, tmp_path).start()
    try:
        ann, bob = client.user(4701, "Ann"), client.user(4702, "Bob")
        job_id = await painted(running, ann)
        (job,) = await running.settled_jobs()
        mark = await ann.mark()
        await ann.send_text("/presets")  # the gallery's paintings get Telegram's copies (file ids)
        await ann.wait_for(lambda e: text_message(e, "Pick a painting"), since=mark)

        everything = await ann.inline_query("")
        by_id = {r["id"]: r for r in everything["results"]}
        assert by_id[f"job{job_id}"]["type"] == "photo"
        assert by_id[f"job{job_id}"]["photo_file_id"] == job.result_file_id
        async with running.services.db.session() as session:
            gallery = {p.name: p for p in (await session.execute(select(Preset))).scalars()}
        assert {f"g{p.id}" for p in gallery.values()} <= set(by_id)  # the paintings, by Telegram's copies
        assert {f"s{p.id}" for p in gallery.values()} <= set(by_id)  # and every starter one's story
        assert everything["is_personal"]

        starry = await ann.inline_query("Starry van")
        assert {r["id"] for r in starry["results"]} == {f"g{gallery['starry'].id}", f"s{gallery['starry'].id}"}
        story = next(r for r in starry["results"] if r["type"] == "article")
        assert "Saint-Rémy" in story["input_message_content"]["message_text"]
        assert (await ann.inline_query("no such painting"))["results"] == []

        theirs = await bob.inline_query("")  # someone else never sees Ann's paintings
        assert not [r for r in theirs["results"] if r["id"].startswith("job")]

        in_group = member(client, 4701, "Ann")
        sent = await in_group.choose_inline(everything, f"job{job_id}")
        assert sent["via_bot"]["username"] == "paint_test_bot" and sent["from"]["id"] == 4701
        assert sent["photo"][-1]["file_id"] == job.result_file_id
        told = await in_group.choose_inline(starry, f"s{gallery['starry'].id}")
        assert told["text"].startswith("starry — The Starry Night, Vincent van Gogh (1889)")
    finally:
        await running.stop()


async def test_presets_tell_the_starter_paintings_stories(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    try:
        cal = client.user(4801, "Cal", language_code="es")
        mark = await cal.mark()
        await cal.send_text("/presets")
        pick = await cal.wait_for(lambda e: e["kind"] == "message" and "reply_markup" in e["message"], since=mark)
        rows = pick["message"]["reply_markup"]["inline_keyboard"]
        assert len(rows) == 4 and all(len(row) == 2 and row[1]["callback_data"].startswith("story:") for row in rows)
        nude = next(row for row in rows if "Seated Nude" in row[0]["text"] or "Desnudo" in row[0]["text"])
        mark = await cal.mark()
        await cal.press_data(nude[1]["callback_data"])
        story = await cal.wait_for(lambda e: e["kind"] == "message" and "Modigliani" in e["message"].get("text", ""),
                                   since=mark)  # fmt: skip
        assert "1917" in story["message"]["text"] and "Modigliani painted" not in story["message"]["text"]  # Spanish
        mark = await cal.mark()
        await cal.press_data("story:9999")  # a forged or removed painting
        answer = await cal.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
        assert answer["text"]
    finally:
        await running.stop()
