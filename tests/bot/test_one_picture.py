"""/texture, /dream and /xray end to end against the Bot API double: private chats and groups, the
buttons under their results, bad input, cancel — on the fake engine, and one smoke run on the real one."""

from __future__ import annotations

import pytest

from bot.storage import JobStatus
from worker.protocol import JobSpec

from ..bot_harness import (
    RunningBot,
    buttons,
    photo_with,
    text_message,
)
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine
from .test_video import read_clip

GROUP = -100777


def answered(text: str):
    return lambda e: e["kind"] == "callback_answer" and text in (e["text"] or "")


def specs(jobs) -> list[JobSpec]:
    return [JobSpec.from_dict(job.spec) for job in jobs]


async def test_a_texture_from_a_caption_then_another_and_a_tileable_one(running, client):
    ann = client.user(6101, "Ann")
    mark = await ann.mark()
    sent = await ann.send_photo(stripes(120, 90, period=7), caption="/texture")
    card = await ann.wait_for(lambda e: photo_with(e, "Queued"), since=mark)
    assert card["message"]["reply_to_message"]["message_id"] == sent["message_id"]
    done = await ann.wait_for(lambda e: photo_with(e, "🧵 Done in"), since=mark, timeout=20)
    assert buttons(done) == ["♻ Another one", "🔲 Make it tileable", "📄 Full-size PNG"]
    assert done["message"]["reply_to_message"]["message_id"] == sent["message_id"]
    [first] = specs(await running.settled_jobs())
    assert first.mode == "texture" and list(first.inputs) == ["source"] and "tileable" not in first.settings
    assert first.settings["size"] <= 64  # the operator's size for this quality caps every mode

    mark = await ann.mark()
    await ann.press("🔲 Make it tileable", message_id=done["message"]["message_id"])
    tiled = await ann.wait_for(lambda e: photo_with(e, "tileable"), since=mark, timeout=20)
    assert buttons(tiled)[1] == "🔲 Without tiling"
    mark = await ann.mark()
    await ann.press("♻ Another one", message_id=tiled["message"]["message_id"])
    await ann.wait_for(lambda e: photo_with(e, "🧵 Done in"), since=mark, timeout=20)
    first, second, third = specs(await running.settled_jobs(at_least=3))
    assert second.settings["tileable"] is True and third.settings["tileable"] is True
    assert len({s.settings["seed"] for s in (first, second, third)}) == 3  # each a new texture
    assert first.inputs == second.inputs == third.inputs

    mark = await ann.mark()  # 📄 sends the full picture as a file
    await ann.press("📄 Full-size PNG", message_id=done["message"]["message_id"])
    await ann.wait_for(lambda e: e["kind"] == "message" and "document" in e["message"], since=mark)


