"""Each ▶ of the chaos scene counted from what the chats hold at the end, and the report.

A job is followed by its card (the queued card, a reply to the job's request) and its results
(replies to the same request): a painting or a clip that came late — after the person had moved
on — is still counted for the ▶ that asked for it, and a sticker (a reply to the painting's photo
too) is told apart from the painting by its kind."""

from __future__ import annotations

import os
import statistics
from collections import Counter
from dataclasses import dataclass, field

from devtools.telegram_double.client import gist

#: What the card of a job says at its end when it was not painted: cancelled, or why not.
CARD_ENDS = ("Cancelled", "could not paint", "something went wrong")
FAILURES = CARD_ENDS[1:]


@dataclass
class Round:
    """One ▶ (or 🏷) of one person."""

    user: int
    chat: int
    kind: str  #: photo, album, clip, again (🔁), sticker (🏷), group (a burst in a group)
    mark: int  #: the chat log's length as the round began
    pressed: float  #: time.time() at the press (the double's log keeps wall-clock times)
    pressed_on: int  #: the message whose button was pressed
    query: str  #: the press's callback query id
    request: int | None = None  #: the message its job answers (its photo, clip or album), where known
    queued: float | None = None  #: seconds from the press to the queued card
    painted: float | None = None  #: seconds from the press to the result, as the person saw it
    cancelled: bool = False
    answers: int = 0  #: results and card endings counted for this round
    again: bool = False  #: answered "something went wrong, try again" (no job was made)
    refused: bool = False  #: answered why not (an alert: a picture already in the works, the day's quota)
    failed: bool = False  #: its card says it could not be painted (answered, and told apart)
    late: bool = False  #: answered only after the person's patience ran out
    seen: list[str] = field(default_factory=list)  #: a round never answered: what its chat shows


def is_card(entry: dict) -> bool:
    if entry["kind"] != "message" or "photo" not in entry["message"]:
        return False
    first = (entry.get("history") or [entry["message"]])[0]
    return "Queued" in (first.get("caption") or "")


def reply_to(entry: dict) -> dict:
    return (entry.get("message") or {}).get("reply_to_message") or {}


def is_result(entry: dict, kind: str) -> bool:
    """A finished job's result of a round's ``kind``: a sticker, or a picture or clip saying "Done in"."""
    if entry["kind"] != "message" or is_card(entry):
        return False
    message = entry["message"]
    if kind == "sticker":
        return "sticker" in message
    return "Done in" in (message.get("caption") or "")


def says_try_again(entry: dict, round_: Round) -> bool:
    """The press's answer saying it could not be taken now (no job was made): the person taps again."""
    if entry["kind"] == "callback_answer":
        return "try again" in (entry.get("text") or "") and entry.get("callback_query_id") == round_.query
    return (  # (a reply to the pressed message; in a private chat a reply does not quote)
        entry["kind"] == "message"
        and "try again" in (entry["message"].get("text") or "")
        and reply_to(entry).get("message_id") in (round_.pressed_on, None)
    )


