"""Admins and owners end to end: layered settings, permissions, audit trail, quotas, bans, round-robin, menus."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from telegram import BotCommandScopeAllChatAdministrators, BotCommandScopeChat, BotCommandScopeDefault

from bot.storage import Job, JobStatus, SettingChange

from ..bot_harness import RunningBot, first_caption, photo_with, prepare, text_message
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine

OWNER = 4000
GROUP = -100400
SLOW = {"fast": (64, 40), "balanced": (64, 40), "best": (64, 40)}


def done(entry) -> bool:
    return photo_with(entry, "Done in")


def queued_(entry) -> bool:
    return photo_with(entry, "Queued")


def answered(text: str):
    return lambda e: e["kind"] == "callback_answer" and text in (e["text"] or "")


async def said(user, command: str, expect: str, timeout: float = 10.0) -> str:
    mark = await user.mark()
    await user.send_text(command)
    is_text = lambda e: e["kind"] == "message" and "text" in e["message"]  # noqa: E731
    entry = await user.wait_for(is_text, since=mark, timeout=timeout)
    text = entry["message"]["text"]
    assert expect in text, text
    return text


async def test_chat_admins_change_their_group_members_cannot(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        ann = client.user(4101, "Ann", chat_id=GROUP, chat_type="supergroup", title="Art club")
        bob = client.user(4102, "Bob", chat_id=GROUP, chat_type="supergroup", title="Art club")
        await client.set_member(GROUP, 4101, "administrator")
        await client.set_member(GROUP, 4102, "member")

        await said(bob, "/set quality best", "only this group's admins")
        await said(ann, "/set quality best", "quality in this chat: unset → best")
        text = await said(bob, "/settings", "quality = best (chat)")
        assert "strength = normal (default)" in text and "/set" not in text  # members see no admin hint
        assert "/set <key> <value>" in await said(ann, "/settings", "quality = best (chat)")

        # bad arguments: a clear line naming the valid keys or values; nothing changes
        await said(ann, "/set quality ultra", "'ultra' is not a valid quality: use instant|fast|balanced|best")
        await said(ann, "/set colour on", "I don't know the key 'colour'")
        usage = await said(ann, "/set quality", "Use /set <key> <value>")
        assert "jobs_per_user_per_day (1–10000)" in usage and "keep_colors (on|off)" in usage
        await said(ann, "/set quality best", "Nothing to change")
        await said(bob, "/unset quality", "only this group's admins")
        await said(ann, "/unset quality", "quality in this chat: best → unset")
        await said(bob, "/settings", "quality = balanced (default)")

        # an anonymous admin writes as the group itself
        mark = await ann.mark()
        await ann.send_raw(text="/set keep_colors on", sender_chat={"id": GROUP, "type": "supergroup", "title": "x"})
        await ann.wait_for(lambda e: text_message(e, "keep_colors in this chat: unset → on"), since=mark)

        # painting switched off in this group: refused at the first step (/stylize, a style in reply),
        # and a draft made before the switch is refused at ▶ — nothing is queued
        mark = await bob.mark()
        await bob.send_photo(picture(160, 120), caption="/stylize")
        prompt = await bob.wait_for(lambda e: text_message(e, "Got it, Bob"), since=mark)
        mark = await bob.mark()
        await bob.send_photo(stripes(96, 96), reply_to=prompt["message"]["message_id"])
        ready = await bob.wait_for(lambda e: text_message(e, "Style saved"), since=mark)
        await said(ann, "/set group_enabled off", "group_enabled in this chat: unset → off")
        mark = await bob.mark()
        await bob.press("▶ Stylize", message_id=ready["message"]["message_id"])
        await bob.wait_for(answered("switched off in this group"), since=mark)
        mark = await bob.mark()
        await bob.send_photo(picture(160, 120, seed=3), caption="/stylize")
        await bob.wait_for(lambda e: text_message(e, "switched off in this group"), since=mark)
        mark = await bob.mark()
        await bob.send_photo(stripes(96, 96, period=3), reply_to=prompt["message"]["message_id"])
        await bob.wait_for(lambda e: text_message(e, "switched off in this group"), since=mark)
        assert await running.jobs() == []

        async with running.services.db.session() as session:
            changes = (await session.execute(select(SettingChange).order_by(SettingChange.id))).scalars().all()
        assert [(c.key, c.old, c.new, c.changed_by) for c in changes[:2]] == [
            ("quality", None, {"value": "best"}, 4101),
            ("quality", {"value": "best"}, None, 4101),
        ]
        assert all(c.scope == str(GROUP) for c in changes)
    finally:
        await running.stop()


async def test_global_defaults_owners_only_and_chat_limits_only_tighten(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        owner = client.user(OWNER, "Olga")
        eve = client.user(4201, "Eve")
        ann = client.user(4101, "Ann", chat_id=GROUP, chat_type="supergroup", title="Art club")
        await client.set_member(GROUP, 4101, "administrator")

        await said(eve, "/set global quality best", "only the bot's owners")
        await said(eve, "/set quality best", "chosen by the bot's owners")
        await said(ann, "/set global quality best", "only the bot's owners")
        await said(owner, "/set global quality balanced", "quality everywhere (global): unset → balanced")
        await said(ann, "/settings", "quality = balanced (global)")
        await said(ann, "/set quality best", "In effect now: best")
        await said(eve, "/settings", "quality = balanced (global)")  # other chats keep the global value

        await said(owner, "/set global max_size 256", "max_size everywhere")
        await said(ann, "/set max_size 512", "the global limit is lower, so it applies")
        await said(ann, "/settings", "max_size = 256 (global)")
        await said(ann, "/set max_size 128", "In effect now: 128")
        await said(ann, "/settings", "max_size = 128 (chat)")
        text = await said(owner, "/settings global", "Global defaults")
        assert "max_size = 256 (global)" in text and "/set global" in text
    finally:
        await running.stop()


async def test_daily_quota_is_enforced_and_resets(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        owner, fay = client.user(OWNER, "Olga"), client.user(4301, "Fay")
        await said(owner, "/set global jobs_per_user_per_day 1", "jobs_per_user_per_day everywhere")
        await prepare(fay)
        mark = await fay.mark()
        await fay.press("▶ Stylize")
        await fay.wait_for(done, since=mark, timeout=60)
        mark = await fay.mark()
        await fay.press("🔁 Again")
        await fay.wait_for(lambda e: text_message(e, "Settings for your next picture"), since=mark)
        await fay.press("▶ Stylize")
        refusal = await fay.wait_for(answered("daily limit"), since=mark)
        assert "resets at midnight UTC (in " in refusal["text"]
        assert len(await running.jobs()) == 1  # nothing was queued

        # a day later (the first job moved back 24 h) the quota has started over
        async with running.services.db.session() as session, session.begin():
            (job,) = (await session.execute(select(Job))).scalars().all()
            await session.execute(update(Job).values(created_at=job.created_at - timedelta(days=1)))
        mark = await fay.mark()
        await fay.press("▶ Stylize")
        await fay.wait_for(done, since=mark, timeout=60)
        assert len(await running.jobs()) == 2
    finally:
        await running.stop()


async def test_round_robin_one_heavy_user_cannot_starve_others(double, client, tmp_path):
    running = await RunningBot(
        double, tmp_path, owners=(OWNER,), presets=SLOW, engine=FakeEngine(step_seconds=0.05)
    ).start()
    try:
        owner = client.user(OWNER, "Olga")
        await said(owner, "/set global queue_per_user 3", "queue_per_user everywhere")
        hal, ida = client.user(4401, "Hal"), client.user(4402, "Ida")
        await prepare(hal)
        await prepare(ida, seed=1)
        for _ in range(3):  # Hal queues three pictures before Ida asks for one
            mark = await hal.mark()
            await hal.press("▶ Stylize")
            await hal.wait_for(queued_, since=mark)
        mark = await hal.mark()
        await hal.press("▶ Stylize")
        await hal.wait_for(answered("limit here is 3"), since=mark)
        mark = await ida.mark()
        await ida.press("▶ Stylize")
        queued = await ida.wait_for(queued_, since=mark)
        assert "you're next" in first_caption(queued)  # ahead of Hal's second and third
        await ida.wait_for(done, since=mark, timeout=90)
        jobs = await running.settled_jobs(timeout=60)
        assert all(j.status == JobStatus.DONE for j in jobs)
        order = [j.user_id for j in sorted(jobs, key=lambda j: j.started_at)]
        assert order == [4401, 4402, 4401, 4401]
    finally:
        await running.stop()


async def test_bans_stats_and_command_menus(double, client, tmp_path):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        owner, gus = client.user(OWNER, "Olga"), client.user(4501, "Gus")
        await said(gus, "/ban 4502", "only the bot's owners")
        await said(gus, "/stats", "only the bot's owners")
        await said(owner, "/ban", "Use /ban <user id>")
        await said(owner, f"/ban {OWNER}", "Owners cannot be banned")
        await said(owner, "/ban 4501", "Banned user 4501")
        await said(gus, "/start", "you can't use this bot")
        mark = await gus.mark()
        await gus.send_photo(picture())
        await gus.wait_for(lambda e: text_message(e, "you can't use this bot"), since=mark)
        assert "Banned users: 1" in await said(owner, "/stats", "Today (UTC")
        await said(gus, "/unban 4501", "you can't use this bot")  # a banned user's commands stop at the door
        await said(client.user(4503, "Hil"), "/unban 4501", "only the bot's owners")
        await said(owner, "/unban 4501", "Unbanned user 4501")
        await said(gus, "/start", "repaint your photo")

        bot = running.app.bot
        everyone = {c.command for c in await bot.get_my_commands(scope=BotCommandScopeDefault())}
        admins = {c.command for c in await bot.get_my_commands(scope=BotCommandScopeAllChatAdministrators())}
        owners = {c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(OWNER))}
        assert {"start", "settings"} <= everyone and not everyone & {"set", "stats"}
        assert {"set", "unset"} <= admins and "stats" not in admins
        assert {"stats", "ban", "unban", "set"} <= owners
    finally:
        await running.stop()


async def test_odd_numbers_and_overlong_arguments_get_a_short_plain_answer(double, client, tmp_path, caplog):
    """Strict ids and numbers (ASCII digits, in range); a person's input is never echoed at length."""
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    try:
        owner = client.user(OWNER, "Olga")
        for command in ("/ban ²", "/ban --5", "/ban -5", "/ban 99999999999999999999999", "/ban " + "9" * 4000):
            assert len(await said(owner, command, "A user id is a whole number")) < 200
        assert "not a valid size" in await said(owner, "/set size ²", "use 0–2048")
        assert len(await said(owner, f"/set {'k' * 3900} 1", "I don't know the key")) < 1000
        assert len(await said(owner, f"/delpreset {'p' * 4080}", "There is no painting called")) < 200
        assert len(await said(owner, f"/set quality {'q' * 4000}", "is not a valid quality")) < 200
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        await running.stop()