async def test_a_dream_asked_for_first_then_deeper_and_stronger(running, client):
    bo = client.user(6102, "Bo")
    mark = await bo.mark()
    await bo.send_text("/dream")
    await bo.wait_for(lambda e: text_message(e, "Send the photo to dream on"), since=mark)
    mark = await bo.mark()
    await bo.send_text("hello?")  # not a picture: answered, and the dream still waits for one
    await bo.wait_for(lambda e: text_message(e, "only paint photos"), since=mark)
    mark = await bo.mark()
    await bo.send_photo(picture(160, 120, seed=3))
    done = await bo.wait_for(lambda e: photo_with(e, "💭 Done in"), since=mark, timeout=20)
    assert buttons(done) == ["🖌 Strokes", "• 🌀 Patterns", "👁 Things", "Gentle", "• Normal", "Strong",
                             "🎞 Zoom into it", "📄 Full-size PNG"]  # fmt: skip
    mark = await bo.mark()
    await bo.press("👁 Things", message_id=done["message"]["message_id"])
    deeper = await bo.wait_for(lambda e: photo_with(e, "💭 Done in"), since=mark, timeout=20)
    assert "• 👁 Things" in buttons(deeper)
    mark = await bo.mark()
    await bo.press("Strong", message_id=deeper["message"]["message_id"])
    await bo.wait_for(lambda e: photo_with(e, "Strong"), since=mark, timeout=20)
    first, second, third = specs(await running.settled_jobs(at_least=3))
    assert first.mode == "dream" and "layer" not in first.settings  # the default depth: patterns
    assert second.settings["layer"] == "relu5_1" and third.settings["layer"] == "relu5_1"
    assert third.settings["strength"] == 0.8
    # 🎞 the strong, deep dream zooming on into itself: an animation, in reply to the photo
    mark = await bo.mark()
    strong = next(e for e in reversed(await bo.sent()) if photo_with(e, "Strong"))
    await bo.press("🎞 Zoom into it", message_id=strong["message"]["message_id"])
    card = await bo.wait_for(lambda e: photo_with(e, "Dreaming frame"), since=mark, timeout=20)
    zoom = await bo.wait_for(lambda e: e["kind"] == "message" and "animation" in e["message"], since=mark, timeout=30)
    assert "🎞 Done in" in zoom["message"]["caption"] and "frames" in zoom["message"]["caption"] and card
    assert zoom["message"]["reply_to_message"]["message_id"] == strong["message"]["reply_to_message"]["message_id"]
    zoomed = specs(await running.settled_jobs(at_least=4))[-1]
    assert zoomed.mode == "dreamzoom" and zoomed.output.media == "animation"
    assert (zoomed.settings["layer"], zoomed.settings["strength"]) == ("relu5_1", 0.8)  # the dream's own
    assert (
        read_clip(await client.file_bytes(zoom["message"]["animation"]["file_id"]))[0] == zoomed.mode_settings().frames
    )
    # the draft was never touched: a photo now starts style transfer as before
    mark = await bo.mark()
    await bo.send_photo(picture(160, 120, seed=4))
    await bo.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)


