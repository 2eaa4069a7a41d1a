"""The people of the chaos scene: what each does, over and over, as people do.

In a private chat a person sends a photo and a style (or both as an album, or a clip and a style)
and taps ▶, or taps 🔁 Again or 🏷 Sticker under their last painting; some ask /help first, some
tap ✖ once it is queued. In a group, members each send a photo captioned /stylize and a style, then
all tap ▶ within the same moment, and talk 20–40 s before the next round. A wait that runs out
moves on to the next round: what counts is what the chats hold at the end (report.count_answers).
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

from devtools.telegram_double.client import ControlError

from ..bot_harness import text_message
from ..conftest import picture, stripes
from .report import Round, is_card, is_result, reply_to, says_try_again

#: What a private chat's round is, and how often (🔁 and 🏷 need a painting: a photo round before).
KINDS = {"photo": 5, "album": 2, "clip": 1, "again": 2, "sticker": 1}
#: How long a person waits for an answer before moving on (the report counts later answers as late).
PATIENCE = 120.0
#: Seconds a group pauses between its rounds (each member's photo, style, ▶ and painting: 4 messages).
GROUP_PAUSE = (20.0, 40.0)


async def person(client, user_id: int, until: float, rounds: list[Round], rng: random.Random, clip: bytes) -> None:
    user = client.user(user_id, f"P{user_id}")
    painting: dict | None = None  #: the person's last painting (🔁 and 🏷 are pressed under it)
    while time.monotonic() < until:
        kind = rng.choices(list(KINDS), list(KINDS.values()))[0]
        if kind in ("again", "sticker") and painting is None:
            kind = "photo"
        try:
            if rng.random() < 0.1:
                mark = await user.mark()
                await user.send_text("/help")
                await answered(user, lambda e: text_message(e, "/"), since=mark, timeout=60)
            if kind == "sticker":  # (a sticker answers the painting's photo, as the painting did)
                button, on = "🏷 Sticker", painting["message"]["message_id"]
                request = reply_to(painting).get("message_id")
            else:
                button, (on, request) = "▶ Stylize", await READY[kind](user, rng, painting, clip)
            mark, pressed = await user.mark(), time.time()
            query = await user.press(button, message_id=on)
        except (TimeoutError, ControlError):
            continue
        round_ = Round(user_id, user.chat_id, kind, mark, pressed, on, query["id"], request)
        rounds.append(round_)
        result = await follow(user, round_, rng)
        if kind == "sticker":
            painting = None  # (🏷 again on the same painting sends the sticker already made)
        elif result is not None and "photo" in result["message"]:
            painting = result


async def follow(user, round_: Round, rng: random.Random, cancels: float = 0.15) -> dict | None:
    """Wait for the round's card (sometimes ✖ then) and its result; the result, if it came in time."""
    mine = lambda e: reply_to(e).get("from", {}).get("id") == round_.user  # noqa: E731
    own = lambda e: is_card(e) and mine(e) and round_.request in (None, reply_to(e).get("message_id"))  # noqa: E731
    try:
        said = await user.wait_for(
            lambda e: own(e) or (is_result(e, round_.kind) and mine(e)) or says_try_again(e, round_),
            since=round_.mark,
            timeout=90,
        )
        if says_try_again(said, round_):
            return None
        round_.queued = time.time() - round_.pressed
        if is_card(said) and rng.random() < cancels:
            round_.cancelled = True
            with contextlib.suppress(ControlError):  # (painted already: its ✖ is gone)
                await user.press("✖ Cancel", message_id=said["message"]["message_id"])
        ended = lambda e: (is_result(e, round_.kind) and mine(e)) or _card_ended(e, said)  # noqa: E731
        result = await user.wait_for(ended, since=round_.mark, timeout=PATIENCE)
    except TimeoutError:
        return None
    if is_result(result, round_.kind):
        round_.painted = time.time() - round_.pressed
        return result
    return None


async def answered(user, predicate, *, since: int, timeout: float) -> dict:
    """What ``predicate`` waits for — or ControlError at once where the bot said to try again (the
    database was away): the person starts over rather than wait out the timeout."""
    said = await user.wait_for(lambda e: predicate(e) or _try_again(e), since=since, timeout=timeout)
    if _try_again(said) and not predicate(said):
        raise ControlError("the bot asked to try again")
    return said


def _try_again(entry: dict) -> bool:
    return entry["kind"] == "message" and "try again" in (entry["message"].get("text") or "")


def _card_ended(entry: dict, card: dict) -> bool:
    if entry["kind"] != "message" or entry["message"]["message_id"] != card["message"]["message_id"]:
        return False
    return not any(b for row in entry["message"].get("reply_markup", {}).get("inline_keyboard", []) for b in row)


