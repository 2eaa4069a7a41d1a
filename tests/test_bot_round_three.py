"""Hard to break, round three: forged buttons, a busy group, long names, waiting modes, the second
painting — end to end against the double, each failing on the code before its fix."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram.update_order import KeyedLocks
from bot.texts import admin as admin_texts

from .bot_harness import RunningBot, buttons, photo_with, prepare, text_message
from .conftest import picture, stripes
from .fake_engine import FakeEngine

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


# 2. A busy group holds up only itself.
async def test_a_busy_group_never_holds_up_another_chat(running, client):
    """Telegram allows a bot about 20 messages a minute in a group; answers past that wait their
    turn, but only that group's. 21 /help there: the 21st answer waits 3 s."""
    ann = member(client, 9531, "Ann")
    cid = client.user(9532, "Cid")
    await prepare(cid)
    for _ in range(21):
        await ann.send_text("/help")
    await ann.wait_for(lambda e: text_message(e, "/stylize"))
    mark = await cid.mark()
    await cid.send_text("/help")
    await cid.press("▶ Stylize")
    await cid.wait_for(lambda e: text_message(e, "photo"), since=mark)
    await cid.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=20)
    group_answers = [e for e in await ann.sent() if e["kind"] == "message"]
    assert len(group_answers) < 21, "the private chat waited for the group's budget"
    # the group's own answers still all come, in order
    for _ in range(200):
        if len([e for e in await ann.sent() if e["kind"] == "message"]) == 21:
            break
        await asyncio.sleep(0.05)
    assert len([e for e in await ann.sent() if e["kind"] == "message"]) == 21


async def test_updates_of_one_chat_keep_their_order_while_other_chats_go_ahead():
    locks, order = KeyedLocks(), []
    release = asyncio.Event()

    async def handle(name: str, keys: list[tuple], wait: bool = False) -> None:
        async with locks.hold(keys):
            if wait:
                await release.wait()
            order.append(name)

    first = asyncio.create_task(handle("ann 1", [("chat", 1), ("user", 1)], wait=True))
    second = asyncio.create_task(handle("ann 2", [("chat", 1), ("user", 1)]))
    elsewhere = asyncio.create_task(handle("ann in a group", [("chat", -5), ("user", 1)]))
    other = asyncio.create_task(handle("bob", [("chat", 2), ("user", 2)]))
    await other
    assert order == ["bob"]  # not held up by Ann's slow update
    release.set()
    await asyncio.gather(first, second, elsewhere)
    assert order == ["bob", "ann 1", "ann 2", "ann in a group"]  # Ann's own, in her order
    assert len(locks) == 0


# 4. A mode waiting for its picture ends when something else is asked for.
async def test_a_waiting_texture_ends_when_a_dream_is_asked_for(running, client):
    kim = client.user(9541, "Kim")
    await kim.send_text("/texture")
    await kim.wait_for(lambda e: text_message(e, "texture"))
    await kim.send_photo(picture(120, 90), caption="/dream")
    await kim.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    mark = await kim.mark()
    await kim.send_photo(picture(120, 90, seed=3))
    await kim.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    jobs = await running.settled_jobs()
    assert [j.spec["mode"] for j in jobs] == ["dream"]  # no texture, no second daily picture


async def test_a_waiting_dream_given_an_album_says_it_takes_the_first(running, client):
    lia = client.user(9542, "Lia")
    await lia.send_text("/dream")
    await lia.wait_for(lambda e: text_message(e, "dream"))
    mark = await lia.mark()
    await lia.send_album([picture(120, 90, seed=i) for i in range(3)])
    said = await lia.wait_for(lambda e: text_message(e, "one picture at a time"), since=mark)
    assert "3" in said["message"]["text"] and "/dream" in said["message"]["text"]
    await lia.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=20)
    assert len(await running.settled_jobs()) == 1


# 17. The second painting: a photo sent after a result starts the next one.
async def draft_of(running, user_id: int):
    from sqlalchemy import select

    from bot.storage import Draft

    async with running.services.db.session() as session:
        return (await session.execute(select(Draft).where(Draft.user_id == user_id))).scalar_one()


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


# 9. /language while a job paints: the result speaks the new language.
async def test_a_language_picked_while_painting_is_the_results_language(double, client, tmp_path):
    from bot import i18n, texts

    slow = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}
    running = await RunningBot(double, tmp_path, presets=slow, engine=FakeEngine(step_seconds=0.05)).start()
    try:
        oli = client.user(9561, "Oli")
        await prepare(oli)
        await oli.press("▶ Stylize")
        await oli.wait_for(lambda e: photo_with(e, "Painting"), timeout=10)
        await oli.send_text("/language")
        await oli.wait_for(lambda e: text_message(e, "Pick the language"))
        await oli.press("Español")
        with i18n.using("es"):
            done, again = texts.done_in(1).split(" ")[0], texts.BUTTON_AGAIN()
        result = await oli.wait_for(lambda e: e["kind"] == "message" and "photo" in e["message"]
                                    and "reply_markup" in e["message"] and again in buttons(e), timeout=20)  # fmt: skip
        assert done in result["message"]["caption"]
    finally:
        await running.stop()