def count_answers(logs: dict[int, list[dict]], rounds: list[Round], patience: float) -> None:
    """Each round's answers, from its chat's log (``logs``: chat id → what the bot did there)."""
    by_chat: dict[int, list[Round]] = {}
    for r in rounds:
        by_chat.setdefault(r.chat, []).append(r)
    for chat, own in by_chat.items():
        log = logs[chat]
        own.sort(key=lambda r: r.mark)
        for r in own:
            # the person's next round in this chat bounds where this one's card and refusals are
            following = [o.mark for o in own if o.user == r.user and o.mark > r.mark]
            stretch = log[r.mark : min(following, default=len(log))]
            card = next((e for e in stretch if _its_card(e, r)), None)
            if card is None:
                r.again = any(says_try_again(e, r) for e in stretch)
                r.refused = not r.again and any(_refusal(e, r) for e in stretch)
                mine = [e for e in stretch if is_result(e, r.kind) and reply_to(e).get("from", {}).get("id") == r.user]
            else:
                request = reply_to(card).get("message_id")
                # a later round on the same request with answers of the same kind (🔁 on the painting's photo)
                # bounds this one's results: a late one before it is still this round's
                later = [o.mark for o in own if o.mark > r.mark and _same(o, r) and _request(log, o) == request]
                mine = [
                    e
                    for e in log[r.mark : min(later, default=len(log))]
                    if is_result(e, r.kind) and reply_to(e).get("message_id") == request
                ]
                captions = [v.get("caption") or "" for v in (*card.get("history", []), card["message"])]
                ended = any(words in c for c in captions for words in CARD_ENDS)
                r.failed = any(words in c for c in captions for words in FAILURES)
                mine += [card] if ended else []
            r.answers = len(mine)
            first = min((e["time"] for e in mine), default=None)
            r.late = first is not None and first - r.pressed > patience
            if not r.answers and not r.again and not r.refused:
                r.seen = [gist(e) for e in log[max(0, r.mark - 2) : r.mark + 5]]
            elif r.answers > 1:
                r.seen = [f"{e['time'] - r.pressed:+.1f} s #{e['message']['message_id']} {gist(e)}" for e in mine]


def _its_card(entry: dict, r: Round) -> bool:
    """The round's own card: a card answering this person, and its request where that is known (a
    card of the person's previous press, delayed by an outage, may come after this press)."""
    mine = is_card(entry) and reply_to(entry).get("from", {}).get("id") == r.user
    return mine and r.request in (None, reply_to(entry).get("message_id"))


def _refusal(entry: dict, round_: Round) -> bool:
    return (
        entry["kind"] == "callback_answer"
        and entry.get("callback_query_id") == round_.query
        and bool(entry.get("text"))
    )


def _same(a: Round, b: Round) -> bool:
    """Whether two rounds' answers are of one kind: a sticker, or a picture or clip."""
    return (a.kind == "sticker") == (b.kind == "sticker")


def _request(log: list[dict], r: Round) -> int | None:
    # (its own card; or, where the request the person expected is not the one the bot kept, the
    # first card answering them: a bound drawn too early costs a "twice" nothing, one missed invents it)
    after = log[r.mark :]
    card = next((e for e in after if _its_card(e, r)), None) or next(
        (e for e in after if is_card(e) and reply_to(e).get("from", {}).get("id") == r.user), None
    )
    return reply_to(card).get("message_id") if card else None


