"""The preset gallery end to end: owners add and remove paintings; everyone browses and picks; restarts keep it."""

from __future__ import annotations

from sqlalchemy import select

from bot.storage import Preset

from ..bot_harness import RunningBot, buttons, photo_with, text_message
from ..conftest import picture, stripes

OWNER = 6000
GROUP = -100600


async def said(user, command: str, expect: str) -> dict:
    mark = await user.mark()
    await user.send_text(command)
    entry = await user.wait_for(lambda e: e["kind"] == "message" and "text" in e["message"], since=mark)
    assert expect in entry["message"]["text"], entry["message"]["text"]
    return entry


async def clear_starter_gallery(owner) -> None:
    for name in ("starry", "scream", "shipwreck", "nude"):
        await said(owner, f"/delpreset {name}", f"Removed '{name}'")


async def test_a_fresh_install_has_starter_paintings_with_titles(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    owner, cal = client.user(OWNER, "Olga"), client.user(6201, "Cal")
    try:
        mark = await cal.mark()
        await cal.send_text("/presets")
        pick = await cal.wait_for(lambda e: text_message(e, "Pick a painting"), since=mark)
        # titles, not slugs; each starter painting with its story
        assert buttons(pick) == ["🖼 Seated Nude", "ℹ Its story", "🖼 The Scream", "ℹ Its story", "🖼 The Shipwreck",
                                 "ℹ Its story", "🖼 The Starry Night", "ℹ Its story"]  # fmt: skip
        album = [e for e in (await cal.sent())[mark:] if e["kind"] == "message" and "photo" in e["message"]]
        assert sorted(e["message"]["caption"] for e in album) == [
            "nude — Seated Nude, Amedeo Modigliani (1917)",
            "scream — The Scream, Edvard Munch (1893)",
            "shipwreck — The Shipwreck, J. M. W. Turner (1805)",
            "starry — The Starry Night, Vincent van Gogh (1889)",
        ]
        sides = [max(e["message"]["photo"][-1]["width"], e["message"]["photo"][-1]["height"]) for e in album]
        assert all(side <= 1280 for side in sides)  # downscaled copies, as Telegram sends photos
        async with running.services.db.session() as session:
            stored = {p.name: p.file_id for p in (await session.execute(select(Preset))).scalars()}
        assert stored == {e["message"]["caption"].split(" —")[0]: e["message"]["photo"][-1]["file_id"] for e in album}

        # shown again from Telegram's copies (not uploaded again: the same file ids)
        mark = await cal.mark()
        await cal.send_text("/presets")
        await cal.wait_for(lambda e: text_message(e, "Pick a painting"), since=mark)
        again = [e for e in (await cal.sent())[mark:] if e["kind"] == "message" and "photo" in e["message"]]
        assert sorted(e["message"]["photo"][-1]["file_id"] for e in again) == sorted(stored.values())

        # picked like any painting, and painted from the file in the installed package
        mark = await cal.mark()
        await cal.send_photo(picture(160, 120))
        saved = await cal.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
        await cal.press("🖼 The Starry Night", message_id=saved["message"]["message_id"])
        await cal.wait_for(lambda e: text_message(e, "The Starry Night is your style"), since=mark)
        await cal.press("▶ Stylize")
        await cal.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
        (job,) = await running.jobs()
        assert job.style_paths[0].endswith("bot/gallery/starry_night.jpg")
        await clear_starter_gallery(owner)  # owners remove them like any painting
        await said(cal, "/presets", "No paintings in the gallery yet")
    finally:
        await running.stop()
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()  # and they stay removed
    try:
        await said(cal, "/presets", "No paintings in the gallery yet")
    finally:
        await running.stop()


async def test_add_browse_pick_restart_delete(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    owner, ann = client.user(OWNER, "Olga"), client.user(6101, "Ann")
    try:
        await clear_starter_gallery(owner)
        await said(ann, "/presets", "No paintings in the gallery yet")
        mark = await ann.mark()
        await ann.send_photo(stripes(period=5), caption="/addpreset starry")
        await ann.wait_for(lambda e: text_message(e, "only the bot's owners"), since=mark)

        mark = await owner.mark()
        await owner.send_photo(stripes(period=5), caption="/addpreset starry")
        await owner.wait_for(lambda e: text_message(e, "Added 'starry' to the gallery"), since=mark)
        mark = await owner.mark()
        waves = await owner.send_photo(stripes(period=9, colors=((20, 90, 200), (240, 240, 255))))
        await owner.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)  # a plain photo: content
        await said(owner, "/addpreset", "caption /addpreset <name>")
        mark = await owner.mark()
        await owner.send_text("/addpreset Waves", reply_to=waves["message_id"])
        await owner.wait_for(lambda e: text_message(e, "Added 'waves'"), since=mark)
        mark = await owner.mark()
        await owner.send_text("/addpreset bad name!", reply_to=waves["message_id"])
        await owner.wait_for(lambda e: text_message(e, "Names: a–z"), since=mark)
        mark = await owner.mark()
        await owner.send_photo(picture(), caption="/addpreset starry")
        await owner.wait_for(lambda e: text_message(e, "already a painting called 'starry'"), since=mark)

        # browse: an album of the paintings, then buttons to pick one
        mark = await ann.mark()
        await ann.send_text("/presets")
        pick = await ann.wait_for(lambda e: text_message(e, "Pick a painting"), since=mark)
        assert buttons(pick) == ["🖼 starry", "🖼 waves"]  # no title: the name
        album = [e for e in (await ann.sent())[mark:] if e["kind"] == "message" and "photo" in e["message"]]
        assert sorted(e["message"].get("caption") for e in album) == ["starry", "waves"]

        # pick one in the flow: the photo first, then a gallery button under the bot's answer
        mark = await ann.mark()
        await ann.send_photo(picture(160, 120))
        saved = await ann.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
        assert buttons(saved) == ["🖼 starry", "🖼 waves"]
        mark = await ann.mark()
        await ann.press("🖼 waves", message_id=saved["message"]["message_id"])
        ready = await ann.wait_for(lambda e: text_message(e, "waves is your style"), since=mark)
        assert buttons(ready) == ["▶ Stylize", "⚙ Settings"]
        await ann.press("▶ Stylize")
        await ann.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=60)
        (job,) = await running.jobs()
        async with running.services.db.session() as session:
            paths = {p.name: p.path for p in (await session.execute(select(Preset))).scalars()}
        assert job.style_paths == [paths["waves"]]
    finally:
        await running.stop()

    # a restart keeps the gallery (database + cached copies), and a group member picks by name
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        await said(ann, "/presets", "Pick a painting")
        bea = client.user(6102, "Bea", chat_id=GROUP, chat_type="group", title="Club")
        mark = await bea.mark()
        await bea.send_photo(picture(160, 120, seed=3), caption="/stylize starry")
        ready = await bea.wait_for(lambda e: text_message(e, "starry ready, Bea"), since=mark)
        await bea.press("▶ Stylize", message_id=ready["message"]["message_id"])
        await bea.wait_for(lambda e: photo_with(e, "Bea, here is your painting"), since=mark, timeout=60)
        mark = await bea.mark()
        await bea.send_photo(picture(), caption="/stylize nosuch")
        await bea.wait_for(lambda e: text_message(e, "no painting called 'nosuch'"), since=mark)

        await said(ann, "/delpreset starry", "only the bot's owners")
        await said(owner, "/delpreset starry", "Removed 'starry'")
        await said(owner, "/delpreset starry", "no painting called 'starry'")
        await said(owner, "/delpreset", "Use /delpreset <name>")
        mark = await ann.mark()
        await ann.press("🖼 starry")  # a button from before the deletion
        await ann.wait_for(lambda e: e["kind"] == "callback_answer" and "removed" in (e["text"] or ""), since=mark)
        await said(ann, "/presets", "Pick a painting")
        assert buttons((await ann.sent())[-1]) == ["🖼 waves"]
    finally:
        await running.stop()