# 14. The dream depth or intensity already chosen paints nothing again.
async def test_pressing_the_chosen_dream_depth_paints_nothing(running, client):
    pia = client.user(9571, "Pia")
    await pia.send_photo(picture(120, 90), caption="/dream")
    done = await pia.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
    for chosen in ("• 🌀 Patterns", "• Normal"):
        mark = await pia.mark()
        await pia.press(chosen, message_id=done["message"]["message_id"])
        answer = await pia.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
        assert "already" in answer["text"]
    assert len(await running.settled_jobs()) == 1


# 12 and 16. Another member's keyboards in a group: a clear alert that fits every mode, nothing changed.
async def test_another_members_language_keyboard_is_not_theirs_to_press(running, client):
    ann, bob = member(client, 9581, "Ann"), member(client, 9582, "Bob")
    await ann.send_text("/language")
    pick = await ann.wait_for(lambda e: text_message(e, "Pick the language"))
    mark = await bob.mark()
    await bob.press("Español", message_id=pick["message"]["message_id"])
    answer = await bob.wait_for(lambda e: e["kind"] == "callback_answer", since=mark)
    assert answer["show_alert"] and "someone else" in answer["text"] and "/dream" in answer["text"]
    assert not [e for e in (await bob.sent())[mark:] if e["kind"] == "edit"]  # Ann's message untouched
    assert running.services.languages.person(9582) == "en"


# 23. Words for a first use.
async def test_status_and_an_empty_queue_say_what_to_do_here(running, client):
    una = client.user(9591, "Una")
    await una.send_text("/status")
    said = await una.wait_for(lambda e: text_message(e, "Nothing here yet"))
    assert "Fresh start" not in said["message"]["text"]
    ann = member(client, 9592, "Ann")
    await ann.send_text("/queue")
    await ann.wait_for(lambda e: text_message(e, "captioned /stylize"))


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


# 22. Each mode's card says what it does; /settings in another language names keys and values.
async def test_a_texture_card_says_it_grows_a_texture(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, engine=FakeEngine(step_seconds=0.01)).start()
    try:  # the card says so from the start ("… 0%"), however quick the texture
        tom = client.user(9611, "Tom")
        await tom.send_photo(stripes(96, 96), caption="/texture")
        await tom.wait_for(lambda e: e["kind"] == "edit" and "Growing the texture" in e["after"].get("caption", ""))
        done = await tom.wait_for(lambda e: photo_with(e, "Done in"), timeout=20)
        assert "seed" not in done["message"]["caption"]
    finally:
        await running.stop()


async def test_settings_in_russian_name_keys_and_values(running, client):
    from bot import i18n, texts

    ira = client.user(9621, "Ира", language_code="ru")
    await ira.send_text("/settings")
    with i18n.using("ru"):
        name, balanced = admin_texts.SETTING_NAMES()["quality"], texts.QUALITY_LABELS()["balanced"]
    said = await ira.wait_for(lambda e: text_message(e, f"{name} (quality) = {balanced} (balanced)"))
    assert "keep_colors" in said["message"]["text"]  # the key /set takes, beside its name


# 21. A card's picture never shrinks: a smaller preview after a larger picture is shown enlarged.
async def test_a_cards_picture_never_gets_smaller(running, client, tmp_path):
    from bot.telegram.progress import ProgressMessage, ShownSides

    from .conftest import encode

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


async def test_a_groups_flood_limit_pauses_only_that_group(running, client):
    """Telegram answers a busy group's send with 429 retry_after; PTB paused every request of the bot
    for it. Only that group's requests wait now."""
    ann, cid = member(client, 9641, "Ann"), client.user(9642, "Cid")
    await cid.send_text("/help")
    await cid.wait_for(lambda e: text_message(e, "photo"))
    await client.fault("sendMessage", 429, retry_after=3, times=1)
    await ann.send_text("/help")  # its answer meets the 429 and waits 3 s
    await asyncio.sleep(0.3)
    mark = await cid.mark()
    await cid.send_text("/help")
    await cid.wait_for(lambda e: text_message(e, "photo"), since=mark)
    assert not [e for e in await ann.sent() if e["kind"] == "message"], "the private answer waited for the group"
    await ann.wait_for(lambda e: text_message(e, "/stylize"), timeout=10)  # and the group's still comes


# 11. The reply box's placeholder under a group's style prompt speaks the member's language.
async def test_the_style_prompts_placeholder_is_translated(running, client, double):
    from bot import i18n, texts

    ola = member(client, 9651, "Оля", language_code="uk")
    await ola.send_photo(picture(120, 90), caption="/stylize")
    prompt = await ola.wait_for(lambda e: e["kind"] == "message" and "Оля" in (e["message"].get("text") or ""))
    with i18n.using("uk"):
        wanted = texts.STYLE_PLACEHOLDER()
    assert wanted != "A painting, a texture…"
    markup = double.messages[(GROUP, prompt["message"]["message_id"])]["reply_markup"]  # as the bot sent it
    assert markup["force_reply"] and markup["input_field_placeholder"] == wanted
