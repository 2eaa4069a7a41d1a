"""Languages end to end against the Bot API double: each language through the whole flow from its
Telegram app's language code, /language overriding it (and surviving a restart), a group's own
language, and the command menus and descriptions per language. Expected texts come from the
catalogs (bot.i18n), never typed here, and each is checked to differ from the English."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot import i18n, texts
from bot.menus import COMMANDS, DESCRIPTION
from bot.texts import admin as admin_texts

from ..bot_harness import (
    ART_CLUB,
    RunningBot,
    buttons,
    member,
    photo_with,
    prepare,
    text_message,
)
from ..conftest import picture, stripes
from ..fake_engine import FakeEngine


def said(language: str, name: str, *args) -> str:
    """What the bot says for ``texts.<name>`` in ``language`` (a formatter's text up to its first value)."""
    with i18n.using(language):
        module = next(m for m in (texts, admin_texts) if hasattr(m, name))
        return getattr(module, name)(*args)


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("ru", "ru"),
        ("zh-hans", "zh_Hans"),
        ("zh-hant-tw-x-abcdefgh", "zh_Hant"),
        ("es", "es"),
        ("pt-br", "pt_BR"),
        ("uk", "uk"),
    ],
)
async def test_the_whole_flow_speaks_the_users_language(running, client, code, language):
    lea = client.user(7100, "Lea", language_code=code)
    await lea.send_text("/start")
    help_text = said(language, "HELP")
    assert help_text != said("en", "HELP")
    await lea.wait_for(lambda e: text_message(e, help_text))
    await lea.send_photo(picture(160, 120))
    await lea.wait_for(lambda e: text_message(e, said(language, "CONTENT_SAVED")))
    mark = await lea.mark()
    await lea.send_photo(stripes(96, 96))
    ready = await lea.wait_for(lambda e: text_message(e, said(language, "STYLE_SAVED")), since=mark)
    assert buttons(ready) == [said(language, "BUTTON_GO"), said(language, "BUTTON_SETTINGS")]
    await lea.press(said(language, "BUTTON_GO"))
    with i18n.using(language):
        done = texts.done_in(1).split(" ")[0]  # the translated "Done" before the time
    result = await lea.wait_for(lambda e: photo_with(e, done), timeout=20)
    assert said(language, "BUTTON_AGAIN") in buttons(result)
    with i18n.using(language):
        assert texts.steps(6) in result["message"]["caption"]  # the default quality: balanced


def confirmed(language: str):
    """The /language message, edited into the confirmation in the chosen language."""
    text = said(language, "language_set", i18n.LANGUAGES[language])
    return lambda e: e["kind"] == "edit" and e["after"].get("text") == text


IVANS_CHAT = json.dumps({"chat_id": 7101, "type": "chat"}, sort_keys=True)


async def test_language_overrides_telegrams_and_survives_a_restart(double, client, tmp_path):
    running = await RunningBot(double, tmp_path).start()
    ivan = client.user(7101, "Ivan", language_code="ru")
    try:
        await ivan.send_text("/language")
        pick = await ivan.wait_for(lambda e: text_message(e, said("ru", "LANGUAGE_PICK")))
        assert i18n.LANGUAGES["es"] in buttons(pick) and said("ru", "LANGUAGE_AUTO") in buttons(pick)
        mark = await ivan.mark()
        await ivan.press(i18n.LANGUAGES["es"])
        await ivan.wait_for(confirmed("es"))
        mark = await ivan.mark()
        await ivan.send_text("/new")
        await ivan.wait_for(lambda e: text_message(e, said("es", "STARTED_OVER")), since=mark)
        with i18n.using("es"):  # his chat's command menu follows his choice, not his app's language
            wanted = [{"command": name, "description": i18n.gettext(text)} for name, text in COMMANDS]
        assert double.commands[(IVANS_CHAT, "")] == wanted
    finally:
        await running.stop()
    running = await RunningBot(double, tmp_path).start()  # the same database: the choice is kept
    try:
        mark = await ivan.mark()
        await ivan.send_text("/new")
        await ivan.wait_for(lambda e: text_message(e, said("es", "STARTED_OVER")), since=mark)
        await ivan.send_text("/language")
        await ivan.wait_for(lambda e: text_message(e, said("es", "LANGUAGE_PICK")), since=mark)
        await ivan.press(said("es", "LANGUAGE_AUTO"))  # back to what his Telegram says
        await ivan.wait_for(confirmed("ru"))
        for _ in range(100):  # and the per-language menus again (the menu is set just after the answer)
            if (IVANS_CHAT, "") not in double.commands:
                break
            await asyncio.sleep(0.05)
        assert (IVANS_CHAT, "") not in double.commands
        mark = await ivan.mark()
        await ivan.send_text("/new")
        await ivan.wait_for(lambda e: text_message(e, said("ru", "STARTED_OVER")), since=mark)
    finally:
        await running.stop()