async def _photo(user, rng: random.Random, painting, clip) -> int:
    """A photo, and a style where the bot kept none from the last painting: ▶ is ready (its message)."""
    seed = rng.randrange(4)
    mark = await user.mark()
    request = (await user.send_photo(picture(160, 120, seed=seed)))["message_id"]
    said = await answered(
        user,
        lambda e: text_message(e, "Got your photo") or text_message(e, "New photo") or _as_style(e),
        since=mark,
        timeout=60,
    )
    if _as_style(said):  # (its last ▶ was refused — a picture still in the works — so no painting came
        # between: the photo is one more style, as the bot's rules say) the person starts over
        mark = await user.mark()
        await user.send_text("/new")
        await answered(user, lambda e: text_message(e, "Fresh start"), since=mark, timeout=60)
        raise ControlError("the photo was taken as a style: started over")
    if "Got your photo" not in said["message"]["text"]:
        return said["message"]["message_id"], request
    return await _style(user, seed), request


def _as_style(entry: dict) -> bool:
    return any(text_message(entry, said) for said in ("Style saved", "Second style saved", "already have two styles"))


async def _album(user, rng: random.Random, painting, clip) -> int:
    """The photo and its style as one album."""
    seed = rng.randrange(4)
    mark = await user.mark()
    sent = await user.send_album([picture(160, 120, seed=seed), stripes(96, 96, period=6 + seed)])
    said = await answered(user, lambda e: _offers(e, "▶ Stylize"), since=mark, timeout=60)
    return said["message"]["message_id"], sent[0]["message_id"]


async def _clip(user, rng: random.Random, painting, clip: bytes) -> int:
    """A clip, and a style where the bot kept none."""
    mark = await user.mark()
    request = (await user.send_clip("video", clip))["message_id"]
    said = await answered(
        user, lambda e: text_message(e, "Got your clip") or text_message(e, "New clip"), since=mark, timeout=60
    )
    if "Got your clip" not in said["message"]["text"]:
        return said["message"]["message_id"], request
    return await _style(user, rng.randrange(4)), request


async def _again(user, rng: random.Random, painting, clip) -> int:
    """🔁 Again under the last painting: its settings card, with ▶."""
    mark = await user.mark()
    await user.press("🔁 Again", message_id=painting["message"]["message_id"])
    said = await answered(user, lambda e: _offers(e, "▶ Stylize"), since=mark, timeout=60)
    return said["message"]["message_id"], None  # (its request: the painting's, as the bot keeps it)


async def _style(user, seed: int) -> int:
    mark = await user.mark()
    await user.send_photo(stripes(96, 96, period=6 + seed))
    said = await answered(user, lambda e: text_message(e, "Style saved"), since=mark, timeout=60)
    return said["message"]["message_id"]


READY = {"photo": _photo, "album": _album, "clip": _clip, "again": _again}


def _offers(entry: dict, button: str) -> bool:
    if entry["kind"] not in ("message", "edit"):
        return False
    message = entry.get("after") or entry["message"]
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return any(b.get("text") == button for row in rows for b in row)


async def group(client, chat_id: int, user_ids: list[int], until: float, rounds: list[Round], rng: random.Random):
    """Members of one group get ready, then all tap ▶ at once; each waits for their own picture."""
    members = [
        client.user(uid, f"G{uid}", chat_id=chat_id, chat_type="supergroup", title="Chaos club") for uid in user_ids
    ]

    async def ready(member) -> tuple[int, int]:
        mark = await member.mark()
        photo = await member.send_photo(picture(160, 120, seed=rng.randrange(4)), caption="/stylize")
        prompt = await answered(
            member,
            lambda e: text_message(e, "Got it") and reply_to(e).get("message_id") == photo["message_id"],
            since=mark,
            timeout=60,
        )
        style = await member.send_photo(stripes(96, 96, period=7), reply_to=prompt["message"]["message_id"])
        saved = await answered(
            member,
            lambda e: text_message(e, "Style saved") and reply_to(e).get("message_id") == style["message_id"],
            since=mark,
            timeout=60,
        )
        return saved["message"]["message_id"], photo["message_id"]

    async def tap(member, on: int, request: int) -> None:
        mark, pressed = await member.mark(), time.time()
        query = await member.press("▶ Stylize", message_id=on)
        round_ = Round(member.sender["id"], chat_id, "group", mark, pressed, on, query["id"], request)
        rounds.append(round_)
        await follow(member, round_, rng, cancels=0.0)

    while time.monotonic() < until:
        readied = await asyncio.gather(*(ready(m) for m in members), return_exceptions=True)
        taps = [tap(m, *got) for m, got in zip(members, readied) if isinstance(got, tuple)]
        if not taps:
            await asyncio.sleep(1.0)
            continue
        with contextlib.suppress(ControlError):
            await asyncio.gather(*taps)
        # people look at their pictures and talk before the next round: a group's rounds without a
        # pause asked ~50 messages a minute of the bot, where Telegram allows 20
        await asyncio.sleep(min(rng.uniform(*GROUP_PAUSE), max(0.0, until - time.monotonic())))
