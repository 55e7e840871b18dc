"""The compiled catalogs shipped in the package say exactly what their .po sources say."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.pofile import read_po

from highseas.web.i18n import CATALOG_DIRS, DOMAIN, LOCALE_DIR


def _po_messages(path: Path) -> dict[object, str]:
    with path.open("rb") as file:
        catalog = read_po(file)
    messages: dict[object, str] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            for n, text in enumerate(message.string):
                messages[(message.id[0], n)] = text
        else:
            messages[message.id] = str(message.string)
    return messages


def test_every_mo_file_is_compiled_from_its_current_po_file() -> None:
    for directory in CATALOG_DIRS.values():
        folder = LOCALE_DIR / directory / "LC_MESSAGES"
        with (folder / f"{DOMAIN}.mo").open("rb") as file:
            compiled = dict(gettext.GNUTranslations(file)._catalog)  # type: ignore[attr-defined]
        compiled.pop("", None)
        assert compiled == _po_messages(folder / f"{DOMAIN}.po"), f"run scripts/translations for {directory}"


def test_every_message_has_a_chinese_translation() -> None:
    untranslated = [
        key for key, text in _po_messages(LOCALE_DIR / "zh_Hans/LC_MESSAGES/messages.po").items() if not text
    ]
    assert untranslated == []
