"""The draft after a result (bot.domain.drafts, features.draft_buttons): a photo sent after a painting is
the next painting's photo, an album is photo and styles anew, ⚙ choices are named and last until
/new, and /status says what to do next."""

from __future__ import annotations

from ..bot_harness import (
    buttons,
    draft_of,
    member,
    painted,
    photo_with,
    text_message,
)
from ..conftest import picture, stripes


async def test_a_photo_after_a_result_is_the_next_paintings_photo(running, client):
    mia = client.user(9551, "Mia")
    await mia.send_text("/new")
    await painted(running, mia)
    first = await draft_of(running, 9551)
    mark = await mia.mark()
    await mia.send_photo(picture(150, 100, seed=5))
    said = await mia.wait_for(lambda e: text_message(e, "New photo"), since=mark)
    assert "▶ Stylize" in buttons(said) and "🖼 It's a style" in buttons(said)
    second = await draft_of(running, 9551)
    assert second.content_path != first.content_path and second.style_paths == first.style_paths
    await mia.press("▶ Stylize")
    await mia.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=20)
    jobs = await running.settled_jobs()
    assert jobs[-1].content_path == second.content_path and len(jobs) == 2

    # meant as a style: one tap makes it the style of the photo before
    mark = await mia.mark()
    await mia.send_photo(stripes(90, 90, period=9))
    await mia.wait_for(lambda e: text_message(e, "New photo"), since=mark)
    await mia.press("🖼 It's a style")
    await mia.wait_for(lambda e: e["kind"] == "edit" and "Style: this picture" in e["after"].get("text", ""))
    third = await draft_of(running, 9551)
    assert third.content_path == second.content_path and len(third.style_paths) == 1
    assert third.style_paths != second.style_paths


async def test_an_album_after_a_result_is_a_new_photo_and_styles(running, client):
    noa = client.user(9552, "Noa")
    await painted(running, noa)
    before = await draft_of(running, 9552)
    mark = await noa.mark()
    await noa.send_album([picture(150, 100, seed=7), stripes(90, 90, period=5)])
    said = await noa.wait_for(lambda e: text_message(e, "Photo: picture 1"), since=mark)
    assert "style: picture 2" in said["message"]["text"]
    after = await draft_of(running, 9552)
    assert after.content_path != before.content_path and len(after.style_paths) == 1


# 18, 19, 20. What a person picked is shown, named, and lasts until changed or /new.
async def test_choices_are_shown_named_and_last_until_new(running, client):
    ivy = client.user(9601, "Ivy")
    mark = await ivy.mark()
    await ivy.send_album([picture(150, 100), stripes(90, 90, period=5), stripes(90, 90, period=9)])
    card = await ivy.wait_for(lambda e: text_message(e, "style 1: picture 2 · style 2: picture 3"), since=mark)
    assert "⚙ Balanced · 64 px · strength: normal" in card["message"]["text"]
    card_id = card["message"]["message_id"]
    await ivy.press("75% style 1", message_id=card_id)
    edited = await ivy.wait_for(lambda e: e["kind"] == "edit" and "• 75% style 1" in str(e["after"]))
    assert "🔄 Photo ⇄ style" in str(edited["after"]["reply_markup"])  # still there after a mix button
    mark = await ivy.mark()
    await ivy.press("🔀 Swap styles", message_id=card_id)
    toast = await ivy.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
    assert "Swapped" in toast["text"]

    mark = await ivy.mark()
    await ivy.press("⚙ Settings", message_id=card_id)
    shown = await ivy.wait_for(lambda e: e["kind"] == "edit" and "Quality: Balanced" in e["after"].get("text", ""),
                               since=mark)  # fmt: skip
    assert "about" in shown["after"]["text"]  # how long the quality takes here
    labels = [b["text"] for row in shown["after"]["reply_markup"]["inline_keyboard"] for b in row]
    assert "• Balanced" in labels and not any("px" in label for label in labels)  # 1024 px is all one may have
    await ivy.press("Best", message_id=card_id)
    await ivy.wait_for(lambda e: e["kind"] == "edit" and "Quality: Best" in e["after"].get("text", ""))
    mark = await ivy.mark()
    await ivy.send_text("/settings")
    said = await ivy.wait_for(lambda e: text_message(e, "quality = best (your choice in ⚙)"), since=mark)
    assert "until you change them or send /new" in said["message"]["text"]

    await ivy.send_text("/new")
    mark = await ivy.mark()
    await ivy.send_album([picture(150, 100), stripes(90, 90, period=5)])
    card = await ivy.wait_for(lambda e: text_message(e, "style: picture 2"), since=mark)
    assert "⚙ Balanced" in card["message"]["text"]  # /new went back to the chat's defaults


# 23. Words for a first use.
async def test_status_and_an_empty_queue_say_what_to_do_here(running, client):
    una = client.user(9591, "Una")
    await una.send_text("/status")
    said = await una.wait_for(lambda e: text_message(e, "Nothing here yet"))
    assert "Fresh start" not in said["message"]["text"]
    ann = member(client, 9592, "Ann")
    await ann.send_text("/queue")
    await ann.wait_for(lambda e: text_message(e, "captioned /stylize"))