async def test_xray_in_reply_to_a_photo_explains_each_depth(running, client):
    cy = client.user(6103, "Cy")
    photo = await cy.send_photo(picture(160, 120, seed=5))
    await cy.wait_for(lambda e: text_message(e, "Got your photo"))
    mark = await cy.mark()
    await cy.send_text("/xray", reply_to=photo["message_id"])
    done = await cy.wait_for(lambda e: photo_with(e, "🩻 What the network sees"), since=mark, timeout=20)
    caption = done["message"]["caption"]
    assert [line.split(" ")[0] for line in caption.splitlines()[1:6]] == [
        "relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]  # fmt: skip
    assert buttons(done) == ["📄 Full-size PNG"]
    [job] = await running.settled_jobs()
    assert JobSpec.from_dict(job.spec).mode == "reconstruct" and job.spec["settings"]["strip"] is True


async def test_bad_pictures_and_stale_buttons_get_clear_answers(running, client):
    di = client.user(6104, "Di")
    mark = await di.mark()
    await di.send_document(b"not a picture at all", "broken.jpg", "image/jpeg", caption="/dream")
    reply = await di.wait_for(lambda e: e["kind"] == "message" and "text" in e["message"], since=mark)
    assert "picture" in reply["message"]["text"] and "Traceback" not in reply["message"]["text"]
    mark = await di.mark()
    await di.send_document(b"%PDF-1.4 ...", "notes.pdf", "application/pdf", caption="/texture")
    await di.wait_for(lambda e: text_message(e, "not a picture I can use"), since=mark)
    # /xray in reply to a text: no picture there, so it asks for one
    text = await di.send_text("just words")
    mark = await di.mark()
    await di.send_text("/xray", reply_to=text["message_id"])
    await di.wait_for(lambda e: text_message(e, "Send the photo to x-ray"), since=mark)
    # /new drops the waiting command: the next photo is a photo for style transfer again
    await di.send_text("/new")
    mark = await di.mark()
    await di.send_photo(picture(120, 90))
    await di.wait_for(lambda e: text_message(e, "Got your photo"), since=mark)
    assert await running.jobs() == []
    # a forged button for someone else's job, or with a choice the mode does not have
    mark = await di.mark()
    await di.send_photo(stripes(90, 90), caption="/texture")
    done = await di.wait_for(lambda e: photo_with(e, "Done in"), since=mark, timeout=20)
    job_id = (await running.jobs())[-1].id
    for forged in (f"redo:{job_id}.things", f"redo:{job_id + 99}.another", "redo:x.another"):
        mark = await di.mark()
        await client._call("POST", "callback", {"chat_id": di.chat_id, "from": di.sender, "data": forged,
                                                 "message_id": done["message"]["message_id"]})  # fmt: skip
        await di.wait_for(answered("older message"), since=mark)
    assert len(await running.jobs()) == 1


async def test_cancel_a_running_dream(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, engine=FakeEngine(step_seconds=0.3)).start()
    try:
        ed = client.user(6105, "Ed")
        mark = await ed.mark()
        await ed.send_photo(picture(120, 90), caption="/dream")
        await ed.wait_for(lambda e: e["kind"] == "edit" and "Dreaming" in e["after"].get("caption", ""), since=mark)
        await ed.press("✖ Cancel")
        await ed.wait_for(lambda e: e["kind"] == "edit" and "Cancelled" in e["after"].get("caption", ""))
        [job] = await running.settled_jobs()
        assert job.status == JobStatus.CANCELLED
    finally:
        await running.stop()


def member(client, user_id: int, name: str):
    return client.user(user_id, name, chat_id=GROUP, chat_type="supergroup", title="Dream club")


async def test_in_a_group_each_member_gets_their_own_and_only_they_press_its_buttons(running, client):
    ann, bob = member(client, 6201, "Ann"), member(client, 6202, "Bob")
    mark = await ann.mark()
    await ann.send_photo(picture(160, 120, seed=1), caption="/dream")
    anns = await ann.wait_for(lambda e: photo_with(e, "Ann, here is your dream"), since=mark, timeout=20)
    # /texture alone: the bot asks, and a picture in reply to it is taken (privacy mode lets it through)
    mark = await bob.mark()
    await bob.send_text("/texture")
    prompt = await bob.wait_for(lambda e: text_message(e, "Bob, reply to this message"), since=mark)
    plain = await bob.send_photo(stripes(90, 90))
    assert plain["_delivered"] is False  # not a reply: the bot never sees it
    mark = await bob.mark()
    await bob.send_photo(stripes(90, 90), reply_to=prompt["message"]["message_id"])
    await bob.wait_for(lambda e: photo_with(e, "Bob, here is your texture"), since=mark, timeout=20)
    # Bob cannot redo Ann's dream
    mark = await bob.mark()
    await bob.press("👁 Things", message_id=anns["message"]["message_id"])
    await bob.wait_for(answered("someone else"), since=mark)
    # /xray in reply to a photo in the group
    photo = await ann.send_photo(picture(120, 90, seed=2))
    mark = await ann.mark()
    await ann.send_text("/xray", reply_to=photo["message_id"])
    await ann.wait_for(lambda e: photo_with(e, "Ann, here is your x-ray"), since=mark, timeout=20)
    jobs = await running.settled_jobs(at_least=3)
    modes = [(spec.mode, job.user_id) for spec, job in zip(specs(jobs), jobs)]
    assert modes == [("dream", 6201), ("texture", 6202), ("reconstruct", 6201)]


@pytest.mark.slow
@pytest.mark.real_engine
async def test_the_real_engine_paints_a_texture_and_an_xray(running, client):
    from bot.domain import chat_settings

    # the quickest presets (at the test's own 48 px): what is tested is the real engine's part, not quality
    await chat_settings.change(running.services.db, chat_settings.GLOBAL, chat_settings.KEYS["quality"], "fast", by=1)
    fay = client.user(6106, "Fay")
    mark = await fay.mark()
    await fay.send_photo(stripes(96, 96, period=6), caption="/texture")
    await fay.wait_for(lambda e: photo_with(e, "🧵 Done in"), since=mark, timeout=120)
    mark = await fay.mark()
    await fay.send_photo(picture(96, 72), caption="/xray")
    await fay.wait_for(lambda e: photo_with(e, "🩻 What the network sees"), since=mark, timeout=120)
    jobs = await running.settled_jobs(at_least=2)
    assert [j.status for j in jobs] == [JobStatus.DONE, JobStatus.DONE]


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
