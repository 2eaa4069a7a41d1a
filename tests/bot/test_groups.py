"""Group chats end to end (privacy mode on): /stylize flows, members kept apart, the shared edit pace, /queue."""

from __future__ import annotations

import asyncio
import itertools

from ..bot_harness import RunningBot, buttons, photo_with, prepare, text_message
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine

GROUP = -100500
SLOW = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}


def member(client, user_id: int, name: str):
    return client.user(user_id, name, chat_id=GROUP, chat_type="supergroup", title="Art club")


async def prompt_for(user, name: str, since: int) -> dict:
    return await user.wait_for(lambda e: text_message(e, f"Got it, {name}"), since=since)


async def test_two_members_stylize_at_once_and_never_mix(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, presets=SLOW, engine=FakeEngine(step_seconds=0.05)).start()
    try:
        ann, bob = member(client, 5101, "Ann"), member(client, 5102, "Bob")
        # Ann: a photo captioned /stylize. Bob: /stylize in reply to his plain photo.
        mark = await ann.mark()
        ann_photo = await ann.send_photo(picture(160, 120, seed=1), caption="/stylize")
        ann_prompt = await prompt_for(ann, "Ann", mark)
        assert ann_prompt["message"]["reply_to_message"]["message_id"] == ann_photo["message_id"]

        bob_photo = await bob.send_photo(picture(160, 120, seed=2))
        assert bob_photo["_delivered"] is False  # privacy mode: a plain photo never reaches the bot
        mark = await bob.mark()
        bob_request = await bob.send_text("/stylize", reply_to=bob_photo["message_id"])
        bob_prompt = await prompt_for(bob, "Bob", mark)

        # each replies to their own prompt with a style
        mark = await ann.mark()
        ann_style = await ann.send_photo(stripes(96, 96, period=6), reply_to=ann_prompt["message"]["message_id"])
        ann_ready = await ann.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        mark = await bob.mark()
        await bob.send_photo(stripes(96, 96, period=11), reply_to=bob_prompt["message"]["message_id"])
        bob_ready = await bob.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        assert ann_ready["message"]["reply_to_message"]["message_id"] == ann_style["message_id"]
        assert buttons(ann_ready) == ["▶ Stylize", "⚙ Settings"]

        # Bob cannot press Ann's buttons
        mark = await bob.mark()
        await bob.press("▶ Stylize", message_id=ann_ready["message"]["message_id"])
        await bob.wait_for(lambda e: e["kind"] == "callback_answer" and "someone else" in (e["text"] or ""), since=mark)
        assert await running.jobs() == []

        mark = await ann.mark()
        await ann.press("▶ Stylize", message_id=ann_ready["message"]["message_id"])
        await bob.press("▶ Stylize", message_id=bob_ready["message"]["message_id"])
        # chats are handled concurrently: both cards are out before someone in another chat presses
        cards = []
        while len(cards) < 2:
            await asyncio.sleep(0.02)
            cards = [e for e in (await bob.sent())[mark:] if photo_with(e, "Queued")]
        # /queue: names from this chat only, in painting order
        outsider = client.user(5109, "Zed")
        await prepare(outsider, seed=9)
        await outsider.press("▶ Stylize")
        await outsider.wait_for(lambda e: photo_with(e, "Queued"))
        queue_mark = await ann.mark()
        await ann.send_text("/queue")
        queue = await ann.wait_for(lambda e: text_message(e, "The queue"), since=queue_mark)
        lines = queue["message"]["text"].splitlines()[1:]
        assert "Ann" in lines[0] and "painting now" in lines[0]
        assert lines[1].startswith("1. Bob") and lines[2].startswith("2. someone in another chat"), lines
        assert "Zed" not in queue["message"]["text"]
        ann_done = await ann.wait_for(lambda e: photo_with(e, "Ann, here is your painting"), since=mark, timeout=90)
        bob_done = await bob.wait_for(lambda e: photo_with(e, "Bob, here is your painting"), since=mark, timeout=90)
        assert ann_done["message"]["reply_to_message"]["message_id"] == ann_photo["message_id"]
        assert bob_done["message"]["reply_to_message"]["message_id"] == bob_request["message_id"]
        jobs = {job.user_id: job for job in await running.settled_jobs()}
        assert jobs[5101].content_path != jobs[5102].content_path
        assert jobs[5101].style_paths != jobs[5102].style_paths
        assert jobs[5101].chat_id == jobs[5102].chat_id == GROUP and jobs[5109].chat_id == 5109
    finally:
        await running.stop()