async def test_video_limits_take_whole_seconds_in_range_and_nothing_else(double, client, tmp_path):
    """/set max_video_seconds and video_seconds_per_day with what an admin may type by mistake (or a
    stranger on purpose): 0, -1, 1e9, 60.5, words, 500 characters — one clear line each, nothing stored."""
    running = await RunningBot(double, tmp_path).start()
    try:
        zeros = "0" * 11 + "1" + "0" * 488  # its first twelve digits read 1
        # one group per key: the bot keeps to Telegram's 20 messages a minute in a group, which 24
        # answers in one group would wait for
        for group, key, high in ((GROUP, "max_video_seconds", 60), (GROUP - 1, "video_seconds_per_day", 36000)):
            ann = client.user(4101, "Ann", chat_id=group, chat_type="supergroup", title=f"Art club {group}")
            await client.set_member(group, 4101, "administrator")
            for value in ("0", "-1", "1e9", "60.5", "sixty", "9" * 500, zeros, "٣", "²", str(high + 1)):
                text = await said(ann, f"/set {key} {value}", "is not a valid")
                assert f"use 1–{high}" in text and len(text) < 300, text
            await said(ann, f"/set {key} {high}", f"{key} in this chat: unset → {high}")
            await said(ann, f"/set {key} 1", f"{key} in this chat: {high} → 1")
        async with running.services.db.session() as session:
            rows = (await session.execute(select(SettingChange).order_by(SettingChange.id))).scalars().all()
        assert [(r.key, r.new["value"]) for r in rows] == [
            ("max_video_seconds", 60),
            ("max_video_seconds", 1),
            ("video_seconds_per_day", 36000),
            ("video_seconds_per_day", 1),
        ]
    finally:
        await running.stop()
