"""The catalogs, checked by machine rather than by eye: every message translated in every language
with the same placeholders, the template in step with the source, phone-sized buttons, plural forms,
and Telegram's language codes mapped to ours."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import i18n, texts
from bot.menus import ADMIN_COMMANDS, COMMANDS, DESCRIPTION, OWNER_COMMANDS, SHORT_DESCRIPTION
from bot.modes import dream, texture
from bot.texts import admin as admin_texts

LOCALES = Path(i18n.__file__).parent / "locales"
TRANSLATED = [language for language in i18n.LANGUAGES if language != i18n.DEFAULT]
KEYWORDS = {"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)}
#: Longest inline button label, in characters (a phone shows about this many in a two-button row).
BUTTON_CHARS = 20


def template() -> dict:
    with (LOCALES / "paintbot.pot").open("rb") as handle:
        return {m.id: m for m in read_po(handle) if m.id}


def catalog(language: str):
    with (LOCALES / language / "LC_MESSAGES" / "paintbot.po").open("rb") as handle:
        return read_po(handle, locale=language)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_the_template_holds_every_message_of_the_source():
    found = set()
    for _, _, message, *_ in extract_from_dir(str(Path(i18n.__file__).parent), keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else tuple(message))
    assert found == set(template()), "run `make i18n-extract i18n-update` after changing a message"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_with_the_same_placeholders(language):
    po, ids = catalog(language), template()
    translated = {m.id: m for m in po if m.id}
    assert set(translated) == set(ids), f"{language}: messages missing or left over"
    for msgid, message in translated.items():
        assert not message.fuzzy, (language, msgid)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(forms), (language, msgid)  # every plural form written
        wanted = placeholders(msgid if isinstance(msgid, str) else msgid[1])
        for form in forms:
            assert placeholders(form) == wanted, (language, msgid, form)
            assert form.count("\n") == (msgid if isinstance(msgid, str) else msgid[0]).count("\n"), (language, msgid)
    assert not [(message.id, errors) for message, errors in po.check()]  # Babel's own checks: formats, plurals
    assert po.num_plurals == {"ru": 3, "uk": 3, "zh_Hans": 1, "zh_Hant": 1}.get(language, po.num_plurals)


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_button_labels_fit_a_phone(language):
    with i18n.using(language):
        modules = (texts, admin_texts, texture, dream)
        buttons = [v for m in modules for name, v in vars(m).items() if name.startswith("BUTTON_")]
        assert buttons and all(isinstance(button, i18n.Text) for button in buttons)
        labels = [button() for button in buttons]
        for group in (texts.QUALITY_LABELS, texts.STRENGTH_LABELS, dream.DEPTH_LABELS, dream.INTENSITY_LABELS):
            labels += group().values()
        labels += [texts.LANGUAGE_AUTO(), *i18n.LANGUAGES.values()]
        too_long = [label for label in labels if len(texts.marked(True, label)) > BUTTON_CHARS + 2]
        assert not too_long, (language, too_long)
        for name, description in (*COMMANDS, *ADMIN_COMMANDS, *OWNER_COMMANDS):
            assert 1 <= len(i18n.gettext(description)) <= 256, (language, name)
        assert len(i18n.gettext(DESCRIPTION)) <= 512 and len(i18n.gettext(SHORT_DESCRIPTION)) <= 120


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("ru", {1: "1 шаг", 2: "2 шага", 5: "5 шагов", 21: "21 шаг"}),
        ("uk", {1: "1 крок", 2: "2 кроки", 5: "5 кроків", 21: "21 крок"}),
        ("en", {1: "1 step", 2: "2 steps", 5: "5 steps", 21: "21 steps"}),
        ("zh_Hans", {1: "1 步", 2: "2 步", 5: "5 步", 21: "21 步"}),
    ],
)
def test_plural_forms(language, forms):
    with i18n.using(language):
        assert {n: texts.steps(n) for n in forms} == forms


def test_russian_and_ukrainian_pictures_take_three_forms():
    with i18n.using("ru"):
        limits = [texts.queue_limit(n).split(" — ")[0] for n in (1, 2, 5, 21)]
        assert limits == ["У вас уже ждёт 1 картинка", "У вас уже ждут 2 картинки", "У вас уже ждут 5 картинок",
                          "У вас уже ждёт 21 картинка"]  # fmt: skip
    with i18n.using("uk"):
        assert [texts.styles_saved(n).split(".")[0] for n in (1, 2, 5)] == [
            "🖼 Збережено 1 стиль", "🖼 Збережено 2 стилі", "🖼 Збережено 5 стилів"]  # fmt: skip


def test_telegram_language_codes_map_to_ours():
    cases = {"ru": "ru", "uk": "uk", "es": "es", "es-MX": "es", "pt": "pt_BR", "pt-br": "pt_BR", "pt-PT": "pt_BR",
             "zh": "zh_Hans", "zh-hans": "zh_Hans", "zh-CN": "zh_Hans", "en-US": "en", "de": None, "": None,
             None: None, "zh-TW": "zh_Hant", "zh-hk": "zh_Hant", "zh-Hant": "zh_Hant",
             "zh-hant-tw-x-abcdefgh": "zh_Hant", "zh-Hans-HK": "zh_Hans", "zh-MO": "zh_Hant",
             "zh-SG": "zh_Hans"}  # fmt: skip
    assert {code: i18n.normalize(code) for code in cases} == cases


def test_durations_and_numbers_follow_the_language():
    shown = {}
    for language in ("en", "ru", "zh_Hans", "es"):
        with i18n.using(language):
            shown[language] = (i18n.duration(45), i18n.duration(200), i18n.duration(3900), i18n.number(12345.5, 1))
    assert shown["en"] == ("45 sec", "3 min", "1 hr 5 min", "12,345.5")
    assert shown["ru"][1] == "3 мин" and shown["ru"][3] == "12\u00a0345,5"
    assert shown["zh_Hans"][0] == "45秒"
    assert shown["es"][3] == "12.345,5"


def test_the_language_is_per_task_not_per_process():
    import asyncio

    async def answer(language: str) -> str:
        i18n.use(language)
        await asyncio.sleep(0.01)  # another update's task runs meanwhile
        return texts.BUTTON_GO()

    async def both() -> list[str]:
        return await asyncio.gather(asyncio.create_task(answer("ru")), asyncio.create_task(answer("es")))

    assert asyncio.run(both()) == ["▶ Стилизовать", "▶ Estilizar"]
    assert i18n.current() == "en" and texts.BUTTON_GO() == "▶ Stylize"


def test_engine_errors_are_worded_from_their_code():
    from engine.errors import ImageError
    from engine.imaging import open_image

    from ..conftest import picture

    with pytest.raises(ImageError) as caught:
        open_image(picture(12, 12))
    with i18n.using("es"):
        said = texts.picture_problem(caught.value.code, caught.value.params)
    assert said.startswith("Esa imagen mide solo 12×12 píxeles") and "16" in said
    assert re.search(r"\{\w+\}", said) is None
