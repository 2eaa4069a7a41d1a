"""Updates are handled at once, each chat's and each sender's in order (bot.telegram.update_order):
a busy or rate-limited group never holds up another chat."""

from __future__ import annotations

import asyncio

from bot.telegram.update_order import KeyedLocks

from ..bot_harness import (
    member,
    photo_with,
    prepare,
    text_message,
)


# 2. A busy group holds up only itself.
async def test_a_busy_group_never_holds_up_another_chat(running, client):
    """Telegram allows a bot about 20 messages a minute in a group; answers past that wait their
    turn, but only that group's. 21 /help there: 20 answers now, the 21st a minute after the first."""
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
    for _ in range(200):  # the group's own answers come, up to its budget
        if len([e for e in await ann.sent() if e["kind"] == "message"]) == 20:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    assert len([e for e in await ann.sent() if e["kind"] == "message"]) == 20, "the group's 21st did not wait"


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


async def test_a_groups_budget_is_counted_in_any_minute_and_a_progress_edit_does_not_queue_for_it():
    """A group's 20 messages a minute (here a minute of 2 s): never more than 20 in any minute (PTB's
    leaky bucket let 20 through at once and then one every 3 s: up to 40 in a minute, and Telegram's
    429). A progress edit (best effort) leaves the last 5 to answers and results, and with the budget
    spent it is refused at once instead of queueing ahead of the answers after it; an answer waits."""
    from telegram.error import RetryAfter

    from bot.telegram.request import BEST_EFFORT, RateLimiter, retry_seconds

    limiter, sent = RateLimiter(max_retries=1, group_time_period=2.0), []
    await limiter.initialize()
    loop = asyncio.get_running_loop()

    async def send(what: str) -> bool:
        sent.append((loop.time(), what))
        return True

    def answer(n: int):
        return limiter.process_request(send, (f"answer {n}",), {}, "sendMessage", {"chat_id": -77}, None)

    async def edit() -> bool:
        try:
            await limiter.process_request(send, ("edit",), {}, "editMessageCaption", {"chat_id": -77}, BEST_EFFORT)
        except RetryAfter:
            return False
        return True

    began = loop.time()
    await asyncio.gather(*(answer(n) for n in range(14)))
    assert await edit()  # 15 of 20 spent: a progress edit goes, and leaves 5 for the answers
    assert not await edit()
    await asyncio.gather(*(answer(n) for n in range(14, 19)))  # all 20 spent
    try:
        await limiter.process_request(send, ("edit",), {}, "editMessageCaption", {"chat_id": -77}, BEST_EFFORT)
    except RetryAfter as exc:
        assert 0 < retry_seconds(exc.retry_after) <= 3
    else:
        raise AssertionError("the edit queued for the group's budget")
    assert loop.time() - began < 0.5 and [what for _, what in sent].count("edit") == 1
    # elsewhere, a best-effort edit still goes at once; in the group, the next answers wait their turn
    await limiter.process_request(send, ("private edit",), {}, "editMessageCaption", {"chat_id": 5}, BEST_EFFORT)
    assert sent[-1][1] == "private edit" and sent[-1][0] - began < 0.5
    await asyncio.gather(*(answer(n) for n in range(19, 25)))
    assert [what for _, what in sent if what.startswith("answer")] == [f"answer {n}" for n in range(25)]
    times = [at for at, what in sent if what != "private edit"]
    assert max(sum(1 for t in times if start <= t < start + 2.0) for start in times) == 20
    await limiter.shutdown()
