"""Who may press what: every button that names a job answers only to its owner, in its own chat
(callback data can be forged); a group member's keyboards answer only to them (bot.features.permits,
buttons)."""

from __future__ import annotations

import asyncio

import pytest

from ..bot_harness import (
    answer_to,
    member,
    painted,
    text_message,
)


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
