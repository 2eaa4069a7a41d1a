"""Property-based: any text after any command gets a short, human answer — never a traceback, an
"internal error", a reply Telegram would refuse, or an ERROR in the log."""

from __future__ import annotations

import asyncio
import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..bot_harness import RunningBot

OWNER = 9500
COMMANDS = [
    "start",
    "help",
    "new",
    "cancel",
    "status",
    "settings",
    "set",
    "unset",
    "queue",
    "stylize",
    "presets",
    "addpreset",
    "delpreset",
    "stats",
    "ban",
    "unban",
    "nope",
]
ARGUMENTS = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=200),
    st.builds(lambda c, n: c * n, st.characters(codec="utf-8"), st.integers(1000, 3900)),
    st.sampled_from(["global", "size ²", "size -1", "quality best", "0", "--5", "9" * 40, "global steps 5"]),
)


async def test_any_argument_to_any_command_gets_a_short_plain_answer(double, client, tmp_path, caplog):
    running = await RunningBot(double, tmp_path, owners=(OWNER,)).start()
    loop = asyncio.get_running_loop()
    # in groups, one each: the bot keeps to Telegram's 20 messages a minute per group, and twenty
    # answers in one group made the last examples wait 3 s each
    groups = [client.user(9501, "Pat", chat_id=-100950 - k, chat_type="supergroup") for k in range(4)]
    people = [client.user(OWNER, "Olga"), *groups]

    async def ask(who: int, command: str, argument: str) -> str:
        user = people[who]
        mark = await user.mark()
        await user.send_text(f"/{command} {argument}".strip()[:4000])
        reply = await user.wait_for(lambda e: e["kind"] == "message" and "text" in e["message"], since=mark)
        return reply["message"]["text"]

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(who=st.sampled_from([0, 0, 0, 0, 1, 2, 3, 4]), command=st.sampled_from(COMMANDS), argument=ARGUMENTS)
    def check(who: int, command: str, argument: str) -> None:
        # private chats answer every command; in a group, a command for nobody (/nope) is not answered
        if who > 0 and command == "nope":
            return
        answer = asyncio.run_coroutine_threadsafe(ask(who, command, argument), loop).result(30)
        assert 0 < len(answer) <= 1500, (command, argument[:40], answer[:200])
        assert "Traceback" not in answer and "went wrong" not in answer, answer
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], command

    try:
        await asyncio.to_thread(check)
    finally:
        await running.stop()