async def test_group_edits_keep_one_shared_pace(double, client, tmp_path):
    interval = 1.5
    running = await RunningBot(
        double,
        tmp_path,
        presets=SLOW,
        engine=FakeEngine(step_seconds=0.05),
        progress_interval=0.2,
        group_interval=interval,
    ).start()
    try:
        users = [member(client, 5200 + i, name) for i, name in enumerate(("Cat", "Dan", "Eli"))]
        ready = []
        for i, user in enumerate(users):
            mark = await user.mark()
            await user.send_photo(picture(160, 120, seed=i), caption="/stylize")
            prompt = await prompt_for(user, user.sender["first_name"], mark)
            mark = await user.mark()
            await user.send_photo(stripes(96, 96, period=6 + i), reply_to=prompt["message"]["message_id"])
            ready.append(await user.wait_for(lambda e: text_message(e, "Style saved"), since=mark))
        start = await users[0].mark()
        for user, entry in zip(users, ready):
            await user.press("▶ Stylize", message_id=entry["message"]["message_id"])
        for user in users:
            mine = f"{user.sender['first_name']}, here is your painting"
            await user.wait_for(lambda e, mine=mine: photo_with(e, mine), since=start, timeout=120)
        log = (await users[0].sent())[start:]
        edits = [e["time"] for e in log if e["kind"] == "edit"]
        assert len(edits) >= 2  # (a progress edit leaves the group's last 5 messages to the results)
        gaps = [b - a for a, b in itertools.pairwise(edits)]
        # All three jobs' progress and queue-position edits share one pace in the group …
        assert min(gaps) >= interval - 0.05, gaps
        # … so no 60 s window holds more than Telegram's 20 messages for a group.
        times = [e["time"] for e in log if e["kind"] in ("message", "edit")]
        assert all(sum(1 for t in times if s <= t < s + 60) <= 20 for s in times)
    finally:
        await running.stop()


async def test_privacy_mode_and_wrong_turns(running, client):
    fay, gil = member(client, 5301, "Fay"), member(client, 5302, "Gil")
    mark = await fay.mark()
    await fay.send_text("/stylize")
    await fay.wait_for(lambda e: text_message(e, "with the caption /stylize"), since=mark)
    # a style sent in reply to the bot before any /stylize: told how to begin
    mark = await fay.mark()
    help_message = (await fay.sent())[-1]["message"]["message_id"]
    await fay.send_photo(stripes(), reply_to=help_message)
    await fay.wait_for(lambda e: text_message(e, "caption /stylize"), since=mark)
    # a photo that answers another member, not the bot: not delivered, nothing said
    other = await gil.send_text("look at this")
    mark = await gil.mark()
    sent = await fay.send_photo(picture(), reply_to=other["message_id"])
    assert sent["_delivered"] is False
    await fay.send_text("/help")
    entry = await fay.wait_for(lambda e: e["kind"] == "message", since=mark)
    assert "caption /stylize" in entry["message"]["text"]  # the first thing the bot said is the /help answer
    # /queue names only this chat's people
    mark = await fay.mark()
    await fay.send_text("/queue")
    await fay.wait_for(lambda e: text_message(e, "queue is empty"), since=mark)


async def test_two_styles_as_an_album_in_reply_to_the_prompt(running, client):
    hana = member(client, 5401, "Hana")
    mark = await hana.mark()
    await hana.send_photo(picture(160, 120), caption="/stylize")
    prompt = await prompt_for(hana, "Hana", mark)
    mark = await hana.mark()
    for period in (5, 9):  # one album, each item answering the prompt
        await hana.send_photo(
            stripes(96, 96, period=period), reply_to=prompt["message"]["message_id"], media_group_id="hana-styles"
        )
    ready = await hana.wait_for(lambda e: text_message(e, "2 styles saved"), since=mark)
    assert "50/50" in " ".join(buttons(ready)) and "🔀 Swap styles" in buttons(ready)
    await hana.press("▶ Stylize", message_id=ready["message"]["message_id"])
    done = await hana.wait_for(lambda e: photo_with(e, "Hana, here is your painting"), since=mark, timeout=60)
    assert "mix 50/50" in done["message"]["caption"]
    (job,) = await running.jobs()
    assert len(job.style_paths) == 2
