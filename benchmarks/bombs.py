"""What a lying file costs the bot as `make run` starts it (``python -m bot`` against the Bot API
double): a 142-byte animated WebP and a GIF whose canvas claims 12000×12000, sent as files — how
soon each is refused and how far the bot process's peak memory moves (its VmHWM, reset before each);
then eight GIFs whose last frame lasts 655 s sent at once by eight people, and how soon another
person's photo is answered meanwhile. Goals: refused within a second, under 50 MB, and the photo
within a second.

    python -m benchmarks.bombs
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path


def memory(pid: int, field: str = "VmHWM") -> float:
    """A process's resident memory (VmRSS) or its peak since the last reset (VmHWM), MB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def reset_peak(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as refs:  # "5": the peak resident memory starts again
        refs.write("5")


async def bombs() -> None:
    # imported here, not above: the bot's processes import this module again (the tests' helpers bring torch)
    from devtools.telegram_double import DoubleClient, TelegramDouble
    from tests.bot.test_media_bombs import gif_bomb, long_gif, webp_bomb
    from tests.bot_harness import bot_env, end_bot_process, start_bot_process
    from tests.conftest import picture

    folder = Path(tempfile.mkdtemp(prefix="paintbot-bench-"))
    double = TelegramDouble()
    await double.start()
    bot = start_bot_process(bot_env(double, folder / "data"))
    try:
        async with DoubleClient(double.base_url) as client:
            ann = client.user(9401, "Ann")
            await ann.send_photo(picture(64, 48))  # the bot up, its checks warm
            await ann.wait_for(lambda e: e["kind"] == "message", timeout=120)
            print(f"the bot at rest: {memory(bot.pid, 'VmRSS'):.0f} MB")
            for name, data, mime in (("WebP", webp_bomb(), "image/webp"), ("GIF", gif_bomb(), "image/gif")):
                reset_peak(bot.pid)
                before = memory(bot.pid, "VmRSS")
                mark = await ann.mark()
                started = time.perf_counter()
                await ann.send_document(data, f"bomb.{name.lower()}", mime)
                answer = await ann.wait_for(lambda e: e["kind"] == "message", since=mark)
                took = time.perf_counter() - started
                print(
                    f"{len(data)}-byte {name} claiming 12000×12000: answered in {took:.2f} s "
                    f"({answer['message']['text'][:48]}…); the bot's peak {memory(bot.pid) - before:+.0f} MB"
                )
            senders = [client.user(9410 + i, f"Gif{i}") for i in range(8)]
            data = long_gif()
            bob = client.user(9402, "Bob")
            await bob.send_photo(picture(64, 48))
            await bob.wait_for(lambda e: e["kind"] == "message")
            reset_peak(bot.pid)
            before = memory(bot.pid, "VmRSS")
            await asyncio.gather(*(s.send_document(data, f"long{i}.gif", "image/gif") for i, s in enumerate(senders)))
            mark = await bob.mark()
            started = time.perf_counter()
            await bob.send_photo(picture(80, 60, seed=3), caption="content")
            await bob.wait_for(lambda e: e["kind"] == "message", since=mark)
            photo = time.perf_counter() - started
            for s in senders:
                await s.wait_for(lambda e: e["kind"] == "message", timeout=60)
            everyone = time.perf_counter() - started
            print(
                f"eight {len(data)}-byte GIFs with a 655-s last frame at once: another person's photo answered in "
                f"{photo:.2f} s, all eight in {everyone:.2f} s; the bot's peak {memory(bot.pid) - before:+.0f} MB"
            )
    finally:
        end_bot_process(bot)
        await double.stop()


def main() -> None:
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    asyncio.run(bombs())


if __name__ == "__main__":
    main()