@dataclass
class Report:
    seconds: float
    rounds: list[Round]
    faults: list[tuple[float, str]]  #: (seconds from the start, what happened)
    memory: dict[str, list[tuple[float, int]]]  #: process → (seconds, RSS bytes)
    disk: list[tuple[float, tuple[int, int]]]  #: (seconds, (bytes of the picture store, of the database))
    errors: list[str]  #: ERROR lines and tracebacks in the processes' logs
    stops: dict[str, float]  #: process → seconds it took to stop when told to (SIGTERM)
    outages: list[tuple[float, float]] = field(default_factory=list)  #: database down (from, to), wall clock
    started: float = 0.0  #: time.time() as the scene began
    settled: float = 0.0  #: seconds after the people stopped until no job was queued or running
    cpu: dict[str, float] = field(default_factory=dict)  #: kind of process → CPU seconds used
    group_minutes: list[tuple[int, dict[str, int]]] = field(default_factory=list)  #: each group's busiest minute

    @property
    def counted(self) -> Counter:
        """Rounds by answers: 0 never, 1 once (a "try again" or a refusal counts: the person was told),
        2 twice or more."""
        return Counter(min(r.answers + ((r.again or r.refused) and not r.answers), 2) for r in self.rounds)

    def quantiles(self, values: list[float]) -> tuple[float, float]:
        if not values:
            return float("nan"), float("nan")
        if len(values) == 1:
            return values[0], values[0]
        return statistics.median(values), statistics.quantiles(values, n=20)[-1]

    def queued(self, outside_outages: bool = True, kinds: set[str] | None = None) -> list[float]:
        def calm(r: Round) -> bool:
            return not any(start - 1 <= r.pressed <= end + 1 for start, end in self.outages)

        rounds = [r for r in self.rounds if kinds is None or r.kind in kinds]
        return [r.queued for r in rounds if r.queued is not None and (calm(r) or not outside_outages)]

    def lines(self) -> list[str]:
        counted = self.counted
        q50, q95 = self.quantiles(self.queued())
        a50, a95 = self.quantiles(self.queued(outside_outages=False))
        p50, p95 = self.quantiles([r.painted for r in self.rounds if r.painted is not None])
        kinds = Counter(r.kind for r in self.rounds)
        alone = self.quantiles(self.queued(kinds=set(kinds) - {"group"}))[1]
        burst = self.quantiles(self.queued(kinds={"group"}))[1]
        out = [
            f"{len(self.rounds)} presses in {self.seconds:.0f} s by {len({r.user for r in self.rounds})} people "
            f"({', '.join(f'{n} {k}' for k, n in kinds.most_common())}); "
            f"{sum(r.cancelled for r in self.rounds)} then ✖",
            f"answered once {counted[1]} (of them {sum(r.again and not r.answers for r in self.rounds)} "
            f"'something went wrong, try again', {sum(r.refused for r in self.rounds)} refused with why, "
            f"{sum(r.failed for r in self.rounds)} a failed job, "
            f"{sum(r.late and r.answers == 1 for r in self.rounds)} after the person's patience), "
            f"twice or more {counted[2]}, never {counted[0]} (counted once every job had ended, "
            f"{self.settled:.0f} s after the people stopped)",
            f"press → queued: p50 {q50:.2f} s, p95 {q95:.2f} s outside the database's outages "
            f"(p50 {a50:.2f} s, p95 {a95:.2f} s with them); p95 {alone:.2f} s of presses alone, "
            f"{burst:.2f} s in the groups' bursts (outside the outages)",
            f"press → result: p50 {p50:.1f} s, p95 {p95:.1f} s",
            "faults: " + "; ".join(f"{at:.0f} s {what}" for at, what in self.faults),
        ]
        for name, samples in sorted(self.memory.items()):
            if samples:
                first = next((rss for at, rss in samples if at >= 60), samples[0][1])
                out.append(
                    f"memory {name}: {first / 2**20:.0f} MB after the first minute → {samples[-1][1] / 2**20:.0f} MB"
                )
        if self.disk:
            first = next((size for at, size in self.disk if at >= 60), self.disk[0][1])
            for k, what in enumerate(("picture store (a cache pruned at 2 GB or 7 days)", "database")):
                out.append(
                    f"disk, {what}: {first[k] / 2**20:.1f} MB after the first minute → "
                    f"{self.disk[-1][1][k] / 2**20:.1f} MB"
                )
        if self.cpu:
            out.append(
                f"CPU seconds over {self.seconds:.0f} s: "
                + ", ".join(f"{kind} {seconds:.0f}" for kind, seconds in sorted(self.cpu.items(), key=lambda i: -i[1]))
                + f" (of {self.seconds * (os.cpu_count() or 1):.0f} on {os.cpu_count()} cores)"
            )
        if self.group_minutes:
            most, what = max(self.group_minutes, key=lambda m: m[0])
            out.append(
                f"groups' busiest minute: {most} messages and edits (median group "
                f"{statistics.median(m[0] for m in self.group_minutes):.0f}; Telegram allows about 20 a minute "
                f"in a group): " + ", ".join(f"{n} {w}" for w, n in what.items())
            )
        out.append("stopped on SIGTERM in: " + ", ".join(f"{n} {s:.1f} s" for n, s in sorted(self.stops.items())))
        for r in [r for r in self.rounds if r.seen][:4]:
            what = f"answered {r.answers} times" if r.answers else "never answered"
            out.append(f"{what}: person {r.user} ({r.kind}), pressed at {r.pressed - self.started:.0f} s")
            out += [f"    {line}" for line in r.seen]
        out.append(f"ERROR lines in the logs: {len(self.errors)}")
        out += [f"  {line}" for line in dict.fromkeys(self.errors)][:12]
        return out