GROUP = -100888


async def test_a_groups_language_is_used_for_everyone_there(running, client):
    ana = client.user(7201, "Ana", chat_id=GROUP, chat_type="supergroup", title="Club", language_code="es")
    tom = client.user(7202, "Tom", chat_id=GROUP, chat_type="supergroup", title="Club", language_code="en")
    await client.set_member(GROUP, 7201, "administrator")
    await client.set_member(GROUP, 7202, "member")
    # no group language: each member in their own; the queue (shared) in English
    await ana.send_text("/stylize")
    await ana.wait_for(lambda e: text_message(e, said("es", "GROUP_HOW")))
    mark = await tom.mark()
    await tom.send_text("/queue")
    await tom.wait_for(lambda e: text_message(e, said("en", "QUEUE_EMPTY_GROUP")), since=mark)
    # Ana sets Ukrainian for the group: the confirmation, then everyone's answers, are in Ukrainian
    mark = await ana.mark()
    await ana.send_text("/set language uk")
    confirmation = (await ana.wait_for(lambda e: text_message(e, "✅ language"), since=mark))["message"]["text"]
    assert said("uk", "IN_THIS_CHAT") in confirmation and said("uk", "UNSET") in confirmation, confirmation
    assert said("en", "IN_THIS_CHAT") not in confirmation  # one language, not two
    for person in (ana, tom):
        mark = await person.mark()
        await person.send_text("/stylize")
        await person.wait_for(lambda e: text_message(e, said("uk", "GROUP_HOW")), since=mark)
    mark = await tom.mark()
    await tom.send_text("/queue")
    await tom.wait_for(lambda e: text_message(e, said("uk", "QUEUE_EMPTY_GROUP")), since=mark)
    mark = await ana.mark()
    await ana.send_text("/unset language")
    await ana.wait_for(lambda e: text_message(e, "✅ language"), since=mark)
    mark = await tom.mark()
    await tom.send_text("/stylize")
    await tom.wait_for(lambda e: text_message(e, said("en", "GROUP_HOW")), since=mark)


async def test_menus_and_descriptions_in_every_language(running, double):
    default = json.dumps({"type": "default"}, sort_keys=True)
    for language, code in {"en": "", "ru": "ru", "zh_Hans": "zh", "es": "es", "pt_BR": "pt", "uk": "uk"}.items():
        with i18n.using(language):
            wanted = [{"command": name, "description": i18n.gettext(text)} for name, text in COMMANDS]
            description = i18n.gettext(DESCRIPTION)
        assert double.commands[(default, code)] == wanted, language
        assert double.descriptions[("description", code)] == description
        assert ("short_description", code) in double.descriptions
    with i18n.using("ru"):
        assert double.commands[(default, "ru")][0]["description"] != COMMANDS[0][1]


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


async def test_settings_in_russian_name_keys_and_values(running, client):
    from bot import i18n, texts

    ira = client.user(9621, "Ира", language_code="ru")
    await ira.send_text("/settings")
    with i18n.using("ru"):
        name, balanced = admin_texts.SETTING_NAMES()["quality"], texts.QUALITY_LABELS()["balanced"]
    said = await ira.wait_for(lambda e: text_message(e, f"{name} (quality) = {balanced} (balanced)"))
    assert "keep_colors" in said["message"]["text"]  # the key /set takes, beside its name


# 11. The reply box's placeholder under a group's style prompt speaks the member's language.
async def test_the_style_prompts_placeholder_is_translated(running, client, double):
    from bot import i18n, texts

    ola = member(client, 9651, "Оля", language_code="uk")
    await ola.send_photo(picture(120, 90), caption="/stylize")
    prompt = await ola.wait_for(lambda e: e["kind"] == "message" and "Оля" in (e["message"].get("text") or ""))
    with i18n.using("uk"):
        wanted = texts.STYLE_PLACEHOLDER()
    assert wanted != "A painting, a texture…"
    markup = double.messages[(ART_CLUB, prompt["message"]["message_id"])]["reply_markup"]  # as the bot sent it
    assert markup["force_reply"] and markup["input_field_placeholder"] == wanted
