"""Traditional Chinese from the Simplified catalog: ``make i18n-hant`` (needs ``opencc``, a dev tool).

OpenCC's ``s2twp`` converts characters and the phrases that differ in Taiwan (软件 → 軟體, 视频 →
影片); the result is written as ``bot/locales/zh_Hant``. Run it after the Simplified catalog changes
(``tests/bot/test_i18n.py`` fails until every language has every message)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parents[1] / "bot" / "locales"


def main() -> None:
    import opencc

    convert = opencc.OpenCC("s2twp").convert
    with open(LOCALES / "zh_Hans" / "LC_MESSAGES" / "paintbot.po", "rb") as handle:
        catalog = read_po(handle, locale="zh_Hans")
    catalog.locale = "zh_Hant"
    catalog.language_team = "zh_Hant <paintbot>"
    catalog.header_comment = catalog.header_comment.replace("Simplified", "Traditional")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, tuple):
            message.string = tuple(convert(s) for s in message.string)
        else:
            message.string = convert(message.string)
    target = LOCALES / "zh_Hant" / "LC_MESSAGES" / "paintbot.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True)
    print(f"wrote {target.relative_to(LOCALES.parents[1])}: {len(catalog)} messages")


if __name__ == "__main__":
    main()
